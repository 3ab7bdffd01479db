"""Threat evaluation: where and when each track would strike, what is there, and how likely.

Air-breathing threats (DRONE, UNKNOWN): straight-line extrapolation of the ground track. For every
zone of positive value, the zone's polygon is projected on the track's path: its cross-track extent
``[c_min, c_max]`` and along-track extent ``[a_min, a_max]``. The track's future lateral offset from
the predicted path is Gaussian with variance ``sigma_p^2 + t^2 sigma_v^2 + (k_intent * a)^2`` — the
track's position and cross-track velocity uncertainty (from its covariance) plus an intent term for
a drone that may still turn (``k_intent`` = 0.1 rad, about 6 deg of heading, over the distance
``a`` to go) — so the probability that the threat reaches the zone is
``Phi(c_max / s) - Phi(c_min / s)``. The zone most at risk maximises value x probability; the
predicted impact point is the point of that zone nearest the predicted path at the zone's centre
along-track, the time to impact is the time to fly there plus the terminal dive from the track's
height, and the 95 % ellipse has the lateral and along-track sigmas.

Ballistic and falling tracks: vacuum ballistic extrapolation from the track state to the ground
(time to impact from the quadratic; the track's velocity covariance propagated linearly).

A threat whose impact lies in open ground (no zone of positive value at risk) has zero threat value:
logged, warned of nowhere, not engaged.
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy.special import ndtr

from bastion.assess.types import TrackClass
from bastion.physics.constants import G0
from bastion.physics.geometry import confidence_scale
from bastion.scenario.compiled import ZoneArea
from bastion.track.types import Tracks

K_INTENT = 0.1  # [rad] heading uncertainty of an air-breathing threat
HORIZON_S = 900.0  # no impact predicted further ahead than this
DIVE_ANGLE = np.radians(30.0)  # assumed terminal dive for time-to-impact


SAMPLES = 256


_VERTS: dict[tuple[int, ...], np.ndarray] = {}


def _vertices(zones: list[ZoneArea]) -> np.ndarray:
    """Exterior vertices of each zone, padded to a common count by repeating the last (Z, V, 2)."""
    key = tuple(id(z) for z in zones)
    if key in _VERTS:
        return _VERTS[key]
    rings = [np.asarray(shapely.get_exterior_ring(z.geometry).coords)[:-1] for z in zones]
    n = max(r.shape[0] for r in rings)
    _VERTS[key] = np.stack([np.vstack([r, np.repeat(r[-1:], n - r.shape[0], axis=0)]) for r in rings])
    return _VERTS[key]


def contains_many(zones: list[ZoneArea], points: np.ndarray) -> np.ndarray:
    """(N, Z) whether each point (N, 2) lies in each zone."""
    return np.stack([shapely.intersects_xy(z.geometry, points[:, 0], points[:, 1]) for z in zones], axis=1)


def evaluate(tracks: Tracks, klass: np.ndarray, zones: tuple[ZoneArea, ...]):
    """Per-track zone index, impact point (N,2), absolute impact time, ellipse axes (N,2),
    orientation, P(reach) and zone value. Arrays of length N; -1/NaN/0 where nothing is at risk."""
    n = len(tracks)
    zone = np.full(n, -1)
    point = np.full((n, 2), np.nan)
    t_imp = np.full(n, np.nan)
    axes = np.full((n, 2), np.nan)
    orient = np.full(n, np.nan)
    p_reach = np.zeros(n)
    value = np.zeros(n)
    if n == 0:
        return zone, point, t_imp, axes, orient, p_reach, value
    k95 = confidence_scale(0.95, 1)
    valued = [z for z in zones if z.value > 0 and z.kind != "open"]
    ballistic = (klass == TrackClass.BALLISTIC) | (klass == TrackClass.FALLING)
    air = ~ballistic
    if valued and air.any():
        i = np.flatnonzero(air)
        p = tracks.x[i, :2]
        v = tracks.x[i, 3:5]
        speed = np.hypot(v[:, 0], v[:, 1])
        moving = speed > 3.0
        u = v / np.maximum(speed, 1e-6)[:, None]
        nrm = np.stack([u[:, 1], -u[:, 0]], axis=1)
        verts = _vertices(valued)  # (Z, V, 2)
        centers = np.array([z.center for z in valued])
        vals = np.array([z.value for z in valued])
        rel_v = verts[None] - p[:, None, None, :]  # (n, Z, V, 2)
        along_v = np.einsum("nzvk,nk->nzv", rel_v, u)
        cross_v = np.einsum("nzvk,nk->nzv", rel_v, nrm)
        amin, amax = along_v.min(axis=2), along_v.max(axis=2)
        cmin, cmax = cross_v.min(axis=2), cross_v.max(axis=2)
        a_mid = np.einsum("nzk,nk->nz", centers[None] - p[:, None, :], u)
        a_hit = np.clip(a_mid, np.maximum(amin, 0.0), np.maximum(amax, 0.0))
        tgo = a_hit / np.maximum(speed, 1e-6)[:, None]
        Ppp = tracks.P[i, :2, :2]
        Pvv = tracks.P[i, 3:5, 3:5]
        sp2 = np.einsum("nk,nkl,nl->n", nrm, Ppp, nrm)
        sv2 = np.einsum("nk,nkl,nl->n", nrm, Pvv, nrm)
        lat2 = sp2[:, None] + tgo**2 * sv2[:, None] + (K_INTENT * a_hit) ** 2 + 1.0
        s = np.sqrt(lat2)
        prob = ndtr(cmax / s) - ndtr(cmin / s)
        inside = contains_many(valued, p)  # (n, Z)
        ahead = (amax > 0) & (tgo < HORIZON_S) & moving[:, None]
        prob = np.where(inside, 1.0, np.where(ahead, prob, 0.0))
        risk = prob * vals[None, :]
        best = np.argmax(risk, axis=1)
        r = np.arange(i.size)
        has = risk[r, best] > 0
        j = i[has]
        b = best[has]
        zone[j] = np.array([valued[k].index for k in b], dtype=int)
        p_reach[j] = prob[has, b]
        value[j] = vals[b]
        tg = tgo[has, b]
        lateral = np.clip(0.0, cmin[has, b], cmax[has, b])
        point[j] = p[has] + u[has] * a_hit[has, b][:, None] + nrm[has] * lateral[:, None]
        h = np.maximum(tracks.x[j, 2], 0.0)
        sp = np.maximum(speed[has], 1.0)
        t_imp[j] = tracks.t + tg + np.maximum(h / np.sin(DIVE_ANGLE) / sp - h / np.tan(DIVE_ANGLE) / sp, 0.0)
        sa2 = np.einsum("nk,nkl,nl->n", u[has], Ppp[has], u[has]) + tg**2 * np.einsum(
            "nk,nkl,nl->n", u[has], Pvv[has], u[has]
        )
        sa = np.sqrt(sa2)
        lat = s[has, b]
        axes[j] = k95 * np.stack([np.maximum(sa, lat), np.minimum(sa, lat)], axis=1)
        orient[j] = np.where(sa >= lat, np.arctan2(u[has, 0], u[has, 1]), np.arctan2(nrm[has, 0], nrm[has, 1]))
    if ballistic.any():
        i = np.flatnonzero(ballistic)
        x = tracks.x[i]
        h, vu = x[:, 2], x[:, 5]
        tti = (vu + np.sqrt(vu**2 + 2 * G0 * np.maximum(h, 0.0))) / G0
        point[i] = x[:, :2] + x[:, 3:5] * tti[:, None]
        t_imp[i] = tracks.t + tti
        cov = tracks.P[i, :2, :2] + tti[:, None, None] ** 2 * tracks.P[i, 3:5, 3:5]
        vals_, vecs = np.linalg.eigh(cov)
        axes[i] = k95 * np.sqrt(np.maximum(vals_[:, ::-1], 0.0))
        orient[i] = np.arctan2(vecs[:, 0, 1], vecs[:, 1, 1])
        if valued:
            # probability of falling in each zone: fraction of samples of the impact distribution
            rng = np.random.default_rng(0)  # fixed quasi-sample set, not a simulation draw
            std = rng.standard_normal((SAMPLES, 2))
            L = np.linalg.cholesky(cov + np.eye(2) * 1e-6)
            pts = point[i][:, None, :] + np.einsum("nij,sj->nsi", L, std)  # (n, S, 2)
            vals = np.array([z.value for z in valued])
            frac = np.stack(
                [
                    shapely.intersects_xy(z.geometry, pts[..., 0].ravel(), pts[..., 1].ravel())
                    .reshape(pts.shape[:2])
                    .mean(axis=1)
                    for z in valued
                ],
                axis=1,
            )  # (n, Z)
            risk = frac * vals[None, :]
            best = np.argmax(risk, axis=1)
            has = risk[np.arange(i.size), best] > 0
            zone[i[has]] = np.array([valued[k].index for k in best[has]], dtype=int)
            p_reach[i[has]] = frac[has, best[has]]
            value[i[has]] = vals[best[has]]
    return zone, point, t_imp, axes, orient, p_reach, value
    k95 = confidence_scale(0.95, 1)
    valued = [z for z in zones if z.value > 0 and z.kind != "open"]
    ballistic = (klass == TrackClass.BALLISTIC) | (klass == TrackClass.FALLING)
    air = ~ballistic
    if valued and air.any():
        i = np.flatnonzero(air)
        p = tracks.x[i, :2]
        v = tracks.x[i, 3:5]
        speed = np.hypot(v[:, 0], v[:, 1])
        moving = speed > 3.0
        u = v / np.maximum(speed, 1e-6)[:, None]
        nrm = np.stack([u[:, 1], -u[:, 0]], axis=1)
        verts = _vertices(valued)  # (Z, V, 2)
        centers = np.array([z.center for z in valued])
        vals = np.array([z.value for z in valued])
        rel_v = verts[None] - p[:, None, None, :]  # (n, Z, V, 2)
        along_v = np.einsum("nzvk,nk->nzv", rel_v, u)
        cross_v = np.einsum("nzvk,nk->nzv", rel_v, nrm)
        amin, amax = along_v.min(axis=2), along_v.max(axis=2)
        cmin, cmax = cross_v.min(axis=2), cross_v.max(axis=2)
        a_mid = np.einsum("nzk,nk->nz", centers[None] - p[:, None, :], u)
        a_hit = np.clip(a_mid, np.maximum(amin, 0.0), np.maximum(amax, 0.0))
        tgo = a_hit / np.maximum(speed, 1e-6)[:, None]
        Ppp = tracks.P[i, :2, :2]
        Pvv = tracks.P[i, 3:5, 3:5]
        sp2 = np.einsum("nk,nkl,nl->n", nrm, Ppp, nrm)
        sv2 = np.einsum("nk,nkl,nl->n", nrm, Pvv, nrm)
        lat2 = sp2[:, None] + tgo**2 * sv2[:, None] + (K_INTENT * a_hit) ** 2 + 1.0
        s = np.sqrt(lat2)
        prob = ndtr(cmax / s) - ndtr(cmin / s)
        inside = contains_many(valued, p)  # (n, Z)
        ahead = (amax > 0) & (tgo < HORIZON_S) & moving[:, None]
        prob = np.where(inside, 1.0, np.where(ahead, prob, 0.0))
        risk = prob * vals[None, :]
        best = np.argmax(risk, axis=1)
        r = np.arange(i.size)
        has = risk[r, best] > 0
        j = i[has]
        b = best[has]
        zone[j] = np.array([valued[k].index for k in b], dtype=int)
        p_reach[j] = prob[has, b]
        value[j] = vals[b]
        tg = tgo[has, b]
        lateral = np.clip(0.0, cmin[has, b], cmax[has, b])
        point[j] = p[has] + u[has] * a_hit[has, b][:, None] + nrm[has] * lateral[:, None]
        h = np.maximum(tracks.x[j, 2], 0.0)
        sp = np.maximum(speed[has], 1.0)
        t_imp[j] = tracks.t + tg + np.maximum(h / np.sin(DIVE_ANGLE) / sp - h / np.tan(DIVE_ANGLE) / sp, 0.0)
        sa2 = np.einsum("nk,nkl,nl->n", u[has], Ppp[has], u[has]) + tg**2 * np.einsum(
            "nk,nkl,nl->n", u[has], Pvv[has], u[has]
        )
        sa = np.sqrt(sa2)
        lat = s[has, b]
        axes[j] = k95 * np.stack([np.maximum(sa, lat), np.minimum(sa, lat)], axis=1)
        orient[j] = np.where(sa >= lat, np.arctan2(u[has, 0], u[has, 1]), np.arctan2(nrm[has, 0], nrm[has, 1]))
    if ballistic.any():
        i = np.flatnonzero(ballistic)
        x = tracks.x[i]
        h, vu = x[:, 2], x[:, 5]
        tti = (vu + np.sqrt(vu**2 + 2 * G0 * np.maximum(h, 0.0))) / G0
        point[i] = x[:, :2] + x[:, 3:5] * tti[:, None]
        t_imp[i] = tracks.t + tti
        cov = tracks.P[i, :2, :2] + tti[:, None, None] ** 2 * tracks.P[i, 3:5, 3:5]
        vals_, vecs = np.linalg.eigh(cov)
        axes[i] = k95 * np.sqrt(np.maximum(vals_[:, ::-1], 0.0))
        orient[i] = np.arctan2(vecs[:, 0, 1], vecs[:, 1, 1])
        for jj, ii in enumerate(i):
            best_v, best_z, best_p = 0.0, -1, 0.0
            for z in valued:
                dist = np.hypot(*(point[ii] - z.center))
                sig = max(np.sqrt(np.trace(cov[jj]) / 2), 1.0)
                pz = float(ndtr((z.radius_m - dist) / sig)) if dist > 0 else 1.0
                if pz * z.value > best_v:
                    best_v, best_z, best_p = pz * z.value, z.index, pz
            if best_z >= 0:
                zone[ii], p_reach[ii], value[ii] = best_z, best_p, best_v / max(best_p, 1e-9)
    return zone, point, t_imp, axes, orient, p_reach, value
