"""The operator's view of a night: which events reach the console, how they read, the site's map.

The console shows what the defenders know: sensor plots, tracks, identities, threat assessments,
warnings, engagement decisions and operator actions. From the truth side it shows only what a
trainer would see from the tower — an observed kill, debris and rounds falling, a detonation or an
impact — stripped of truth identities (no threat names or indices), under the source ``observed``.
Truth positions, launches and the harness's first-detection records never leave the server.

Events are converted once to a :class:`ViewEvent` holding its JSON fragment, so a batch is
serialised once however many browsers watch. :class:`PictureLog` keeps what a browser joining
mid-night needs to rebuild the picture (every displayable event, the latest plots and tracks, and
recent track positions for the trails) and renders it as one snapshot message.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from bastion.event_types import Payload
from bastion.scenario.compiled import Defence

# Truth-side kinds a trainer observes, with the payload keys that may be shown. Everything else
# from the ``world`` source (truth positions, launches, hits, first detections) is never sent.
OBSERVED_KEYS: dict[str, tuple[str, ...]] = {
    "kill": ("position",),
    "debris_impact": ("piece", "position", "zone"),
    "fall_of_shot": ("position", "dud", "zone"),
    "detonation": ("position", "how", "damaged"),
    "leak": ("position", "zone"),
    "impact_open_ground": ("position", "zone"),
    "damage": ("zone", "kind", "distance_m", "how"),
    "civil_hit": ("position", "icao24"),
    "gun_fired": ("order", "gun", "rounds", "t_first", "t_last", "ammunition_left"),
    "burst_complete": ("order", "gun", "fired"),
}
# Decision-side kinds never sent: the ADS-B receiver's batch notes carry nothing to display.
HIDDEN = {"adsb"}
# Per-scan kinds: drawn on the map, not written in the event log.
PER_SCAN = {"detections", "tracks"}
# Drawn on the map, logged only when they land in a zone (hundreds of rounds fall in open ground).
LOGGED_IN_ZONES_ONLY = {"fall_of_shot"}

# Reference RCS for the radar's drawn detection ring: a small one-way-attack drone
# (shared/domain/threats.md: Shahed-class 0.05 m^2 frontal, placeholder confidence L).
RING_RCS_M2 = 0.05


@dataclass(frozen=True)
class ViewEvent:
    """An event as the console shows it: ``shown`` is its payload as the browser gets it (the
    payload's JSON object; of a truth event, only the keys a trainer observes), ``fragment`` its
    JSON message, serialised once."""

    seq: int
    t: float
    kind: str
    source: str
    shown: dict
    text: str
    level: str
    fragment: str


def to_view(seq: int, t: float, kind: str, source: str, payload: Payload, defence: Defence) -> ViewEvent | None:
    """The operator's view of one event (its typed payload), or None when the console must not show it."""
    guns = [g.name for g in defence.guns]
    if source == "world":
        keys = OBSERVED_KEYS.get(kind)
        if keys is None:
            return None
        full = payload.to_dict()
        shown = {k: full[k] for k in keys if k in full}
        gun = shown.get("gun")
        if isinstance(gun, int) and 0 <= gun < len(guns):  # a mount is known to the defenders by name
            shown["gun"] = guns[gun]
        source = "observed"
    elif kind in HIDDEN:
        return None
    else:
        shown = payload.to_dict()
    text, level = describe(payload, guns)
    body = {"seq": seq, "t": t, "kind": kind, "source": source, "p": shown}
    if kind not in PER_SCAN and not (kind in LOGGED_IN_ZONES_ONLY and not shown.get("zone")):
        body["text"] = text
        body["level"] = level
    fragment = json.dumps(body, separators=(",", ":"), default=_default, allow_nan=False)
    return ViewEvent(seq, t, kind, source, shown, text, level, fragment)


def _xy(p) -> str:
    return f"({p[0] / 1000:.2f}, {p[1] / 1000:.2f}) km" if p else "(?)"


def describe(p: Payload, guns: Sequence[str] = ()) -> tuple[str, str]:
    """One log line for an event (its typed payload) and its level: alert, action, good or info.
    ``guns``: the gun names, for the truth events that give a gun's index."""
    kind = p.KIND

    def gun_name(g) -> str:
        return guns[g] if isinstance(g, int) and 0 <= g < len(guns) else str(g)

    if kind == "warning":
        return f"WARNING {p.zone}: track {p.track} ({p.identity}), impact in {p.warning_time_s:.0f} s", "alert"
    if kind == "all_clear":
        return f"ALL CLEAR {p.zone} (track {p.track}: {p.reason})", "good"
    if kind == "authorisation_request":
        tti = p.time_to_impact_s
        return (
            f"AUTHORISATION REQUESTED #{p.request}: {p.gun} on track {p.track}, Pk {p.pk}, "
            f"{'impact in ' + format(tti, '.0f') + ' s' if tti is not None else 'no impact predicted'}"
            f"{' on ' + p.zone if p.zone else ''}",
            "alert",
        )
    if kind == "authorisation":
        verdict = "APPROVED" if p.approved else "DENIED"
        who = f"#{p.request} by {p.user}"
        return f"{verdict} {who}: {p.gun} on track {p.track} ({p.latency_s} s)", "action"
    if kind == "authorisation_timeout":
        return f"REQUEST #{p.request} LAPSED: track {p.track} not fired ({p.gun})", "alert"
    if kind == "authorisation_ignored":
        return f"answer to request #{p.request} by {p.user} ignored: {p.reason}", "info"
    if kind == "weapons_control":
        return f"WEAPONS {str(p.to).upper()} (was {p.from_}) set by {p.user}", "action"
    if kind == "fire_order":
        return f"FIRE {p.gun} at track {p.track}: {p.rounds} rds, range {p.range_m:.0f} m, Pk {p.pk}", "action"
    if kind == "fire_control_loop":
        return (
            f"{p.gun}'s fire-control radar closed the loop on order {p.order}: {p.misses_measured} misses "
            f"measured, {p.aim_updates} aim corrections, residual bias {p.bias_mrad} mrad",
            "info",
        )
    if kind == "kill_assessment":
        if p.destroyed:
            return f"track {p.track} assessed DESTROYED ({p.reason})", "good"
        return f"track {p.track} survived {p.gun}'s burst ({p.reason})", "info"
    if kind == "identification":
        extra = f" {p.callsign}" if p.callsign else ""
        return f"track {p.track}: {p.from_} -> {str(p.to).upper()}{extra} ({p.reason})", (
            "alert" if p.to == "hostile" else "info"
        )
    if kind == "threat":
        tti = p.time_to_impact_s
        return (
            f"THREAT track {p.track} ({p.klass}) toward {p.zone or 'open ground'}"
            f"{', impact in ' + format(tti, '.0f') + ' s' if tti is not None else ''}, value {p.threat_value}",
            "alert",
        )
    if kind in ("engagement_refused", "hold_fire", "cannot_engage"):
        return f"{kind.replace('_', ' ')}: track {p.track} — {p.reason}", "info"
    if kind == "threat_ignored":
        return f"track {p.track} not engaged: {p.reason}", "info"
    if kind == "track_confirmed":
        return f"track {p.track} confirmed at {_xy(p.position)}", "info"
    if kind == "bird":
        return f"track {p.track} classified BIRD (P {p.p_bird} over {p.looks} looks): not a threat", "info"
    if kind == "track_deleted":
        return f"track {p.track} dropped ({p.reason})", "info"
    if kind == "kill":
        return f"OBSERVED: target destroyed at {_xy(p.position)}, height {p.position[2]:.0f} m", "good"
    if kind == "debris_impact":
        return f"observed: debris ({p.piece}) fell at {_xy(p.position)} in {p.zone or 'open ground'}", "info"
    if kind == "fall_of_shot":
        what = "dud round" if p.dud else "round"
        return f"observed: {what} fell in {p.zone or 'open ground'}", "alert" if p.zone else "info"
    if kind == "detonation":
        dmg = ", ".join(p.damaged or []) or "no zone damaged"
        return f"observed: detonation ({p.how}) at {_xy(p.position)}: {dmg}", "alert" if p.damaged else "info"
    if kind == "leak":
        return f"OBSERVED IMPACT in {p.zone or 'reach of a defended zone'} at {_xy(p.position)}", "alert"
    if kind == "impact_open_ground":
        return f"observed: impact in open ground at {_xy(p.position)}", "info"
    if kind == "damage":
        return f"DAMAGE: {p.zone} ({p.kind}), {p.distance_m} m from the {p.how} detonation", "alert"
    if kind == "civil_hit":
        return f"CIVIL AIRCRAFT {p.icao24} HIT", "alert"
    if kind == "gun_fired":
        return f"{gun_name(p.gun)} fired {p.rounds} rounds ({p.ammunition_left} left)", "action"
    if kind == "burst_complete":
        return f"{gun_name(p.gun)} burst complete ({p.fired} rounds)", "info"
    if kind == "run_start":
        return f"night begins: {p.scenario} at {p.site}, seed {p.seed}, weapons {p.weapons_control}", "info"
    if kind == "run_end":
        return "night ends", "info"
    if kind == "detections":
        return f"{p.n} plots", "info"
    if kind == "tracks":
        return f"{len(p.id)} tracks", "info"
    scalars = ", ".join(f"{a}={b}" for a, b in p.to_dict().items() if not isinstance(b, list | dict))
    return f"{kind}: {scalars}"[:240], "info"  # a kind this module does not describe yet


def _default(o):
    """JSON for numpy scalars and arrays (payloads are built from them)."""
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


# -- the site ---------------------------------------------------------------------------------------
def _ring(geom) -> list[list[float]]:
    return np.round(np.asarray(shapely.get_exterior_ring(geom).coords)[:, :2], 1).tolist()


def detection_ring_m(radar) -> float:
    """Range [m] at which ``radar`` detects a ``RING_RCS_M2`` target with its reference Pd.

    Radar equation at constant signal-to-noise ratio: R is proportional to RCS^(1/4)
    (Skolnik, Introduction to Radar Systems, 3rd ed., eq. 1.9), scaled from the catalogue's
    reference range for its reference RCS; never beyond the instrumented range.
    """
    rt = radar.type
    return float(min(rt.ref_range_m * (RING_RCS_M2 / rt.ref_rcs_m2) ** 0.25, rt.max_range_m))


def site_json(d: Defence) -> dict:
    """The site in its local ENU frame [m] for the map; azimuths in degrees clockwise from north."""
    deg = np.degrees
    return {
        "name": d.name,
        "site": d.site_name,
        "origin": {"lat": d.origin.lat_deg, "lon": d.origin.lon_deg, "alt_m": d.origin.alt_m},
        "start": d.start.isoformat(),
        "duration_s": d.duration_s,
        "doctrine": {
            "weapons_control": d.doctrine.weapons_control,
            "authorisation_timeout_s": d.doctrine.operator.timeout_s,
            "warning_horizon_s": d.doctrine.warning_horizon_s,
        },
        "zones": [
            {"name": z.name, "kind": z.kind, "value": z.value, "notional": z.notional, "ring": _ring(z.geometry)}
            for z in d.zones
        ],
        "runways": [
            {
                "name": r.name,
                "idents": list(r.idents),
                "ends": np.round(r.thresholds[:, :2], 1).tolist(),
                "width_m": r.width_m,
            }
            for r in d.runways
        ],
        "radars": [
            {
                "name": r.name,
                "type": r.type.name,
                "position": np.round(r.position, 1).tolist(),
                "max_range_m": r.type.max_range_m,
                "detection_ring_m": round(detection_ring_m(r), 0),
                "detection_ring_rcs_m2": RING_RCS_M2,
                "scan_period_s": r.scan_period_s,
            }
            for r in d.radars
        ],
        "adsb": [{"name": a.name, "position": np.round(a.position, 1).tolist(), "range_m": a.range_m} for a in d.adsb],
        "guns": [
            {
                "name": g.name,
                "type": g.type.name,
                "position": np.round(g.position, 1).tolist(),
                "reach_m": g.type.max_engage_range_m,
                "arc_deg": [round(float(deg(g.arc_from)), 2), round(float(deg(g.arc_to)), 2)],
                "ammunition": g.ammunition,
                "no_fire": [
                    {
                        "azimuth_deg": [round(float(deg(n.azimuth_from)), 2), round(float(deg(n.azimuth_to)), 2)],
                        "below_elevation_deg": round(float(deg(n.below_elevation)), 2),
                        "reason": n.reason,
                    }
                    for n in g.no_fire
                ],
            }
            for g in d.guns
        ],
    }


# -- what a browser joining mid-night needs ----------------------------------------------------------
class PictureLog:
    """Every displayable event so far, the latest plots and tracks, and recent track positions.

    Thread-safe: the engine thread appends, the web server's thread takes snapshots. ``max_events``
    bounds memory on a long night (the oldest log lines go first; the night's opening event and the
    latest weapons-control change are always kept).
    """

    def __init__(self, trail_scans: int = 60, max_events: int = 5_000) -> None:
        self._lock = threading.Lock()
        self._events: deque[ViewEvent] = deque(maxlen=max_events)
        self._pinned: dict[str, ViewEvent] = {}  # run_start, latest weapons_control
        self._last_tracks: ViewEvent | None = None
        self._last_plots: dict[int, ViewEvent] = {}
        self._trails: deque[tuple[float, list, list]] = deque(maxlen=trail_scans)
        self.last_seq = -1
        self.t = 0.0

    def append(self, ev: ViewEvent) -> None:
        with self._lock:
            self.last_seq = max(self.last_seq, ev.seq)
            self.t = max(self.t, ev.t)
            if ev.kind == "tracks":
                self._last_tracks = ev
                self._trails.append((ev.t, ev.shown["id"], ev.shown["position"]))
            elif ev.kind == "detections":
                self._last_plots[ev.shown["sensor"]] = ev
            else:
                self._events.append(ev)
                if ev.kind in ("run_start", "weapons_control"):
                    self._pinned[ev.kind] = ev

    def snapshot(self, extra: dict | None = None) -> str:
        """The ``snapshot`` message: events in order (log, pinned, latest plots and tracks) and trails."""
        with self._lock:
            events = {e.seq: e for e in self._events}
            for e in self._pinned.values():
                events.setdefault(e.seq, e)
            for e in self._last_plots.values():
                events[e.seq] = e
            if self._last_tracks is not None:
                events[self._last_tracks.seq] = self._last_tracks
            trails: dict[int, list] = {}
            for t, ids, positions in self._trails:
                for tid, pos in zip(ids, positions, strict=False):
                    trails.setdefault(tid, []).append([t, pos[0], pos[1]])
            seq, t = self.last_seq, self.t
        live = set(self._last_tracks.shown["id"]) if self._last_tracks is not None else set()
        trails = {k: v for k, v in trails.items() if k in live}
        head = {"type": "snapshot", "seq": seq, "t": t, "trails": trails, **(extra or {})}
        body = json.dumps(head, separators=(",", ":"), default=_default, allow_nan=False)
        fragments = ",".join(events[k].fragment for k in sorted(events))
        return body[:-1] + ',"events":[' + fragments + "]}"
