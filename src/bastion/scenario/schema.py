"""The scenario file format: pydantic models of a TOML scenario.

One module for every table of the format (~660 lines): a reader finds every key, its units and its
bounds in one place, as the README's table of keys lists them; the checks across tables are in
:mod:`bastion.scenario.references`.

Validated at the edge, trusted inside: every model forbids unknown keys (so a typo is an error that
names the key) and states units in its field names or descriptions. Positions are WGS84
(``lat``/``lon`` in degrees) or local ENU (``east_m``/``north_m``) relative to the site origin;
heights are metres above the site's ground level. Azimuths are degrees clockwise from true north.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bastion.doctrine import WeaponsControl
from bastion.physics.geodesy import Origin
from bastion.physics.multipath import DEFAULT_ROUGHNESS_M
from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.catalogue.effectors import effector_types

# Bounds that no real site needs to pass, so that an absurd value (a typo, a unit slip) is an error
# that names its field instead of a silent nonsense night. NaN and infinities are refused for every
# float (``allow_inf_nan=False``): a NaN in a safety limit would compare false and switch it off.
MAX_LOCAL_M = 1_000_000.0  # a site's flat ENU frame is not meant for points 1,000 km away [m]
MIN_HEIGHT_M, MAX_HEIGHT_M = -2_000.0, 50_000.0  # height relative to the site's ground [m]
AZ_MIN_DEG, AZ_MAX_DEG = -360.0, 720.0  # azimuths wrap; [-30, 30] and [330, 390] are the same sector
CIVIL_WINDOW_S = 1_800.0  # a civil flight's time must fall within the night +- this [s]


def simple_polygon(pts: list[tuple[float, float]] | None, info) -> list[tuple[float, float]] | None:
    """Field validator of a polygon (a zone's, an obstacle's footprint): it must bound an area —
    finite vertices (lat/lon in range for ``polygon``), at least 3 distinct ones, non-zero area and
    no self-intersection (shapely's validity test, the OGC simple-feature rules). A degenerate one
    would make a zone that contains nothing, or break the geometry code downstream (a ring of one
    repeated point collapses to a Point)."""
    import math

    import shapely

    if pts is None:
        return pts
    for k, (a, b) in enumerate(pts):
        if not (math.isfinite(a) and math.isfinite(b)):
            raise ValueError(f"vertex {k} = [{a}, {b}] is not a pair of finite numbers")
        if info.field_name == "polygon" and not (-90.0 <= a <= 90.0 and -180.0 <= b <= 180.0):
            raise ValueError(f"vertex {k} = [{a:g}, {b:g}] is not a [lat, lon] in degrees")
    if len(set(pts)) < 3:
        raise ValueError(f"a polygon needs at least 3 distinct vertices, got {len(set(pts))}")
    ring = shapely.Polygon(pts)
    if not ring.is_valid:
        reason = shapely.is_valid_reason(ring)
        raise ValueError(f"not a simple polygon ({reason}): its edges must not cross or overlap")
    if not ring.area > 0.0:
        raise ValueError("the polygon has zero area (its vertices are in a line)")
    return pts


class _Model(BaseModel):
    """Base of every scenario model: unknown keys are errors, NaN and infinities are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Position(_Model):
    """A point: WGS84 (``lat``, ``lon``) or site ENU (``east_m``, ``north_m``), plus height AGL."""

    lat: float | None = Field(None, ge=-90, le=90, description="latitude [deg]")
    lon: float | None = Field(None, ge=-180, le=180, description="longitude [deg]")
    east_m: float | None = Field(None, ge=-MAX_LOCAL_M, le=MAX_LOCAL_M, description="east of the site origin [m]")
    north_m: float | None = Field(None, ge=-MAX_LOCAL_M, le=MAX_LOCAL_M, description="north of the site origin [m]")
    height_m: float = Field(0.0, ge=MIN_HEIGHT_M, le=MAX_HEIGHT_M, description="height above the site ground [m]")

    @model_validator(mode="after")
    def _one_form(self) -> Position:
        geo = self.lat is not None or self.lon is not None
        enu = self.east_m is not None or self.north_m is not None
        if geo == enu:
            raise ValueError("give either lat and lon, or east_m and north_m")
        if geo and (self.lat is None or self.lon is None):
            raise ValueError("give both lat and lon")
        if enu and (self.east_m is None or self.north_m is None):
            raise ValueError("give both east_m and north_m")
        return self


class Meta(_Model):
    name: str
    description: str = ""
    start: datetime = Field(description="local start time with UTC offset, ISO 8601")
    duration_s: float = Field(gt=0, le=86_400)


class Site(_Model):
    name: str
    origin: Origin  # the physics' own (keys lat, lon, elevation_m)


class WindLevel(_Model):
    """One row of a wind table: the wind at a height above the site ground."""

    height_m: float = Field(ge=0, le=20_000, description="height above the site ground [m]")
    speed_mps: float = Field(ge=0, le=100)
    from_deg: float = Field(ge=0, le=360, description="direction the wind blows from [deg]")


def _increasing_heights(levels: list[WindLevel] | None) -> list[WindLevel] | None:
    """Field validator of a wind table: heights strictly increasing (each row names its height)."""
    if levels is None:
        return levels
    for k in range(1, len(levels)):
        if not levels[k].height_m > levels[k - 1].height_m:
            raise ValueError(
                f"row {k} (height_m = {levels[k].height_m:g}) is not above row {k - 1} "
                f"(height_m = {levels[k - 1].height_m:g}): heights must increase"
            )
    return levels


class Environment(_Model):
    """The night's weather (truth). The wind is uniform (``wind_speed_mps`` from ``wind_from_deg`` at
    every height), a power law over that surface wind (``wind_exponent``, up to ``wind_power_top_m``),
    or a table of heights (``wind_profile``); :mod:`bastion.physics.wind`."""

    wind_speed_mps: float = Field(0.0, ge=0, le=60, description="surface wind (10 m), or at every height")
    wind_from_deg: float = Field(0.0, ge=0, le=360, description="direction the wind blows from")
    wind_exponent: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="power-law exponent of the wind with height (1/7 neutral, 0.25-0.4 stable night)",
    )
    wind_power_top_m: float | None = Field(
        None, ge=20, le=20_000, description="top of the power-law layer [m]; constant above (default 500 m)"
    )
    wind_profile: list[WindLevel] | None = Field(None, description="wind table: [{height_m, speed_mps, from_deg}, ...]")
    temperature_c: float | None = Field(None, ge=-60, le=60, description="ground temperature; ISA if absent")
    visibility_km: float = Field(
        23.0, gt=0, le=300, description="meteorological visibility (lasers' extinction); 23 km: clear air"
    )
    pressure_hpa: float | None = Field(
        None, ge=500, le=1_100, description="station pressure at the site ground (QFE) [hPa]; ISA if absent"
    )
    rain_mm_per_h: float = Field(
        0.0, ge=0, le=300, description="rain rate over the site [mm/h] (radar attenuation, lasers' extinction)"
    )
    rain_height_m: float = Field(
        4_000.0, ge=100, le=10_000, description="top of the rain above the site ground [m] (ITU-R P.839 rain height)"
    )

    _increasing = field_validator("wind_profile")(_increasing_heights)

    @model_validator(mode="after")
    def _one_wind(self) -> Environment:
        given = self.model_fields_set
        if self.wind_profile is not None:
            if not self.wind_profile:
                raise ValueError("wind_profile: give at least one row, or leave it out")
            both = sorted(given & {"wind_speed_mps", "wind_from_deg", "wind_exponent", "wind_power_top_m"})
            if both:
                raise ValueError(f"give the wind as wind_profile or as {', '.join(both)}, not both")
        if self.wind_power_top_m is not None and self.wind_exponent is None:
            raise ValueError("wind_power_top_m is the top of a power law: give wind_exponent too")
        return self


class Met(_Model):
    """The met message the defence's fire control is given (STANAG 4082 computer met zones; see
    :mod:`bastion.physics.met`). Without a ``[met]`` table the message is the true wind sampled at
    the start of the night with no error. ``wind_profile`` states the message outright (a table, as
    in ``[environment]``); otherwise it is the true wind's zone means plus an error per zone of
    sigma sqrt(error_mps^2 + (staleness_mps_per_h * age_s / 3600)^2), drawn per night."""

    age_s: float = Field(0.0, ge=0, le=86_400, description="how long before the night the wind was measured [s]")
    error_mps: float = Field(0.0, ge=0, le=20, description="1-sigma error of each zone's wind, per component [m/s]")
    staleness_mps_per_h: float = Field(
        0.0, ge=0, le=20, description="1-sigma change of the wind per hour of the message's age [m/s/h] (assumption)"
    )
    wind_profile: list[WindLevel] | None = Field(
        None, description="the message stated: [{height_m, speed_mps, from_deg}, ...]"
    )

    _increasing = field_validator("wind_profile")(_increasing_heights)

    @model_validator(mode="after")
    def _stated_or_drawn(self) -> Met:
        if self.wind_profile is not None:
            if not self.wind_profile:
                raise ValueError("wind_profile: give at least one row, or leave it out")
            drawn = sorted(self.model_fields_set & {"age_s", "error_mps", "staleness_mps_per_h"})
            if drawn:
                raise ValueError(f"a stated wind_profile carries no drawn error: leave out {', '.join(drawn)}")
        return self


class Circle(_Model):
    center: Position
    radius_m: float = Field(gt=0)


ZoneKind = Literal["populated", "military", "infrastructure", "open"]


class Zone(_Model):
    """A defended asset or area. ``value`` weighs what is at risk there (0 for open ground)."""

    name: str
    kind: ZoneKind
    value: float = Field(ge=0)
    polygon: list[tuple[float, float]] | None = Field(None, description="[[lat, lon], ...]")
    polygon_enu: list[tuple[float, float]] | None = Field(None, description="[[east_m, north_m], ...]")
    circle: Circle | None = None
    notional: bool = Field(False, description="position is notional (not public)")

    _simple_polygon = field_validator("polygon", "polygon_enu")(simple_polygon)

    @model_validator(mode="after")
    def _one_geometry(self) -> Zone:
        given = [g is not None for g in (self.polygon, self.polygon_enu, self.circle)]
        if sum(given) != 1:
            raise ValueError("give exactly one of polygon, polygon_enu or circle")
        pts = self.polygon or self.polygon_enu
        if pts is not None and len(pts) < 3:
            raise ValueError("a polygon needs at least 3 vertices")
        return self


class RunwayEnd(_Model):
    ident: str
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Runway(_Model):
    name: str
    ends: tuple[RunwayEnd, RunwayEnd]
    width_m: float = Field(45.0, gt=0, le=200)
    value: float = Field(20.0, ge=0, description="value as a defended zone")


class Radar(_Model):
    kind: Literal["radar"]
    name: str
    type: str
    position: Position
    scan_period_s: float | None = Field(None, gt=0, le=3_600)
    phase_s: float = Field(0.0, ge=0, le=3_600, description="time of the first scan after start [s]")

    @model_validator(mode="after")
    def _known_type(self) -> Radar:
        if self.type not in CATALOGUE.radars:
            raise ValueError(f"unknown radar type {self.type!r}; known: {', '.join(CATALOGUE.radars)}")
        return self


class AdsbReceiver(_Model):
    kind: Literal["adsb"]
    name: str
    position: Position
    range_m: float = Field(200_000.0, gt=0, le=MAX_LOCAL_M)


Sensor = Annotated[Radar | AdsbReceiver, Field(discriminator="kind")]


class NoFireSector(_Model):
    """Directions a gun must not fire: an azimuth sector below an elevation."""

    azimuth_deg: tuple[
        Annotated[float, Field(ge=AZ_MIN_DEG, le=AZ_MAX_DEG)], Annotated[float, Field(ge=AZ_MIN_DEG, le=AZ_MAX_DEG)]
    ] = Field(description="[from, to] clockwise from north [deg]")
    below_elevation_deg: float = Field(90.0, ge=-90, le=90, description="applies below this elevation [deg]")
    reason: str = ""


class Weapon(_Model):
    name: str
    type: str
    position: Position
    ammunition: int | None = Field(None, ge=0, description="rounds loaded; magazine size if absent")
    arc_deg: tuple[
        Annotated[float, Field(ge=AZ_MIN_DEG, le=AZ_MAX_DEG)], Annotated[float, Field(ge=AZ_MIN_DEG, le=AZ_MAX_DEG)]
    ] = Field((0.0, 360.0), description="[from, to] azimuth clockwise [deg]")
    no_fire: list[NoFireSector] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_type(self) -> Weapon:
        if self.type not in CATALOGUE.guns:
            raise ValueError(f"unknown gun type {self.type!r}; known: {', '.join(CATALOGUE.guns)}")
        return self


class Effector(_Model):
    """An effector other than a gun (issue 19): a jammer, an interceptor launcher or a laser, by its
    catalogue type (:mod:`bastion.scenario.catalogue.effectors`)."""

    name: str
    type: str
    position: Position
    rounds: int | None = Field(
        None, ge=0, le=10_000, description="interceptors or laser engagements loaded; the type's magazine if absent"
    )
    footprint_m: float | None = Field(None, gt=0, le=100_000, description="jammers: footprint range [m]; the type's")

    @field_validator("type")
    @classmethod
    def _known_type(cls, v: str) -> str:
        known = effector_types()
        if v not in known:
            raise ValueError(f"unknown effector type {v!r}; known: {', '.join(known)}")
        return v


class SpoofedAdsb(_Model):
    """A threat that broadcasts false ADS-B: an airliner's identity at a position offset from its own."""

    icao24: str = Field(pattern=r"^[0-9a-fA-F]{6}$")
    callsign: str = Field("", max_length=8)
    offset_east_m: float = Field(0.0, ge=-100_000, le=100_000)
    offset_north_m: float = Field(0.0, ge=-100_000, le=100_000)


class Threat(_Model):
    """A threat the truth simulation launches. The decision side never sees this."""

    name: str
    type: str
    launch: Position
    launch_time_s: float = Field(0.0, ge=0, le=86_400)
    route: list[Position] = Field(default_factory=list, description="waypoints before the target")
    target: Position | None = None
    target_zone: str | None = Field(None, description="aim at this zone's centre")
    cruise_altitude_m: float | None = Field(None, gt=0, le=30_000, description="AGL; catalogue range if absent")
    speed_mps: float | None = Field(None, gt=0, le=3_000, description="cruise speed; catalogue range if absent")
    spoof_adsb: SpoofedAdsb | None = Field(None, description="broadcast false ADS-B (drones only)")
    guidance: Literal["gnss-waypoints", "rf-link", "dead-reckoning"] | None = Field(
        None,
        description="how a drone is guided, so what jamming and the wind do to it: GNSS waypoints (holds its "
        "ground track in wind; a GNSS jammer pushes it onto inertial drift), a radio link (an RF jammer cuts it), "
        "or dead reckoning (no GNSS, e.g. denied: drifts with the wind at its height); the type's if absent",
    )

    @model_validator(mode="after")
    def _check(self) -> Threat:
        if self.type not in CATALOGUE.threats:
            raise ValueError(f"unknown threat type {self.type!r}; known: {', '.join(CATALOGUE.threats)}")
        if (self.target is None) == (self.target_zone is None):
            raise ValueError("give exactly one of target or target_zone")
        return self


class SyntheticFlight(_Model):
    """A synthetic civil arrival or departure on a runway end, broadcasting ADS-B."""

    kind: Literal["arrival", "departure"]
    callsign: str = Field(max_length=8)
    icao24: str = Field(pattern=r"^[0-9a-fA-F]{6}$")
    aircraft: str = "a320"
    runway: str = Field(description="runway end ident used, e.g. '33R'")
    time_s: float = Field(
        ge=-86_400, le=86_400, description="arrival: threshold crossing; departure: brake release [s]"
    )
    adsb: bool = True
    friendly_iff: bool = Field(False, description="a friendly military aircraft answering IFF Mode 5")

    @model_validator(mode="after")
    def _known_type(self) -> SyntheticFlight:
        if self.aircraft not in CATALOGUE.aircraft:
            raise ValueError(f"unknown aircraft {self.aircraft!r}; known: {', '.join(CATALOGUE.aircraft)}")
        return self


class RecordedTraffic(_Model):
    """Recorded civil trajectories from a CSV in the ``traffic`` library's conventions.

    Columns ``timestamp,icao24,callsign,latitude,longitude,altitude`` (altitude in feet MSL). The
    recording's first timestamp plays at ``time_offset_s``; with ``anchor``, the recording is moved
    so that the anchor point falls on the site origin (flying real tracks over another site).
    """

    kind: Literal["recorded"]
    file: str
    time_offset_s: float = Field(0.0, ge=-86_400, le=86_400)
    anchor: Position | None = None
    icao24: list[str] | None = Field(None, description="only these aircraft")
    aircraft: str = "a320"
    adsb: bool = True
    friendly_iff: bool = Field(False, description="friendly military aircraft answering IFF Mode 5")


Civil = Annotated[SyntheticFlight | RecordedTraffic, Field(discriminator="kind")]


class Terrain(_Model):
    """The ground around the site: a digital elevation model (GeoTIFF, heights above mean sea level,
    any CRS rasterio can transform from WGS84), gridded for line-of-sight tests. Without one the
    ground is the flat datum at the origin's elevation."""

    dem: str | None = Field(None, description="GeoTIFF path, relative to the scenario file")
    cell_m: float = Field(30.0, ge=1, le=1_000, description="grid spacing of the line-of-sight surface [m]")
    extent_m: float = Field(
        30_000.0, ge=100, le=200_000, description="half-width of the square gridded around the origin [m]"
    )
    k_factor: float = Field(4.0 / 3.0, ge=0.5, le=10, description="effective earth-radius factor (refraction)")
    roughness_m: float = Field(
        DEFAULT_ROUGHNESS_M,
        ge=0,
        le=100,
        description="standard deviation of the ground's heights for the radars' multipath [m] "
        "(default: flat open land, an assumption; bastion.physics.multipath)",
    )


class Obstacle(_Model):
    """A building, tower or wall: a footprint and the height of its top above the site ground."""

    name: str
    height_m: float = Field(gt=0, le=1_000, description="top above the site ground [m]")
    polygon: list[tuple[float, float]] | None = Field(None, description="[[lat, lon], ...]")
    polygon_enu: list[tuple[float, float]] | None = Field(None, description="[[east_m, north_m], ...]")

    _simple_polygon = field_validator("polygon", "polygon_enu")(simple_polygon)

    @model_validator(mode="after")
    def _one_footprint(self) -> Obstacle:
        if (self.polygon is None) == (self.polygon_enu is None):
            raise ValueError("give exactly one of polygon or polygon_enu")
        if len(self.polygon or self.polygon_enu or []) < 3:
            raise ValueError("a footprint needs at least 3 vertices")
        return self


class FriendlyFlight(_Model):
    """Own aircraft that do not broadcast ADS-B (truth: the decision side never sees this entry, only
    the airspace control measures of ``[[corridor]]``). Flown at constant ground speed along
    ``route`` (heights AGL), from ``start_time_s`` until the last point, where it lands."""

    name: str
    type: str
    route: list[Position] = Field(min_length=2, description="waypoints, the first is where it appears")
    start_time_s: float = Field(0.0, ge=0, le=86_400)
    speed_mps: float | None = Field(None, gt=0, le=400, description="ground speed; the type's cruise if absent")
    iff_mode5: bool | None = Field(None, description="answers Mode 5 interrogation; the type's default if absent")

    @model_validator(mode="after")
    def _known_type(self) -> FriendlyFlight:
        if self.type not in CATALOGUE.friendlies:
            raise ValueError(f"unknown friendly type {self.type!r}; known: {', '.join(CATALOGUE.friendlies)}")
        return self


class ReturnWindow(_Model):
    """A time window in which own aircraft are scheduled to use a corridor."""

    from_s: float = Field(ge=0, le=86_400)
    to_s: float = Field(ge=0, le=86_400)
    friendlies: int = Field(1, ge=0, le=100, description="own aircraft scheduled through the corridor")
    label: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> ReturnWindow:
        if self.to_s <= self.from_s:
            raise ValueError("to_s must be after from_s")
        return self


class Corridor(_Model):
    """An airspace control measure known to the defenders: a safe-passage / recovery corridor along
    a centreline (the last point is the base end: 'inbound' is towards it), ``width_m`` wide, between
    ``floor_m`` and ``ceiling_m`` AGL, active during its return windows. Defaults: ~500 m wide,
    an altitude block and time windows (shared/domain/ram-and-layers.md §5: values not public,
    assumption L)."""

    name: str
    centreline: list[Position] = Field(min_length=2)
    width_m: float = Field(500.0, gt=0, le=20_000)
    floor_m: float = Field(0.0, ge=MIN_HEIGHT_M, le=MAX_HEIGHT_M)
    ceiling_m: float = Field(500.0, ge=MIN_HEIGHT_M, le=MAX_HEIGHT_M)
    speed_mps: tuple[Annotated[float, Field(ge=0, le=1_000)], Annotated[float, Field(ge=0, le=1_000)]] = Field(
        (10.0, 45.0), description="[min, max] ground speed of the scheduled friendlies [m/s]"
    )
    windows: list[ReturnWindow] = Field(default_factory=list)

    @model_validator(mode="after")
    def _block(self) -> Corridor:
        if self.ceiling_m <= self.floor_m:
            raise ValueError("ceiling_m must be above floor_m")
        if self.speed_mps[1] < self.speed_mps[0]:
            raise ValueError("speed_mps must be [min, max]")
        return self


class SimulatedOperator(_Model):
    """How the simulated operator answers engagement requests in weapons-control 'tight'."""

    median_delay_s: float = Field(3.0, gt=0)
    sigma_log: float = Field(0.4, ge=0, description="log-normal spread of the delay")
    timeout_s: float = Field(15.0, gt=0, description="unanswered requests lapse: not fired")


class LayerDoctrine(_Model):
    """How the effectors beyond the gun are used (``[defence.layers]``; issue 19)."""

    jam_lead_s: float = Field(
        30.0, ge=0, le=600, description="radiate when a hostile drone is predicted inside a footprint within this [s]"
    )
    jam_with_civil: Literal["hold", "accept"] = Field(
        "hold",
        description="a GNSS jammer with a civil or friendly track inside its footprint: hold (do not radiate, say "
        "why) or accept (radiate; the aircraft are counted in the summary)",
    )
    p_rf_piloted: float = Field(
        0.5, ge=0, le=1, description="prior P(a hostile drone is flown over a radio link): an RF jammer's effect"
    )
    p_gnss_guided: float = Field(
        0.5, ge=0, le=1, description="prior P(a hostile drone navigates by GNSS): a GNSS jammer's expected effect"
    )
    jam_assess_s: float = Field(
        10.0, gt=0, le=600, description="a drone that keeps its course this long in an RF footprint is not link-flown"
    )
    leakage_tolerance: float = Field(
        1e-6,
        ge=0,
        le=0.1,
        description="assignment: expected leakages within this fraction of the value at stake are equal, and cost "
        "decides between them (leakage first, then cost)",
    )


class Defence(_Model):
    """Doctrine of the defended site."""

    weapons_control: WeaponsControl = WeaponsControl.TIGHT
    auto_engage_ballistic: bool = Field(
        True,
        description="in 'tight', engage hostile rockets and mortar rounds without a per-target authorisation "
        "(C-RAM practice: seconds to impact, the operator on the loop can set 'hold')",
    )
    operator: SimulatedOperator = Field(default_factory=SimulatedOperator)
    engage_threshold: float = Field(1.0, ge=0, description="minimum threat value x P(reach) to engage")
    burst_s: float | None = Field(None, gt=0, le=10, description="burst length; gun default if absent")
    look_s: float = Field(1.0, ge=0, description="time to assess a burst after its last round arrives")
    min_updates_hostile: int = Field(5, ge=1, description="track updates before hostile declaration")
    civil_clearance_m: float = Field(500.0, ge=0, description="no burst within this of a civil track")
    warning_horizon_s: float = Field(
        120.0, gt=0, description="warn a zone when a threat's predicted impact there is this close in time"
    )
    warning_probability: float = Field(0.1, gt=0, le=1, description="minimum P(reach) to warn a zone")
    max_intact_rounds_populated: float = Field(
        0.5, ge=0, description="refuse a burst expected to drop more intact rounds than this on a populated zone"
    )
    fire_control: Literal["closed-loop", "open-loop"] = Field(
        "closed-loop",
        description="closed-loop: each mount's own fire-control radar tracks the target and its rounds and "
        "re-aims the burst in flight; open-loop: the burst is aimed once from the C2 track",
    )
    layers: LayerDoctrine = Field(default_factory=LayerDoctrine)
    ballistic_timing: Literal["best-shot", "earliest"] = Field(
        "best-shot",
        description="best-shot: hold fire at a rocket or mortar bomb while a later burst (and the one it "
        "leaves time for) is more likely to kill it than firing now; earliest: fire as soon as the "
        "envelope allows",
    )


FaultKind = Literal[
    "radar_outage", "adsb_outage", "gun_jam", "mount_failure", "magazine_empty", "console_disconnect", "clock_jump"
]
# which keys each kind of fault takes: (required, optional); any other key given is an error naming it
FAULT_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "radar_outage": (("sensor", "start_s"), ("duration_s",)),
    "adsb_outage": (("start_s",), ("sensor", "duration_s")),
    "gun_jam": (("weapon", "start_s"), ("duration_s",)),
    "mount_failure": (("weapon", "start_s"), ("duration_s",)),
    "magazine_empty": (("weapon", "start_s"), ()),
    "console_disconnect": (("start_s",), ("duration_s",)),
    "clock_jump": (("sensor", "at_s", "jump_s"), ("duration_s",)),
}


class Fault(_Model):
    """A fault injected into the night (truth: the decision side learns of it only as a real system
    would, from missing or refused data, a mount's status report or an operator who does not answer).

    ``radar_outage`` (``sensor``: a radar) and ``adsb_outage`` (``sensor``: a receiver; every receiver
    if absent): no scans or reports in the window. ``gun_jam`` and ``mount_failure`` (``weapon``): the
    mount cannot fire (a burst under way stops) until cleared; no ``duration_s``: for the rest of the
    night. ``magazine_empty``: the mount's ammunition falls to 0 at ``start_s`` (a failed reload or
    feed). ``console_disconnect``: the operator's console shows and answers nothing in the window.
    ``clock_jump`` (``sensor``: a radar): its scans carry times offset by ``jump_s`` from ``at_s`` on
    (for ``duration_s`` if given, when the clock is put right).
    """

    kind: FaultKind
    sensor: str | None = Field(None, description="the radar or ADS-B receiver at fault (its name)")
    weapon: str | None = Field(None, description="the gun at fault (its name)")
    start_s: float | None = Field(None, ge=0, le=86_400, description="the fault begins [s after the start]")
    duration_s: float | None = Field(
        None, gt=0, le=86_400, description="how long it lasts [s]; absent: to the end of the night"
    )
    at_s: float | None = Field(None, ge=0, le=86_400, description="clock_jump: the jump happens [s after the start]")
    jump_s: float | None = Field(None, ge=-86_400, le=86_400, description="clock_jump: the offset [s], not 0")

    @property
    def begins_s(self) -> float:
        """When the fault begins [s]."""
        return float(self.at_s if self.kind == "clock_jump" else self.start_s)  # type: ignore[arg-type]


class Birds(_Model):
    """Birds aloft around the site (truth): single birds and flocks flying in a disc about ``center``
    (default: the site origin), as many as the density says by local hour
    (:mod:`bastion.scenario.birds`)."""

    density_per_km2: float | list[float] | None = Field(
        None, description="birds aloft per km^2: one value, or 24 by local hour; default: a built-in day profile"
    )
    radius_m: float = Field(10_000.0, gt=0, le=50_000, description="radius of the disc the birds fly in [m]")
    center: Position | None = None

    @field_validator("density_per_km2")
    @classmethod
    def _density(cls, v: float | list[float] | None) -> float | list[float] | None:
        values = [v] if isinstance(v, (int, float)) else (v or [])
        if isinstance(v, list) and len(v) != 24:
            raise ValueError(f"give one density or 24 (one per local hour), not {len(v)}")
        if any(not 0 <= x <= 1_000 for x in values):
            raise ValueError("densities must be 0-1000 birds per km^2")
        return v


class Scenario(_Model):
    """A whole scenario file."""

    scenario: Meta
    site: Site
    environment: Environment = Field(default_factory=Environment)
    met: Met | None = Field(None, description="the met message the fire control is given (default: the truth)")
    zones: list[Zone] = Field(default_factory=list)
    runways: list[Runway] = Field(default_factory=list)
    sensors: list[Sensor] = Field(default_factory=list)
    weapons: list[Weapon] = Field(default_factory=list)
    effectors: list[Effector] = Field(default_factory=list, description="jammers, interceptors, lasers")
    defence: Defence = Field(default_factory=Defence)
    threats: list[Threat] = Field(default_factory=list)
    civil: list[Civil] = Field(default_factory=list)
    terrain: Terrain = Field(default_factory=Terrain)
    obstacles: list[Obstacle] = Field(default_factory=list)
    faults: list[Fault] = Field(default_factory=list)
    friendly: list[FriendlyFlight] = Field(default_factory=list, description="own aircraft without ADS-B (truth)")
    corridor: list[Corridor] = Field(default_factory=list, description="airspace control measures (defender)")
    birds: Birds | None = Field(None, description="birds aloft around the site (truth)")


StrictModel = _Model
"""The public base of bastion's TOML tables (unknown keys refused, values frozen): other file formats
built on the scenario's (the live configuration, :mod:`bastion.io.live.config`) subclass this."""


from bastion.scenario.references import cross_reference_problems  # noqa: E402, F401  (re-exported: the loader's and the live config's)
