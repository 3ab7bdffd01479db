"""The human on the loop: who answers engagement requests and sets weapons-control status.

In simulation a :class:`SimulatedOperator` answers each request after a log-normal reaction
delay (approving engagement of hostile tracks; the request itself is only ever raised for a track
the pipeline declared hostile). Live, the console implements the same protocol with real people:
its actions arrive asynchronously and the engine polls them every time it wakes.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from bastion.engage.release import Request


@dataclass(frozen=True)
class OperatorAction:
    """One operator decision: ``kind`` is "authorise" (request_id, approved) or "weapons_control" (status)."""

    t: float
    kind: str
    user: str
    request_id: int = 0
    approved: bool = False
    status: str = ""


class Operator(Protocol):
    def on_request(self, request: Request, t: float) -> None:
        """A new engagement authorisation request was raised at ``t``."""
        ...

    def next_action_time(self) -> float | None:
        """Earliest simulation time at which this operator will act unprompted (None: unknown)."""
        ...

    def actions(self, t: float) -> list[OperatorAction]:
        """Actions due at or before ``t`` (removed from the operator's queue)."""
        ...


class SimulatedOperator:
    """Approves every request after ``median * exp(sigma * N(0, 1))`` seconds."""

    def __init__(
        self, median_delay_s: float, sigma_log: float, rng: np.random.Generator, user: str = "simulated-operator"
    ):
        self.median = median_delay_s
        self.sigma = sigma_log
        self.rng = rng
        self.user = user
        self._queue: list[tuple[float, int]] = []

    def on_request(self, request: Request, t: float) -> None:
        delay = float(self.median * np.exp(self.sigma * self.rng.standard_normal()))
        heapq.heappush(self._queue, (t + delay, request.id))

    def next_action_time(self) -> float | None:
        return self._queue[0][0] if self._queue else None

    def actions(self, t: float) -> list[OperatorAction]:
        out = []
        while self._queue and self._queue[0][0] <= t + 1e-9:
            ta, rid = heapq.heappop(self._queue)
            out.append(OperatorAction(ta, "authorise", self.user, request_id=rid, approved=True))
        return out
