"""The event store: an append-only SQLite log of runs and their events (WAL mode)."""

from bastion.store.sqlite import EventStore, RunInfo, find_run

__all__ = ["EventStore", "RunInfo", "find_run"]
