"""A recorded run read back for the exports (:mod:`bastion.report.exports`): the site, the system
tracks, impact ellipses, zone warnings, engagements, debris and fall of shot, from the events of a
stored run and the scenario stored with it. What the defenders saw and did: no truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import shapely

from bastion.scenario import ScenarioError
from bastion.scenario.compiled import Defence, compile_stored
from bastion.store import EventStore

_KINDS = (
    "tracks",
    "impact_prediction",
    "warning",
    "all_clear",
    "fire_order",
    "kill_assessment",
    "debris_impact",
    "fall_of_shot",
)


class ExportError(ValueError):
    """A run cannot be exported (unknown run, unreadable scenario, unwritable file)."""


@dataclass
class TrackPath:
    track: int
    t: np.ndarray  # [s after the start]
    lat: np.ndarray  # [deg]
    lon: np.ndarray
    alt: np.ndarray  # [m above the ellipsoid, as the site origin's altitude]
    identity: str  # final
    klass: str  # final
    identities: list[tuple[float, str]]  # (time, identity) at each change
    icao24: str | None


@dataclass
class RunPicture:
    """What a run's events say, in WGS84: the input of every export format."""

    run_id: str
    scenario: str
    start: datetime  # UTC of t = 0
    end_s: float
    defence: Defence
    tracks: list[TrackPath] = field(default_factory=list)
    ellipses: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    engagements: list[dict] = field(default_factory=list)
    debris: list[dict] = field(default_factory=list)
    fall_of_shot: list[dict] = field(default_factory=list)

    def wgs84(self, enu) -> np.ndarray:
        """(..., 3) lon, lat, altitude of ENU points (..., 3) [m] of the site."""
        lat, lon, alt = self.defence.origin.to_wgs84(np.asarray(enu, dtype=float))
        return np.stack([np.asarray(lon), np.asarray(lat), np.asarray(alt)], axis=-1)

    def when(self, t: float) -> datetime:
        return self.start + timedelta(seconds=float(t))


def ellipse_ring(center, axes, orientation: float, n: int = 48) -> np.ndarray:
    """ENU ring (n + 1, 2) [m] of an ellipse: semi-axes (major, minor) [m], major-axis azimuth [rad]
    clockwise from north; counter-clockwise, closed."""
    a, b = float(axes[0]), float(axes[1])
    th = np.linspace(0.0, 2 * np.pi, n + 1)
    u = np.array([np.sin(orientation), np.cos(orientation)])  # major axis
    v = np.array([u[1], -u[0]])  # minor axis, 90 degrees clockwise of it
    ring = np.asarray(center, dtype=float)[:2] + np.outer(a * np.cos(th), u) + np.outer(b * np.sin(th), v)
    if _signed_area(ring) < 0:
        ring = ring[::-1]
    return ring


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def read_run(db: str | Path, run_id: str) -> RunPicture:
    """Read one run's events and site; ExportError when the run or its scenario cannot be read."""
    with EventStore(db) as store:
        info = next((r for r in store.runs() if r.run_id == run_id), None)
        if info is None:
            raise ExportError(f"run {run_id!r} is not in {db}")
        text = store.scenario_text(run_id)
        events = list(store.events(run_id, _KINDS))
        end_s = store.db.execute("SELECT MAX(t) FROM events WHERE run_id = ?", (run_id,)).fetchone()[0] or 0.0
    try:
        defence = compile_stored(text, f"run {run_id}").defence
    except ScenarioError as exc:
        raise ExportError("the run's stored scenario does not compile:\n" + "\n".join(exc.problems)) from None
    pic = RunPicture(run_id, info.scenario, defence.start.astimezone(UTC), float(end_s), defence)
    _tracks(pic, [e for e in events if e.kind == "tracks"])
    _ellipses(pic, events)
    _warnings(pic, events)
    _engagements(pic, events)
    for e in events:
        if e.kind in ("debris_impact", "fall_of_shot"):
            lon, lat, alt = pic.wgs84(e.payload.position).tolist()
            row = {
                "t": e.t,
                "lon": lon,
                "lat": lat,
                "alt": alt,
                **{k: v for k, v in e.payload.to_dict().items() if k != "position"},
            }
            (pic.debris if e.kind == "debris_impact" else pic.fall_of_shot).append(row)
    return pic


def _tracks(pic: RunPicture, events) -> None:
    if not events:
        return
    counts = np.array([len(e.payload.id) for e in events])
    t = np.repeat([e.t for e in events], counts)
    ids = np.concatenate([np.asarray(e.payload.id, dtype=int) for e in events])
    pos = np.concatenate([np.asarray(e.payload.position, dtype=float).reshape(-1, 3) for e in events])
    ident = np.concatenate([np.asarray(e.payload.identity, dtype=object) for e in events])
    klass = np.concatenate([np.asarray(e.payload.klass, dtype=object) for e in events])
    icao = np.concatenate([np.asarray(e.payload.icao24, dtype=object) for e in events])
    geo = pic.wgs84(pos)
    order = np.lexsort((t, ids))
    uniq, start = np.unique(ids[order], return_index=True)
    stops = np.r_[start[1:], order.size]
    for tid, a, b in zip(uniq.tolist(), start.tolist(), stops.tolist(), strict=True):  # one object per track
        k = order[a:b]
        changes = np.flatnonzero(np.r_[True, ident[k][1:] != ident[k][:-1]])
        known = [x for x in icao[k] if x]
        pic.tracks.append(
            TrackPath(
                tid,
                t[k],
                geo[k, 1],
                geo[k, 0],
                geo[k, 2],
                str(ident[k][-1]),
                str(klass[k][-1]),
                [(float(t[k][j]), str(ident[k][j])) for j in changes],
                known[-1] if known else None,
            )
        )


def _ellipses(pic: RunPicture, events) -> None:
    """Each track's latest impact ellipse (ballistic arcs' predictions, else the threat evaluation's)."""
    latest: dict[int, dict] = {}
    for e in events:
        p = e.payload
        if e.kind == "impact_prediction" and p.ellipse:
            latest[int(p.track)] = {
                "track": int(p.track),
                "t": e.t,
                "impact_time": p.impact_time,
                "center": p.impact_point,
                "axes": p.ellipse[:2],
                "orientation": p.ellipse[2],
                "zone": p.zone,
                "p_reach": p.p_reach,
                "source": "ballistic arc",
            }
        elif e.kind == "tracks":
            for i, tid in enumerate(p.id):
                el, imp = p.ellipse[i], p.impact_point[i]
                if el is None or imp is None or (int(tid) in latest and latest[int(tid)]["source"] == "ballistic arc"):
                    continue
                tti = p.time_to_impact_s[i]
                latest[int(tid)] = {
                    "track": int(tid),
                    "t": e.t,
                    "impact_time": e.t + tti if tti is not None else None,
                    "center": imp,
                    "axes": el[:2],
                    "orientation": el[2],
                    "zone": p.zone[i],
                    "p_reach": None,
                    "identity": p.identity[i],
                    "source": "threat evaluation",
                }
    for tid in sorted(latest):
        d = latest[tid]
        if not (np.isfinite(d["axes"]).all() and min(d["axes"]) > 0):
            continue
        ring = ellipse_ring(d["center"], d["axes"], d["orientation"])
        d["ring"] = pic.wgs84(np.column_stack([ring, np.zeros(len(ring))]))[:, :2]
        pic.ellipses.append(d)


def _warnings(pic: RunPicture, events) -> None:
    zones = {z.name: z for z in pic.defence.zones}
    open_: dict[tuple[str, int], dict] = {}
    for e in events:
        p = e.payload
        if e.kind == "warning":
            w = {
                "zone": p.zone,
                "track": p.track,
                "t": e.t,
                "t_clear": None,
                "identity": p.identity,
                "warning_time_s": p.warning_time_s,
                "p_reach": p.p_reach,
                "clear_reason": None,
            }
            open_[(p.zone, p.track)] = w
            pic.warnings.append(w)
        elif e.kind == "all_clear":
            w = open_.pop((p.zone, p.track), None)
            if w is not None:
                w["t_clear"], w["clear_reason"] = e.t, p.reason
    for w in pic.warnings:
        z = zones.get(w["zone"])
        if z is not None:
            ring = np.asarray(shapely.get_exterior_ring(shapely.orient_polygons(z.geometry)).coords)
            w["ring"] = pic.wgs84(np.column_stack([ring, np.zeros(len(ring))]))[:, :2]


def _engagements(pic: RunPicture, events) -> None:
    guns = {g.name: g for g in pic.defence.guns}
    kills = {}
    for e in events:
        if e.kind == "kill_assessment":
            kills[int(e.payload.order)] = (bool(e.payload.destroyed), e.payload.reason)
    for e in events:
        if e.kind != "fire_order":
            continue
        p = e.payload
        g = guns.get(p.gun)
        if g is None:
            continue
        ends = pic.wgs84(np.array([g.position, p.intercept], dtype=float))
        destroyed, reason = kills.get(int(p.order), (None, None))
        pic.engagements.append(
            {
                "order": p.order,
                "gun": p.gun,
                "track": p.track,
                "t": e.t,
                "t_start": p.t_start,
                "t_end": p.t_end,
                "rounds": p.rounds,
                "pk": p.pk,
                "range_m": p.range_m,
                "destroyed": destroyed,
                "assessment": reason,
                "line": ends,
            }
        )


# ----------------------------------------------------------------------------------------------
# Writers


def iso_time(pic: RunPicture, t: float | None) -> str | None:
    return None if t is None else pic.when(t).isoformat().replace("+00:00", "Z")
