"""A validated scenario compiled into the local ENU frame, split along the information barrier.

:class:`Defence` is what the defenders know and may be handed to decision code: the site, its
zones and runways, the sensors' positions and specifications, the guns, the doctrine and the met
data (the met message's wind, :mod:`bastion.physics.met`, never the true wind). :class:`Raid` is
truth: the threats, the civil traffic and the weather (:class:`Weather`), handed only to the simulation.
Positions are ENU metres relative to the site origin with up = height above the (flat) site ground;
over the ~30 km of a site the earth's curvature is ignored.

Its length (~680 lines) follows the barrier: the types of both sides and the one function that
splits a scenario into them are kept together, so that what crosses to the decision side is
decided, and reviewed, in one place.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import numpy as np
import shapely

from bastion import __version__
from bastion.event_types import RunStart
from bastion.physics.atmosphere import isa
from bastion.physics.ballistics import Air
from bastion.physics.constants import FT
from bastion.physics.geodesy import Origin
from bastion.physics.geometry import circle_polygon
from bastion.physics.met import met_message
from bastion.physics.multipath import DEFAULT_ROUGHNESS_M
from bastion.physics.terrain import Surface
from bastion.physics.wind import WindProfile
from bastion.scenario import schema
from bastion.scenario.birds import BirdPopulation, bird_population
from bastion.scenario.catalogue import CATALOGUE, AircraftType, FriendlyType, GunType, RadarType, ThreatType
from bastion.scenario.catalogue.effectors import EffectorType, JammerType, effector_types, extinction_per_m, kind_of
from bastion.scenario.catalogue.threats import Guidance, guidance_of
from bastion.scenario.loader import LoadedScenario, ScenarioError
from bastion.scenario.terrain import build_surface


@dataclass(frozen=True)
class ZoneArea:
    """A zone in ENU: polygon, kind, value, and its centre and radius [m] for quick tests."""

    index: int
    name: str
    kind: str
    value: float
    geometry: shapely.Polygon
    center: np.ndarray  # (2,) [m]
    radius_m: float
    notional: bool


@dataclass(frozen=True)
class RunwayGeometry:
    name: str
    idents: tuple[str, str]
    thresholds: np.ndarray  # (2, 3) ENU [m]
    width_m: float

    def direction_from(self, ident: str) -> tuple[np.ndarray, np.ndarray, float]:
        """Threshold (3,), unit direction along the runway (3,) and length [m] for operations
        on the end ``ident`` (landing on it, or taking off from it)."""
        i = self.idents.index(ident)
        a, b = self.thresholds[i], self.thresholds[1 - i]
        d = b - a
        length = float(np.linalg.norm(d[:2]))
        return a, np.array([d[0], d[1], 0.0]) / length, length


@dataclass(frozen=True)
class RadarSite:
    index: int
    name: str
    type: RadarType
    position: np.ndarray  # (3,) ENU [m]
    scan_period_s: float
    phase_s: float


@dataclass(frozen=True)
class AdsbSite:
    name: str
    position: np.ndarray
    range_m: float


@dataclass(frozen=True)
class NoFire:
    azimuth_from: float  # [rad] clockwise from north
    azimuth_to: float
    below_elevation: float  # [rad]
    reason: str


@dataclass(frozen=True)
class GunSite:
    index: int
    name: str
    type: GunType
    position: np.ndarray  # (3,) ENU [m], the trunnion
    ammunition: int
    arc_from: float  # [rad] clockwise from north
    arc_to: float
    no_fire: tuple[NoFire, ...]


@dataclass(frozen=True)
class EffectorSite:
    """An effector other than a gun (issue 19): a jammer, an interceptor launcher or a laser."""

    index: int  # among the site's effectors
    name: str
    type: EffectorType
    kind: str  # "rf-jammer" | "gnss-jammer" | "interceptor" | "directed-energy"
    position: np.ndarray  # (3,) ENU [m]
    rounds: int  # interceptors or laser engagements loaded (0 for a jammer)
    footprint_m: float = 0.0  # jammers: slant range of the footprint [m]

    @property
    def jammer(self) -> bool:
        return isinstance(self.type, JammerType)


@dataclass(frozen=True)
class CorridorWindow:
    from_s: float
    to_s: float
    friendlies: int  # own aircraft scheduled through the corridor in this window
    label: str


@dataclass(frozen=True)
class CorridorACM:
    """An airspace control measure the defenders know: a recovery / safe-passage corridor in ENU."""

    name: str
    centreline: np.ndarray  # (K, 2) ENU [m]; the last point is the base end ("inbound" is towards it)
    width_m: float
    floor_m: float  # altitude block AGL [m]
    ceiling_m: float
    speed_min_mps: float  # ground speeds consistent with the scheduled friendlies
    speed_max_mps: float
    windows: tuple[CorridorWindow, ...]

    def window_at(self, t: float) -> CorridorWindow | None:
        """The return window active at ``t`` (the first listed), or None."""
        for w in self.windows:
            if w.from_s <= t <= w.to_s:
                return w
        return None


@dataclass(frozen=True)
class Defence:
    """Everything the defenders know before the first detection."""

    name: str
    site_name: str
    origin: Origin
    start: datetime
    duration_s: float
    air: Air
    zones: tuple[ZoneArea, ...]
    runways: tuple[RunwayGeometry, ...]
    radars: tuple[RadarSite, ...]
    adsb: tuple[AdsbSite, ...]
    guns: tuple[GunSite, ...]
    doctrine: schema.Defence
    surface: Surface | None = None  # terrain and obstacles for line of sight; None: the flat datum
    corridors: tuple[CorridorACM, ...] = ()
    effectors: tuple[EffectorSite, ...] = ()
    visibility_km: float = 23.0  # the night's visibility and rain (lasers' extinction)
    rain_mm_per_h: float = 0.0

    def extinction_per_m(self, wavelength_um: float) -> float:
        """The night's atmospheric extinction coefficient [1/m] at a laser's wavelength."""
        return extinction_per_m(self.visibility_km, self.rain_mm_per_h, wavelength_um)

    ground_roughness_m: float = DEFAULT_ROUGHNESS_M  # the ground's height deviation, for multipath [m]

    def run_start(self, seed: int) -> RunStart:
        """The payload of a run's "run_start" event: what ran, where, from when, with which sensors,
        guns and zones (the same header for a simulated night and a live session)."""
        return RunStart(
            scenario=self.name,
            site=self.site_name,
            seed=seed,
            version=__version__,
            start=self.start.isoformat(),
            duration_s=self.duration_s,
            weapons_control=self.doctrine.weapons_control,
            radars=[r.name for r in self.radars],
            guns=[g.name for g in self.guns],
            zones=[z.name for z in self.zones],
            effectors=[e.name for e in self.effectors] if self.effectors else None,
        )


@dataclass(frozen=True)
class ThreatPlan:
    name: str
    type: ThreatType
    launch: np.ndarray  # (3,) ENU
    launch_time_s: float
    waypoints: np.ndarray  # (K, 2) ENU, the last is the aim point
    aim: np.ndarray  # (3,) ENU aim point on the ground
    cruise_altitude_m: float | None
    speed_mps: float | None
    spoof_adsb: schema.SpoofedAdsb | None = None
    guidance: Guidance | None = None  # how it is guided (what jamming does); None: its type's


@dataclass(frozen=True)
class FlightPlan:
    """A synthetic arrival or departure."""

    kind: str
    callsign: str
    icao24: str
    aircraft: AircraftType
    threshold: np.ndarray  # (3,)
    direction: np.ndarray  # (3,) unit, along the runway in the direction of operation
    runway_length_m: float
    time_s: float
    adsb: bool
    friendly_iff: bool = False


@dataclass(frozen=True)
class RecordedFlight:
    icao24: str
    callsign: str
    aircraft: AircraftType
    t: np.ndarray  # (K,) scenario time [s]
    enu: np.ndarray  # (K, 3)
    adsb: bool
    friendly_iff: bool = False


@dataclass(frozen=True)
class FaultPlan:
    """A fault injected into the night (truth; see :class:`bastion.scenario.schema.Fault`).

    ``target`` names the sensor or gun at fault ("" for the console, or every ADS-B receiver) and
    ``index`` is its index among the site's radars, ADS-B receivers or guns (-1: none or all).
    The fault holds from ``start_s`` until ``end_s`` (inf: the rest of the night); a clock jump
    offsets the radar's scan times by ``jump_s``."""

    kind: str
    target: str
    index: int
    start_s: float
    end_s: float
    jump_s: float = 0.0

    @property
    def duration_s(self) -> float | None:
        """How long it lasts [s]; None for the rest of the night (or a magazine that stays empty)."""
        return None if self.end_s == float("inf") else self.end_s - self.start_s

    def active(self, t: float) -> bool:
        """The fault holds at ``t`` [s]."""
        return self.start_s <= t < self.end_s


@dataclass(frozen=True)
class FriendlyPlan:
    """Own aircraft without ADS-B (truth): a route flown at constant ground speed from ``start_s``."""

    name: str
    type: FriendlyType
    route: np.ndarray  # (K, 3) ENU [m], heights AGL
    start_s: float
    speed_mps: float
    iff_mode5: bool


@dataclass(frozen=True)
class Weather:
    """Truth: the night's air (wind with height, temperature, pressure) and rain, and how the met
    message the defence is given was made (``met``: None, the true wind sampled at the start)."""

    air: Air = field(default_factory=Air)
    rain_mm_per_h: float = 0.0
    rain_height_m: float = 4_000.0
    met: schema.Met | None = None

    def met_sigma_mps(self) -> float:
        """The 1-sigma error per zone and component of the met message's wind [m/s] (0: exact)."""
        m = self.met
        if m is None or m.wind_profile is not None:
            return 0.0
        return float(np.hypot(m.error_mps, m.staleness_mps_per_h * m.age_s / 3600.0))


@dataclass(frozen=True)
class Raid:
    """Truth: the threats launched, the civil traffic flying, own aircraft that do not broadcast, the
    faults injected during the scenario, the weather and the birds aloft."""

    threats: tuple[ThreatPlan, ...]
    flights: tuple[FlightPlan, ...]
    recorded: tuple[RecordedFlight, ...]
    faults: tuple[FaultPlan, ...] = ()
    friendlies: tuple[FriendlyPlan, ...] = ()
    weather: Weather = field(default_factory=Weather)
    birds: BirdPopulation | None = None  # single birds and flocks aloft (scenario [birds])


@dataclass(frozen=True)
class CompiledScenario:
    loaded: LoadedScenario
    defence: Defence
    raid: Raid


def _enu(origin: Origin, p: schema.Position) -> np.ndarray:
    if p.lat is not None:
        e, n, _ = origin.to_enu(p.lat, p.lon, origin.alt_m)
        return np.array([e, n, p.height_m])
    return np.array([p.east_m, p.north_m, p.height_m], dtype=float)


def _zone(i: int, origin: Origin, z: schema.Zone) -> ZoneArea:
    if z.circle is not None:
        c = _enu(origin, z.circle.center)[:2]
        geom = circle_polygon(c, z.circle.radius_m)
    elif z.polygon is not None:
        lat, lon = np.array(z.polygon).T
        enu = origin.to_enu(lat, lon, np.full(lat.shape, origin.alt_m))
        geom = shapely.Polygon(enu[:, :2])
    else:
        geom = shapely.Polygon(np.array(z.polygon_enu, dtype=float))
    geom = shapely.make_valid(geom) if not geom.is_valid else geom
    center = np.array(geom.centroid.coords[0])
    bx = np.array(geom.exterior.coords) if hasattr(geom, "exterior") else np.array(geom.envelope.exterior.coords)
    radius = float(np.max(np.hypot(*(bx - center).T)))
    return ZoneArea(i, z.name, z.kind, z.value, geom, center, radius, z.notional)


def compile_weather(s: schema.Scenario) -> Weather:
    """The night's true air and rain from ``[environment]``, and the ``[met]`` message's recipe.

    The temperature aloft follows the ISA lapse rate from the ground temperature (ISA + dT); the
    pressure is the ISA's scaled by the station pressure over the ISA's at the site elevation."""
    env = s.environment
    elevation = s.site.origin.alt_m
    if env.wind_profile is not None:
        rows = env.wind_profile
        wind: np.ndarray | WindProfile = WindProfile.table(
            [r.height_m for r in rows], [r.speed_mps for r in rows], [r.from_deg for r in rows]
        )
    elif env.wind_exponent is not None:
        top = 500.0 if env.wind_power_top_m is None else env.wind_power_top_m
        wind = WindProfile.power_law(env.wind_speed_mps, env.wind_from_deg, env.wind_exponent, top)
    else:
        to = np.radians(env.wind_from_deg) + np.pi  # wind blows *to* this azimuth
        wind = env.wind_speed_mps * np.array([np.sin(to), np.cos(to), 0.0])
    delta_t = 0.0
    if env.temperature_c is not None:
        delta_t = env.temperature_c + 273.15 - (288.15 - 0.0065 * elevation)
    ratio = 1.0
    if env.pressure_hpa is not None:
        ratio = env.pressure_hpa * 100.0 / float(isa(elevation).pressure)
    air = Air(ground_altitude_m=elevation, delta_t_k=delta_t, wind=wind, pressure_ratio=ratio)
    return Weather(air, env.rain_mm_per_h, env.rain_height_m, s.met)


def met_air(weather: Weather, rng: np.random.Generator | None = None) -> Air:
    """The air the defence is told of: the true temperature and pressure, and the met message's wind
    (:func:`bastion.physics.met.met_message`; ``rng`` draws its error, None: none). A uniform true wind
    without a ``[met]`` error is told as it is (the same object)."""
    truth, met = weather.air, weather.met
    if met is not None and met.wind_profile is not None:
        rows = met.wind_profile
        told = WindProfile.table([r.height_m for r in rows], [r.speed_mps for r in rows], [r.from_deg for r in rows])
        return Air(truth.ground_altitude_m, truth.delta_t_k, told, truth.pressure_ratio)
    sigma = weather.met_sigma_mps()
    if truth.uniform_wind is not None and (rng is None or sigma == 0.0):
        return truth
    told = met_message(truth.profile, rng, error_mps=sigma)
    return Air(truth.ground_altitude_m, truth.delta_t_k, told, truth.pressure_ratio)


def compile_stored(text: str, source: str) -> CompiledScenario:
    """A run's scenario as an event store keeps it (its text, not the folder it came from), compiled
    for reports and replays: without its recorded-traffic files and without its DEM, which lie beside
    the scenario file and not in the store (the ground a night ran on is in its summary, ``ground``)."""
    from bastion.scenario.loader import parse

    loaded = parse(text, source)
    if loaded.model.terrain.dem is not None:
        terrain = loaded.model.terrain.model_copy(update={"dem": None})
        loaded = replace(loaded, model=loaded.model.model_copy(update={"terrain": terrain}))
    return compile_scenario(loaded, read_traffic=False)


def compile_scenario(loaded: LoadedScenario, read_traffic: bool = True) -> CompiledScenario:
    """Compile a validated scenario into ENU; raise :class:`ScenarioError` on unreadable data files.

    ``read_traffic=False`` skips recorded-traffic files (for tools that need only the site)."""
    s = loaded.model
    origin = s.site.origin
    weather = compile_weather(s)
    air = met_air(weather)  # what the defence is told: the met message, without the per-night error

    zones = [_zone(i, origin, z) for i, z in enumerate(s.zones)]
    runways = []
    for r in s.runways:
        ends = origin.to_enu(
            np.array([e.lat for e in r.ends]), np.array([e.lon for e in r.ends]), np.full(2, origin.alt_m)
        )
        ends[:, 2] = 0.0
        rw = RunwayGeometry(r.name, (r.ends[0].ident, r.ends[1].ident), ends, r.width_m)
        runways.append(rw)
        if r.value > 0:
            strip = shapely.LineString(ends[:, :2]).buffer(r.width_m / 2, cap_style="flat")
            c = np.array(strip.centroid.coords[0])
            zones.append(
                ZoneArea(
                    len(zones),
                    f"Runway {r.name}",
                    "infrastructure",
                    r.value,
                    strip,
                    c,
                    float(np.linalg.norm(ends[0, :2] - ends[1, :2]) / 2),
                    False,
                )
            )
    radars, adsb = [], []
    for sensor in s.sensors:
        if isinstance(sensor, schema.Radar):
            rt = CATALOGUE.radars[sensor.type]
            radars.append(
                RadarSite(
                    len(radars),
                    sensor.name,
                    rt,
                    _enu(origin, sensor.position),
                    sensor.scan_period_s or rt.scan_period_s,
                    sensor.phase_s,
                )
            )
        else:
            adsb.append(AdsbSite(sensor.name, _enu(origin, sensor.position), sensor.range_m))
    guns = []
    for w in s.weapons:
        gt = CATALOGUE.guns[w.type]
        guns.append(
            GunSite(
                len(guns),
                w.name,
                gt,
                _enu(origin, w.position),
                gt.magazine if w.ammunition is None else w.ammunition,
                np.radians(w.arc_deg[0]),
                np.radians(w.arc_deg[1]),
                tuple(
                    NoFire(
                        np.radians(nf.azimuth_deg[0]),
                        np.radians(nf.azimuth_deg[1]),
                        np.radians(nf.below_elevation_deg),
                        nf.reason,
                    )
                    for nf in w.no_fire
                ),
            )
        )
    defence = Defence(
        name=s.scenario.name,
        site_name=s.site.name,
        origin=origin,
        start=s.scenario.start,
        duration_s=s.scenario.duration_s,
        air=air,
        zones=tuple(zones),
        runways=tuple(runways),
        radars=tuple(radars),
        adsb=tuple(adsb),
        guns=tuple(guns),
        doctrine=s.defence,
        surface=build_surface(s, origin, loaded.directory, loaded.source),
        effectors=_effectors(s, origin),
        visibility_km=s.environment.visibility_km,
        rain_mm_per_h=s.environment.rain_mm_per_h,
        ground_roughness_m=s.terrain.roughness_m,
        corridors=tuple(
            CorridorACM(
                c.name,
                np.array([_enu(origin, p)[:2] for p in c.centreline]),
                c.width_m,
                c.floor_m,
                c.ceiling_m,
                c.speed_mps[0],
                c.speed_mps[1],
                tuple(CorridorWindow(w.from_s, w.to_s, w.friendlies, w.label) for w in c.windows),
            )
            for c in s.corridor
        ),
    )

    by_name = {z.name: z for z in zones}
    threats = []
    for t in s.threats:
        if t.target_zone is not None:
            aim = np.array([*by_name[t.target_zone].center, 0.0])
        else:
            aim = _enu(origin, t.target)
            aim[2] = 0.0
        route = [_enu(origin, p)[:2] for p in t.route] + [aim[:2]]
        threats.append(
            ThreatPlan(
                t.name,
                CATALOGUE.threats[t.type],
                _enu(origin, t.launch),
                t.launch_time_s,
                np.array(route),
                aim,
                t.cruise_altitude_m,
                t.speed_mps,
                t.spoof_adsb,
                _guidance(t),
            )
        )
    runway_by_end = {ident: rw for rw in runways for ident in rw.idents}
    flights, recorded = [], []
    for i, c in enumerate(s.civil):
        if isinstance(c, schema.SyntheticFlight):
            thr, d, length = runway_by_end[c.runway].direction_from(c.runway)
            flights.append(
                FlightPlan(
                    c.kind,
                    c.callsign,
                    c.icao24.lower(),
                    CATALOGUE.aircraft[c.aircraft],
                    thr,
                    d,
                    length,
                    c.time_s,
                    c.adsb,
                    c.friendly_iff,
                )
            )
        elif read_traffic:
            recorded.extend(_read_recorded(i, c, origin, loaded))
    friendlies = tuple(
        FriendlyPlan(
            f.name,
            CATALOGUE.friendlies[f.type],
            np.array([_enu(origin, p) for p in f.route]),
            f.start_time_s,
            f.speed_mps or CATALOGUE.friendlies[f.type].cruise_speed_mps,
            CATALOGUE.friendlies[f.type].iff_mode5 if f.iff_mode5 is None else f.iff_mode5,
        )
        for f in s.friendly
    )
    birds = None
    if s.birds is not None:
        center = _enu(origin, s.birds.center) if s.birds.center is not None else np.zeros(3)
        birds = bird_population(s.birds, center, s.scenario.start)
    raid = Raid(
        tuple(threats),
        tuple(flights),
        tuple(recorded),
        faults=_faults(s, radars, adsb, guns),
        friendlies=friendlies,
        weather=weather,
        birds=birds,
    )
    return CompiledScenario(loaded, defence, raid)


def _effectors(s: schema.Scenario, origin: Origin) -> tuple[EffectorSite, ...]:
    """The scenario's effectors in ENU, with their loads and footprints (the types' where not given)."""
    types = effector_types()
    out = []
    for i, e in enumerate(s.effectors):
        et = types[e.type]
        rounds = 0 if isinstance(et, JammerType) else (et.magazine if e.rounds is None else e.rounds)
        footprint = (e.footprint_m or et.footprint_m) if isinstance(et, JammerType) else 0.0
        out.append(EffectorSite(i, e.name, et, kind_of(et), _enu(origin, e.position), rounds, footprint))
    return tuple(out)


def _guidance(t: schema.Threat) -> Guidance:
    """A threat's guidance: its type's, with the control the scenario entry gives instead."""
    from dataclasses import replace

    kind = CATALOGUE.threats[t.type]
    g = guidance_of(kind.name, kind.kind)
    return g if t.guidance is None or t.guidance == g.control else replace(g, control=t.guidance)


def _faults(s: schema.Scenario, radars: list, adsb: list, guns: list) -> tuple[FaultPlan, ...]:
    """The scenario's faults, naming indices (the names were checked when the file was loaded)."""
    out = []
    for f in s.faults:
        if f.kind in ("gun_jam", "mount_failure", "magazine_empty"):
            target = f.weapon or ""
            index = [g.name for g in guns].index(target)
        elif f.kind == "adsb_outage":
            target = f.sensor or ""
            index = [a.name for a in adsb].index(target) if target else -1
        elif f.kind in ("radar_outage", "clock_jump"):
            target = f.sensor or ""
            index = [r.name for r in radars].index(target)
        else:
            target, index = "", -1
        start = f.begins_s
        end = float("inf") if f.duration_s is None or f.kind == "magazine_empty" else start + f.duration_s
        out.append(FaultPlan(f.kind, target, index, start, end, float(f.jump_s or 0.0)))
    return tuple(out)


_COLUMNS = ("timestamp", "icao24", "callsign", "latitude", "longitude", "altitude")


def _read_recorded(i: int, c: schema.RecordedTraffic, origin: Origin, loaded: LoadedScenario) -> list[RecordedFlight]:
    """Read a recorded-traffic CSV; rows with missing or non-numeric values are skipped."""
    path = Path(c.file)
    if not path.is_absolute() and loaded.directory is not None:
        path = loaded.directory / path
    where = f"{loaded.source}: civil[{i}].file"
    if not path.is_file():
        raise ScenarioError([f"{where}: no such file {str(path)!r}"])
    opener = gzip.open if path.suffix == ".gz" else open
    wanted = {x.lower() for x in c.icao24} if c.icao24 else None
    rows: dict[str, list[tuple[float, float, float, float]]] = {}
    callsigns: dict[str, str] = {}
    with opener(path, "rt", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [col for col in _COLUMNS if col not in (reader.fieldnames or [])]
        if missing:
            raise ScenarioError([f"{where}: {path.name} lacks column(s) {', '.join(missing)}"])
        for row in reader:
            icao = row["icao24"].strip().lower()
            if wanted is not None and icao not in wanted:
                continue
            try:
                ts = datetime.fromisoformat(row["timestamp"]).timestamp()
                lat, lon, alt = float(row["latitude"]), float(row["longitude"]), float(row["altitude"])
            except ValueError:
                continue
            if not (np.isfinite(lat) and np.isfinite(lon) and np.isfinite(alt)):
                continue
            rows.setdefault(icao, []).append((ts, lat, lon, alt * FT))
            if row["callsign"]:
                callsigns.setdefault(icao, row["callsign"].strip())
    if not rows:
        raise ScenarioError([f"{where}: {path.name} holds no usable rows"])
    t0 = min(r[0][0] for r in rows.values())
    if c.anchor is not None and c.anchor.lat is not None:
        shift = Origin(c.anchor.lat, c.anchor.lon, origin.alt_m)
    else:
        shift = origin
    out = []
    horizon = loaded.model.scenario.duration_s
    for icao, data in sorted(rows.items()):
        arr = np.array(sorted(data))
        t_rel = arr[:, 0] - t0 + c.time_offset_s
        if t_rel[-1] < 0.0 or t_rel[0] > horizon or arr.shape[0] < 2:
            continue  # never in the air during the scenario
        enu = shift.to_enu(arr[:, 1], arr[:, 2], arr[:, 3])
        enu[:, 2] = arr[:, 3] - origin.alt_m
        out.append(
            RecordedFlight(
                icao,
                callsigns.get(icao, ""),
                CATALOGUE.aircraft[c.aircraft],
                arr[:, 0] - t0 + c.time_offset_s,
                enu,
                c.adsb,
                c.friendly_iff,
            )
        )
    return out
