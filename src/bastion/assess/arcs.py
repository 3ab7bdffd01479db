"""Free-flight arcs of tracks: plot histories, ballistic fits, impact and origin predictions.

Keeps, for every confirmed track, its recent plots (converted to the site frame, position and
measurement covariance, when the track is fitted). Tracks moving fast enough to be rockets or
mortar rounds (or already classified ballistic or falling) are fitted with a free-flight arc each
scan (:mod:`bastion.assess.ballistic`, warm-started from the previous fit); a good fit classifies
the track BALLISTIC and gives its predicted point of impact and its point of origin with 95 %
ellipses.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from bastion.assess.ballistic import ArcFit, GroundPoint, fit_arc, ground_crossing
from bastion.physics.ballistics import Air
from bastion.scenario.compiled import RadarSite
from bastion.sense.types import Detections
from bastion.track.measurements import polar_to_cartesian, polar_to_cartesian_cov
from bastion.track.types import Tracks

WINDOW = 16  # plots kept per track
MIN_SPEED = 120.0  # [m/s] slower small tracks are not candidates (drones)
MAX_RCS = 1.0  # [m^2] rockets and mortar bombs are small; aircraft are not candidates


@dataclass
class ArcState:
    times: deque = field(default_factory=lambda: deque(maxlen=WINDOW))
    # (radar index, range, azimuth, elevation) of each plot: converted to the site frame only when the
    # track is fitted (few tracks ever are; the conversion is row by row, so its result is the same)
    plots: deque = field(default_factory=lambda: deque(maxlen=WINDOW))
    rcs: deque = field(default_factory=lambda: deque(maxlen=WINDOW))  # each plot's RCS estimate [m^2]
    fit: ArcFit | None = None
    impact: GroundPoint | None = None
    origin: GroundPoint | None = None  # computed on demand (:meth:`ArcEstimator.origin`)


def _speed(ve: float, vn: float, vu: float) -> float:
    """|v| [m/s] of one track from its velocity (east, north, up) [m/s]: the operations of the array
    formula ``np.sqrt(np.add.reduce(v * v, axis=-1))`` over all tracks, ``(ve^2 + vn^2) + vu^2``
    (tested bit for bit), for the few tracks that need it (issue 8)."""
    return math.sqrt(ve * ve + vn * vn + vu * vu)


class ArcEstimator:
    def __init__(self, radars: list[RadarSite] | tuple[RadarSite, ...], air: Air) -> None:
        self.radars = list(radars)
        self.air = air
        self.states: dict[int, ArcState] = {}

    def update(self, tracks: Tracks, det: Detections, candidates: np.ndarray) -> dict[int, ArcState]:
        """Record this scan's plots; refit the ``candidates`` (mask over tracks). Returns the states of
        tracks whose latest fit is ballistic.

        Per-track work is plain Python over lists: a scan has a handful of tracks, and only the few
        confirmed ones have a state (issue 8)."""
        ids = tracks.id.tolist()
        states = self.states
        live = set(ids)
        for gone in [k for k in states if k not in live]:
            del states[gone]
        plots = None  # this scan's (range, azimuth, elevation) lists, read when a confirmed track has a plot
        sensor, t = det.sensor, det.t
        for tid, j, status in zip(ids, tracks.detection.tolist(), tracks.status.tolist(), strict=True):
            if j < 0 or status == 0:
                continue
            if plots is None:
                plots = det.range.tolist(), det.azimuth.tolist(), det.elevation.tolist(), det.rcs.tolist()
            st = states.get(tid)
            if st is None:
                st = states[tid] = ArcState()
            st.times.append(t)
            st.plots.append((sensor, plots[0][j], plots[1][j], plots[2][j]))
            st.rcs.append(plots[3][j])
        out: dict[int, ArcState] = {}
        # small candidates with a state (confirmed, with plots): the others have nothing to fit or keep
        candidate = candidates.tolist()
        rcs = tracks.rcs.tolist()
        pick = [i for i, tid in enumerate(ids) if candidate[i] and rcs[i] < MAX_RCS and tid in states]
        if not pick:
            return out
        x = tracks.x
        # a Python loop over the few fast tracks: each fit is a small batched integration
        for i in pick:
            tid = ids[i]
            st = states[tid]
            # a track whose arc fits stays a round through its apex, where a mortar bomb slows to
            # ~50 m/s: the fit's residual test, not the speed, says when it stops being one
            was_ballistic = st.fit is not None and st.fit.ballistic
            if not (was_ballistic or _speed(*x[i, 3:6].tolist()) >= MIN_SPEED):  # (NaN: not fast)
                continue
            if len(st.times) < 6 or st.times[-1] != t:
                if was_ballistic:
                    out[tid] = st
                continue
            warm = st.fit if was_ballistic else None
            times = np.array(st.times)
            pos, cov = self._site_frame(st)
            fit = fit_arc(times, pos, cov, self.air, previous=warm)
            if warm is not None and (fit is None or not fit.ballistic):
                # a warm start can stall after a manoeuvre or a bad plot: refit from scratch once
                fit = fit_arc(times, pos, cov, self.air)
            st.fit = fit
            st.origin = None
            if fit is not None and fit.ballistic:
                st.impact = ground_crossing(fit, self.air)
                out[tid] = st
        return out

    def _site_frame(self, st: ArcState) -> tuple[np.ndarray, np.ndarray]:
        """Positions (M, 3) and measurement covariances (M, 3, 3) of a track's plots in the site frame."""
        return self.site_frame(st.plots)

    def site_frame(self, plots) -> tuple[np.ndarray, np.ndarray]:
        """Positions (M, 3) and measurement covariances (M, 3, 3) in the site frame of ``plots``, a
        sequence of (radar index, range, azimuth, elevation) as :class:`ArcState` keeps them."""
        sensor, rng, az, el = (np.array(c) for c in zip(*plots, strict=True))
        pos, cov = np.empty((rng.size, 3)), np.empty((rng.size, 3, 3))
        for s in np.unique(sensor).tolist():
            m = sensor == s
            radar = self.radars[s]
            rt = radar.type
            pos[m] = polar_to_cartesian(rng[m], az[m], el[m], radar.position)
            cov[m] = polar_to_cartesian_cov(
                rng[m], az[m], el[m], rt.sigma_range_m, rt.sigma_azimuth_rad, rt.sigma_elevation_rad
            )
        return pos, cov

    def origin(self, st: ArcState) -> GroundPoint | None:
        """Point of origin of a track's current fit (the arc flown backwards to the ground)."""
        if st.origin is None and st.fit is not None and st.fit.ballistic:
            st.origin = ground_crossing(st.fit, self.air, backwards=True)
        return st.origin
