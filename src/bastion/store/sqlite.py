"""Append-only SQLite event store.

Schema: ``runs`` (one row per run: id, scenario name, SHA-256 and text of the scenario, seed, bastion
version, creation time, status, summary, event-schema version) and ``events`` (run id, sequence
number, simulation time, kind, source, JSON payload). WAL journal with ``synchronous=NORMAL``: each
committed batch survives the process being killed (kill -9); a batch being written when it dies is
lost whole, never half.
Triggers refuse UPDATE and DELETE on events, so the log is append-only.

A run's row says ``running`` from :meth:`EventStore.begin_run` until :meth:`EventStore.finish_run`
sets ``complete``, ``failed`` or ``stopped``. A process killed outright (``kill -9``, power loss) never
gets there, so the row also records its writer (``owner``: host, process id and the process's start
time) and :meth:`EventStore.runs` reports a ``running`` run whose writer on this host is gone as
``interrupted``; :attr:`RunInfo.last_t` is the time of its last stored event.

Events are read back typed (:func:`bastion.event_types.from_json`). Each run records the version of
the event payloads it was written with (:data:`~bastion.event_types.EVENT_SCHEMA`); a run written
before runs recorded it (``event_schema`` NULL: schema 0) is read when its payloads parse as today's,
and refused, with an :class:`~bastion.event_types.EventSchemaError` naming its schema, when they do
not; so is a run written with a newer schema than this bastion reads.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bastion.event_types import EVENT_SCHEMA, EventKind, EventSchemaError, Payload, from_json

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
    summary_json  TEXT,
    owner         TEXT,
    event_schema  INTEGER
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
    status: str  # running | complete | failed | stopped | interrupted (writer gone without finishing)
    summary: dict | None
    path: Path
    last_t: float | None = None  # simulation time of the last stored event [s] (None: no events)
    event_schema: int = EVENT_SCHEMA  # version of its event payloads (0: written before runs recorded it)

    @property
    def finished(self) -> bool:
        """The run ended and said so (complete, or stopped by its operator)."""
        return self.status in ("complete", "stopped")

    def unfinished_note(self) -> str | None:
        """One line saying that and how the run did not finish (None for a finished run)."""
        if self.finished:
            return None
        last = "no events stored" if self.last_t is None else f"last event at t = {self.last_t:.2f} s"
        why = {
            "interrupted": "did not finish: its process ended without closing the run (killed?)",
            "running": "has not finished: still running, or its process died elsewhere",
            "failed": "did not finish: it failed",
        }.get(self.status, f"did not finish (status {self.status})")
        return f"run {self.run_id} {why}; {last}"


def _process_start(pid: int) -> str:
    """The start time of process ``pid`` in clock ticks since boot (Linux /proc; '' elsewhere), so a
    recycled process id is not mistaken for the run's writer."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        return stat[stat.rindex(b")") + 2 :].split()[19].decode()
    except (OSError, ValueError, IndexError):
        return ""


def _owner() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}|{pid}|{_process_start(pid)}"


def _writer_gone(owner: str | None) -> bool:
    """True when ``owner`` names a process on this host that no longer exists (False when unknown)."""
    if not owner:
        return False
    try:
        host, pid_text, start = owner.split("|")
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # exists, another user's
    return bool(start) and _process_start(pid) not in ("", start)  # the id now belongs to another process


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    t: float  # [s] since the scenario start
    kind: EventKind
    source: str
    payload: Payload

    def to_json(self) -> str:
        return self.payload.to_json()


class EventStore:
    """One SQLite database file holding any number of runs."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30.0)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        columns = {r[1] for r in self.db.execute("PRAGMA table_info(runs)")}
        if "owner" not in columns:  # a database written before runs recorded their writer
            self.db.execute("ALTER TABLE runs ADD COLUMN owner TEXT")
        if "event_schema" not in columns:  # written before runs recorded their event schema (NULL: 0)
            self.db.execute("ALTER TABLE runs ADD COLUMN event_schema INTEGER")
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
                "INSERT INTO runs (run_id, scenario, scenario_sha256, scenario_text, seed, version, created_utc, owner,"
                " event_schema) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, scenario, sha256, text, seed, version, now, _owner(), EVENT_SCHEMA),
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
        """Every run, oldest first; a ``running`` run whose writer is gone is reported ``interrupted``."""
        cur = self.db.execute(
            "SELECT run_id, scenario, scenario_sha256, seed, version, created_utc, status, summary_json, owner,"
            " (SELECT t FROM events e WHERE e.run_id = runs.run_id ORDER BY seq DESC LIMIT 1), event_schema"
            " FROM runs ORDER BY created_utc, run_id"
        )
        out = []
        for r in cur:
            status = "interrupted" if r[6] == "running" and _writer_gone(r[8]) else r[6]
            summary = json.loads(r[7]) if r[7] else None
            schema = 0 if r[10] is None else int(r[10])
            out.append(RunInfo(r[0], r[1], r[2], r[3], r[4], r[5], status, summary, self.path, r[9], schema))
        return out

    def event_schema(self, run_id: str) -> int:
        """The version of run ``run_id``'s event payloads (0: written before runs recorded it);
        EventSchemaError when it is newer than this bastion reads, KeyError for no such run."""
        row = self.db.execute("SELECT event_schema, version FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(run_id)
        schema = 0 if row[0] is None else int(row[0])
        if schema > EVENT_SCHEMA:
            raise EventSchemaError(
                f"run {run_id} in {self.path} was recorded by bastion {row[1]} with event schema {schema}; "
                f"this bastion reads event schemas up to {EVENT_SCHEMA}: read it with a newer bastion"
            )
        return schema

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
        try:
            schema = self.event_schema(run_id)
        except KeyError:  # events of no recorded run (none, as a rule)
            schema = EVENT_SCHEMA
        for seq, t, kind, source, text in self.db.execute(sql, args):
            try:
                payload = from_json(kind, text)
            except EventSchemaError as exc:
                what = f"with event schema {schema}" if schema else "before runs recorded their event schema (schema 0)"
                raise EventSchemaError(
                    f"run {run_id} in {self.path} was recorded {what}, and its event {seq} ({kind}) does not "
                    f"read as event schema {EVENT_SCHEMA}: {exc}. Read it with the bastion that recorded it, "
                    "or run its scenario again"
                ) from None
            yield StoredEvent(seq, t, payload.KIND, source, payload)

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
