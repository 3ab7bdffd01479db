"""Clocks: the only difference between simulation and live operation.

``SimulatedClock`` jumps to the next event at once (as fast as possible); ``WallClock`` sleeps until
the wall-clock time of the next event (optionally sped up), so the same loop runs in real time.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def wait_until(self, t: float) -> None:
        """Return when simulation time ``t`` [s] has come."""
        ...


class SimulatedClock:
    def wait_until(self, t: float) -> None:
        return None


class WallClock:
    """Real time (``speed`` = 1) or faster; time 0 is when the clock is created."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self.t0 = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self.t0) * self.speed

    def wait_until(self, t: float) -> None:
        delay = t / self.speed - (time.monotonic() - self.t0)
        if delay > 0:
            time.sleep(delay)
