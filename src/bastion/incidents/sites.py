"""The site catalogue: the defended sites an incident can be replayed at, and a gazetteer of places.

Three catalogued sites, each with its public reference point, its runways and a **notional** defence
layout (the coalition facility, the radars and the guns are not public: their positions are
invented to be credible and are marked ``notional`` in every scenario built from them):

* ``biap`` — Baghdad International Airport (ORBI) with the coalition facility (BDSC / "Victory").
* ``al-asad`` — Al Asad (Ain al-Asad) air base (ORAA).
* ``erbil`` — Erbil International Airport (ORER).

Sources, copied here so the installed package never reads ``shared/``:

* runway thresholds, lengths and widths: OurAirports open data (public domain), as in
  ``shared/data/sites/iraq_runways.csv`` (rows 237083/237082 ORBI, 237084/237085/237086 ORAA,
  237096 ORER; ORER's runways 15/33 and 15L/33R are marked closed there and are left out);
* BIAP reference point (33.26250 N, 44.23444 E) and elevation 35 m: ``shared/domain/biap.md`` §1 (H);
* Al Asad and Erbil reference points: the coordinates used for these sites in
  ``shared/data/incidents/README.md`` (33.786 N 42.441 E; 36.238 N 43.963 E); elevations are the
  mean of the runway-threshold elevations in the OurAirports file (ORAA 595/557/618/577 ft = 179 m;
  ORER 1282/1310 ft = 395 m).

The gazetteer (:data:`PLACES`) names the other places of the reported attacks (Green Zone, Balad,
Taji, ...) so trends can be grouped by place; it holds no layout and builds no scenario.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field

FT = 0.3048  # [m] per international foot


@dataclass(frozen=True)
class RunwayData:
    """A runway from OurAirports: name, the two ends (ident, lat, lon in degrees) and width [m]."""

    name: str
    ends: tuple[tuple[str, float, float], tuple[str, float, float]]
    width_m: float
    surface: str


@dataclass(frozen=True)
class ZoneData:
    """A zone of the notional layout in site ENU metres (polygon) or a circle (centre, radius)."""

    name: str
    kind: str  # populated | military | infrastructure | open
    value: float
    polygon_enu: tuple[tuple[float, float], ...] = ()
    circle_enu: tuple[float, float, float] | None = None  # (east_m, north_m, radius_m)
    notional: bool = True


@dataclass(frozen=True)
class SensorData:
    name: str
    kind: str  # "radar" | "adsb"
    type: str | None  # radar type name in the catalogue
    east_m: float
    north_m: float
    height_m: float


@dataclass(frozen=True)
class GunData:
    name: str
    type: str
    east_m: float
    north_m: float
    height_m: float
    no_fire: tuple[tuple[float, float, float, str], ...] = ()  # (az_from_deg, az_to_deg, below_el_deg, reason)


@dataclass(frozen=True)
class Site:
    """A catalogued defended site: reference point, runways and a notional defence layout."""

    id: str
    name: str
    icao: str
    lat: float  # reference point [deg]
    lon: float
    elevation_m: float
    facility: str  # name of the defended zone threats aim at
    runways: tuple[RunwayData, ...]
    zones: tuple[ZoneData, ...]
    sensors: tuple[SensorData, ...]
    guns: tuple[GunData, ...]
    aliases: tuple[str, ...]  # lower-case phrases of reported locations that name this site
    source: str
    notes: tuple[str, ...] = field(default_factory=tuple)


def _builtin_layout(name: str) -> dict:
    """The TOML tables of a built-in site layout (``scenario/builtin/sites/NAME``), includes spliced in."""
    from bastion.scenario.include import builtin_folder, expand

    return tomllib.loads(
        expand((builtin_folder() / "sites" / name).read_text("utf-8"), f"builtin:sites/{name}", None).text
    )


def _xyz(p: dict) -> tuple[float, float, float]:
    return float(p["east_m"]), float(p["north_m"]), float(p.get("height_m", 0.0))


def _layout_records(layout: dict) -> dict:
    """A built-in layout's zones, sensors and guns as the catalogue's records."""
    zones = tuple(
        ZoneData(z["name"], z["kind"], float(z["value"]), polygon_enu=tuple(tuple(v) for v in z["polygon_enu"]))
        if "polygon_enu" in z
        else ZoneData(
            z["name"],
            z["kind"],
            float(z["value"]),
            circle_enu=(*_xyz(z["circle"]["center"])[:2], z["circle"]["radius_m"]),
        )
        for z in layout["zones"]
    )
    sensors = tuple(SensorData(s["name"], s["kind"], s.get("type"), *_xyz(s["position"])) for s in layout["sensors"])
    guns = tuple(
        GunData(
            g["name"],
            g["type"],
            *_xyz(g["position"]),
            tuple((*n["azimuth_deg"], n["below_elevation_deg"], n.get("reason", "")) for n in g.get("no_fire", ())),
        )
        for g in layout["weapons"]
    )
    return {"zones": zones, "sensors": sensors, "guns": guns}


# BIAP's site, zones, radars, guns: the built-in nights' layout file (written once there); its runways
# are the OurAirports records at the file's precision (the layout file rounds them to 1e-5 deg)
_BIAP_LAYOUT = _builtin_layout("biap-lcmr.toml")
_BIAP = Site(
    id="biap",
    name=_BIAP_LAYOUT["site"]["name"],
    icao="ORBI",
    lat=_BIAP_LAYOUT["site"]["origin"]["lat"],
    lon=_BIAP_LAYOUT["site"]["origin"]["lon"],
    elevation_m=_BIAP_LAYOUT["site"]["origin"]["elevation_m"],
    facility="BDSC",
    runways=(
        RunwayData(
            "15L/33R",
            (("15L", 33.28379821777344, 44.231201171875), ("33R", 33.252601623535156, 44.252601623535156)),
            197 * FT,
            "CON",
        ),
        RunwayData(
            "15R/33L",
            (("15R", 33.26860046386719, 44.21689987182617), ("33L", 33.242801666259766, 44.23460006713867)),
            148 * FT,
            "CON",
        ),
    ),
    **_layout_records(_BIAP_LAYOUT),
    aliases=(
        "baghdad international airport",
        "baghdad airport",
        "camp victory",
        "victory base",
        "victory military base",
        "baghdad diplomatic support center",
        "bdsc",
    ),
    source="shared/domain/biap.md §1-2 (ARP, elevation, BDSC not public); OurAirports runways 237083, 237082",
    notes=(
        "BDSC position, terminal outline, cargo area, radar and gun siting are notional (biap.md §2: not public).",
        "Layout: the built-in sites/biap-lcmr.toml, as in the built-in 'rocket-salvo' ('baghdad': sites/biap.toml, "
        "without the LCMR).",
    ),
)

_AL_ASAD = Site(
    id="al-asad",
    name="Al Asad air base (ORAA, Ain al-Asad)",
    icao="ORAA",
    lat=33.786,
    lon=42.441,
    elevation_m=179.0,
    facility="Coalition area",
    runways=(
        RunwayData(
            "09L/27R",
            (("09L", 33.78950119018555, 42.43299865722656), ("27R", 33.790401458740234, 42.476200103759766)),
            197 * FT,
            "ASP",
        ),
        RunwayData(
            "09R/27L",
            (("09R", 33.780799865722656, 42.40620040893555), ("27L", 33.781700134277344, 42.44940185546875)),
            148 * FT,
            "ASP",
        ),
        RunwayData(
            "08/26",
            (("08", 33.772098541259766, 42.4114990234375), ("26", 33.77280044555664, 42.444801330566406)),
            338 * FT,
            "GRE",
        ),
    ),
    zones=(
        ZoneData(
            "Coalition area",
            "military",
            100.0,
            ((1200.0, 1300.0), (1200.0, 1900.0), (2100.0, 1900.0), (2100.0, 1300.0)),
        ),
        ZoneData("Flight line", "military", 60.0, ((-400.0, -150.0), (-400.0, 250.0), (700.0, 250.0), (700.0, -150.0))),
        ZoneData("Fuel and ammunition", "infrastructure", 40.0, circle_enu=(-1800.0, 1500.0, 250.0)),
    ),
    sensors=(
        SensorData("C-RAM radar", "radar", "kurfs", 1650.0, 1400.0, 8.0),
        SensorData("LCMR", "radar", "lcmr", 1500.0, 1750.0, 6.0),
    ),
    guns=(
        GunData("LPWS-1", "lpws", 1350.0, 1450.0, 3.0),
        GunData("LPWS-2", "lpws", 1950.0, 1750.0, 3.0),
    ),
    aliases=("ain al-asad", "ain al asad", "al-asad", "al asad", "ain al-assad", "ain al assad"),
    source="reference point: shared/data/incidents/README.md; runways: OurAirports 237084-237086",
    notes=("Coalition area, flight line, fuel/ammunition area, radar and gun siting are notional (not public).",),
)

_ERBIL = Site(
    id="erbil",
    name="Erbil International Airport (ORER / EBL)",
    icao="ORER",
    lat=36.238,
    lon=43.963,
    elevation_m=395.0,
    facility="Coalition headquarters",
    runways=(RunwayData("18/36", (("18", 36.259743, 43.946838), ("36", 36.216473, 43.946503)), 246 * FT, "Concrete"),),
    zones=(
        ZoneData(
            "Coalition headquarters",
            "military",
            100.0,
            ((600.0, -300.0), (600.0, 300.0), (1300.0, 300.0), (1300.0, -300.0)),
        ),
        ZoneData(
            "Passenger terminal",
            "populated",
            100.0,
            ((-900.0, -400.0), (-900.0, 100.0), (-400.0, 100.0), (-400.0, -400.0)),
        ),
    ),
    sensors=(
        SensorData("C-RAM radar", "radar", "kurfs", 950.0, 0.0, 8.0),
        SensorData("LCMR", "radar", "lcmr", 800.0, 200.0, 6.0),
        SensorData("Erbil ADS-B", "adsb", None, -500.0, 0.0, 15.0),
    ),
    guns=(
        GunData("LPWS-1", "lpws", 700.0, -200.0, 3.0, ((225.0, 315.0, 12.0, "runway and terminal"),)),
        GunData("LPWS-2", "lpws", 1200.0, 200.0, 3.0, ((225.0, 315.0, 12.0, "runway and terminal"),)),
    ),
    aliases=("erbil international airport", "erbil airport", "erbil air base"),
    source="reference point: shared/data/incidents/README.md; runway 18/36: OurAirports 237096",
    notes=(
        "Coalition headquarters, terminal outline, radar and gun siting are notional (not public).",
        "OurAirports marks runways 15/33 and 15L/33R closed: only 18/36 is drawn.",
    ),
)

SITES: dict[str, Site] = {s.id: s for s in (_BIAP, _AL_ASAD, _ERBIL)}


@dataclass(frozen=True)
class Place:
    """A place in the gazetteer (for grouping incidents; no layout)."""

    name: str
    aliases: tuple[str, ...]
    lat: float | None = None
    lon: float | None = None


# Positions as given in shared/data/incidents/README.md; None where that file gives none.
PLACES: tuple[Place, ...] = (
    Place("Baghdad Green Zone / US embassy", ("green zone", "us embassy", "embassy")),
    Place("Balad air base", ("balad",), 33.940, 44.361),
    Place("K1 base, Kirkuk", ("k1",), 35.513, 44.284),
    Place("Camp Taji", ("taji",)),
    Place("Besmaya base", ("besmaya", "bismayah")),
    Place("Qayyarah air base", ("qayyarah",)),
    Place("Erbil (city)", ("erbil",)),
    Place("Anbar (unnamed base)", ("anbar",)),
)

SITE_RADIUS_M = 5_000.0  # a reported position within this of a site's reference point is at the site


def ground_distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance [m] on a sphere of the mean earth radius (6,371 km): ample for matching."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * 6_371_000.0 * math.asin(math.sqrt(min(1.0, a)))


def _phrase_in(phrase: str, text: str) -> bool:
    return re.search(r"(?<![a-z0-9])" + re.escape(phrase.strip()) + r"(?![a-z0-9])", text) is not None


def match_site(location: str, lat: float | None = None, lon: float | None = None) -> str | None:
    """The catalogued site of a reported incident, or None.

    A reported position within :data:`SITE_RADIUS_M` of a site's reference point decides; without
    a position, the location text must name exactly one site by one of its aliases (a text naming
    two sites is left unassigned rather than guessed)."""
    if lat is not None and lon is not None:
        near = [s.id for s in SITES.values() if ground_distance_m(lat, lon, s.lat, s.lon) <= SITE_RADIUS_M]
        return near[0] if len(near) == 1 else None
    text = location.lower()
    named = [s.id for s in SITES.values() if any(_phrase_in(a, text) for a in s.aliases)]
    return named[0] if len(named) == 1 else None


def place_of(location: str, site: str | None, lat: float | None = None, lon: float | None = None) -> str:
    """A place name for grouping: the catalogued site's name, else the first gazetteer place named
    by the text or within :data:`SITE_RADIUS_M` of the position, else ``"other"``."""
    if site is not None:
        return SITES[site].name
    if lat is not None and lon is not None:
        for p in PLACES:
            if p.lat is not None and ground_distance_m(lat, lon, p.lat, p.lon) <= SITE_RADIUS_M:
                return p.name
    text = location.lower() + " "
    for p in PLACES:
        if any(_phrase_in(a, text) for a in p.aliases):
            return p.name
    return "other"
