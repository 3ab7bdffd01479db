"""Events: every arrow of the kill chain is also a record.

An event is a time, a kind, the side that produced it (``world`` for truth, ``sensor``,
``decision``, ``operator``, ``engine``) and a typed payload (:mod:`bastion.event_types`: one frozen
dataclass per kind, stored as JSON). The :class:`EventLog` numbers events in order and hands
batches to subscribers (the SQLite store, the console).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bastion.event_types import EventKind, Payload


@dataclass(frozen=True)
class Event:
    seq: int
    t: float  # [s] since the scenario start
    kind: EventKind
    source: str
    payload: Payload

    def to_json(self) -> str:
        """The payload as stored (compact JSON)."""
        return self.payload.to_json()


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

    def emit(self, t: float, source: str, payload: Payload) -> Event:
        """Record ``payload`` (its type says its kind) from ``source`` at ``t`` [s]; TypeError for a
        payload of no event type (a kind must be defined in :mod:`bastion.event_types`)."""
        if not isinstance(payload, Payload):
            raise TypeError(f"an event payload must be a bastion.event_types type, not {type(payload).__name__}")
        ev = Event(self.count, round(float(t), 6), payload.KIND, source, payload)
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
