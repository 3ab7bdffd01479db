"""Every kind of event, with the type of its payload: what each stage records and the others read.

An event (:class:`bastion.engine.events.Event`) is a time, a kind, a source and a payload. This
module is the one place that says which kinds exist (:class:`EventKind`) and what each payload
holds: one frozen dataclass (with slots) per kind, its fields in the order of the payload's JSON
keys, their units in the comment beside each field. Writers build these payloads; the summary,
incidents, console, reports, exports and replay read their attributes.

JSON: :meth:`Payload.to_dict` gives the payload as the JSON object it is stored as (key order as the
fields; a field named ``from_`` or ``klass`` is stored as ``from`` or ``class``; an optional field
left at None is left out), :func:`from_json` reads it back into the same type. The SQLite store
records :data:`EVENT_SCHEMA` with each run, so a change of payloads that old runs would not read
(a field renamed or removed) raises the number, and the store refuses what it cannot read with a
message naming the schema it was written with.

Units: SI inside (m, s, rad), positions and points in the site's local ENU frame [m] (east, north,
up; a ground point is (east, north)), angles in degrees only where the name says ``_deg``. World
events name guns and threats by their index in the scenario (truth), decision events name guns by
name and targets by track number.

``python -m bastion.event_types --markdown`` writes the reference of every kind (docs/events.md).
Decision code and the harness alike import this module: it imports nothing of bastion.

Its length (~1,230 lines, 81 kinds) is the point of it: one module that defines every kind, so a
reader finds every payload in one place and the generated reference cannot drift from the code.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import ClassVar

import numpy as np

EVENT_SCHEMA = 1
"""Version of the event payloads defined here, recorded with each stored run. Runs stored before
the store recorded it read as schema 0: the same payloads (schema 1 typed them without changing a
byte of their JSON), read when they parse."""


class EventSchemaError(ValueError):
    """A payload that is not of its kind's type: an unknown kind, a missing or unexpected field."""


class EventKind(StrEnum):
    """Every kind of event. A member is its string (``EventKind.WARNING == "warning"``)."""

    # engine
    RUN_START = "run_start"
    RUN_END = "run_end"
    FEED_STATUS = "feed_status"
    # sensor
    DETECTIONS = "detections"
    ADSB = "adsb"
    SCAN_REFUSED = "scan_refused"
    SENSOR_OUTAGE = "sensor_outage"
    SENSOR_RESTORED = "sensor_restored"
    # decision: tracks and their assessment
    TRACK_CONFIRMED = "track_confirmed"
    TRACK_DELETED = "track_deleted"
    TRACKS = "tracks"
    IDENTIFICATION = "identification"
    ADSB_IMPLAUSIBLE = "adsb_implausible"
    ADSB_UNCONFIRMED = "adsb_unconfirmed"
    CORRIDOR_HOLD = "corridor_hold"
    CORRIDOR_CONFLICT = "corridor_conflict"
    BIRD = "bird"
    THREAT = "threat"
    IMPACT_PREDICTION = "impact_prediction"
    POINT_OF_ORIGIN = "point_of_origin"
    WARNING = "warning"
    ALL_CLEAR = "all_clear"
    # decision: engagement
    THREAT_IGNORED = "threat_ignored"
    CANNOT_REACH = "cannot_reach"
    CANNOT_ENGAGE = "cannot_engage"
    HOLD_FIRE = "hold_fire"
    ENGAGEMENT_REFUSED = "engagement_refused"
    AUTHORISATION_REQUEST = "authorisation_request"
    AUTHORISATION_TIMEOUT = "authorisation_timeout"
    FIRE_ORDER = "fire_order"
    FIRE_CONTROL_LOOP = "fire_control_loop"
    KILL_ASSESSMENT = "kill_assessment"
    GUN_AVAILABLE = "gun_available"
    GUN_UNAVAILABLE = "gun_unavailable"
    REASSIGNED = "reassigned"
    # decision: effectors beyond the gun (issue 19)
    EFFECTOR_ORDER = "effector_order"
    JAMMER_HOLD = "jammer_hold"
    JAM_ASSESSMENT = "jam_assessment"
    EFFECTOR_STATUS = "effector_status"
    # operator
    AUTHORISATION = "authorisation"
    AUTHORISATION_IGNORED = "authorisation_ignored"
    WEAPONS_CONTROL = "weapons_control"
    # world (truth)
    TRUTH = "truth"
    FIRST_DETECTION = "first_detection"
    LAUNCH = "launch"
    GUN_FIRED = "gun_fired"
    ORDER_REFUSED = "order_refused"
    GUN_RELOADED = "gun_reloaded"
    GUN_CEASED = "gun_ceased"
    GUN_FAULT = "gun_fault"
    GUN_FAULT_CLEARED = "gun_fault_cleared"
    FALL_OF_SHOT = "fall_of_shot"
    BURST_COMPLETE = "burst_complete"
    HIT = "hit"
    EXTERNAL_HIT = "external_hit"
    FRIENDLY_HIT = "friendly_hit"
    CIVIL_HIT = "civil_hit"
    KILL = "kill"
    LEAK = "leak"
    IMPACT_OPEN_GROUND = "impact_open_ground"
    DETONATION = "detonation"
    DAMAGE = "damage"
    DEBRIS_IMPACT = "debris_impact"
    OPERATOR_ACTION_LOST = "operator_action_lost"
    REQUEST_NOT_SHOWN = "request_not_shown"
    # world (truth): effectors beyond the gun (issue 19)
    EFFECTOR_ORDER_REFUSED = "effector_order_refused"
    JAMMER_RADIATING = "jammer_radiating"
    JAMMER_SILENT = "jammer_silent"
    INTERCEPTOR_LAUNCHED = "interceptor_launched"
    INTERCEPTOR_LOCKED = "interceptor_locked"
    INTERCEPTOR_FUZED = "interceptor_fuzed"
    INTERCEPTOR_SELF_DESTRUCT = "interceptor_self_destruct"
    LASER_ON = "laser_on"
    LASER_OFF = "laser_off"
    EFFECTOR_RELOADED = "effector_reloaded"
    GNSS_DENIED = "gnss_denied"
    GNSS_RESTORED = "gnss_restored"
    LINK_LOST = "link_lost"
    LINK_RESTORED = "link_restored"
    FAILSAFE = "failsafe"
    DRONE_LANDED = "drone_landed"
    CIVIL_IN_JAMMER_FOOTPRINT = "civil_in_jammer_footprint"
    FRIENDLY_IN_JAMMER_FOOTPRINT = "friendly_in_jammer_footprint"


SOURCES = ("engine", "sensor", "decision", "operator", "world")
"""Who produces events: the engine (a run's start and end), the sensors as the decision side receives
them, the decision side, the operator, and the world (truth, which only the harness sees)."""


class Payload:
    """Base of every payload type: its kind, its usual source, and its JSON form."""

    __slots__ = ()
    KIND: ClassVar[EventKind]
    SOURCE: ClassVar[str]
    _JSON_NAMES: ClassVar[dict[str, str]]  # JSON key -> field name, for the keys that differ

    def to_dict(self) -> dict:  # replaced per type by a compiled function (see _compile)
        raise NotImplementedError

    def to_json(self) -> str:
        """The payload as stored: compact JSON, keys in field order, numpy scalars as numbers."""
        return json.dumps(self.to_dict(), separators=(",", ":"), default=json_default, allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict) -> Payload:
        """The payload of a JSON object (as :meth:`to_dict` gives it); EventSchemaError if it is not one."""
        names = cls._JSON_NAMES
        try:
            return cls(**({names.get(k, k): v for k, v in data.items()} if names else data))
        except TypeError as exc:
            got = ", ".join(sorted(data))
            why = str(exc).split("__init__() ", 1)[-1]
            raise EventSchemaError(f"{cls.KIND!s} payload ({cls.__name__}): {why} (keys: {got})") from None


PAYLOADS: dict[EventKind, type[Payload]] = {}
"""Kind -> its payload type."""


def json_default(o):
    """JSON for the numpy values a payload may hold (arrays, scalars)."""
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _json(name: str):
    """A field stored under another JSON key (a Python keyword: ``from``, ``class``)."""
    return field(metadata={"json": name})


def _optional():
    """A field present in some payloads of its kind only: None means absent (left out of the JSON)."""
    return field(default=None, metadata={"optional": True})


def _compile(cls) -> None:
    """Give ``cls`` a ``to_dict`` compiled for its fields (a dict display: the cheapest way to build
    the JSON object, called for every stored event) and the JSON-key -> field map of ``from_dict``."""
    always, optional = [], []
    for f in fields(cls):
        key = f.metadata.get("json", f.name)
        if f.metadata.get("optional"):
            optional.append((f.name, key))
        elif optional:
            raise TypeError(f"{cls.__name__}.{f.name}: optional fields come last (JSON key order)")
        else:
            always.append((f.name, key))
    lines = ["def to_dict(self):", "    d = {" + ", ".join(f"{k!r}: self.{n}" for n, k in always) + "}"]
    for n, k in optional:
        lines += [f"    if self.{n} is not None:", f"        d[{k!r}] = self.{n}"]
    lines.append("    return d")
    namespace: dict = {}
    exec("\n".join(lines), namespace)  # (source built above from the field names alone)
    cls.to_dict = namespace["to_dict"]
    cls.to_dict.__doc__ = "The payload as its JSON object (a new dict, keys in field order)."
    cls._JSON_NAMES = {k: n for n, k in always + optional if k != n}


def _event(kind: EventKind, source: str):
    """Class decorator: a frozen, slotted, keyword-only dataclass registered as ``kind``'s payload."""

    def wrap(cls):
        cls = dataclass(frozen=True, slots=True, kw_only=True)(cls)
        cls.KIND, cls.SOURCE = kind, source
        _compile(cls)
        if kind in PAYLOADS:
            raise TypeError(f"two payload types for {kind!s}")
        PAYLOADS[kind] = cls
        return cls

    return wrap


def payload_type(kind: str) -> type[Payload]:
    """The payload type of ``kind``; EventSchemaError naming it when no such kind is defined."""
    try:
        return PAYLOADS[kind]  # type: ignore[index]
    except KeyError:
        raise EventSchemaError(f"unknown event kind {kind!r}: no payload type defines it") from None


def from_dict(kind: str, data: dict) -> Payload:
    """The typed payload of ``kind`` from its JSON object."""
    return payload_type(kind).from_dict(data)


def from_json(kind: str, text: str) -> Payload:
    """The typed payload of ``kind`` from its stored JSON text (:meth:`Payload.to_json`)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise EventSchemaError(f"a {kind} payload is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise EventSchemaError(f"a {kind} payload is not a JSON object: {text[:60]!r}")
    return from_dict(kind, data)


Point = list  # [east, north] or [east, north, up] [m]
Ellipse = list  # [semi-major [m], semi-minor [m], orientation of the major axis [rad clockwise from north]]


# -- engine -----------------------------------------------------------------------------------------
@_event(EventKind.RUN_START, "engine")
class RunStart(Payload):
    """A run begins: what ran, where, from when, with which sensors, guns and zones (the same header
    for a simulated night and a live session)."""

    scenario: str  # scenario name
    site: str  # site name
    seed: int  # the run's random seed (0 for a live session)
    version: str  # bastion version that ran it
    start: str  # wall-clock start of the scenario, ISO 8601 with UTC offset
    duration_s: float  # scenario duration [s]
    weapons_control: str  # initial weapons-control status: free | tight | hold
    radars: list[str]  # radar names, in scenario order (a radar's index in ``detections``)
    guns: list[str]  # gun names, in scenario order (a gun's index in world events)
    zones: list[str]  # zone names
    live: bool | None = _optional()  # True for a live session (absent in a simulation)
    feeds: list[dict] | None = _optional()  # live feeds: each {name, sensor, format} (live only)
    effectors: list[str] | None = _optional()  # effectors other than guns, in scenario order (absent: none)


@_event(EventKind.RUN_END, "engine")
class RunEnd(Payload):
    """A run ends."""

    wall_seconds: float  # wall-clock time the run took [s]
    live: bool | None = _optional()  # True for a live session (absent in a simulation)


@_event(EventKind.FEED_STATUS, "engine")
class FeedStatus(Payload):
    """A live session's periodic status of its feeds (live only)."""

    feeds: dict[str, dict]  # feed name -> its decoder's counts (datagrams, messages, malformed, ...)
    lag: dict  # processing lag statistics [s]


# -- sensor -----------------------------------------------------------------------------------------
@_event(EventKind.DETECTIONS, "sensor")
class Detections(Payload):
    """One radar scan's plots (recorded with per-scan records only)."""

    sensor: int  # radar index in the scenario (``run_start.radars``)
    n: int  # number of plots
    range: list[float]  # slant range of each plot [m]
    azimuth: list[float]  # azimuth of each plot [rad clockwise from north]
    elevation: list[float]  # elevation of each plot [rad]


@_event(EventKind.ADSB, "sensor")
class Adsb(Payload):
    """A batch of ADS-B reports received (recorded with per-scan records only)."""

    icao24: list[str]  # ICAO 24-bit addresses heard, sorted, hex
    reports: int  # number of reports in the batch


@_event(EventKind.SCAN_REFUSED, "sensor")
class ScanRefused(Payload):
    """A radar scan refused by the input check (out of order, off the system clock, an unconfirmed jump)."""

    sensor: str  # radar name
    scan_time: float  # the scan's own time stamp [s]
    reason: str  # why it was refused


@_event(EventKind.SENSOR_OUTAGE, "sensor")
class SensorOutage(Payload):
    """A sensor declared out: silent for more than two report periods."""

    sensor: str  # sensor name
    kind: str  # radar | adsb
    reason: str  # how long silent, and the last refusal if any


@_event(EventKind.SENSOR_RESTORED, "sensor")
class SensorRestored(Payload):
    """A sensor declared out reports again."""

    sensor: str  # sensor name
    kind: str  # radar | adsb
    silent_s: float  # how long it was silent [s]


# -- decision: tracks and their assessment ------------------------------------------------------------
@_event(EventKind.TRACK_CONFIRMED, "decision")
class TrackConfirmed(Payload):
    """A track confirmed (M of N plots)."""

    track: int  # track number
    position: Point  # [east, north, up] [m]


@_event(EventKind.TRACK_DELETED, "decision")
class TrackDeleted(Payload):
    """An identified track dropped."""

    track: int  # track number
    reason: str  # why (coasted too long, below ground, ...)


@_event(EventKind.TRACKS, "decision")
class Tracks(Payload):
    """The picture after a scan: every track not tentative, one entry per track in each list
    (recorded with per-scan records only)."""

    id: list[int]  # track numbers
    position: list[Point]  # [east, north, up] [m]
    velocity: list[list[float]]  # [east, north, up] [m/s]
    sigma_m: list[float]  # position uncertainty: root of the covariance trace [m]
    identity: list[str]  # pending | unknown | civil | friendly | hostile
    klass: list[str] = _json("class")  # track class: unknown | drone | aircraft | ballistic | falling | bird
    zone: list[str | None]  # zone threatened (None: none)
    time_to_impact_s: list[float | None]  # predicted time to impact or arrival [s] (None: none)
    impact_point: list[Point | None]  # predicted impact or arrival point [east, north] [m]
    ellipse: list[Ellipse | None]  # 95 % ellipse of the impact point
    threat_value: list[float]  # zone value x probability of reaching it (0 for civil and friendly)
    icao24: list[str | None]  # ICAO address of a track correlated with ADS-B


@_event(EventKind.IDENTIFICATION, "decision")
class Identification(Payload):
    """A track's identity changes."""

    track: int  # track number
    from_: str = _json("from")  # identity before: pending | unknown | civil | friendly | hostile
    to: str  # identity after
    reason: str  # the rule that decided it
    icao24: str | None = _optional()  # ICAO address (a civil identification only)
    callsign: str | None = _optional()  # flight identification (a civil identification only)


@_event(EventKind.ADSB_IMPLAUSIBLE, "decision")
class AdsbImplausible(Payload):
    """A track correlated with an ADS-B aircraft but too small to be one: possible spoofing."""

    track: int  # track number
    icao24: str  # ICAO address it correlated with
    callsign: str  # that aircraft's flight identification
    rcs_m2: float  # the track's radar cross-section estimate [m^2]
    reason: str  # explanation


@_event(EventKind.ADSB_UNCONFIRMED, "decision")
class AdsbUnconfirmed(Payload):
    """An ADS-B aircraft inside radar coverage that no radar track confirms: possible spoofing."""

    icao24: str  # ICAO address
    callsign: str  # flight identification
    position: Point  # its reported position [east, north, up] [m]
    reason: str  # explanation


@_event(EventKind.CORRIDOR_HOLD, "decision")
class CorridorHold(Payload):
    """A track conforming to a recovery corridor's window: not declared hostile on kinematics alone."""

    track: int  # track number
    corridor: str  # corridor name
    window: str | int  # the window's label (its index when unlabelled)
    reason: str  # explanation


@_event(EventKind.CORRIDOR_CONFLICT, "decision")
class CorridorConflict(Payload):
    """More tracks conform to a corridor's window than friendlies scheduled, and which is the friendly
    cannot be told: held, not declared hostile; the operator decides."""

    track: int  # track number
    corridor: str  # corridor name
    window: str | int  # the window's label (its index when unlabelled)
    holders: list[int]  # tracks holding the window's slots, not yet identified
    reason: str  # explanation


@_event(EventKind.BIRD, "decision")
class BirdClassified(Payload):
    """A confirmed track classified a bird (or a flock) from the radars' micro-Doppler looks, the first
    time (bastion.assess.birds): nothing is predicted for it, so it is never engaged or warned about."""

    track: int  # track number
    p_bird: float  # probability that it is a bird, from its looks (even prior odds)
    looks: int  # its plots that came with a micro-Doppler class
    speed_mps: float  # its estimated speed [m/s]
    rcs_m2: float  # its radar cross-section estimate [m^2]


@_event(EventKind.THREAT, "decision")
class Threat(Payload):
    """A track declared hostile: the threat it poses."""

    track: int  # track number
    klass: str = _json("class")  # track class: unknown | drone | aircraft | ballistic | falling
    zone: str | None  # zone threatened (None: none)
    p_reach: float  # probability of reaching the zone
    threat_value: float  # zone value x probability of reaching it
    impact_point: Point  # predicted impact or arrival point [east, north] [m]
    time_to_impact_s: float | None  # predicted time to impact [s] (None: none predicted)


@_event(EventKind.IMPACT_PREDICTION, "decision")
class ImpactPrediction(Payload):
    """A ballistic track's predicted impact point, every scan."""

    track: int  # track number
    impact_point: Point  # [east, north] [m]
    impact_time: float  # predicted time of impact [s]
    ellipse: Ellipse  # 95 % ellipse of the impact point
    zone: str | None  # zone it falls in (None: open ground)
    p_reach: float  # probability of falling in a defended zone
    plots: int  # plots in the arc fit


@_event(EventKind.POINT_OF_ORIGIN, "decision")
class PointOfOrigin(Payload):
    """A ballistic track's point of origin (its launch point), when first known and as it firms up."""

    track: int  # track number
    position: Point  # [east, north] [m]
    lat: float  # latitude [deg]
    lon: float  # longitude [deg]
    ellipse: Ellipse  # 95 % ellipse of the point
    launch_time: float  # estimated launch time [s]
    plots: int  # plots in the arc fit


@_event(EventKind.WARNING, "decision")
class ZoneWarning(Payload):
    """A zone warned of an incoming threat."""

    zone: str  # zone name
    zone_kind: str  # zone kind: populated | military | infrastructure | open
    track: int  # track number
    identity: str  # the track's identity
    warning_time_s: float  # time from the warning being heard to the predicted impact [s]
    issued_time_to_impact_s: float  # time to impact when issued [s]
    heard_at: float  # time the warning is heard in the zone [s]
    latency_s: float  # warning system latency [s]
    ballistic: bool  # a ballistic round (rocket, mortar)
    impact_time: float  # predicted time of impact [s]
    impact_point: Point  # [east, north] [m]
    p_reach: float  # probability of reaching the zone


@_event(EventKind.ALL_CLEAR, "decision")
class AllClear(Payload):
    """A zone's warning for a track is cleared."""

    zone: str  # zone name
    track: int  # track number
    reason: str  # why (assessed destroyed, impact time passed, no longer threatened, ...)
    duration_s: float  # how long the warning stood [s]


# -- decision: engagement -----------------------------------------------------------------------------
@_event(EventKind.THREAT_IGNORED, "decision")
class ThreatIgnored(Payload):
    """A hostile track left alone: its predicted impact is in open ground."""

    track: int  # track number
    reason: str  # why
    impact_point: Point | None = _optional()  # predicted impact point [east, north] [m] (from the arc predictor)


@_event(EventKind.CANNOT_REACH, "decision")
class CannotReach(Payload):
    """A gun cannot engage a ballistic round anywhere on its predicted arc before impact."""

    track: int  # track number
    gun: str  # gun name
    reason: str  # why (closest approach beyond range, ...)
    time_to_impact_s: float  # predicted time to impact when told [s]


@_event(EventKind.CANNOT_ENGAGE, "decision")
class CannotEngage(Payload):
    """No gun (or other effector) can engage a hostile track now (no ammunition, safety, geometry),
    gun by gun and effector by effector; or an effector has nothing left (named in the reason)."""

    track: int  # track number
    reason: str  # why


@_event(EventKind.HOLD_FIRE, "decision")
class HoldFire(Payload):
    """Fire held on a hostile track: bad or missing data (fail safe), guns or sensors out."""

    track: int  # track number
    reason: str  # why


@_event(EventKind.ENGAGEMENT_REFUSED, "decision")
class EngagementRefused(Payload):
    """An engagement planned but refused: weapons hold, authorisation denied, not hostile."""

    track: int  # track number
    reason: str  # why


@_event(EventKind.AUTHORISATION_REQUEST, "decision")
class AuthorisationRequest(Payload):
    """Weapons tight: the operator is asked to authorise an engagement."""

    request: int  # request number
    track: int  # track number
    gun: str  # gun name (or the name of the effector other than a gun)
    pk: float  # planned kill probability of the burst
    time_to_impact_s: float  # predicted time to impact [s]
    zone: str | None  # zone threatened (None: none)


@_event(EventKind.AUTHORISATION_TIMEOUT, "decision")
class AuthorisationTimeout(Payload):
    """A request not answered in time: not fired."""

    request: int  # request number
    track: int  # track number
    gun: str  # gun name (or the name of the effector other than a gun)
    reason: str  # why


@_event(EventKind.FIRE_ORDER, "decision")
class FireOrder(Payload):
    """A burst ordered."""

    order: int  # order number
    gun: str  # gun name
    track: int  # track number
    t_start: float  # first round [s]
    t_end: float  # last round no later than [s]
    rounds: int  # rounds in the burst
    pk: float  # planned kill probability
    range_m: float  # slant range at the burst's middle round [m]
    tof_s: float  # time of flight of the middle round [s]
    azimuth_deg: float  # aim azimuth of the middle round [deg clockwise from north]
    elevation_deg: float  # aim elevation of the middle round [deg]
    intercept: Point  # predicted intercept point of the middle round [east, north, up] [m]


@_event(EventKind.FIRE_CONTROL_LOOP, "decision")
class FireControlLoop(Payload):
    """A closed fire-control loop ends with its burst: what the mount's radar measured and corrected."""

    order: int  # order number
    gun: str  # gun name
    plots: int  # target plots used
    plots_refused: int  # target plots refused by the gate
    aims_refused_unsafe: int  # re-aimed schedules the site's safety checks refused (the burst kept its last)
    misses_measured: int  # rounds whose miss was measured
    aim_updates: int  # new aim schedules sent
    bias_mrad: list[float]  # residual aim bias estimate [mrad] (azimuth, elevation)
    ceased: str = ""  # why the loop ceased fire before the burst's end ("" when it did not)


@_event(EventKind.KILL_ASSESSMENT, "decision")
class KillAssessment(Payload):
    """The look after a burst (or an interceptor's or a laser's engagement): destroyed or not."""

    track: int  # track number
    gun: str  # gun name (or the interceptor launcher's or laser's name)
    order: int  # order number
    destroyed: bool  # assessed destroyed
    klass: str = _json("class")  # ballistic | other
    verdict: str  # destroyed | survived | undetermined (a drone) | lost (a ballistic round)
    reason: str  # the evidence


@_event(EventKind.GUN_AVAILABLE, "decision")
class GunAvailable(Payload):
    """A mount reports ready again."""

    gun: str  # gun name
    reason: str  # why


@_event(EventKind.GUN_UNAVAILABLE, "decision")
class GunUnavailable(Payload):
    """A mount reports it cannot fire (jammed, failed, magazine empty)."""

    gun: str  # gun name
    reason: str  # why
    engagements_cut_short: list[int]  # tracks whose burst the fault cut short (candidates again)


@_event(EventKind.REASSIGNED, "decision")
class Reassigned(Payload):
    """A target whose engagement a gun fault cut short is engaged by another gun."""

    track: int  # track number
    from_: str = _json("from")  # the gun that failed
    to: str  # the gun now engaging
    reason: str  # the first gun's fault


@_event(EventKind.EFFECTOR_ORDER, "decision")
class EffectorOrder(Payload):
    """An order to an effector other than a gun (issue 19): an interceptor launched at a track or
    aborted, a laser on a track, a jammer radiating or silenced; what it was planned to achieve."""

    order: int  # order number (shared with fire orders)
    effector: str  # effector name
    kind: str  # effector kind: rf-jammer | gnss-jammer | interceptor | directed-energy
    action: str  # launch | abort | lase | radiate | silence
    track: int | None = _optional()  # the engaged track (launch, abort, lase)
    tracks: list[int] | None = _optional()  # the hostile drone tracks a jammer radiates for (radiate)
    pk: float | None = _optional()  # planned kill probability (launch, lase)
    cost_usd: float | None = _optional()  # planned cost of the engagement [USD] (launch, lase)
    intercept_s: float | None = _optional()  # predicted time from the order to the intercept [s] (launch)
    intercept_point: Point | None = _optional()  # predicted intercept point [east, north, up] [m] (launch)
    range_m: float | None = _optional()  # range of the intercept point, or of the target as the beam comes on [m]
    lase_until_s: float | None = _optional()  # the laser stops by then [s] (lase)
    fluence_available: float | None = _optional()  # fluence along the predicted path, in median lethal doses (lase)
    reason: str | None = _optional()  # why (abort, radiate, silence)


@_event(EventKind.JAMMER_HOLD, "decision")
class JammerHold(Payload):
    """A GNSS jammer held silent though hostile drones are in reach: civil or own aircraft tracks are
    inside its footprint (doctrine ``jam_with_civil = "hold"``)."""

    effector: str  # jammer name
    tracks: list[int]  # the hostile drone tracks it would have radiated for
    reason: str  # which tracks are inside the footprint


@_event(EventKind.JAM_ASSESSMENT, "decision")
class JamAssessment(Payload):
    """Whether a hostile drone inside a radiating RF jammer's footprint reacts (its course and speed):
    one that keeps both is not flown over a radio link, and the RF jammer is not kept on for it."""

    track: int  # track number
    effector: str  # RF jammer name
    affected: bool  # it slowed or turned: its link is jammed
    reason: str  # the evidence (speed along its course before and now [m/s], time inside [s])


@_event(EventKind.EFFECTOR_STATUS, "decision")
class EffectorStatus(Payload):
    """An effector other than a gun reports ready again (a launcher or laser reloaded)."""

    effector: str  # effector name
    rounds: int  # interceptors or laser shots now loaded
    reason: str  # why


# -- operator ---------------------------------------------------------------------------------------
@_event(EventKind.AUTHORISATION, "operator")
class Authorisation(Payload):
    """The operator answers a request."""

    request: int  # request number
    track: int  # track number
    gun: str  # gun name (or the name of the effector other than a gun)
    approved: bool  # approved or denied
    user: str  # who answered
    latency_s: float  # time from the request to the answer [s]


@_event(EventKind.AUTHORISATION_IGNORED, "operator")
class AuthorisationIgnored(Payload):
    """An answer to a request no longer pending (answered, lapsed or unknown)."""

    request: int  # request number
    user: str  # who answered
    reason: str  # why ignored


@_event(EventKind.WEAPONS_CONTROL, "operator")
class WeaponsControl(Payload):
    """The weapons-control status is changed."""

    from_: str = _json("from")  # status before: free | tight | hold
    to: str  # status after
    user: str  # who changed it


# -- world (truth) ----------------------------------------------------------------------------------
@_event(EventKind.TRUTH, "world")
class Truth(Payload):
    """Everything airborne at a radar scan (recorded with per-scan records only)."""

    label: list[int]  # truth labels: threat index; 1e4 + civil, 2e4 + debris, 1e6 + external, 2e6 + own, 3e6 + bird
    position: list[Point]  # [east, north, up] [m]


@_event(EventKind.FIRST_DETECTION, "world")
class FirstDetection(Payload):
    """A threat's first plot (the harness's record)."""

    threat: int  # threat index
    range_m: float  # slant range of the plot [m]
    radar: str  # radar name


@_event(EventKind.LAUNCH, "world")
class Launch(Payload):
    """A threat is launched."""

    threat: int  # threat index
    name: str  # threat name
    type: str  # threat type (catalogue name)
    position: Point  # launch point [east, north, up] [m]


@_event(EventKind.GUN_FIRED, "world")
class GunFired(Payload):
    """A mount fires a burst."""

    order: int  # order number
    gun: int  # gun index
    track: int  # the engaged track (for the record)
    rounds: int  # rounds fired
    t_first: float  # first round [s]
    t_last: float  # last round [s]
    ammunition_left: int  # rounds left on the mount


@_event(EventKind.ORDER_REFUSED, "world")
class OrderRefused(Payload):
    """A mount down (jammed, failed) refuses a fire order."""

    order: int  # order number
    gun: int  # gun index
    track: int  # the engaged track
    reason: str  # why


@_event(EventKind.GUN_RELOADED, "world")
class GunReloaded(Payload):
    """A crew refills an emptied magazine."""

    gun: int  # gun index
    name: str  # gun name
    ammunition: int  # rounds on the mount after reloading


@_event(EventKind.GUN_CEASED, "world")
class GunCeased(Payload):
    """A mount stops a burst in progress on a cease-fire from its fire-control computer (its radar
    no longer sees the target: destroyed or lost); the rounds not fired stay in the magazine."""

    order: int  # order number
    gun: int  # gun index
    track: int  # the engaged track (for the record)
    reason: str  # why the fire-control computer ceased fire
    rounds_not_fired: int  # rounds of the burst that did not leave the muzzle
    ammunition_left: int  # rounds on the mount after the cease


@_event(EventKind.GUN_FAULT, "world")
class GunFault(Payload):
    """An injected gun fault begins."""

    gun: int  # gun index
    kind: str  # gun_jam | mount_failure | magazine_empty
    reason: str  # as the mount reports it
    rounds_not_fired: int  # rounds of the bursts under way that did not leave
    orders_stopped: list[list[int]]  # [order number, rounds not fired] per burst stopped
    ammunition_left: int  # rounds left on the mount
    until: float | None  # when the fault clears [s] (None: never)


@_event(EventKind.GUN_FAULT_CLEARED, "world")
class GunFaultCleared(Payload):
    """An injected gun fault clears."""

    gun: int  # gun index
    kind: str  # the fault's kind


@_event(EventKind.FALL_OF_SHOT, "world")
class FallOfShot(Payload):
    """A round that hit nothing reaches the ground."""

    order: int  # order number
    position: Point  # [east, north, up] [m]
    dud: bool  # it did not self-destruct
    zone: str | None  # zone it fell in (None: none)


@_event(EventKind.BURST_COMPLETE, "world")
class BurstComplete(Payload):
    """A burst's last round has left the air."""

    order: int  # order number
    gun: int  # gun index
    fired: int  # rounds fired
    hits: int  # rounds that hit
    self_destructed: int  # rounds that self-destructed
    fell: int  # rounds that fell to the ground


@_event(EventKind.HIT, "world")
class Hit(Payload):
    """A round hits a threat."""

    threat: int  # threat index
    order: int  # order number
    position: Point  # [east, north, up] [m]
    killed: bool  # the hit destroyed it


@_event(EventKind.EXTERNAL_HIT, "world")
class ExternalHit(Payload):
    """A round hits an entity of another simulation (DIS): it decides the effect."""

    entity: int  # the external entity's index
    order: int  # order number
    position: Point  # [east, north, up] [m]


@_event(EventKind.FRIENDLY_HIT, "world")
class FriendlyHit(Payload):
    """A round (or an interceptor's warhead, a laser) hits an own aircraft."""

    friendly: int  # own aircraft index
    name: str  # its name
    order: int  # order number
    position: Point  # [east, north, up] [m]
    effector: str | None = _optional()  # the interceptor launcher or laser (absent: a gun's round)


@_event(EventKind.CIVIL_HIT, "world")
class CivilHit(Payload):
    """A round (or an interceptor's warhead, a laser) hits a civil aircraft."""

    civil: int  # civil aircraft index
    icao24: str  # its ICAO address
    order: int  # order number
    position: Point  # [east, north, up] [m]
    effector: str | None = _optional()  # the interceptor launcher or laser (absent: a gun's round)


@_event(EventKind.KILL, "world")
class Kill(Payload):
    """A threat destroyed in the air."""

    threat: int  # threat index
    name: str  # threat name
    position: Point  # [east, north, up] [m]
    pieces: int  # debris pieces it broke into
    by: str | None = _optional()  # the interceptor launcher or laser that destroyed it (absent: a gun or none named)


@_event(EventKind.LEAK, "world")
class Leak(Payload):
    """A threat reaches the ground under its own power with a valued zone within reach."""

    threat: int  # threat index
    name: str  # threat name
    position: Point  # [east, north, up] [m]
    zone: str | None  # zone it landed in (None: none, but one within its warhead's reach)


@_event(EventKind.IMPACT_OPEN_GROUND, "world")
class ImpactOpenGround(Payload):
    """A threat reaches the ground with no valued zone within reach."""

    threat: int  # threat index
    name: str  # threat name
    position: Point  # [east, north, up] [m]
    zone: str | None  # zone it landed in (None: none)


@_event(EventKind.DETONATION, "world")
class Detonation(Payload):
    """A warhead detonates."""

    threat: int  # threat index
    position: Point  # [east, north, up] [m]
    how: str  # air | impact | ground
    damaged: list[str]  # zones damaged


@_event(EventKind.DAMAGE, "world")
class Damage(Payload):
    """A zone damaged by a detonation."""

    threat: int  # threat index
    zone: str  # zone name
    kind: str  # zone kind: populated | military | infrastructure | open
    distance_m: float  # distance of the detonation from the zone [m]
    how: str  # air | impact | ground


@_event(EventKind.DEBRIS_IMPACT, "world")
class DebrisImpact(Payload):
    """A piece of a destroyed threat (or of an interceptor) reaches the ground."""

    threat: int | None  # threat index (None: a piece of an interceptor)
    piece: str  # airframe | fragment | warhead (an interceptor's: "interceptor airframe", ...)
    position: Point  # [east, north, up] [m]
    zone: str | None  # zone it fell in (None: none)
    effector: str | None = _optional()  # the interceptor launcher whose interceptor it was (absent: a threat's)


@_event(EventKind.OPERATOR_ACTION_LOST, "world")
class OperatorActionLost(Payload):
    """An operator's action lost: the console was disconnected (an injected fault)."""

    kind: str  # the action: authorise | weapons_control
    reason: str  # why


@_event(EventKind.REQUEST_NOT_SHOWN, "world")
class RequestNotShown(Payload):
    """An authorisation request never shown: the console was disconnected (an injected fault)."""

    request: int  # request number
    reason: str  # why


# -- world (truth): effectors beyond the gun (issue 19) ---------------------------------------------
# World events name effectors both by name and by ``effector_index`` (their index among the
# scenario's effectors, ``run_start.effectors``), and drones by threat index and name.
@_event(EventKind.EFFECTOR_ORDER_REFUSED, "world")
class EffectorOrderRefused(Payload):
    """An effector refuses an order (no rounds left, already lasing, no such effector)."""

    order: int  # order number
    effector: str  # effector name ("" where the site has no such effector)
    effector_index: int  # effector index
    track: int  # the engaged track (-1: none)
    reason: str  # why


@_event(EventKind.JAMMER_RADIATING, "world")
class JammerRadiating(Payload):
    """A jammer starts radiating (its reaction time after the order)."""

    order: int  # order number
    effector: str  # jammer name
    effector_index: int  # effector index
    band: str  # rf-link | gnss
    footprint_m: float  # footprint radius: slant range from the antenna [m]


@_event(EventKind.JAMMER_SILENT, "world")
class JammerSilent(Payload):
    """A jammer stops radiating."""

    order: int  # order number
    effector: str  # jammer name
    effector_index: int  # effector index
    band: str  # rf-link | gnss


@_event(EventKind.INTERCEPTOR_LAUNCHED, "world")
class InterceptorLaunched(Payload):
    """An interceptor leaves its launcher (the launcher reports its rounds left)."""

    order: int  # order number
    effector: str  # launcher name
    effector_index: int  # effector index
    track: int  # the engaged track (for the record)
    position: Point  # launch point [east, north, up] [m]
    rounds_left: int  # interceptors left on the launcher


@_event(EventKind.INTERCEPTOR_LOCKED, "world")
class InterceptorLocked(Payload):
    """An interceptor's seeker locks an object (the one nearest the cue's prediction within its gate)."""

    order: int  # order number
    effector: str  # launcher name
    object: str  # what it locked: threat | civil | friendly
    index: int  # that object's index


@_event(EventKind.INTERCEPTOR_FUZED, "world")
class InterceptorFuzed(Payload):
    """An interceptor's proximity fuze fires at its closest approach within the fuze radius."""

    order: int  # order number
    effector: str  # launcher name
    effector_index: int  # effector index
    track: int  # the engaged track (for the record)
    object: str  # what it fuzed on: threat | civil | friendly
    index: int  # that object's index
    miss_m: float  # miss distance [m]
    killed: bool  # the warhead destroyed it
    position: Point  # [east, north, up] [m]


@_event(EventKind.INTERCEPTOR_SELF_DESTRUCT, "world")
class InterceptorSelfDestruct(Payload):
    """An interceptor destroys itself (past its range, aborted by the C2) or reaches the ground."""

    order: int  # order number
    effector: str  # launcher name
    effector_index: int  # effector index
    position: Point  # [east, north, up] [m]
    reason: str  # out of range | hit the ground | aborted by the C2


@_event(EventKind.LASER_ON, "world")
class LaserOn(Payload):
    """A laser's beam comes on (its reaction time after the order)."""

    order: int  # order number
    effector: str  # laser name
    effector_index: int  # effector index
    track: int  # the engaged track (for the record)
    rounds_left: int  # laser shots left before it must recharge


@_event(EventKind.LASER_OFF, "world")
class LaserOff(Payload):
    """A laser's beam goes off: lethal fluence reached, dwell time over, or no target."""

    order: int  # order number
    effector: str  # laser name
    effector_index: int  # effector index
    track: int  # the engaged track (for the record)
    killed: bool  # the target was destroyed
    reason: str  # why it stopped
    fluence: float  # fluence deposited, in units of this engagement's lethal dose


@_event(EventKind.EFFECTOR_RELOADED, "world")
class EffectorReloaded(Payload):
    """A launcher reloaded or a laser recharged (the crew reports it ready)."""

    effector: str  # effector name
    effector_index: int  # effector index
    rounds_left: int  # interceptors or laser shots now loaded


@_event(EventKind.GNSS_DENIED, "world")
class GnssDenied(Payload):
    """A drone enters a radiating GNSS jammer's footprint: it navigates on its inertial sensors."""

    threat: int  # threat index
    name: str  # threat name
    effector: str  # GNSS jammer name


@_event(EventKind.GNSS_RESTORED, "world")
class GnssRestored(Payload):
    """A drone leaves the GNSS footprints: its position fix is back."""

    threat: int  # threat index
    name: str  # threat name
    error_m: float  # inertial position error it had reached [m]


@_event(EventKind.LINK_LOST, "world")
class LinkLost(Payload):
    """A link-flown drone's radio link is jammed past its time-out: its fail-safe takes over."""

    threat: int  # threat index
    name: str  # threat name
    effector: str  # RF jammer name
    then: str  # what the fail-safe does first (hover)


@_event(EventKind.LINK_RESTORED, "world")
class LinkRestored(Payload):
    """A hovering drone's link returns: its pilot carries on."""

    threat: int  # threat index
    name: str  # threat name


@_event(EventKind.FAILSAFE, "world")
class Failsafe(Payload):
    """A drone's fail-safe moves on (after hovering: home or land; GNSS denied: land where it is)."""

    threat: int  # threat index
    name: str  # threat name
    action: str  # what it does now


@_event(EventKind.DRONE_LANDED, "world")
class DroneLanded(Payload):
    """A drone lands by its fail-safe: its mission abandoned."""

    threat: int  # threat index
    name: str  # threat name
    position: Point  # [east, north, up] [m]
    zone: str | None  # zone it landed in (None: none)
    reason: str  # why


@_event(EventKind.CIVIL_IN_JAMMER_FOOTPRINT, "world")
class CivilInJammerFootprint(Payload):
    """A civil aircraft (airborne or on the ground) inside a radiating GNSS jammer's footprint: said
    once per aircraft and jammer (a side effect, counted in the summary)."""

    civil: int  # civil aircraft index
    icao24: str  # its ICAO address
    callsign: str  # its flight identification
    effector: str  # GNSS jammer name
    position: Point  # [east, north, up] [m]


@_event(EventKind.FRIENDLY_IN_JAMMER_FOOTPRINT, "world")
class FriendlyInJammerFootprint(Payload):
    """An own aircraft inside a radiating jammer's footprint: said once per aircraft and jammer."""

    friendly: int  # own aircraft index
    name: str  # its name
    effector: str  # jammer name


# -- the reference ------------------------------------------------------------------------------------
_FIELD_LINE = re.compile(r"^\s+(\w+): (.+?)(?: = _\w+\(.*?\))?\s+#\s?(.*)$")


def _field_notes(cls) -> dict[str, tuple[str, str]]:
    """Field -> (type, comment) from the class's source: the comment beside each field is its doc."""
    out = {}
    for line in inspect.getsource(cls).splitlines():
        m = _FIELD_LINE.match(line)
        if m:
            out[m.group(1)] = (m.group(2), m.group(3))
    return out


def markdown() -> str:
    """docs/events.md: every kind, its source, its payload type and fields (generated, not edited)."""
    out = [
        "# Event kinds",
        "",
        "<!-- generated by `python -m bastion.event_types --markdown > docs/events.md`; do not edit -->",
        "",
        "Every event is a time [s since the scenario start], a kind, a source and a payload. The payload",
        "types are defined in `src/bastion/event_types.py` (one frozen dataclass per kind); this page is",
        "generated from them. A payload is stored as a JSON object with the keys below, in this order;",
        "an *optional* key is present only in some events of its kind.",
        "",
        f"Event schema version: **{EVENT_SCHEMA}** (recorded with each stored run).",
        "",
        "Units: SI (m, s, rad) unless the name says otherwise (`_deg`, `_mrad`); positions in the",
        "site's local ENU frame [m] (east, north, up; a ground point is east, north); `p_*` are",
        "probabilities. World events (truth, seen only by the harness) name guns and threats by their",
        "index in the scenario; decision events name guns by name and targets by track number.",
        "`Point` is a list [east, north] or [east, north, up] [m]; `Ellipse` is a list [semi-major [m],",
        "semi-minor [m], orientation of the major axis [rad clockwise from north]].",
        "",
        "| kind | source | payload type |",
        "|---|---|---|",
    ]
    for kind in EventKind:
        cls = PAYLOADS[kind]
        out.append(f"| [`{kind}`](#{kind}) | {cls.SOURCE} | `{cls.__name__}` |")
    for source in SOURCES:
        out += ["", f"## {source.capitalize()} events"]
        for kind in EventKind:
            cls = PAYLOADS[kind]
            if source != cls.SOURCE:
                continue
            doc = " ".join(inspect.getdoc(cls).split())
            out += ["", f"### {kind}", "", f"`{cls.__name__}`: {doc}", "", "| key | type | meaning |", "|---|---|---|"]
            notes = _field_notes(cls)
            for f in fields(cls):
                key = f.metadata.get("json", f.name)
                typ, note = notes.get(f.name, (str(f.type), ""))
                if f.metadata.get("optional"):
                    typ, note = typ.replace(" | None", ""), f"*optional*: {note}"
                name = f"`{key}`" if key == f.name else f"`{key}` (attribute `{f.name}`)"
                note, typ = note.replace("|", "\\|").replace("``", "`"), typ.replace("|", "\\|")  # (table cells)
                out.append(f"| {name} | `{typ}` | {note} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["--markdown"]:
        print("usage: python -m bastion.event_types --markdown > docs/events.md", file=sys.stderr)
        return 2
    sys.stdout.write(markdown())
    return 0


def _check() -> None:
    missing = [k for k in EventKind if k not in PAYLOADS]
    if missing:
        raise TypeError(f"event kinds without a payload type: {', '.join(missing)}")


_check()

if __name__ == "__main__":
    raise SystemExit(main())
