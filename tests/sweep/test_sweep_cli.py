"""``bastion sweep``: bad input exits with code 2 naming it before any run starts; a small sweep end to end."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bastion.cli.main import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--set", "weapons.0.positon.east_m=1"], "weapons[0].positon: unknown field 'positon' (did you mean"),
        (["--set", "weapons.0.ammunition=lots"], "--set weapons.0.ammunition=lots: weapons[0].ammunition"),
        (["--grid", "environment.wind_speed_mps=0,fast"], "--grid environment.wind_speed_mps=fast"),
        (["--grid", "weapons.3.ammunition=1,2"], "weapons has 1 entries: index 3 is out of range"),
        (["--set", "threats.0.count=many"], "count must be a whole number"),
        (["--runs", "0"], "--runs 0"),
        (["--workers", "0"], "--workers 0"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_naming_it(short_scenario, tmp_path, extra, expected):
    out = tmp_path / "sweep"
    args = ["sweep", short_scenario, "--runs", "2", "--out", str(out), *extra]
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert expected in res.output.replace("\n", " "), res.output
    assert not out.exists()  # nothing ran, nothing written


def test_unreachable_ray_address_exits_2(short_scenario, tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for address, expected in ((f"127.0.0.1:{port}", "no Ray cluster answers"), ("nowhere", "expected HOST:PORT")):
        res = runner.invoke(
            app, ["sweep", short_scenario, "--runs", "1", "--out", str(tmp_path / "s"), "--address", address]
        )
        assert res.exit_code == 2, res.output
        assert expected in res.output.replace("\n", " ")


def test_unknown_scenario_exits_2(tmp_path):
    res = runner.invoke(app, ["sweep", "no-such-scenario", "--runs", "1", "--out", str(tmp_path / "s")])
    assert res.exit_code == 2 and "neither a scenario file nor a built-in" in res.output


def test_existing_sweep_needs_resume_and_the_same_sweep(short_scenario, tmp_path):
    out = tmp_path / "sweep"
    out.mkdir()
    (out / "sweep.json").write_text(json.dumps({"spec": {"scenario": "other"}, "runs": 1}))
    res = runner.invoke(app, ["sweep", short_scenario, "--runs", "1", "--out", str(out)])
    assert res.exit_code == 2 and "--resume" in res.output
    res = runner.invoke(app, ["sweep", short_scenario, "--runs", "1", "--out", str(out), "--resume"])
    assert res.exit_code == 2 and "holds a different sweep" in res.output.replace("\n", " ")


def test_sweep_end_to_end(local_ray, short_scenario, tmp_path):
    out = tmp_path / "sweep"
    args = ["sweep", short_scenario, "--runs", "2", "--grid", "weapons.0.ammunition=0,800", "--workers", "1"]
    res = runner.invoke(app, [*args, "--out", str(out), "--seed", "11"])
    assert res.exit_code == 0, res.output
    assert "P(leak)" in res.output and "runs/min" in res.output
    for name in ("results.parquet", "points.parquet", "report.html", "sweep.json"):
        assert (out / name).is_file()
    res = runner.invoke(app, [*args, "--out", str(out), "--seed", "11", "--resume"])
    assert res.exit_code == 0 and "nothing left to run" in res.output
