"""Append-only SQLite event store.

Schema: ``runs`` (one row per run: id, scenario name, SHA-256 and text of the scenario, seed, bastion
version, creation time, status, summary) and ``events`` (run id, sequence number, simulation time,
kind, source, JSON payload). WAL journal with ``synchronous=NORMAL``: each committed batch survives
the process being killed (kill -9); a batch being written when it dies is lost whole, never half.
Triggers refuse UPDATE and DELETE on events, so the log is append-only.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id        TEXT PRIMARY KEY,
    scenario      TEXT NOT NULL,
    scenario_sha256 TEXT NOT NULL,
    scenario_text TEXT NOT NULL,
    seed          INTEGER NOT NULL,
    version       TEXT NOT NULL,
    created_utc   TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'running',
    summary_json  TEXT
);
CREATE TABLE IF NOT EXISTS events (
    run_id  TEXT NOT NULL REFERENCES runs(run_id),
    seq     INTEGER NOT NULL,
    t       REAL NOT NULL,
    kind    TEXT NOT NULL,
    source  TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_kind ON events(run_id, kind, t);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
"""


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    scenario: str
    scenario_sha256: str
    seed: int
    version: str
    created_utc: str
    status: str
    summary: dict | None
    path: Path


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    t: float
    kind: str
    source: str
    payload: dict


class EventStore:
    """One SQLite database file holding any number of runs."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30.0)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def begin_run(self, run_id: str, scenario: str, sha256: str, text: str, seed: int, version: str) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.db:
            self.db.execute(
                "INSERT INTO runs (run_id, scenario, scenario_sha256, scenario_text, seed, version, created_utc)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (run_id, scenario, sha256, text, seed, version, now),
            )

    def append(self, run_id: str, events: Iterable) -> None:
        """Append events (objects with seq, t, kind, source and ``to_json()``) in one transaction."""
        rows = [(run_id, e.seq, e.t, e.kind, e.source, e.to_json()) for e in events]
        with self.db:
            self.db.executemany(
                "INSERT INTO events (run_id, seq, t, kind, source, payload) VALUES (?, ?, ?, ?, ?, ?)", rows
            )

    def finish_run(self, run_id: str, status: str, summary: dict | None) -> None:
        with self.db:
            self.db.execute(
                "UPDATE runs SET status = ?, summary_json = ? WHERE run_id = ?",
                (status, json.dumps(summary) if summary is not None else None, run_id),
            )

    def runs(self) -> list[RunInfo]:
        cur = self.db.execute(
            "SELECT run_id, scenario, scenario_sha256, seed, version, created_utc, status, summary_json"
            " FROM runs ORDER BY created_utc, run_id"
        )
        return [
            RunInfo(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]) if r[7] else None, self.path)
            for r in cur
        ]

    def scenario_text(self, run_id: str) -> str:
        row = self.db.execute("SELECT scenario_text FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(run_id)
        return row[0]

    def events(
        self, run_id: str, kinds: Iterable[str] | None = None, since: float | None = None, until: float | None = None
    ) -> Iterator[StoredEvent]:
        sql = "SELECT seq, t, kind, source, payload FROM events WHERE run_id = ?"
        args: list = [run_id]
        if kinds:
            kinds = list(kinds)
            sql += f" AND kind IN ({','.join('?' * len(kinds))})"
            args += kinds
        if since is not None:
            sql += " AND t >= ?"
            args.append(since)
        if until is not None:
            sql += " AND t <= ?"
            args.append(until)
        sql += " ORDER BY seq"
        for seq, t, kind, source, payload in self.db.execute(sql, args):
            yield StoredEvent(seq, t, kind, source, json.loads(payload))

    def count(self, run_id: str) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM events WHERE run_id = ?", (run_id,)).fetchone()[0])


def find_run(ref: str, root: str | Path = "runs") -> tuple[Path, str]:
    """Locate a run: a path to an events.sqlite, a run directory, or a run id under ``root``.

    Returns (database path, run id); raises LookupError with a helpful message.
    """
    p = Path(ref)
    candidates: list[Path] = []
    if p.is_file():
        candidates = [p]
    elif p.is_dir() and (p / "events.sqlite").is_file():
        candidates = [p / "events.sqlite"]
    if candidates:
        with EventStore(candidates[0]) as store:
            runs = store.runs()
        if not runs:
            raise LookupError(f"{candidates[0]} holds no runs")
        return candidates[0], runs[-1].run_id
    root = Path(root)
    for db in sorted(root.glob("**/events.sqlite")) if root.is_dir() else []:
        with EventStore(db) as store:
            for r in store.runs():
                if r.run_id == ref or r.run_id.startswith(ref):
                    return db, r.run_id
    raise LookupError(f"no run {ref!r}: not a file, not a run directory, not a run id under {root}/")
