"""The event store: append-only, readable by kind and time, and durable through kill -9."""

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from bastion import event_types as ev
from bastion.engine.events import Event
from bastion.event_types import EVENT_SCHEMA, EventSchemaError
from bastion.store import EventStore, find_run


def payload(i: int) -> ev.Payload:
    if i % 2:
        return ev.HoldFire(track=i, reason="track not current")
    return ev.TrackDeleted(track=i, reason="coasted")


def events(n, start=0):
    return [Event(i, i * 0.5, payload(i).KIND, "decision", payload(i)) for i in range(start, start + n)]


def test_append_read_and_filter(tmp_path):
    with EventStore(tmp_path / "e.sqlite") as s:
        s.begin_run("r1", "baghdad", "abc", "[scenario]", 1, "0.1.0")
        s.append("r1", events(10))
        s.finish_run("r1", "complete", {"leakers": 0})
        assert s.count("r1") == 10
        got = list(s.events("r1", kinds=["hold_fire"], since=1.0, until=3.0))
        assert [e.payload.track for e in got] == [3, 5]
        assert [e.payload for e in s.events("r1")] == [payload(i) for i in range(10)]  # typed as written
        (run,) = s.runs()
        assert run.status == "complete" and run.summary == {"leakers": 0} and run.seed == 1


def test_events_are_append_only(tmp_path):
    with EventStore(tmp_path / "e.sqlite") as s:
        s.begin_run("r1", "x", "abc", "", 1, "0")
        s.append("r1", events(3))
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            s.db.execute("UPDATE events SET kind = 'forged' WHERE seq = 1")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            s.db.execute("DELETE FROM events")
        with pytest.raises(sqlite3.IntegrityError):
            s.append("r1", events(1, start=2))  # a sequence number cannot be written twice


WRITER = textwrap.dedent("""
    import sys, time
    from bastion.engine.events import Event
    from bastion.event_types import RunEnd
    from bastion.store import EventStore
    s = EventStore(sys.argv[1])
    s.begin_run("r1", "x", "abc", "", 1, "0")
    i = 0
    while True:
        s.append("r1", [Event(i + k, float(i + k), "run_end", "engine", RunEnd(wall_seconds=k)) for k in range(100)])
        i += 100
        print(i, flush=True)
        time.sleep(0.01)
""")


def test_committed_events_survive_kill_minus_9(tmp_path):
    db = tmp_path / "e.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True)
    committed = 0
    deadline = time.time() + 20
    while committed < 1000 and time.time() < deadline:
        committed = int(proc.stdout.readline())
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    with EventStore(db) as s:
        n = s.count("r1")
        assert n >= committed and n % 100 == 0  # every batch reported committed is there, none half-written
        assert [e.seq for e in s.events("r1")] == list(range(n))
        assert s.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_find_run(tmp_path):
    run_dir = tmp_path / "runs" / "a"
    with EventStore(run_dir / "events.sqlite") as s:
        s.begin_run("baghdad-1234-s7", "baghdad", "abc", "", 7, "0")
    assert find_run(str(run_dir), tmp_path)[1] == "baghdad-1234-s7"
    assert find_run("baghdad-1234", tmp_path / "runs")[1] == "baghdad-1234-s7"
    with pytest.raises(LookupError, match="no run"):
        find_run("nothing", tmp_path / "runs")


# the tables as bastion wrote them before runs recorded their writer and event schema (issue 17)
OLD_SCHEMA = """
CREATE TABLE runs (run_id TEXT PRIMARY KEY, scenario TEXT NOT NULL, scenario_sha256 TEXT NOT NULL,
    scenario_text TEXT NOT NULL, seed INTEGER NOT NULL, version TEXT NOT NULL, created_utc TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'running', summary_json TEXT);
CREATE TABLE events (run_id TEXT NOT NULL REFERENCES runs(run_id), seq INTEGER NOT NULL, t REAL NOT NULL,
    kind TEXT NOT NULL, source TEXT NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (run_id, seq)) WITHOUT ROWID;
"""


def _old_database(path, rows):
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.execute("INSERT INTO runs VALUES ('old-1', 'baghdad', 'abc', '', 1, '0.0.9', '2024-01-01', 'complete', NULL)")
    db.executemany("INSERT INTO events VALUES ('old-1', ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()


def test_new_runs_record_the_event_schema(tmp_path):
    with EventStore(tmp_path / "e.sqlite") as s:
        s.begin_run("r1", "x", "abc", "", 1, "0")
        assert s.event_schema("r1") == EVENT_SCHEMA
        (run,) = s.runs()
        assert run.event_schema == EVENT_SCHEMA


def test_a_run_stored_before_the_schema_version_is_read_when_its_payloads_parse(tmp_path):
    """A database written before runs recorded an event schema (its payloads as bastion wrote them
    then: the same JSON) reads as schema 0, typed."""
    rows = [
        (0, 1.0, "identification", "decision", '{"track":3,"from":"pending","to":"hostile","reason":"drone"}'),
        (1, 2.0, "threat_ignored", "decision", '{"track":3,"reason":"predicted impact in open ground"}'),
    ]
    _old_database(tmp_path / "old.sqlite", rows)
    with EventStore(tmp_path / "old.sqlite") as s:
        (run,) = s.runs()
        assert run.event_schema == 0 and s.event_schema("old-1") == 0
        first, second = s.events("old-1")
    assert first.payload == ev.Identification(track=3, from_="pending", to="hostile", reason="drone")
    assert second.payload.impact_point is None and second.kind is ev.EventKind.THREAT_IGNORED
    assert [first.to_json(), second.to_json()] == [r[4] for r in rows]  # byte for byte as stored


@pytest.mark.parametrize(
    ("kind", "text", "why"),
    [
        ("warning", '{"zone":"Terminal","track":3}', "missing"),  # a payload of an older shape
        ("plot", '{"i":1}', "unknown event kind 'plot'"),  # a kind no type defines
        ("hold_fire", '{"track":3,"reason":"x","gun":"G"}', "unexpected keyword argument 'gun'"),
    ],
)
def test_a_run_stored_before_the_schema_version_is_refused_when_it_does_not_parse(tmp_path, kind, text, why):
    _old_database(tmp_path / "old.sqlite", [(0, 1.0, "track_deleted", "decision", '{"track":1,"reason":"x"}'),
                                            (1, 2.0, kind, "decision", text)])  # fmt: skip
    with EventStore(tmp_path / "old.sqlite") as s:
        got = s.events("old-1")
        assert next(got).payload == ev.TrackDeleted(track=1, reason="x")
        with pytest.raises(EventSchemaError) as info:
            next(got)
    msg = str(info.value)
    assert "run old-1" in msg and "schema 0" in msg and f"event 1 ({kind})" in msg and why in msg
    assert f"event schema {EVENT_SCHEMA}" in msg


def test_a_run_of_a_newer_event_schema_is_refused(tmp_path):
    with EventStore(tmp_path / "e.sqlite") as s:
        s.begin_run("r1", "x", "abc", "", 1, "9.9")
        s.append("r1", events(2))
        s.db.execute("UPDATE runs SET event_schema = ? WHERE run_id = 'r1'", (EVENT_SCHEMA + 1,))
        with pytest.raises(EventSchemaError, match=f"event schema {EVENT_SCHEMA + 1}; this bastion reads"):
            list(s.events("r1"))
