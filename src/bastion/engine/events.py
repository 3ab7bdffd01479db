"""Events: every arrow of the kill chain is also a record.

An event is a time, a kind, the side that produced it (``world`` for truth, ``sensor``,
``decision``, ``operator``, ``engine``) and a JSON-serialisable payload. The :class:`EventLog`
numbers events in order and hands batches to subscribers (the SQLite store, the console).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Event:
    seq: int
    t: float
    kind: str
    source: str
    payload: dict

    def to_json(self) -> str:
        return json.dumps(self.payload, separators=(",", ":"), default=_default, allow_nan=False)


def _default(o):
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


class EventLog:
    """In-memory, ordered event log with subscribers called on every flush.

    ``retain=False`` (a live engine, which runs for days): events handed to the subscribers (the
    SQLite store) are dropped from memory at the flush, so the log's memory stays bounded; ``events``
    then holds only those not yet flushed and ``count`` numbers them all.
    """

    def __init__(self, flush_every: int = 2_000, retain: bool = True) -> None:
        self.events: list[Event] = []
        self.subscribers: list[Callable[[list[Event]], None]] = []
        self._flushed = 0
        self._dropped = 0  # events flushed and let go (retain=False)
        self.flush_every = flush_every
        self.retain = retain

    @property
    def count(self) -> int:
        """Events emitted so far (the next event's sequence number)."""
        return self._dropped + len(self.events)

    def emit(self, t: float, kind: str, source: str, payload: dict) -> Event:
        ev = Event(self.count, round(float(t), 6), kind, source, payload)
        self.events.append(ev)
        if len(self.events) - self._flushed >= self.flush_every:
            self.flush()
        return ev

    def flush(self) -> None:
        batch = self.events[self._flushed :]
        self._flushed = len(self.events)
        if batch:
            for s in self.subscribers:
                s(batch)
        if not self.retain:
            self._dropped += len(self.events)
            self.events = []
            self._flushed = 0

    def of_kind(self, *kinds: str) -> list[Event]:
        return [e for e in self.events if e.kind in kinds]
