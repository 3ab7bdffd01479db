"""Association against brute force: GNN total cost, JPDA marginals and the PDA mixture update."""

import itertools

import numpy as np
import pytest

from bastion.track import jpda
from bastion.track.ekf import gain
from bastion.track.gnn import assign


def _random_graph(rng, n_tracks, n_dets, density):
    pairs = [(i, j) for i in range(n_tracks) for j in range(n_dets) if rng.random() < density]
    if not pairs:
        pairs = [(0, 0)]
    ti, dj = (np.array(a, dtype=np.intp) for a in zip(*pairs, strict=True))
    return ti, dj


def _events(n_tracks, ti, dj):
    """Every joint event: each track takes one of its gated detections or none, detections used once."""
    options = [[-1] + [p for p in range(ti.size) if ti[p] == i] for i in range(n_tracks)]
    for choice in itertools.product(*options):
        used = [dj[p] for p in choice if p >= 0]
        if len(used) == len(set(used)):
            yield choice


@pytest.mark.parametrize("seed", range(12))
def test_gnn_finds_the_minimum_cost_assignment(seed):
    rng = np.random.default_rng(seed)
    n_t, n_d = rng.integers(1, 6), rng.integers(1, 6)
    ti, dj = _random_graph(rng, n_t, n_d, 0.6)
    cost = rng.normal(0, 3, ti.size)
    miss = rng.uniform(-1, 4, n_t)
    got = assign(n_t, n_d, ti, dj, cost, miss)

    def total(choice):
        return sum(cost[p] if p >= 0 else miss[i] for i, p in enumerate(choice))

    best = min(total(c) for c in _events(n_t, ti, dj))
    choice = [next((p for p in range(ti.size) if ti[p] == i and dj[p] == got[i]), -1) for i in range(n_t)]
    assert total(choice) == pytest.approx(best, abs=1e-9)
    used = got[got >= 0]
    assert used.size == np.unique(used).size


@pytest.mark.parametrize("seed", range(12))
def test_jpda_marginals_equal_brute_force_enumeration(seed):
    rng = np.random.default_rng(100 + seed)
    n_t, n_d = rng.integers(1, 5), rng.integers(1, 6)
    ti, dj = _random_graph(rng, n_t, n_d, 0.6)
    log_w = rng.normal(2, 2, ti.size)
    log_miss = np.full(n_t, np.log(0.1))
    beta, beta0 = jpda.marginals(n_t, n_d, ti, dj, log_w, log_miss)
    ref, ref0, total = np.zeros(ti.size), np.zeros(n_t), 0.0
    for choice in _events(n_t, ti, dj):
        w = np.exp(sum(log_w[p] if p >= 0 else log_miss[i] for i, p in enumerate(choice)))
        total += w
        for i, p in enumerate(choice):
            if p >= 0:
                ref[p] += w
            else:
                ref0[i] += w
    assert np.allclose(beta, ref / total, atol=1e-10)
    assert np.allclose(beta0, ref0 / total, atol=1e-10)
    # each track's probabilities sum to one
    assert np.allclose(np.bincount(ti, beta, minlength=n_t) + beta0, 1.0)


def test_belief_propagation_is_exact_on_trees():
    """With enumeration switched off (max_events 0) the marginals come from belief propagation alone,
    which is exact on a cluster whose gated graph is a tree (here a chain of three tracks)."""
    rng = np.random.default_rng(9)
    ti, dj = np.array([0, 0, 1, 1, 2]), np.array([0, 1, 1, 2, 2])
    for _ in range(20):
        log_w = rng.normal(1, 1.5, ti.size)
        log_miss = np.full(3, np.log(0.2))
        exact = jpda.marginals(3, 3, ti, dj, log_w, log_miss)
        bp = jpda.marginals(3, 3, ti, dj, log_w, log_miss, max_events=0)
        assert np.allclose(bp[0], exact[0], atol=1e-9) and np.allclose(bp[1], exact[1], atol=1e-9)


def test_pda_update_is_the_moment_matched_mixture_of_the_hypotheses():
    rng = np.random.default_rng(2)
    n, m = 6, 3
    A = rng.normal(size=(n, n))
    P = A @ A.T + np.eye(n)
    H = rng.normal(size=(m, n))
    R = np.eye(m) * 0.5
    S = H @ P @ H.T + R
    C = P @ H.T
    x = rng.normal(size=n)
    nus = rng.normal(size=(4, m))
    beta = np.array([0.3, 0.25, 0.2, 0.1])
    beta0 = 1.0 - beta.sum()
    got_x, got_P = jpda.pda_update(
        x[None], P[None], nus, beta, np.array([beta0]), np.zeros(4, dtype=np.intp), S[None], C[None], 1
    )
    K = gain(S[None], C[None])[0]
    comps = [(x, P)] + [(x + K @ nu, P - K @ S @ K.T) for nu in nus]
    weights = np.r_[beta0, beta]
    mean = sum(w * c[0] for w, c in zip(weights, comps, strict=True))
    cov = sum(w * (c[1] + np.outer(c[0] - mean, c[0] - mean)) for w, c in zip(weights, comps, strict=True))
    assert np.allclose(got_x[0], mean, atol=1e-12) and np.allclose(got_P[0], cov, atol=1e-10)


def test_chi2_gate_is_scipy_chi2_ppf_to_the_last_bit():
    from scipy.stats import chi2

    from bastion.track.gating import chi2_gate

    rng = np.random.default_rng(7)
    for p in [0.9995, 0.999999, 0.99, 0.95, *rng.uniform(0.01, 0.999999, 50).tolist()]:
        for dof in (1, 2, 3, 4, 6):
            assert chi2_gate(p, dof) == float(chi2.ppf(p, dof))


@pytest.mark.parametrize("search", ["all against all", "k-d tree per group"])
def test_candidate_pairs_by_group_are_the_pairs_within_each_group_and_radius(search, monkeypatch):
    """Groups (a batch of nights) never pair across: each group's pairs are those scipy's distance
    matrix finds within each track's radius among its own rows, whichever search runs; groups whose
    skies coincide (the nights of one raid) and empty groups included."""
    from scipy.spatial.distance import cdist

    from bastion.track import gating

    if search == "k-d tree per group":
        monkeypatch.setattr(gating, "ALL_PAIRS_PER_GROUP", -1)
    rng = np.random.default_rng(3)
    n_tracks, n_dets = [5, 0, 7, 3, 4], [6, 4, 0, 8, 5]
    sky = rng.uniform(-2000.0, 2000.0, (3, 3))  # every group's targets near the same places
    track_pos = np.concatenate([sky[rng.integers(0, 3, n)] + rng.normal(0, 50.0, (n, 3)) for n in n_tracks])
    det_pos = np.concatenate([sky[rng.integers(0, 3, n)] + rng.normal(0, 50.0, (n, 3)) for n in n_dets])
    radius = rng.uniform(20.0, 300.0, track_pos.shape[0])
    tb, db = np.r_[0, np.cumsum(n_tracks)], np.r_[0, np.cumsum(n_dets)]
    ti, dj = gating.candidate_pairs_by_group(track_pos, radius, det_pos, tb, db)
    want = set()
    for g in range(len(n_tracks)):
        d = cdist(track_pos[tb[g] : tb[g + 1]], det_pos[db[g] : db[g + 1]])
        i, j = np.nonzero(d <= radius[tb[g] : tb[g + 1], None])
        want |= set(zip((i + tb[g]).tolist(), (j + db[g]).tolist(), strict=True))
    assert set(zip(ti.tolist(), dj.tolist(), strict=True)) == want, (len(want), ti.size)
    assert len(want) == ti.size > 10
    assert (np.diff(ti) >= 0).all()  # each track's pairs together, tracks in order
    # (without the groups the same sky pairs across them: the test can fail)
    assert gating.candidate_pairs(track_pos, radius, det_pos)[0].size > ti.size


def _assign_cluster_by_cluster(n_tracks, n_dets, ti, dj, cost, miss_cost):
    """The GNN as it was before the blocks (kept as the reference): one exact assignment per connected
    component of the gated graph, the components of one pair decided alone."""
    from scipy.optimize import linear_sum_assignment

    from bastion.track.gating import clusters

    out = np.full(n_tracks, -1, dtype=np.intp)
    comp, tracks_in, dets_in = clusters(n_tracks, n_dets, ti, dj)
    simple = (tracks_in[comp] == 1) & (dets_in[comp] == 1)
    take = simple & (cost < miss_cost[ti])
    out[ti[take]] = dj[take]
    for label in np.unique(comp[~simple]):
        sel = comp == label
        t_ids, t_loc = np.unique(ti[sel], return_inverse=True)
        d_ids, d_loc = np.unique(dj[sel], return_inverse=True)
        nt, nd = t_ids.size, d_ids.size
        big = (max(np.abs(cost[sel]).max(), np.abs(miss_cost[t_ids]).max()) + 1.0) * 10.0 * (nt + 1)
        matrix = np.full((nt, nd + nt), big)
        matrix[t_loc, d_loc] = cost[sel]
        matrix[np.arange(nt), nd + np.arange(nt)] = miss_cost[t_ids]
        rows, cols = linear_sum_assignment(matrix)
        real = cols < nd
        out[t_ids[rows[real]]] = d_ids[cols[real]]
    return out


def _sky(rng, n_tracks, n_dets, radius):
    """Tracks and plots scattered on a plane, paired within ``radius``: components of every size, from
    single pairs to chains of tens of tracks as ``radius`` grows; costs continuous (no exact ties)."""
    from scipy.spatial.distance import cdist

    side = np.sqrt(max(n_tracks, 1)) * 10.0
    near = cdist(rng.uniform(0, side, (n_tracks, 2)), rng.uniform(0, side, (n_dets, 2))) <= radius
    ti, dj = (a.astype(np.intp) for a in np.nonzero(near))
    return ti, dj, rng.normal(-5.0, 4.0, ti.size), rng.uniform(0.5, 3.0, n_tracks)


@pytest.mark.parametrize(
    "setting",
    [
        {},
        {"ENUMERATE_UP_TO": 0},
        {"ENUMERATE_UP_TO": 1000},
        {"BLOCK_TRACKS": 3},
        {"SMALL": 0},
        {"SMALL": 0, "BLOCK_TRACKS": 3},
        {"MAX_ROUNDS": 1},
    ],
    ids=["default", "one matrix", "by component", "blocks of 3", "no enumeration", "none, blocks of 3", "scipy labels"],
)
@pytest.mark.parametrize("seed", range(6))
def test_gnn_by_component_is_the_assignment_of_one_matrix_and_of_each_cluster(seed, setting, monkeypatch):
    """The GNN as it runs — lone pairs at once, then one ``linear_sum_assignment`` matrix, or components
    of up to three tracks and three plots by enumeration and larger ones by ``linear_sum_assignment``
    in blocks, components labelled by propagation or by scipy — gives, on instances with many
    components (the 1,000-target scans: mostly lone pairs, tens of two- and three-track components;
    here also chains longer than a block), the same assignment as scipy's ``linear_sum_assignment``
    over one matrix of every track and as the component-by-component solver it replaced, whichever of
    its ways is forced. Without exact ties the optimum is unique, so equal means equal to the index."""
    from scipy.optimize import linear_sum_assignment

    from bastion.track import gnn

    for name, value in setting.items():
        monkeypatch.setattr(gnn, name, value)
    block = gnn.BLOCK_TRACKS
    rng = np.random.default_rng(seed)
    for n, radius in [(300, 6.0), (300, 9.0), (200, 12.0), (40, 20.0)]:
        n_dets = n + int(rng.integers(-n // 5, n // 5))
        ti, dj, cost, miss = _sky(rng, n, n_dets, radius)
        got = gnn.assign(n, n_dets, ti, dj, cost, miss)
        matrix = np.full((n, n_dets + n), np.inf)
        matrix[ti, dj] = cost
        matrix[np.arange(n), n_dets + np.arange(n)] = miss
        rows, cols = linear_sum_assignment(matrix)
        whole = np.full(n, -1, dtype=np.intp)
        whole[rows[cols < n_dets]] = cols[cols < n_dets]
        assert np.array_equal(got, whole)
        assert np.array_equal(got, _assign_cluster_by_cluster(n, n_dets, ti, dj, cost, miss))
        # (the instances are not all lone pairs: the exact solver runs, and in more than one block)
        assert (np.bincount(ti, minlength=n) > 1).sum() > 2 * block or block == 64


@pytest.mark.parametrize("search", ["grid", "k-d tree fallback"])
@pytest.mark.parametrize("seed", range(4))
def test_candidate_pairs_are_the_pairs_within_each_radius(seed, search, monkeypatch):
    """The grid search finds exactly the (track, plot) pairs scipy's distance matrix puts within each
    track's radius, each track's together and tracks in order, on skies that stress its cells: radii
    over three orders of magnitude, plots bunched in a few places and scattered, tracks outside the
    plots' extent, plots in one place, a track with a NaN position or radius and a plot at infinity
    (no pair), and (the grid) tracks at 1e300 m with infinite radii. Forced to its k-d tree fallback
    it finds the same."""
    from scipy.spatial.distance import cdist

    from bastion.track import gating

    if search != "grid":
        monkeypatch.setattr(gating, "GRID_MAX_CANDIDATES", -1)
    rng = np.random.default_rng(seed)
    bunch = rng.uniform(-5000.0, 5000.0, (4, 3))
    skies = [
        (rng.uniform(-8000, 8000, (300, 3)), rng.uniform(-6000, 6000, (250, 3)), np.exp(rng.uniform(2, 9, 300))),
        (
            bunch[rng.integers(0, 4, 200)] + rng.normal(0, 30, (200, 3)),
            bunch[rng.integers(0, 4, 150)] + rng.normal(0, 30, (150, 3)),
            rng.uniform(1.0, 80.0, 200),
        ),
        (rng.uniform(-100, 100, (20, 3)), np.zeros((5, 3)), rng.uniform(0.0, 120.0, 20)),
        (rng.uniform(-10, 10, (3, 3)), rng.uniform(-10, 10, (1, 3)), np.array([0.0, 5.0, 1e9])),
    ]
    if search == "grid":  # (scipy's k-d tree overflows on positions of 1e300 m: as before, it raises)
        skies.append((np.array([[1e300, 0, 0], [-1e300, 5, 0], [0, 0, 0]]), np.zeros((2, 3)), np.full(3, np.inf)))
    for track_pos, det_pos, radius in skies:
        track_pos, radius = track_pos.copy(), radius.copy()
        if track_pos.shape[0] > 5:
            track_pos[3, 1] = np.nan
            radius[4] = np.nan
            det_pos = det_pos.copy()
            det_pos[2, 2] = np.inf
        ti, dj = gating.candidate_pairs(track_pos, radius, det_pos)
        with np.errstate(invalid="ignore"):
            i, j = np.nonzero(cdist(track_pos, det_pos) <= radius[:, None])
        assert set(zip(ti.tolist(), dj.tolist(), strict=True)) == set(zip(i.tolist(), j.tolist(), strict=True))
        assert ti.size == i.size and (np.diff(ti) >= 0).all()
    assert ti.size > 0


@pytest.mark.parametrize("setting", [{}, {"ENUMERATE_UP_TO": 0}, {"SMALL": 0}])
def test_gnn_never_assigns_a_pair_of_nan_cost(setting, monkeypatch):
    """A NaN cost (bad data) forbids its pair, whichever way its component is solved: a lone pair, a
    pair in a small component, a pair in a matrix (fail safe: refuse, never a traceback)."""
    from bastion.track import gnn

    for name, value in setting.items():
        monkeypatch.setattr(gnn, name, value)
    ti = np.array([0, 1, 1, 2, 3, 3], dtype=np.intp)
    dj = np.array([0, 1, 2, 2, 3, 4], dtype=np.intp)
    cost = np.array([np.nan, np.nan, -5.0, -4.0, -3.0, np.nan])
    got = gnn.assign(4, 5, ti, dj, cost, np.full(4, 1.0))
    assert got.tolist() == [-1, 2, -1, 3]
