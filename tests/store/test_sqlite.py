"""The event store: append-only, readable by kind and time, and durable through kill -9."""

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from bastion.engine.events import Event
from bastion.store import EventStore, find_run


def events(n, start=0):
    return [Event(i, i * 0.5, "warning" if i % 2 else "tracks", "decision", {"i": i}) for i in range(start, start + n)]


def test_append_read_and_filter(tmp_path):
    with EventStore(tmp_path / "e.sqlite") as s:
        s.begin_run("r1", "baghdad", "abc", "[scenario]", 1, "0.1.0")
        s.append("r1", events(10))
        s.finish_run("r1", "complete", {"leakers": 0})
        assert s.count("r1") == 10
        got = list(s.events("r1", kinds=["warning"], since=1.0, until=3.0))
        assert [e.payload["i"] for e in got] == [3, 5]
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
    from bastion.store import EventStore
    s = EventStore(sys.argv[1])
    s.begin_run("r1", "x", "abc", "", 1, "0")
    i = 0
    while True:
        s.append("r1", [Event(i + k, float(i + k), "tick", "engine", {"k": i + k}) for k in range(100)])
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
