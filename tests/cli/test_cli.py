"""The command line: a run writes its files, runs are listed and replayed, bad input exits with 2."""

import json
import subprocess
import sys

from typer.testing import CliRunner

from bastion.cli.main import app

runner = CliRunner()


def test_bad_scenario_exits_2_naming_file_line_and_field(tmp_path):
    text = tmp_path / "ok.toml"
    from bastion.scenario.loader import builtin_text

    good = builtin_text("baghdad")
    bad = good.replace('type = "lpws"', 'type = "lpws"\namunition = 900', 1)
    text.write_text(bad)
    line = bad.splitlines().index("amunition = 900") + 1
    # a real process: exit code and stderr exactly as a user sees them, no traceback
    proc = subprocess.run(
        [sys.executable, "-m", "bastion", "run", str(text), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert f"{text}:{line}: weapons[0].amunition: unknown field 'amunition'" in proc.stderr.replace("\n", "")
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()


def test_unknown_scenario_and_unknown_run_exit_2(tmp_path):
    assert runner.invoke(app, ["run", "atlantis"]).exit_code == 2
    assert runner.invoke(app, ["replay", "nope", "--root", str(tmp_path)]).exit_code == 2


def test_run_list_replay_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "250")  # Rich tables at a wide terminal
    out = tmp_path / "runs" / "n1"
    res = runner.invoke(app, ["run", "baghdad", "--seed", "4", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "hostiles destroyed" in res.output and "civil aircraft / engaged" in res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 4
    res = runner.invoke(app, ["runs", "--json"])
    assert res.exit_code == 0
    (listed,) = [json.loads(line) for line in res.output.splitlines() if line.startswith("{")]
    assert listed["scenario"] == "baghdad" and listed["seed"] == 4 and listed["status"] == "complete"
    assert listed["summary"]["hostiles"] == 2
    res = runner.invoke(app, ["replay", str(out), "--kinds", "launch,kill,leak"])
    assert res.exit_code == 0 and "launch" in res.output
    res = runner.invoke(app, ["replay", str(out), "--json", "--kinds", "launch"])
    rows = [json.loads(line) for line in res.output.splitlines() if line.startswith("{")]
    assert len(rows) == 2 and all(r["kind"] == "launch" for r in rows)
    res = runner.invoke(app, ["report", str(out), "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 0 and (tmp_path / "r.html").stat().st_size > 100_000


def test_scenarios_and_validate():
    res = runner.invoke(app, ["scenarios"])
    assert res.exit_code == 0 and "baghdad" in res.output and "rocket-salvo" in res.output
    res = runner.invoke(app, ["validate", "baghdad"])
    assert res.exit_code == 0 and "ok" in res.output
