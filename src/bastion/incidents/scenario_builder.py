"""A recorded incident replayed: build a bastion scenario (TOML) from its site, weapon, count and time.

The site's layout (zones, runways, radars, guns) comes from the site catalogue
(:mod:`bastion.incidents.sites`) or from another scenario file (``layout``: its site, zones,
runways, sensors, weapons, doctrine and weather are kept, so one defence layout can be tried
against every recorded attack at its site). What the reports do not say is filled in and marked
notional in the file's header:

* threat type: drone -> ``owa-fixed-wing`` (the fixed-wing one-way-attack drones of the 2021-22
  attacks, shared/domain/threats.md §3), rocket -> ``rocket-107`` (the 107 mm "Katyusha" rockets
  most reported in Iraq; 122 mm as an override), mortar -> ``mortar-81``; mixed -> one drone and the
  rest as 107 mm rockets; an unreported count -> 1 of each;
* launch points: one bearing per incident drawn from a generator seeded with the incident id
  (reproducible, no claim about the real firing point); rockets and mortars from one firing point
  at 75 % of the type's maximum range from the defended facility, 0.5 s apart (notional salvo
  interval); drones 12-14 km out (quadcopters 3-4 km), 30 s apart, each with one dog-leg waypoint,
  as in the built-in Baghdad scenario;
* time: the reported local time is taken as the time of the attack's arrival: the scenario starts
  early enough for the threats to arrive then (drones ~4.5 min, ballistic rounds ~20 s); an
  unreported time becomes 22:00 local (notional);
* weather: 3 m/s from the north-west, ISA temperature (notional).
"""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import shapely
import tomli_w

from bastion.incidents.register import Incident
from bastion.incidents.sites import SITES, Site, ground_distance_m
from bastion.scenario import ScenarioError, parse
from bastion.scenario.catalogue import CATALOGUE

DEFAULT_TYPE = {"drone": "owa-fixed-wing", "rocket": "rocket-107", "mortar": "mortar-81"}
BALLISTIC_RANGE_FRACTION = 0.75  # firing point at this fraction of the type's maximum range
DRONE_RANGE_M = {"owa-fixed-wing": (12_000.0, 14_000.0), "quadcopter": (3_000.0, 4_000.0)}
SALVO_INTERVAL_S = 0.5
DRONE_INTERVAL_S = 30.0
DEFAULT_TIME = "22:00"
DRONE_LEAD_S = 270.0  # scenario start before the reported time for drones (about 13 km at 50 m/s)
BALLISTIC_LEAD_S = 20.0
# fallback maximum ranges [m] for ballistic types not (yet) in the catalogue: shared/domain/threats.md §1-2
_MAX_RANGE_M = {
    "rocket-107": 8_000.0,
    "rocket-122": 20_000.0,
    "mortar-60": 3_500.0,
    "mortar-81": 5_000.0,
    "mortar-120": 7_000.0,
}


class ScenarioBuildError(Exception):
    """An incident cannot be turned into a scenario; the message says why."""


def _kind(type_name: str) -> str:
    t = CATALOGUE.threats.get(type_name)
    if t is not None:
        return t.kind
    return "rocket" if type_name.startswith("rocket") else "mortar" if type_name.startswith("mortar") else "drone"


def _max_range(type_name: str) -> float:
    t = CATALOGUE.threats.get(type_name)
    return t.max_range_m if t is not None and t.max_range_m > 0 else _MAX_RANGE_M.get(type_name, 8_000.0)


def threat_mix(inc: Incident, threat_type: str | None = None) -> tuple[list[tuple[str, int]], list[str]]:
    """[(threat type, count)] for an incident, and the assumptions made."""
    notes: list[str] = []
    w = inc.weapon
    n = inc.count
    if w in ("ied", "unknown"):
        raise ScenarioBuildError(
            f"incident {inc.incident_id}: weapon {w!r} has no airborne threat to simulate "
            "(rocket, mortar, drone or mixed can be replayed)"
        )
    if w == "mixed":
        if threat_type:
            notes.append(f"weapon 'mixed' replayed as {threat_type} only (--threat-type)")
            return [(threat_type, n or 2)], notes
        rockets = max(1, (n or 2) - 1)
        notes.append(
            f"weapon 'mixed' with {'an unreported' if n is None else n} count: "
            f"replayed as 1 drone and {rockets} 107 mm rocket(s) (assumed)"
        )
        return [("owa-fixed-wing", 1), ("rocket-107", rockets)], notes
    t = threat_type or DEFAULT_TYPE[w]
    if threat_type is None:
        notes.append(f"weapon {w!r} replayed as {t} (default type; the report does not say)")
    if n is None:
        n = 1
        notes.append("count not reported: 1 assumed")
    if "ballistic missile" in f"{inc.damage} {inc.target} {inc.notes}".lower():
        notes.append("reported as ballistic missiles: no such type in the catalogue, replayed as the rocket type above")
    return [(t, n)], notes


def _facility(zones: list[dict], preferred: str) -> dict:
    names = {z["name"]: z for z in zones}
    if preferred in names:
        return names[preferred]
    mil = [z for z in zones if z.get("kind") == "military"]
    if not mil:
        raise ScenarioBuildError("the layout has no military zone for the threats to aim at")
    return max(mil, key=lambda z: z.get("value", 0.0))


def _zone_centre(z: dict) -> np.ndarray:
    if z.get("polygon_enu"):
        return np.array(shapely.Polygon(z["polygon_enu"]).centroid.coords[0])
    if z.get("circle"):
        c = z["circle"]["center"]
        if "east_m" in c:
            return np.array([c["east_m"], c["north_m"]], dtype=float)
    raise ScenarioBuildError(f"zone {z['name']!r}: give it as polygon_enu or an ENU circle to aim at it")


def site_layout(site: Site) -> dict:
    """The catalogued site as scenario sections (site, runways, zones, sensors, weapons, defence)."""
    zones = []
    for z in site.zones:
        d: dict = {"name": z.name, "kind": z.kind, "value": z.value, "notional": z.notional}
        if z.circle_enu is not None:
            e, n, r = z.circle_enu
            d["circle"] = {"center": {"east_m": e, "north_m": n}, "radius_m": r}
        else:
            d["polygon_enu"] = [list(p) for p in z.polygon_enu]
        zones.append(d)
    sensors = []
    for s in site.sensors:
        d = {
            "kind": s.kind,
            "name": s.name,
            "position": {"east_m": s.east_m, "north_m": s.north_m, "height_m": s.height_m},
        }
        if s.type:
            d["type"] = s.type
        sensors.append(d)
    weapons = []
    for g in site.guns:
        d = {
            "name": g.name,
            "type": g.type,
            "position": {"east_m": g.east_m, "north_m": g.north_m, "height_m": g.height_m},
        }
        if g.no_fire:
            d["no_fire"] = [
                {"azimuth_deg": [a, b], "below_elevation_deg": el, "reason": why} for a, b, el, why in g.no_fire
            ]
        weapons.append(d)
    return {
        "site": {"name": site.name, "origin": {"lat": site.lat, "lon": site.lon, "elevation_m": site.elevation_m}},
        "environment": {"wind_speed_mps": 3.0, "wind_from_deg": 315.0},
        "runways": [
            {
                "name": r.name,
                "ends": [{"ident": i, "lat": la, "lon": lo} for i, la, lo in r.ends],
                "width_m": round(r.width_m, 1),
                "value": 20.0,
            }
            for r in site.runways
        ],
        "zones": zones,
        "sensors": sensors,
        "weapons": weapons,
        "defence": {"weapons_control": "tight"},
    }


def _layout_from_file(path: Path, site: Site) -> dict:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ScenarioBuildError(f"{path}: cannot read the layout ({exc.strerror or exc})") from None
    try:
        loaded = parse(text, str(path), path.resolve().parent)
    except ScenarioError as exc:
        raise ScenarioBuildError("\n".join(exc.problems)) from None
    o = loaded.model.site.origin
    dist = ground_distance_m(o.lat_deg, o.lon_deg, site.lat, site.lon)
    if dist > 5_000.0:
        raise ScenarioBuildError(
            f"{path}: the layout's site origin is {dist / 1000:.0f} km from {site.name}; use a layout of that site"
        )
    data = tomllib.loads(loaded.text)  # its include spliced in
    return {
        k: data[k] for k in ("site", "environment", "runways", "zones", "sensors", "weapons", "defence") if k in data
    }


def build_scenario(
    inc: Incident, threat_type: str | None = None, layout: str | Path | None = None
) -> tuple[str, list[str]]:
    """TOML text of a scenario replaying ``inc``, validated with :func:`bastion.scenario.parse`,
    and the list of assumptions made. ScenarioBuildError if the incident cannot be replayed."""
    if inc.site is None or inc.site not in SITES:
        raise ScenarioBuildError(
            f"incident {inc.incident_id} ({inc.location}) is not at a catalogued site "
            f"({', '.join(SITES)}): there is no layout to replay it on"
        )
    if threat_type is not None and threat_type not in CATALOGUE.threats:
        raise ScenarioBuildError(f"unknown threat type {threat_type!r}; known: {', '.join(CATALOGUE.threats)}")
    site = SITES[inc.site]
    mix, notes = threat_mix(inc, threat_type)
    missing = [t for t, _ in mix if t not in CATALOGUE.threats]
    if missing:
        raise ScenarioBuildError(
            f"threat type(s) {', '.join(missing)} are not in this bastion's catalogue "
            f"(known: {', '.join(CATALOGUE.threats)})"
        )
    doc = _layout_from_file(Path(layout), site) if layout is not None else site_layout(site)
    facility = _facility(doc.get("zones", []), site.facility)
    centre = _zone_centre(facility)
    rng = np.random.default_rng(int(inc.incident_id or 0))
    bearing = float(rng.uniform(0.0, 360.0))
    threats: list[dict] = []
    drones = any(_kind(t) == "drone" for t, _ in mix)
    last_launch = 0.0
    for m, (t, n) in enumerate(mix):
        if _kind(t) == "drone":
            lo, hi = DRONE_RANGE_M.get(t, DRONE_RANGE_M["owa-fixed-wing"])
            for k in range(n):
                b = np.radians(bearing + 90.0 * m + 25.0 * k)
                r = float(rng.uniform(lo, hi))
                u = np.array([np.sin(b), np.cos(b)])
                side = np.array([u[1], -u[0]]) * float(rng.uniform(-0.12, 0.12)) * r
                launch = centre + r * u
                way = centre + 0.45 * r * u + side
                t0 = 5.0 + DRONE_INTERVAL_S * k
                last_launch = max(last_launch, t0)
                threats.append(
                    {
                        "name": f"{t}-{k + 1}",
                        "type": t,
                        "launch": _enu(launch, 20.0),
                        "launch_time_s": t0,
                        "route": [_enu(way)],
                        "target_zone": facility["name"],
                    }
                )
        else:
            r = BALLISTIC_RANGE_FRACTION * _max_range(t)
            b = np.radians(bearing + 90.0 * m)
            u = np.array([np.sin(b), np.cos(b)])
            firing_point = centre + r * u
            across = np.array([u[1], -u[0]])
            for k in range(n):
                t0 = 10.0 + SALVO_INTERVAL_S * k
                last_launch = max(last_launch, t0)
                threats.append(
                    {
                        "name": f"{t}-{k + 1}",
                        "type": t,
                        "launch": _enu(firing_point + across * 3.0 * (k - (n - 1) / 2), 1.0),
                        "launch_time_s": t0,
                        "target_zone": facility["name"],
                    }
                )
    lead = DRONE_LEAD_S if drones else BALLISTIC_LEAD_S
    flight = 420.0 if drones else 160.0
    duration = min(86_400.0, last_launch + flight)
    when = inc.time_local or DEFAULT_TIME
    if inc.time_local is None:
        notes.append(f"time not reported: {DEFAULT_TIME} local assumed")
    arrival = datetime.fromisoformat(f"{inc.date_local}T{when}:00{inc.utc_offset}")
    start = arrival - timedelta(seconds=lead)
    count_txt = ", ".join(f"{n} x {t}" for t, n in mix)
    name = f"incident-{inc.incident_id}"
    doc = {
        "scenario": {
            "name": name,
            "description": f"Incident {inc.incident_id} replayed: {inc.date_local} {inc.location} ({count_txt})"[:300],
            "start": start,
            "duration_s": round(duration, 1),
        },
        **doc,
        "threats": threats,
    }
    header = [
        f"# Incident {inc.incident_id} replayed at {site.name} ({site.id}).",
        f"# Reported: {inc.date_local} {inc.time_local or '(time not reported)'} local, {inc.location};",
        f"#   weapon {inc.weapon}, count {inc.count if inc.count is not None else 'not reported'}, "
        f"intercepted {inc.intercepted}. Source: {inc.source_url or inc.origin}",
        f"# Layout: {'from ' + str(layout) if layout else 'site catalogue (' + site.source + ')'}.",
        *(f"# Layout note: {n}" for n in (site.notes if layout is None else ())),
        "# NOTIONAL: the launch points, routes, salvo timing and weather below are invented to be credible,",
        "# not taken from the report (seeded by the incident id, so the file is reproducible).",
        *(f"# Assumed: {n}" for n in notes),
        "",
    ]
    text = "\n".join(header) + tomli_w.dumps(doc)
    try:
        parse(text, f"{name}.toml")
    except ScenarioError as exc:  # a bug here, or a layout the schema refuses: say exactly what
        raise ScenarioBuildError("the generated scenario does not validate:\n" + "\n".join(exc.problems)) from None
    return text, notes


def _enu(p: np.ndarray, height_m: float | None = None) -> dict:
    d = {"east_m": round(float(p[0]), 1), "north_m": round(float(p[1]), 1)}
    if height_m is not None:
        d["height_m"] = height_m
    return d
