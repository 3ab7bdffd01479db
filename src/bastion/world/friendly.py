"""Own aircraft that do not broadcast ADS-B (truth): small UAS and helicopters on their routes.

Each flies its route (straight legs between waypoints, heights AGL) at a constant ground speed from
its start time and is gone once it reaches the last point (landed). Positions are closed forms of
time, evaluated for all of them at once. Only the harness and the world read this (truth); the
defenders know the airspace control measures (:class:`bastion.scenario.compiled.CorridorACM`), not
these flights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bastion.scenario.compiled import FriendlyPlan
from bastion.world.labels import FRIENDLY_LABEL


@dataclass(frozen=True)
class FriendlyAir:
    plans: tuple[FriendlyPlan, ...]

    def __post_init__(self) -> None:
        legs = [np.linalg.norm(np.diff(p.route, axis=0), axis=1) for p in self.plans]
        object.__setattr__(self, "_cum", [np.concatenate([[0.0], np.cumsum(leg)]) for leg in legs])
        object.__setattr__(self, "rcs", np.array([p.type.rcs_m2 for p in self.plans], dtype=float))
        object.__setattr__(self, "swerling", np.array([p.type.swerling for p in self.plans], dtype=int))
        object.__setattr__(self, "iff", np.array([p.iff_mode5 for p in self.plans], dtype=bool))
        object.__setattr__(
            self, "vulnerable_radius", np.array([p.type.vulnerable_radius_m for p in self.plans], dtype=float)
        )

    def __len__(self) -> int:
        return len(self.plans)

    def state(self, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions (F, 3), velocities (F, 3) [m, m/s] and whether each is airborne (F,) at ``t``."""
        n = len(self.plans)
        pos, vel, on = np.zeros((n, 3)), np.zeros((n, 3)), np.zeros(n, dtype=bool)
        for i, (p, cum) in enumerate(zip(self.plans, self._cum, strict=True)):
            s = (t - p.start_s) * p.speed_mps  # distance flown along the route [m]
            if s < 0.0 or s >= cum[-1]:
                continue
            k = min(int(np.searchsorted(cum, s, side="right")) - 1, len(cum) - 2)
            a, b = p.route[k], p.route[k + 1]
            u = (b - a) / max(cum[k + 1] - cum[k], 1e-9)
            pos[i] = a + u * (s - cum[k])
            vel[i] = u * p.speed_mps
            on[i] = True
        return pos, vel, on

    def in_the_air(self, t: float) -> tuple[np.ndarray, ...]:
        """The flights a radar could see at ``t`` as the air picture lists them: positions,
        velocities, mean RCS, Swerling case, truth label and whether each answers Mode 5."""
        pos, vel, on = self.state(t)
        c = (on & (pos[:, 2] > 1.0)).nonzero()[0]
        return pos[c], vel[c], self.rcs[c], self.swerling[c], FRIENDLY_LABEL + c, self.iff[c]

    def targets(self, t0: float, t1: float) -> tuple[np.ndarray, ...]:
        """Flights rounds can hit during ``t0 -> t1``: start and end positions, vulnerable radius, index."""
        p0, _, on0 = self.state(t0)
        p1, _, on1 = self.state(t1)
        c = np.flatnonzero(on0 & on1)
        return p0[c], p1[c], self.vulnerable_radius[c], c
