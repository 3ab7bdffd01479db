"""Hostile input files (issue 16, defect 6): random or Latin-1 bytes, 100k-deep nesting, a
5000-digit integer, degenerate zone polygons -- each a one-line message naming the file, exit 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bastion.cli.main import app
from bastion.scenario.loader import builtin_text

runner = CliRunner()
DEEP = 100_000

META = {"sigma_range_m": 10.0, "sigma_azimuth_rad": 0.005, "sigma_elevation_rad": 0.005, "scan_period_s": 1.0}


def hostile(kind: str, suffix: str) -> bytes:
    if kind == "random":
        return bytes(range(255, -1, -1)) * 16  # every byte value (fixed, not random): not UTF-8
    if kind == "latin-1":
        text = {
            ".toml": "# caf\xe9\n",
            ".json": '{"name": "caf\xe9", "values": [1], "pk": [[0.5]]}',
            ".csv": "time_s,range_m,azimuth_rad,elevation_rad\n0,5000,0.1,0.05 # caf\xe9\n",
        }[suffix]
        return text.encode("latin-1")
    if kind == "deep":
        nest = "[" * DEEP + "]" * DEEP
        return (f"x = {nest}\n" if suffix == ".toml" else nest).encode()
    if kind == "bigint":
        return ('{"values": [' + "9" * 5000 + '], "pk": [[0.5]]}').encode()
    raise AssertionError(kind)


def one_clean_line(r, path) -> None:
    assert r.exit_code == 2, (r.exit_code, r.output[-500:])
    assert "Traceback" not in r.output and (r.exception is None or isinstance(r.exception, SystemExit))
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(path) in " ".join(r.output.split()), r.output


@pytest.mark.parametrize("kind", ["random", "latin-1", "deep"])
def test_validate_bad_bytes(tmp_path, kind):
    path = tmp_path / "bad.toml"
    path.write_bytes(hostile(kind, ".toml"))
    one_clean_line(runner.invoke(app, ["validate", str(path)]), path)


@pytest.mark.parametrize("kind", ["random", "latin-1", "deep", "bigint"])
def test_assign_bad_bytes(tmp_path, kind):
    path = tmp_path / "bad.json"
    path.write_bytes(hostile(kind, ".json"))
    one_clean_line(runner.invoke(app, ["assign", str(path)]), path)


@pytest.mark.parametrize(("kind", "which"), [("random", "csv"), ("latin-1", "csv"), ("random", "meta")])
def test_track_bad_bytes(tmp_path, kind, which):
    det, meta = tmp_path / "d.csv", tmp_path / "meta.json"
    det.write_text("time_s,range_m,azimuth_rad,elevation_rad\n0,5000,0.1,0.05\n")
    meta.write_text(json.dumps(META))
    bad = det if which == "csv" else meta
    bad.write_bytes(hostile(kind, ".csv"))
    r = runner.invoke(app, ["track", str(det), "--meta", str(meta), "--out", str(tmp_path / "t.csv")])
    one_clean_line(r, bad)
    assert "UTF-8" in r.output


def test_assign_refuses_a_certain_kill(tmp_path):
    """FORMAT.md: p in [0, 1); p = 1 makes log(1 - p) = -inf in the convex formulation."""
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"values": [10.0, 5.0], "pk": [[1.0, 0.5]]}))
    r = runner.invoke(app, ["assign", str(path)])
    assert r.exit_code == 2 and "pk[0][0] = 1.0 is outside [0, 1)" in " ".join(r.output.split()), r.output
    path.write_text(json.dumps({"values": [10.0, 5.0], "pk": [[0.999999, 0.5]]}))
    assert runner.invoke(app, ["assign", str(path)]).exit_code == 0


TERMINAL = "polygon_enu = [[-450.0, 50.0], [150.0, 400.0], [300.0, 140.0], [-300.0, -210.0]]"


@pytest.mark.parametrize(
    ("polygon", "says"),
    [
        ("[[10.0, 10.0], [10.0, 10.0], [10.0, 10.0]]", "3 distinct vertices"),
        ("[[0.0, 0.0], [100.0, 100.0], [200.0, 200.0]]", "simple polygon"),  # collinear: zero area
        ("[[0.0, 0.0], [100.0, 100.0], [100.0, 0.0], [0.0, 100.0]]", "simple polygon"),  # a bow tie
        ("[[0.0, 0.0], [100.0, 0.0], [nan, 100.0]]", "polygon_enu"),
    ],
)
def test_degenerate_zone_polygon_is_a_validation_error(tmp_path, polygon, says):
    text = builtin_text("baghdad")
    assert TERMINAL in text
    lines = text.split("\n")
    line = next(i for i, ln in enumerate(lines, start=1) if ln == TERMINAL)
    path = tmp_path / "zone.toml"
    path.write_text(text.replace(TERMINAL, f"polygon_enu = {polygon}"))
    r = runner.invoke(app, ["validate", str(path)])
    out = " ".join(r.output.split())
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    assert f"{path}:{line}: zones[0].polygon_enu" in out and says in out, out
