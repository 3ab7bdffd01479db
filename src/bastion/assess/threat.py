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
height, and the 95 % ellipse has the lateral and along-track sigmas. A one-way-attack threat usually
ends in the first valued zone it reaches, so a zone further along the same path is reached only if
the threat did not stop before it: with ``q_stop`` = 0.7, P(reach k) = P(cross k) x prod over
earlier zones j of (1 - q_stop P(cross j)).

Ballistic and falling tracks: vacuum ballistic extrapolation from the track state to the ground
(time to impact from the quadratic; the track's velocity covariance propagated linearly).

A threat whose impact lies in open ground (no zone of positive value at risk) has zero threat value:
logged, warned of nowhere, not engaged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.special import ndtr

from bastion.assess.types import TrackClass
from bastion.physics.constants import G0
from bastion.physics.geometry import confidence_scale
from bastion.scenario.compiled import ZoneArea
from bastion.track.types import Tracks, TrackStatus

K_INTENT = 0.1  # [rad] heading uncertainty of an air-breathing threat
Q_STOP = 0.7  # probability a one-way-attack threat ends its flight in the first valued zone on its path
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


@dataclass(frozen=True)
class ThreatGeometry:
    """Where and when each track would strike. Arrays over tracks (N,) and zones (Z,)."""

    zone: np.ndarray  # (N,) index of the zone most at risk, -1 none
    impact_point: np.ndarray  # (N, 2) [m]
    impact_time: np.ndarray  # (N,) absolute [s]
    ellipse_axes: np.ndarray  # (N, 2) 95 % semi-axes [m]
    ellipse_orientation: np.ndarray  # (N,) major-axis azimuth [rad]
    p_reach: np.ndarray  # (N,) probability of reaching ``zone``
    value: np.ndarray  # (N,) value of ``zone``
    p_zone: np.ndarray  # (N, Z) probability of reaching each zone (0 for zones of no value)
    t_zone: np.ndarray  # (N, Z) absolute time the threat would reach each zone [s] (NaN: never)


def evaluate(
    tracks: Tracks, klass: np.ndarray, zones: tuple[ZoneArea, ...], skip: np.ndarray | None = None
) -> ThreatGeometry:
    """Threat geometry of every track (see the module docstring); tracks in ``skip`` (N,) are left
    with no prediction (e.g. aircraft already identified civil)."""
    n = len(tracks)
    nz = len(zones)
    point = np.full((n, 2), np.nan)
    t_imp = np.full(n, np.nan)
    axes = np.full((n, 2), np.nan)
    orient = np.full(n, np.nan)
    p_zone = np.zeros((n, nz))
    t_zone = np.full((n, nz), np.nan)
    valued = [z for z in zones if z.value > 0 and z.kind != "open"]
    cols = np.array([z.index for z in valued], dtype=int)
    if n and valued:
        # tentative tracks (mostly false alarms) are not evaluated: nothing is decided on them
        live = tracks.status != TrackStatus.TENTATIVE
        if skip is not None:
            live &= ~skip
        ballistic = (klass == TrackClass.BALLISTIC) | (klass == TrackClass.FALLING)
        air = np.flatnonzero(live & ~ballistic)
        fall = np.flatnonzero(live & ballistic)
        if air.size:
            _air_breathing(tracks, air, valued, cols, point, t_imp, axes, orient, p_zone, t_zone)
        if fall.size:
            _ballistic(tracks, fall, valued, cols, point, t_imp, axes, orient, p_zone, t_zone)
    values = np.array([z.value if (z.value > 0 and z.kind != "open") else 0.0 for z in zones])
    risk = p_zone * values[None, :] if nz else np.zeros((n, 0))
    if nz:
        best = np.argmax(risk, axis=1)
        has = risk[np.arange(n), best] > 0
        zone = np.where(has, best, -1)
        p_reach = np.where(has, p_zone[np.arange(n), best], 0.0)
        value = np.where(has, values[best], 0.0)
    else:
        zone, p_reach, value = np.full(n, -1), np.zeros(n), np.zeros(n)
    return ThreatGeometry(zone, point, t_imp, axes, orient, p_reach, value, p_zone, t_zone)


def _air_breathing(tracks, i, valued, cols, point, t_imp, axes, orient, p_zone, t_zone) -> None:
    k95 = confidence_scale(0.95, 1)
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
    cross = np.where(inside, 1.0, np.where(ahead, prob, 0.0))
    # a one-way-attack threat usually ends in the first valued zone it reaches: a zone further along
    # the path is reached only if the threat did not stop in the zones before it
    order = np.argsort(np.where(cross > 0, a_hit, np.inf), axis=1)
    c_sorted = np.take_along_axis(cross, order, axis=1)
    before = np.cumprod(np.concatenate([np.ones((i.size, 1)), 1.0 - Q_STOP * c_sorted[:, :-1]], axis=1), axis=1)
    prob = np.empty_like(cross)
    np.put_along_axis(prob, order, c_sorted * before, axis=1)
    p_zone[np.ix_(i, cols)] = prob
    t_zone[np.ix_(i, cols)] = np.where(prob > 0, tracks.t + tgo, np.nan)
    risk = prob * vals[None, :]
    best = np.argmax(risk, axis=1)
    has = risk[np.arange(i.size), best] > 0
    j, b = i[has], best[has]
    tg = tgo[has, b]
    lateral = np.clip(0.0, cmin[has, b], cmax[has, b])
    point[j] = p[has] + u[has] * a_hit[has, b][:, None] + nrm[has] * lateral[:, None]
    h = np.maximum(tracks.x[j, 2], 0.0)
    sp = np.maximum(speed[has], 1.0)
    t_imp[j] = tracks.t + tg + np.maximum(h / np.sin(DIVE_ANGLE) / sp - h / np.tan(DIVE_ANGLE) / sp, 0.0)
    uu = u[has]
    sa = np.sqrt(np.einsum("nk,nkl,nl->n", uu, Ppp[has], uu) + tg**2 * np.einsum("nk,nkl,nl->n", uu, Pvv[has], uu))
    lat = s[has, b]
    axes[j] = k95 * np.stack([np.maximum(sa, lat), np.minimum(sa, lat)], axis=1)
    orient[j] = np.where(sa >= lat, np.arctan2(uu[:, 0], uu[:, 1]), np.arctan2(nrm[has, 0], nrm[has, 1]))


def _ballistic(tracks, i, valued, cols, point, t_imp, axes, orient, p_zone, t_zone) -> None:
    k95 = confidence_scale(0.95, 2)
    x = tracks.x[i]
    h, vu = x[:, 2], x[:, 5]
    tti = (vu + np.sqrt(vu**2 + 2 * G0 * np.maximum(h, 0.0))) / G0
    point[i] = x[:, :2] + x[:, 3:5] * tti[:, None]
    t_imp[i] = tracks.t + tti
    cov = tracks.P[i, :2, :2] + tti[:, None, None] ** 2 * tracks.P[i, 3:5, 3:5]
    vals_, vecs = np.linalg.eigh(cov)
    axes[i] = k95 * np.sqrt(np.maximum(vals_[:, ::-1], 0.0))
    orient[i] = np.arctan2(vecs[:, 0, 1], vecs[:, 1, 1])
    frac = zone_fractions(point[i], cov, valued)
    p_zone[np.ix_(i, cols)] = frac
    t_zone[np.ix_(i, cols)] = np.where(frac > 0, t_imp[i][:, None], np.nan)


def zone_fractions(center: np.ndarray, cov: np.ndarray, zones: list[ZoneArea]) -> np.ndarray:
    """Probability (N, Z) that a Gaussian impact point (centres (N, 2), covariances (N, 2, 2)) falls
    in each zone, by a fixed set of quasi-random samples (not a simulation draw: reproducible)."""
    std = _STD_SAMPLES
    L = np.linalg.cholesky(cov + np.eye(2) * 1e-6)
    pts = center[:, None, :] + np.einsum("nij,sj->nsi", L, std)  # (n, S, 2)
    flat_e, flat_n = pts[..., 0].ravel(), pts[..., 1].ravel()
    return np.stack(
        [shapely.intersects_xy(z.geometry, flat_e, flat_n).reshape(pts.shape[:2]).mean(axis=1) for z in zones], axis=1
    )


_STD_SAMPLES = np.random.default_rng(20220103).standard_normal((SAMPLES, 2))


def with_arcs(g: ThreatGeometry, tracks: Tracks, arcs: dict, zones: tuple[ZoneArea, ...]) -> ThreatGeometry:
    """The geometry with the rows of ballistic tracks replaced by their fitted arcs' predictions
    (impact point, time and 95 % ellipse from the unscented transform; zone probabilities from the
    impact distribution)."""
    if not arcs:
        return g
    zone, point, t_imp = g.zone.copy(), g.impact_point.copy(), g.impact_time.copy()
    axes, orient = g.ellipse_axes.copy(), g.ellipse_orientation.copy()
    p_reach, value, p_zone, t_zone = g.p_reach.copy(), g.value.copy(), g.p_zone.copy(), g.t_zone.copy()
    valued = [z for z in zones if z.value > 0 and z.kind != "open"]
    cols = np.array([z.index for z in valued], dtype=int)
    for tid, st in arcs.items():
        i = tracks.index_of(tid)
        if i is None or st.impact is None:
            continue
        imp = st.impact
        point[i], t_imp[i], axes[i], orient[i] = imp.point, imp.time, imp.axes, imp.orientation
        p_zone[i] = 0.0
        t_zone[i] = np.nan
        zone[i], p_reach[i], value[i] = -1, 0.0, 0.0
        if valued:
            frac = zone_fractions(imp.point[None], imp.cov[None], valued)[0]
            p_zone[i, cols] = frac
            t_zone[i, cols] = np.where(frac > 0, imp.time, np.nan)
            risk = frac * np.array([z.value for z in valued])
            b = int(np.argmax(risk))
            if risk[b] > 0:
                zone[i], p_reach[i], value[i] = valued[b].index, frac[b], valued[b].value
    return ThreatGeometry(zone, point, t_imp, axes, orient, p_reach, value, p_zone, t_zone)
