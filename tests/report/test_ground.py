"""The report says which ground a night ran on: the flat datum at the site's elevation when the
scenario names no DEM (issue 20, item 6), else the DEM file it named — in summary.json and under the
HTML report's title."""

import json
import textwrap

import numpy as np
import pytest
from typer.testing import CliRunner

from bastion.cli.main import app

runner = CliRunner()

SITE = textwrap.dedent("""
    [scenario]
    name = "ground"
    start = 2022-01-03T04:25:30+03:00
    duration_s = 20

    [site]
    name = "Ground test site"
    origin = { lat = 33.0, lon = 44.0, elevation_m = 30.0 }
    TERRAIN
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
""")


def _run(tmp_path, terrain: str) -> tuple[dict, str]:
    (tmp_path / "site.toml").write_text(SITE.replace("TERRAIN", terrain))
    out = tmp_path / "run"
    res = runner.invoke(app, ["run", str(tmp_path / "site.toml"), "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    return json.loads((out / "summary.json").read_text()), (out / "report.html").read_text()


def test_flat_default_is_reported(tmp_path):
    summary, page = _run(tmp_path, "")
    assert summary["ground"] == "flat datum at 30 m above mean sea level (no DEM given)"
    assert "ground: <b>flat datum at 30 m above mean sea level (no DEM given)</b>" in page


def test_named_dem_is_reported(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import from_origin

    with rasterio.open(
        tmp_path / "plain.tif", "w", driver="GTiff", height=200, width=200, count=1, dtype="float32",
        crs="EPSG:4326", transform=from_origin(43.99, 33.01, 0.0001, 0.0001),
    ) as ds:  # fmt: skip
        ds.write(np.full((200, 200), 30.0, dtype="float32"), 1)
    summary, page = _run(tmp_path, '\n[terrain]\ndem = "plain.tif"\ncell_m = 50.0\nextent_m = 900.0\n')
    assert summary["ground"].startswith("DEM plain.tif;")
    assert "ground: <b>DEM plain.tif;" in page
