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

_TENTATIVE = int(TrackStatus.TENTATIVE)
_BALLISTIC, _FALLING = int(TrackClass.BALLISTIC), int(TrackClass.FALLING)
_FLIP = np.array([1.0, -1.0])  # (u_e, u_n) -> cross-track normal (u_n, -u_e)
_K95_1 = confidence_scale(0.95, 1)
_K95_2 = confidence_scale(0.95, 2)
_SIN_DIVE, _TAN_DIVE = np.sin(DIVE_ANGLE), np.tan(DIVE_ANGLE)


class _ZoneSet:
    """Per-site constants of the zones, built once: threat evaluation runs every scan on a handful of
    tracks, where rebuilding these arrays (and calling GEOS once per zone) would cost more than the
    arithmetic itself."""

    def __init__(self, zones) -> None:
        self.zones = tuple(zones)  # held: keeps the ids of the cache key from being reused
        self.nz = len(self.zones)
        self.valued = [z for z in self.zones if z.value > 0 and z.kind != "open"]
        self.cols = np.array([z.index for z in self.valued], dtype=int)
        # the valued zones are the site's zones in order (the usual case): rows are written whole
        self.all_cols = self.cols.size == self.nz and bool((self.cols == np.arange(self.nz)).all())
        self.values = np.array([z.value if (z.value > 0 and z.kind != "open") else 0.0 for z in self.zones])
        # prepared copies of the polygons (GEOS indexes their edges once): the same point-in-polygon
        # answers, several times faster for the few hundred sample points of a scan (issue 8)
        prepared = shapely.from_wkb(shapely.to_wkb(np.array([z.geometry for z in self.zones], dtype=object)))
        shapely.prepare(prepared)
        self.geometry = prepared[[k for k, z in enumerate(self.zones) if z.value > 0 and z.kind != "open"]]
        self.geometry_all = prepared
        if self.valued:
            rings = [np.asarray(shapely.get_exterior_ring(z.geometry).coords)[:-1] for z in self.valued]
            n = max(r.shape[0] for r in rings)
            # exterior vertices padded to a common count by repeating the last (Z, V, 2)
            verts = np.stack([np.vstack([r, np.repeat(r[-1:], n - r.shape[0], axis=0)]) for r in rings])
            self.nv = n
            self.centers = np.array([z.center for z in self.valued])
            # each zone's centre appended as a last "vertex" (Z, V + 1): projected with the vertices
            self.vx = np.concatenate([verts[..., 0], self.centers[:, :1]], axis=1)
            self.vy = np.concatenate([verts[..., 1], self.centers[:, 1:]], axis=1)
            self.vals = np.array([z.value for z in self.valued])

    def contains(self, points: np.ndarray) -> np.ndarray:
        """(N, Z) whether each point (N, 2) lies in each valued zone (one broadcast GEOS call)."""
        return shapely.intersects_xy(self.geometry[None, :], points[:, :1], points[:, 1:2])


def _fractions(center: np.ndarray, cov: np.ndarray, geometry: np.ndarray) -> np.ndarray:
    """:func:`zone_fractions` for an array of zone polygons (Z,).

    Only the sample points within a zone's bounding box can be in the zone, and only those go to GEOS
    (a few per cent of them: the GEOS calls for every point and zone cost ~0.8 ms a scan with debris
    falling, issue 8). The same hits, so the same fractions."""
    L = np.linalg.cholesky(cov + np.eye(2) * 1e-6)
    n, m = center.shape[0], _STD_SAMPLES.shape[0]
    points = center[:, None, :] + np.einsum("nij,sj->nsi", L, _STD_SAMPLES)  # (n, S, 2)
    east, north = points[..., 0].ravel(), points[..., 1].ravel()
    box = shapely.bounds(geometry)[:, :, None]  # (Z, 4, 1): min east, min north, max east, max north
    near = (box[:, 0] <= east) & (east <= box[:, 2]) & (box[:, 1] <= north) & (north <= box[:, 3])  # (Z, n S)
    hits = np.zeros(near.shape, dtype=bool)
    for z in range(geometry.size):
        candidates = near[z].nonzero()[0]
        if candidates.size:
            hits[z, candidates] = shapely.intersects_xy(geometry[z], east[candidates], north[candidates])
    return hits.reshape(geometry.size, n, m).mean(axis=2).T


_ZONE_SETS: dict[tuple[int, ...], _ZoneSet] = {}
_LAST: list = [None, None]  # the zones tuple of the previous call (held) and its zone set


def _zone_set(zones) -> _ZoneSet:
    if zones is _LAST[0]:  # the same site's (immutable) zone tuple as the last call: every scan
        return _LAST[1]
    key = tuple(id(z) for z in zones)
    zs = _ZONE_SETS.get(key)
    if zs is None:
        if len(_ZONE_SETS) >= 64:  # a long-lived process compiling many sites: keep the cache small
            _ZONE_SETS.clear()
        zs = _ZONE_SETS[key] = _ZoneSet(zones)
    if type(zones) is tuple:
        _LAST[:] = [zones, zs]
    return zs


def _nans(shape) -> np.ndarray:
    """np.full(shape, np.nan) without the Python-level wrapper (five of these per scan)."""
    a = np.empty(shape)
    a.fill(np.nan)
    return a


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

    def rows(self, rows: slice) -> ThreatGeometry:
        """The geometry of the tracks at ``rows`` (views), written straight into the new instance's
        ``__dict__`` like :meth:`Tracks.rows <bastion.track.types.Tracks.rows>` (every night, every scan)."""
        out = object.__new__(ThreatGeometry)
        out.__dict__.update({k: v[rows] for k, v in self.__dict__.items()})
        return out


def evaluate(
    tracks: Tracks, klass: np.ndarray, zones: tuple[ZoneArea, ...], skip: np.ndarray | None = None
) -> ThreatGeometry:
    """Threat geometry of every track (see the module docstring); tracks in ``skip`` (N,) are left
    with no prediction (e.g. aircraft already identified civil)."""
    n = len(tracks)
    zs = _zone_set(zones)
    nz = zs.nz
    point, t_imp, axes, orient = _nans((n, 2)), _nans(n), _nans((n, 2)), _nans(n)
    p_zone = np.zeros((n, nz))
    t_zone = _nans((n, nz))
    evaluated = False
    if n and zs.valued:
        # tentative tracks (mostly false alarms) are not evaluated: nothing is decided on them
        live = tracks.status != _TENTATIVE
        if skip is not None:
            live &= ~skip
        ballistic = (klass == _BALLISTIC) | (klass == _FALLING)
        air = (live & ~ballistic).nonzero()[0]
        fall = (live & ballistic).nonzero()[0]
        if air.size:
            _air_breathing(tracks, air, zs, point, t_imp, axes, orient, p_zone, t_zone)
        if fall.size:
            _ballistic(tracks, fall, zs, point, t_imp, axes, orient, p_zone, t_zone)
        evaluated = bool(air.size or fall.size)
    if not evaluated:  # no zone at risk from any track (the argmax below would say the same)
        zone, p_reach, value = np.full(n, -1), np.zeros(n), np.zeros(n)
        return ThreatGeometry(zone, point, t_imp, axes, orient, p_reach, value, p_zone, t_zone)
    values = zs.values
    risk = p_zone * values[None, :]
    rows = np.arange(n)
    best = risk.argmax(axis=1)
    has = risk[rows, best] > 0
    zone = np.where(has, best, -1)
    p_reach = np.where(has, p_zone[rows, best], 0.0)
    value = np.where(has, values[best], 0.0)
    return ThreatGeometry(zone, point, t_imp, axes, orient, p_reach, value, p_zone, t_zone)


def _air_breathing(tracks, i, zs: _ZoneSet, point, t_imp, axes, orient, p_zone, t_zone) -> None:
    n = i.size
    rows = np.arange(n)
    x = tracks.x[i]
    p = x[:, :2]
    v = x[:, 3:5]
    speed = np.hypot(v[:, 0], v[:, 1])
    moving = speed > 3.0
    spd = np.maximum(speed, 1e-6)
    u = v / spd[:, None]
    nrm = u[:, ::-1] * _FLIP
    # the zones' vertices projected on each track's path: along-track (row 0) and cross-track (row 1)
    basis = np.concatenate([u, nrm], axis=1).reshape(n, 2, 2)[:, :, :, None, None]
    rx = zs.vx[None] - p[:, 0, None, None]  # (n, Z, V + 1)
    ry = zs.vy[None] - p[:, 1, None, None]
    proj = rx[:, None] * basis[:, :, 0] + ry[:, None] * basis[:, :, 1]  # (n, 2, Z, V + 1)
    verts = proj[..., : zs.nv]
    lo, hi = verts.min(axis=3), verts.max(axis=3)
    amin, cmin = lo[:, 0], lo[:, 1]
    amax, cmax = hi[:, 0], hi[:, 1]
    a_mid = proj[:, 0, :, -1]  # along-track distance to each zone's centre
    a_hit = a_mid.clip(np.maximum(amin, 0.0), np.maximum(amax, 0.0))
    tgo = a_hit / spd[:, None]
    Ppp = tracks.P[i, :2, :2]
    Pvv = tracks.P[i, 3:5, 3:5]
    sp2 = np.einsum("nk,nkl,nl->n", nrm, Ppp, nrm)
    sv2 = np.einsum("nk,nkl,nl->n", nrm, Pvv, nrm)
    lat2 = sp2[:, None] + tgo**2 * sv2[:, None] + (K_INTENT * a_hit) ** 2 + 1.0
    s = np.sqrt(lat2)
    prob = ndtr(cmax / s) - ndtr(cmin / s)
    inside = zs.contains(p)  # (n, Z)
    ahead = (amax > 0) & (tgo < HORIZON_S) & moving[:, None]
    cross = np.where(inside, 1.0, np.where(ahead, prob, 0.0))
    # a one-way-attack threat usually ends in the first valued zone it reaches: a zone further along
    # the path is reached only if the threat did not stop in the zones before it
    order = np.where(cross > 0, a_hit, np.inf).argsort(axis=1)
    c_sorted = cross[rows[:, None], order]
    stop = np.empty_like(c_sorted)
    stop[:, 0] = 1.0
    stop[:, 1:] = 1.0 - Q_STOP * c_sorted[:, :-1]
    prob = np.empty_like(cross)
    prob[rows[:, None], order] = c_sorted * stop.cumprod(axis=1)
    _store_zones(p_zone, t_zone, i, zs, prob, np.where(prob > 0, tracks.t + tgo, np.nan))
    risk = prob * zs.vals[None, :]
    best = risk.argmax(axis=1)
    has = risk[rows, best] > 0
    if not has.any():
        return
    if not has.all():
        i, rows, best, x, p, u, nrm, speed = i[has], rows[has], best[has], x[has], p[has], u[has], nrm[has], speed[has]
        Ppp, Pvv = Ppp[has], Pvv[has]
    tg = tgo[rows, best]
    lateral = np.zeros(tg.size).clip(cmin[rows, best], cmax[rows, best])  # np.clip(0.0, ...), the same ufunc
    point[i] = p + u * a_hit[rows, best][:, None] + nrm * lateral[:, None]
    h = np.maximum(x[:, 2], 0.0)
    sp = np.maximum(speed, 1.0)
    t_imp[i] = tracks.t + tg + np.maximum(h / _SIN_DIVE / sp - h / _TAN_DIVE / sp, 0.0)
    sa = np.sqrt(np.einsum("nk,nkl,nl->n", u, Ppp, u) + tg**2 * np.einsum("nk,nkl,nl->n", u, Pvv, u))
    lat = s[rows, best]
    axes[i, 0] = _K95_1 * np.maximum(sa, lat)
    axes[i, 1] = _K95_1 * np.minimum(sa, lat)
    orient[i] = np.where(sa >= lat, np.arctan2(u[:, 0], u[:, 1]), np.arctan2(nrm[:, 0], nrm[:, 1]))


def _ballistic(tracks, i, zs: _ZoneSet, point, t_imp, axes, orient, p_zone, t_zone) -> None:
    x = tracks.x[i]
    h, vu = x[:, 2], x[:, 5]
    tti = (vu + np.sqrt(vu**2 + 2 * G0 * np.maximum(h, 0.0))) / G0
    point[i] = x[:, :2] + x[:, 3:5] * tti[:, None]
    t_imp[i] = tracks.t + tti
    cov = tracks.P[i, :2, :2] + tti[:, None, None] ** 2 * tracks.P[i, 3:5, 3:5]
    vals_, vecs = np.linalg.eigh(cov)
    axes[i] = _K95_2 * np.sqrt(np.maximum(vals_[:, ::-1], 0.0))
    orient[i] = np.arctan2(vecs[:, 0, 1], vecs[:, 1, 1])
    frac = _fractions(point[i], cov, zs.geometry)
    _store_zones(p_zone, t_zone, i, zs, frac, np.where(frac > 0, t_imp[i][:, None], np.nan))


def _store_zones(p_zone, t_zone, i, zs: _ZoneSet, prob: np.ndarray, reach_t: np.ndarray) -> None:
    """Write tracks ``i``'s probabilities and times of reaching the zone set's zones into the per-zone
    columns (all columns at once when the set holds every zone)."""
    if zs.all_cols:
        p_zone[i] = prob
        t_zone[i] = reach_t
    else:
        p_zone[i[:, None], zs.cols] = prob
        t_zone[i[:, None], zs.cols] = reach_t


def zone_fractions(center: np.ndarray, cov: np.ndarray, zones: list[ZoneArea]) -> np.ndarray:
    """Probability (N, Z) that a Gaussian impact point (centres (N, 2), covariances (N, 2, 2)) falls
    in each zone, by a fixed set of quasi-random samples (not a simulation draw: reproducible)."""
    return _fractions(center, cov, _zone_set(zones).geometry_all)


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
    zs = _zone_set(zones)
    for tid, st in arcs.items():
        i = tracks.index_of(tid)
        if i is None or st.impact is None:
            continue
        imp = st.impact
        point[i], t_imp[i], axes[i], orient[i] = imp.point, imp.time, imp.axes, imp.orientation
        p_zone[i] = 0.0
        t_zone[i] = np.nan
        zone[i], p_reach[i], value[i] = -1, 0.0, 0.0
        if zs.valued:
            frac = _fractions(imp.point[None], imp.cov[None], zs.geometry)[0]
            p_zone[i, zs.cols] = frac
            t_zone[i, zs.cols] = np.where(frac > 0, imp.time, np.nan)
            risk = frac * zs.vals
            b = int(np.argmax(risk))
            if risk[b] > 0:
                zone[i], p_reach[i], value[i] = zs.valued[b].index, frac[b], zs.valued[b].value
    return ThreatGeometry(zone, point, t_imp, axes, orient, p_reach, value, p_zone, t_zone)
