"""Stone Soup's trackers on the tracking testbed, configured like bastion's (for ``benchmarks/tracking.py``).

Three configurations of Stone Soup (1.9.1), all with the same models as bastion's default: nearly
constant velocity in each axis (``ConstantVelocity(q)``), an extended Kalman filter with the polar
measurement model ``CartesianToElevationBearingRange`` and the scenario's noise, a chi-square gate of
the same probability, the same prior velocity spread (120 m/s / 2 per axis), P_D and clutter density
from meta.json:

* ``gnn``: global nearest neighbour (``GNNWith2DAssignment`` over a Mahalanobis-gated
  ``DistanceHypothesiser``), ``MultiMeasurementInitiator`` (``min_points`` = confirm; holding tracks
  deleted after two misses), ``UpdateTimeStepsDeleter(max_misses)`` in a ``MultiTargetTracker``.
* ``jpda``: joint probabilistic data association as in Stone Soup's JPDA tutorial --
  ``PDAHypothesiser`` (clutter spatial density, P_D, gate probability) and the exact JPDA marginals
  computed by ``JPDAwithEHM`` (Maskell's efficient hypothesis management: the same probabilities as
  ``JPDA``'s enumeration, which is exponential in the cluster size), each track's posterior the
  Gaussian-mixture reduction of its hypotheses (``MultiTargetMixtureTracker``); the same initiator and
  deleter as ``gnn``.
* ``phd``: the Gaussian-mixture PHD filter as in Stone Soup's GM-PHD tutorial -- a
  ``GaussianMixtureHypothesiser`` (ordered by detection) over a Mahalanobis-gated
  ``DistanceHypothesiser``, ``PHDUpdater`` (clutter spatial density, P_D, survival 0.99: a choice, the
  tutorial's death probability is a free parameter), ``GaussianMixtureReducer`` (prune below 1e-8,
  merge within squared Mahalanobis distance 5: the tutorial's figures), extraction of the components
  of weight above 0.5 (Vo & Ma 2006; the tutorial uses 0.25 -- not rerun at 0.25 yet), each reported
  under its tag.
  One change to the tutorial's birth model: its single wide birth Gaussian cannot seed a polar EKF
  over a 10 km region (the linearisation about one far point fails), so the birth intensity is
  measurement driven (Ristic, Clark, Vo & Vo, IEEE TSP 2012): one birth component of weight
  ``BIRTH_WEIGHT`` at each plot of the previous scan (position from the plot, its variance the larger
  of the range and cross-range noise, zero velocity with the prior velocity spread), predicted to the
  scan like any component.

Each runner returns, per scan, the reported tracks ``{time: (ids, positions)}`` and the wall time of
each scan's update. GNN and JPDA report, like bastion, the tracks missed at most twice in a row whose
position is inside the surveillance region; the PHD reports its extracted components inside it.
"""

from __future__ import annotations

import datetime
import time

import numpy as np

from bastion.track import testbed as tb

KINDS = ("gnn", "jpda", "phd")
BIRTH_WEIGHT = 0.01  # PHD: weight of the birth component at each plot of the previous scan (module docstring)
PHD_SURVIVAL = 0.99  # PHD: probability of survival per scan (a choice: the tutorial's death probability is free)
PHD_PRUNE = 1e-8  # PHD: components below this weight are pruned (the tutorial's figure)
PHD_MERGE = 5.0  # PHD: components within this squared Mahalanobis distance are merged (the tutorial's figure)
PHD_EXTRACT = 0.5  # PHD: components above this weight are reported (Vo & Ma 2006; the tutorial's is 0.25)


def by_time(times: np.ndarray, ids: np.ndarray, pos: np.ndarray) -> dict:
    out = {}
    if times.size == 0:
        return out
    order = np.argsort(times, kind="stable")
    times, ids, pos = times[order], ids[order], pos[order]
    cut = np.flatnonzero(np.diff(times)) + 1
    for a, b in zip(np.r_[0, cut], np.r_[cut, times.size], strict=True):
        out[round(float(times[a]), 3)] = (ids[a:b], pos[a:b])
    return out


def run(kind: str, table, meta, config) -> tuple[dict, np.ndarray]:
    """Run Stone Soup's ``kind`` (gnn | jpda | phd) over the scans of ``table``; see the module docstring."""
    from scipy.stats import chi2
    from stonesoup.models.measurement.nonlinear import CartesianToElevationBearingRange
    from stonesoup.models.transition.linear import CombinedLinearGaussianTransitionModel, ConstantVelocity
    from stonesoup.predictor.kalman import ExtendedKalmanPredictor
    from stonesoup.types.detection import Detection
    from stonesoup.types.update import Update
    from stonesoup.updater.kalman import ExtendedKalmanUpdater

    if kind not in KINDS:
        raise ValueError(f"Stone Soup tracker {kind!r}: choose {', '.join(KINDS)}")
    transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(config.q)] * 3)
    sensor = CartesianToElevationBearingRange(
        ndim_state=6,
        mapping=(0, 2, 4),
        noise_covar=np.diag([meta.sigma_elevation_rad**2, meta.sigma_azimuth_rad**2, meta.sigma_range_m**2]),
    )
    predictor = ExtendedKalmanPredictor(transition)
    updater = ExtendedKalmanUpdater(sensor)
    gate = float(np.sqrt(chi2.ppf(config.gate_probability, 3)))
    v_var = (120.0 / 2.0) ** 2  # the same prior velocity spread as bastion's max_initial_speed

    if kind == "phd":
        step = _phd(predictor, updater, sensor, gate, config, meta, v_var)
    else:
        step = _single(kind, predictor, updater, sensor, gate, config, v_var)

    t0 = datetime.datetime(2024, 1, 1)
    times = tb.scan_times(table, meta)
    lo, hi = np.searchsorted(table.time, times, "left"), np.searchsorted(table.time, times, "right")
    bearing = np.pi / 2 - table.azimuth  # Stone Soup: counter-clockwise from east
    rows_t, rows_id, rows_pos, wall = [], [], [], []
    ident: dict = {}
    for k, t in enumerate(times):
        stamp = t0 + datetime.timedelta(seconds=float(t))
        dets = {
            Detection(
                np.array([[table.elevation[i]], [bearing[i]], [table.range[i]]]),
                timestamp=stamp,
                measurement_model=sensor,
            )
            for i in range(lo[k], hi[k])
        }
        c0 = time.perf_counter()
        reported = step(stamp, dets)
        wall.append(time.perf_counter() - c0)
        for key, sv, track in reported:
            if track is not None:  # GNN / JPDA: missed at most twice in a row
                trailing = 0
                for state in reversed(track.states[-3:]):
                    if isinstance(state, Update):
                        break
                    trailing += 1
                if trailing > 2:
                    continue
            if tb.in_region(meta, sv[None, [0, 2, 4]])[0]:
                rows_t.append(t)
                rows_id.append(ident.setdefault(key, len(ident) + 1))
                rows_pos.append(sv[[0, 2, 4]])
    out = by_time(np.array(rows_t), np.array(rows_id, dtype=np.int64), np.array(rows_pos).reshape(-1, 3))
    return out, np.array(wall)


def _single(kind, predictor, updater, sensor, gate, config, v_var):
    """GNN or JPDA: a step function (stamp, detections) -> [(key, state vector, track)]."""
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.dataassociator.probability import JPDAwithEHM
    from stonesoup.deleter.time import UpdateTimeStepsDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.hypothesiser.probability import PDAHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.tracker.simple import MultiTargetMixtureTracker, MultiTargetTracker
    from stonesoup.types.state import GaussianState

    def gnn():
        return GNNWith2DAssignment(DistanceHypothesiser(predictor, updater, Mahalanobis(), missed_distance=gate))

    prior = GaussianState(np.zeros((6, 1)), np.diag([0.0, v_var, 0.0, v_var, 0.0, v_var]))
    initiator = MultiMeasurementInitiator(
        prior, UpdateTimeStepsDeleter(2), gnn(), updater, measurement_model=sensor, min_points=config.confirm_m
    )
    deleter = UpdateTimeStepsDeleter(config.max_misses)
    if kind == "gnn":
        tracker = MultiTargetTracker(initiator, deleter, None, gnn(), updater)
    else:
        jpda = JPDAwithEHM(
            PDAHypothesiser(
                predictor,
                updater,
                clutter_spatial_density=config.clutter_density,
                prob_detect=config.pd,
                prob_gate=config.gate_probability,
            )
        )
        tracker = MultiTargetMixtureTracker(initiator, deleter, None, jpda, updater)

    def step(stamp, dets):
        _, tracks = tracker.update_tracker(stamp, dets)
        return [(id(trk), np.asarray(trk.state_vector, dtype=float).ravel(), trk) for trk in tracks]

    return step


def _phd(predictor, updater, sensor, gate, config, meta, v_var):
    """GM-PHD: a step function (stamp, detections) -> [(tag, state vector, None)] of the extracted components."""
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.hypothesiser.gaussianmixture import GaussianMixtureHypothesiser
    from stonesoup.measures import Mahalanobis
    from stonesoup.mixturereducer.gaussianmixture import GaussianMixtureReducer
    from stonesoup.types.state import TaggedWeightedGaussianState
    from stonesoup.updater.pointprocess import PHDUpdater

    hypothesiser = GaussianMixtureHypothesiser(
        DistanceHypothesiser(predictor, updater, Mahalanobis(), missed_distance=gate), order_by_detection=True
    )
    phd = PHDUpdater(
        updater,
        clutter_spatial_density=config.clutter_density,
        prob_detection=config.pd,
        prob_survival=PHD_SURVIVAL,
    )
    reducer = GaussianMixtureReducer(prune_threshold=PHD_PRUNE, pruning=True, merge_threshold=PHD_MERGE, merging=True)
    state: dict = {"components": [], "births": []}

    def births(dets, stamp):
        out = []
        for det in dets:
            el, az, rng = np.asarray(det.state_vector, dtype=float).ravel()
            x = rng * np.cos(el) * np.cos(az)
            y = rng * np.cos(el) * np.sin(az)
            z = rng * np.sin(el)
            pos_var = max(meta.sigma_range_m, rng * max(meta.sigma_azimuth_rad, meta.sigma_elevation_rad)) ** 2
            out.append(
                TaggedWeightedGaussianState(
                    np.array([[x], [0.0], [y], [0.0], [z], [0.0]]),
                    np.diag([pos_var, v_var, pos_var, v_var, pos_var, v_var]),
                    weight=BIRTH_WEIGHT,
                    tag=TaggedWeightedGaussianState.BIRTH,
                    timestamp=stamp,
                )
            )
        return out

    def step(stamp, dets):
        mixture = state["components"] + state["births"]
        if mixture:
            hypotheses = hypothesiser.hypothesise(mixture, dets, stamp)
            updated = phd.update(hypotheses)
            components = reducer.reduce(list(updated.components))
        else:
            components = []
        state["components"] = [c for c in components if c.tag != TaggedWeightedGaussianState.BIRTH]
        state["births"] = births(dets, stamp)
        best: dict = {}
        for c in state["components"]:
            if c.weight > PHD_EXTRACT and (c.tag not in best or c.weight > best[c.tag].weight):
                best[c.tag] = c
        return [(tag, np.asarray(c.state_vector, dtype=float).ravel(), None) for tag, c in best.items()]

    return step
