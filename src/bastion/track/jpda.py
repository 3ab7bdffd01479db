"""Joint probabilistic data association (JPDA): marginal association probabilities and the PDA update.

For each track i and gated detection j the tracker supplies the likelihood ratio of the pair,
w_ij = P_D N(nu_ij; 0, S_i) / lambda (lambda the clutter density in measurement space), and of a
miss, w_i0 = 1 - P_D P_G. A joint event assigns each track at most one detection and each
detection at most one track; its weight is the product of its tracks' w. The marginal probability
beta_ij that detection j is track i's is the total weight of the events with that pair over the
total weight (Y. Bar-Shalom, F. Daum and J. Huang, "The probabilistic data association filter",
IEEE Control Systems 29(6), 2009, §"JPDAF").

The gated graph splits into independent clusters. Marginals are computed for all clusters at once
by loopy belief propagation (J. Williams and R. Lau, "Approximate evaluation of marginal association
probabilities with belief propagation", IEEE TAES 50(4), 2014, eqs. 28-30), which is exact on
clusters whose graph is a tree (every cluster of one track, the PDA case); clusters of several
tracks with at most ``max_events`` joint events are then recomputed exactly by enumerating them
(vectorised per cluster). Larger clusters keep the belief-propagation marginals: an approximation
(the Bethe approximation of the assignment sum), which on small fully connected clusters can be off
by ~0.1 in probability — hence the exact enumeration wherever it is affordable.
"""

from __future__ import annotations

import numpy as np

from bastion.track.ekf import gain
from bastion.track.gating import clusters


def marginals(
    n_tracks: int,
    n_dets: int,
    ti: np.ndarray,
    dj: np.ndarray,
    log_w: np.ndarray,
    log_w_miss: np.ndarray,
    max_events: int = 20_000,
    iterations: int = 200,
    tolerance: float = 1e-12,
) -> tuple[np.ndarray, np.ndarray]:
    """Association probabilities of the pairs (P,) and miss probabilities of the tracks (N,)."""
    beta0 = np.ones(n_tracks)
    if ti.size == 0:
        return np.zeros(0), beta0
    # scale each track's weights by its largest (marginals are invariant to a per-track factor), and
    # floor the ratios at e^-25: belief propagation subtracts a message from a sum, which loses all
    # precision for ratios near 1e-16; the floor changes no marginal by more than ~1e-11
    top = np.array(log_w_miss, dtype=float)
    np.maximum.at(top, ti, log_w)
    lpsi, lpsi0 = np.maximum(log_w - top[ti], -25.0), np.maximum(log_w_miss - top, -25.0)
    psi, psi0 = np.exp(lpsi), np.exp(lpsi0)

    # loopy belief propagation over the pairs (messages track->detection mu, detection->track nu)
    nu = np.ones_like(psi)
    for _ in range(iterations):
        s = psi0 + np.bincount(ti, psi * nu, minlength=n_tracks)
        mu = psi / (s[ti] - psi * nu)
        t = np.bincount(dj, mu, minlength=n_dets)
        nu_new = 1.0 / (1.0 + t[dj] - mu)
        done = np.max(np.abs(nu_new - nu)) < tolerance
        nu = nu_new
        if done:
            break
    s = psi0 + np.bincount(ti, psi * nu, minlength=n_tracks)
    beta = psi * nu / s[ti]
    beta0 = psi0 / s

    # exact enumeration for small loopy clusters (several tracks): a loop over such clusters
    comp, tracks_in, _ = clusters(n_tracks, n_dets, ti, dj)
    multi = tracks_in[comp] > 1
    if multi.any():
        idx = np.flatnonzero(multi)
        idx = idx[np.argsort(comp[idx], kind="stable")]
        bounds = np.flatnonzero(np.diff(comp[idx])) + 1
        for sel in np.split(idx, bounds):
            _exact_cluster(sel, ti, dj, lpsi, lpsi0, beta, beta0, max_events)
    return beta, beta0


def _exact_cluster(sel, ti, dj, lpsi, lpsi0, beta, beta0, max_events: int) -> None:
    """Exact marginals of one cluster's pairs ``sel`` by enumerating its joint events (in place)."""
    tracks, t_loc = np.unique(ti[sel], return_inverse=True)
    nt = tracks.size
    per_track = [sel[t_loc == k] for k in range(nt)]  # pair indices of each track
    sizes = np.array([p.size + 1 for p in per_track])
    if np.prod(sizes.astype(float)) > max_events:
        return
    grids = np.meshgrid(*[np.arange(s) for s in sizes], indexing="ij")
    opts = np.stack([g.ravel() for g in grids], axis=1)  # (E, nt): option 0 = miss, o >= 1 = pair o-1
    dets = np.full(opts.shape, -1, dtype=np.intp)
    logw = np.zeros(opts.shape[0])
    for k in range(nt):  # tracks of this cluster
        pairs = per_track[k]
        o = opts[:, k]
        hit = o > 0
        dets[hit, k] = dj[pairs[o[hit] - 1]]
        logw += np.where(hit, lpsi[pairs[np.maximum(o, 1) - 1]], lpsi0[tracks[k]])
    srt = np.sort(dets, axis=1)
    clash = ((srt[:, 1:] == srt[:, :-1]) & (srt[:, 1:] >= 0)).any(axis=1)
    w = np.where(clash, 0.0, np.exp(logw - logw[~clash].max()))
    total = w.sum()
    for k in range(nt):
        mass = np.bincount(opts[:, k], w, minlength=sizes[k]) / total
        beta0[tracks[k]] = mass[0]
        beta[per_track[k]] = mass[1:]


def pda_update(x, P, nu_pairs, beta_pairs, beta0, pair_track, S, C, n_tracks):
    """PDA state update of tracks (N, n), (N, n, n) given their gated pairs' innovations (P, m).

    x+ = x + K nu_bar,  P+ = P - (1 - beta0) K S K' + K (sum_j beta_j nu_j nu_j' - nu_bar nu_bar') K'
    with nu_bar = sum_j beta_j nu_j (Bar-Shalom, Daum and Huang 2009, eqs. 37-41).
    """
    m = nu_pairs.shape[1]
    nu_bar = np.zeros((n_tracks, m))
    np.add.at(nu_bar, pair_track, beta_pairs[:, None] * nu_pairs)
    spread = np.zeros((n_tracks, m, m))
    np.add.at(spread, pair_track, beta_pairs[:, None, None] * np.einsum("pi,pj->pij", nu_pairs, nu_pairs))
    spread -= np.einsum("ni,nj->nij", nu_bar, nu_bar)
    K = gain(S, C)
    x = x + np.einsum("nij,nj->ni", K, nu_bar)
    KSK = K @ S @ K.transpose(0, 2, 1)
    P = P - (1.0 - beta0)[:, None, None] * KSK + K @ spread @ K.transpose(0, 2, 1)
    return x, 0.5 * (P + P.transpose(0, 2, 1))
