"""A run stored before runs recorded their event schema (issue 17): ``bastion replay`` reads it when
its payloads parse as today's, and refuses it with a clear error naming the schema (no traceback)
when they do not."""

from __future__ import annotations

import sqlite3

from typer.testing import CliRunner

from bastion.cli.main import app

runner = CliRunner()

OLD_SCHEMA = """
CREATE TABLE runs (run_id TEXT PRIMARY KEY, scenario TEXT NOT NULL, scenario_sha256 TEXT NOT NULL,
    scenario_text TEXT NOT NULL, seed INTEGER NOT NULL, version TEXT NOT NULL, created_utc TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'running', summary_json TEXT);
CREATE TABLE events (run_id TEXT NOT NULL REFERENCES runs(run_id), seq INTEGER NOT NULL, t REAL NOT NULL,
    kind TEXT NOT NULL, source TEXT NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (run_id, seq)) WITHOUT ROWID;
"""


def _old_run(path, payload: str):
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.execute("INSERT INTO runs VALUES ('old-1', 'baghdad', 'abc', '', 1, '0.0.9', '2024-01-01', 'complete', NULL)")
    db.execute("INSERT INTO events VALUES ('old-1', 0, 12.5, 'hold_fire', 'decision', ?)", (payload,))
    db.commit()
    db.close()


def test_replay_reads_an_old_run_whose_payloads_parse(tmp_path):
    _old_run(tmp_path / "events.sqlite", '{"track":7,"reason":"track not current"}')
    r = runner.invoke(app, ["replay", str(tmp_path / "events.sqlite"), "--json"])
    assert r.exit_code == 0, r.output
    assert '"payload": {"track": 7, "reason": "track not current"}' in r.output


def test_replay_refuses_an_old_run_whose_payloads_do_not_parse(tmp_path):
    _old_run(tmp_path / "events.sqlite", '{"track":7}')
    r = runner.invoke(app, ["replay", str(tmp_path / "events.sqlite")])
    text = " ".join(r.output.split())
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    assert "error:" in text and "run old-1" in text and "schema 0" in text and "'reason'" in text
