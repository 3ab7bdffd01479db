"""A run killed with SIGKILL must not look finished (issue 16, defect 7): ``runs`` marks it
interrupted, ``replay`` says it did not finish (rc 1 when nothing was stored), ``report`` carries a
banner."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from bastion.cli.main import app

runner = CliRunner()
SRC = Path(__file__).resolve().parents[2] / "src"


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _events(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as c:
            return c.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_sigkilled_run_is_reported_unfinished(tmp_path):
    out = tmp_path / "runs" / "killed"
    # paced at x10 so the 360 s night takes 36 s of wall time: killed once it has written events
    cmd = [sys.executable, "-m", "bastion", "run", "baghdad", "--seed", "1", "--out", str(out), "--quiet"]
    proc = subprocess.Popen([*cmd, "--speed", "10", "--no-report"], env=_env(), stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while _events(out / "events.sqlite") < 5:
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the run wrote no events in 120 s"
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    r = runner.invoke(app, ["runs", "--root", str(tmp_path / "runs")])
    assert r.exit_code == 0 and "inter" in r.output, r.output  # the table's column may be cut short
    r = runner.invoke(app, ["runs", "--root", str(tmp_path / "runs"), "--json"])
    assert '"status": "interrupted"' in r.output and '"finished": false' in r.output, r.output

    r = runner.invoke(app, ["replay", str(out)])
    assert r.exit_code == 0 and "did not finish" in " ".join(r.output.split()) and "last event at t =" in r.output

    html = tmp_path / "report.html"
    r = runner.invoke(app, ["report", str(out), "--out", str(html)])
    assert r.exit_code == 0, r.output
    page = html.read_text()
    assert 'class="unfinished"' in page and "UNFINISHED RUN" in page and "did not finish" in page


def test_replay_of_a_run_with_no_events_fails(tmp_path):
    db = tmp_path / "empty" / "events.sqlite"
    code = (
        "import sys; from bastion.store import EventStore; "
        f"EventStore({str(db)!r}).begin_run('r-empty', 'baghdad', '0' * 64, '', 1, 'test')"
    )
    subprocess.run([sys.executable, "-c", code], env=_env(), check=True, timeout=60)  # exits, never finishes
    r = runner.invoke(app, ["replay", str(db)])
    assert r.exit_code == 1 and "no events stored" in " ".join(r.output.split()), r.output
    assert "did not finish" in " ".join(r.output.split())
