"""Line of sight over terrain and obstacles (issue 20, item 1): the radio horizon of a 4/3 earth
(closed form), a ridge in a GeoTIFF written with rasterio (masked detections), and a building block
between a gun and its target (refused line of fire)."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from bastion.engine.simulation import run
from bastion.physics.terrain import EARTH_RADIUS_M, STANDARD_K, Surface
from bastion.scenario import parse
from bastion.scenario.compiled import compile_scenario
from bastion.world.sensors import AirPicture, RadarModel

rasterio = pytest.importorskip("rasterio")


def test_radio_horizon_of_a_four_thirds_earth():
    """Over a flat datum, a ray between heights h1 and h2 clears the bulge out to the radio horizon
    d = sqrt(2 k R h1) + sqrt(2 k R h2) (Skolnik §8.2), within the 2 % of the sampling."""
    flat = Surface.flat()
    h1, h2 = 10.0, 50.0
    kr = STANDARD_K * EARTH_RADIUS_M
    horizon = np.sqrt(2 * kr * h1) + np.sqrt(2 * kr * h2)
    a = np.array([0.0, 0.0, h1])
    b = np.array([[0.98 * horizon, 0.0, h2], [1.02 * horizon, 0.0, h2], [0.0, 0.98 * horizon, h2]])
    assert flat.clear(a, b).tolist() == [True, False, True]


def test_obstacle_and_nan_rays():
    z = np.zeros((11, 11))
    ob = z.copy()
    ob[5, 5] = 40.0  # a 40 m tower in the middle cell (cells of 10 m around (0, 0))
    s = Surface(-50.0, -50.0, 10.0, z, ob)
    a = np.array([-50.0, 0.0, 5.0])
    b = np.array([[50.0, 0.0, 5.0], [50.0, 0.0, 100.0], [50.0, 30.0, 5.0], [np.nan, 0.0, 5.0]])
    assert s.clear(a, b).tolist() == [False, True, True, False]
    assert s.height_at(np.array([0.0, 200.0]), np.array([0.0, 0.0])).tolist() == [40.0, 0.0]


SITE = textwrap.dedent("""
    [scenario]
    name = "ridge"
    start = 2022-01-03T04:25:30+03:00
    duration_s = 240

    [site]
    name = "Ridge test site"
    origin = { lat = 33.0, lon = 44.0, elevation_m = 30.0 }

    [terrain]
    dem = "ridge.tif"
    cell_m = 20.0
    extent_m = 8000.0

    [[obstacles]]
    name = "Hangar block"
    height_m = 60.0
    polygon_enu = [[-300.0, -150.0], [-260.0, -150.0], [-260.0, 150.0], [-300.0, 150.0]]

    [[zones]]
    name = "Camp"
    kind = "military"
    value = 100.0
    circle = { center = { east_m = 0.0, north_m = 0.0 }, radius_m = 200.0 }

    [[sensors]]
    kind = "radar"
    name = "R1"
    type = "kurfs"
    position = { east_m = 0.0, north_m = 0.0, height_m = 10.0 }

    [[weapons]]
    name = "G1"
    type = "lpws"
    position = { east_m = -600.0, north_m = 0.0, height_m = 3.0 }

    [[threats]]
    name = "D1"
    type = "owa-fixed-wing"
    launch = { east_m = 9000.0, north_m = 0.0, height_m = 150.0 }
    cruise_altitude_m = 150.0
    target_zone = "Camp"
""")


def _write_ridge(path, origin_lat=33.0, origin_lon=44.0, east_m=3000.0, height_amsl=120.0):
    """A north-south ridge ``east_m`` east of the origin, 400 m wide at its foot, peaking at
    ``height_amsl`` (the plain is at 30 m AMSL), as a WGS84 GeoTIFF of ~9 m pixels."""
    from rasterio.transform import from_origin

    res = 0.0001  # deg (~9 m north, ~8.4 m east at 33 N)
    nx, ny = 2000, 2000
    west, north = origin_lon - 0.08, origin_lat + 0.09
    lon = west + res * (np.arange(nx) + 0.5)
    m_per_deg_lon = 111_320.0 * np.cos(np.radians(origin_lat))
    x = (lon - origin_lon) * m_per_deg_lon
    profile = 30.0 + (height_amsl - 30.0) * np.clip(1 - np.abs(x - east_m) / 200.0, 0, 1)
    data = np.tile(profile, (ny, 1)).astype("float32")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=ny,
        width=nx,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(west, north, res, res),
    ) as ds:
        ds.write(data, 1)


@pytest.fixture(scope="module")
def ridge_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ridge")
    _write_ridge(folder / "ridge.tif")
    (folder / "ridge.toml").write_text(SITE)
    return compile_scenario(parse(SITE, str(folder / "ridge.toml"), folder))


def test_dem_heights_are_read(ridge_site):
    s = ridge_site.defence.surface
    assert s is not None and "ridge.tif" in s.source and "1 obstacles" in s.source
    top = s.height_at(np.array([3000.0, 0.0, 6000.0]), np.array([0.0, 2000.0, 0.0]))
    assert top[0] == pytest.approx(90.0, abs=6.0)  # 120 m AMSL peak - 30 m datum, at the pixel grid
    assert abs(top[1]) < 1.0 and abs(top[2]) < 1.0
    assert s.height_at(np.array([-280.0]), np.array([0.0]))[0] == pytest.approx(60.0)


def test_ridge_masks_low_targets_and_not_high_ones(ridge_site):
    """Closed form: the ray from the 10 m mast to a target 6 km east at 40 m passes the ridge crest
    (90 m at 3 km) at 25 m: hidden; to one at 400 m, at 205 m: seen."""
    d = ridge_site.defence
    radar = RadarModel(d.radars[0], np.random.default_rng(1), d.surface)
    n = 200
    pos = np.column_stack([np.full(n, 6000.0), np.linspace(-500, 500, n), np.full(n, 40.0)])
    high = pos.copy()
    high[:, 2] = 400.0
    for heights, expect_seen in ((pos, False), (high, True)):
        pic = AirPicture(heights, np.zeros((n, 3)), np.full(n, 1.0), np.zeros(n, int), np.arange(n))
        _, labels = radar.observe(10.0, pic)
        seen = int((labels >= 0).sum())
        assert (seen > n // 2) if expect_seen else seen == 0


def test_a_night_behind_the_ridge_and_the_block(ridge_site, tmp_path):
    """The drone (150 m) is hidden by the ridge (90 m, 3 km east) until the ray from the 10 m mast
    clears the crest — closed form 10 + 140 x 3000 / d >= 90 m, d <= 5.25 km (5.6 km with the crest
    as the 20 m grid samples it) — where the same night on the flat datum sees it ~3 km earlier; and
    the gun west of the camp, behind the hangar block (60 m), refuses to fire through the block."""
    r = run(ridge_site, 1, record_plots=True)
    first = [e.payload.range_m for e in r.log.events if e.kind == "first_detection"]
    assert first and first[0] < 5_700
    flat_text = SITE.split("[terrain]")[0] + "[[zones]]" + SITE.split("[[zones]]", 1)[1]
    flat = run(compile_scenario(parse(flat_text, str(tmp_path / "flat.toml"), tmp_path)), 1, record_plots=True)
    flat_first = [e.payload.range_m for e in flat.log.events if e.kind == "first_detection"]
    assert flat_first and flat_first[0] > first[0] + 2_000
    why = [e.payload.reason for e in r.log.events if e.kind in ("cannot_engage", "hold_fire")]
    assert any("line of fire blocked" in w for w in why), why
    assert not any("line of fire blocked" in getattr(e.payload, "reason", "") for e in flat.log.events)


@pytest.mark.parametrize(
    "footprint",
    [
        "[[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]",
        "[[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]]",
        "[[0, 0], [10, 10], [10, 0], [0, 10]]",
    ],
)
def test_a_degenerate_obstacle_footprint_is_refused_naming_its_line(footprint):
    """An obstacle's footprint is checked as a zone's polygon is (one validator serves both)."""
    from bastion.scenario import ScenarioError

    bad = SITE.replace(
        "polygon_enu = [[-300.0, -150.0], [-260.0, -150.0], [-260.0, 150.0], [-300.0, 150.0]]",
        f"polygon_enu = {footprint}",
    )
    with pytest.raises(ScenarioError) as err:
        parse(bad, "bad.toml")
    line = next(
        i for i, text in enumerate(bad.splitlines(), 1) if text.startswith("polygon_enu = ") and footprint in text
    )
    assert any(p.startswith(f"bad.toml:{line}: obstacles[0].polygon_enu") for p in err.value.problems), (
        err.value.problems
    )
