"""Birds aloft (truth): single birds and flocks flying about the site, as arrays.

Every object (a single bird or a flock flying together) has a cruise speed, a cruise height above
ground and a mean RCS (a flock's: the sum of its birds'), drawn from the figures of
:class:`bastion.scenario.birds.BirdFigures` (sources there). It flies one of two patterns:

* **commuting**: a nearly straight flight (heading diffusion ``commute_turn``), as between a roost
  and feeding grounds;
* **foraging**: a correlated random walk (heading diffusion ``forage_turn``) that turns back towards
  its home point once farther than ``forage_home_m`` from it.

Speed and height wander about their cruise values as Ornstein-Uhlenbeck processes (exact
discretisation). The birds move on a grid of their own, one step a second, whatever the world's
step; a position between grid instants is interpolated and the velocity is the grid step's. So the
birds' paths depend on the seed alone, not on when the sensors look.

Population: the number of objects aloft follows the scenario's density by local hour (Poisson at the
start, then births and landings to follow the expected count). An object that leaves the disc
re-enters on the opposite side (its position mirrored through the centre, its heading kept), so the
disc stays as full as the density says without birds popping up in its middle.
"""

from __future__ import annotations

import numpy as np

from bastion.scenario.birds import BirdPopulation
from bastion.world.labels import BIRD_LABEL

GRID_S = 1.0  # the birds' own step [s]


class BirdFlocks:
    """The birds of one night (see the module docstring), with their own random stream."""

    def __init__(self, population: BirdPopulation, rng: np.random.Generator) -> None:
        self.pop = population
        self.fig = population.figures
        self.rng = rng
        self.k = 0  # grid instant of ``cur`` (t = k * GRID_S)
        fig = self.fig
        a_v, a_h = np.exp(-GRID_S / fig.speed_tau_s), np.exp(-GRID_S / fig.height_tau_s)  # OU, exact steps
        self._a_v, self._s_v = a_v, fig.speed_sigma_mps * np.sqrt(1 - a_v**2)
        self._a_h, self._s_h = a_h, fig.height_sigma_m * np.sqrt(1 - a_h**2)
        self._r2 = population.radius_m**2
        self._next_id = 0
        n0 = int(rng.poisson(population.expected_objects(0.0)))
        self._offset = n0 - round(population.expected_objects(0.0))  # keeps the draw's excess
        self.id = np.zeros(0, dtype=np.int64)
        self.size = np.zeros(0, dtype=np.int64)  # birds in the object
        self.rcs = np.zeros(0)
        self.cruise = np.zeros(0)
        self.cruise_h = np.zeros(0)
        self.turn = np.zeros(0)
        self.forager = np.zeros(0, dtype=bool)
        self.home = np.zeros((0, 2))
        self.heading = np.zeros(0)
        self.speed = np.zeros(0)
        self.prev = np.zeros((0, 3))
        self.cur = np.zeros((0, 3))
        self._spawn(n0)
        self._derived()

    def __len__(self) -> int:
        return int(self.id.size)

    @property
    def label(self) -> np.ndarray:
        return BIRD_LABEL + self.id

    @property
    def birds(self) -> int:
        """Birds aloft now (flocks counted bird by bird)."""
        return int(self.size.sum())

    # -- the picture ------------------------------------------------------------------------------
    def at(self, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Positions (N, 3), velocities (N, 3), mean RCS (N,) and truth labels (N,) at ``t`` [s]."""
        while self.k * GRID_S < t - 1e-9:  # until prev <= t <= cur on the grid
            self._step()
        f = np.clip(1.0 - (self.k * GRID_S - t) / GRID_S, 0.0, 1.0)  # between prev (0) and cur (1)
        step = self.cur - self.prev
        return self.prev + f * step, step / GRID_S, self.rcs, self.label

    # -- dynamics ---------------------------------------------------------------------------------
    def _spawn(self, n: int) -> None:
        """``n`` new objects at uniform positions in the disc, at their cruise height."""
        if n <= 0:
            return
        fig, rng, pop = self.fig, self.rng, self.pop
        r = pop.radius_m * np.sqrt(rng.random(n))
        a = rng.uniform(0, 2 * np.pi, n)
        xy = pop.center + np.column_stack([r * np.sin(a), r * np.cos(a)])
        flock = rng.random(n) >= fig.single_fraction
        sizes, p = fig.flock_sizes
        size = np.where(flock, rng.choice(sizes, n, p=p), 1)
        # each object's mean RCS: the sum of its birds' log-normal RCS (one draw per bird)
        per_bird = fig.rcs_median_m2 * 10 ** (rng.normal(0.0, fig.rcs_sigma_db, int(size.sum())) / 10)
        rcs = np.add.reduceat(per_bird, np.concatenate([[0], np.cumsum(size)[:-1]]))
        h = fig.height_median_m * np.exp(rng.normal(0.0, fig.height_sigma_ln, n))
        h = np.clip(h, *fig.height_range_m)
        forager = rng.random(n) >= fig.commuting_fraction
        ids = self._next_id + np.arange(n)
        self._next_id += n
        new_pos = np.column_stack([xy, h])
        self.id = np.concatenate([self.id, ids])
        self.size = np.concatenate([self.size, size])
        self.rcs = np.concatenate([self.rcs, rcs])
        self.cruise = np.concatenate([self.cruise, rng.uniform(*fig.speed_mps, n)])
        self.cruise_h = np.concatenate([self.cruise_h, h])
        self.turn = np.concatenate([self.turn, np.where(forager, fig.forage_turn, fig.commute_turn)])
        self.forager = np.concatenate([self.forager, forager])
        self.home = np.concatenate([self.home, xy])
        self.heading = np.concatenate([self.heading, rng.uniform(-np.pi, np.pi, n)])
        self.speed = np.concatenate([self.speed, self.cruise[-n:]])
        self.cur = np.concatenate([self.cur, new_pos])
        self.prev = np.concatenate([self.prev, new_pos])  # a new object appears where it is
        self._derived()

    def _land(self, n: int) -> None:
        """``n`` objects chosen at random land (leave the air)."""
        if n <= 0 or not len(self):
            return
        gone = self.rng.choice(len(self), min(n, len(self)), replace=False)
        keep = np.ones(len(self), dtype=bool)
        keep[gone] = False
        for name in ("id", "size", "rcs", "cruise", "cruise_h", "turn", "forager", "home", "heading", "speed"):
            setattr(self, name, getattr(self, name)[keep])
        self.prev, self.cur = self.prev[keep], self.cur[keep]
        self._derived()

    def _derived(self) -> None:
        """What each step needs of the objects' fixed figures."""
        self._turn_step = self.turn * np.sqrt(GRID_S)
        self._any_forager = bool(self.forager.any())

    def _step(self) -> None:
        """Advance the grid by one step: headings, speeds and heights, positions, the disc's edge, then
        births and landings to follow the density."""
        fig, dt = self.fig, GRID_S
        self.prev = cur = self.cur
        self.k += 1
        if self.id.size:
            z = self.rng.normal(0.0, 1.0, (3, self.id.size))
            heading = self.heading + self._turn_step * z[0]
            if self._any_forager:  # foragers beyond their home radius turn back towards home
                dx, dy = self.home[:, 0] - cur[:, 0], self.home[:, 1] - cur[:, 1]
                far = self.forager & (dx * dx + dy * dy > fig.forage_home_m**2)
                if far.any():
                    err = _wrap(np.arctan2(dx, dy) - self.heading)
                    heading = heading + np.where(far, fig.forage_return * dt * err, 0.0)
            self.heading = _wrap(heading)
            self.speed = np.maximum(self.cruise + self._a_v * (self.speed - self.cruise) + self._s_v * z[1], 1.0)
            h = self.cruise_h + self._a_h * (cur[:, 2] - self.cruise_h) + self._s_h * z[2]
            step = self.speed * dt
            cur = np.column_stack([cur[:, 0] + step * np.sin(self.heading), cur[:, 1] + step * np.cos(self.heading), h])
            np.maximum(cur[:, 2], 2.0, out=cur[:, 2])
            # the disc's edge: out on one side, in on the other (mirrored through the centre)
            rx, ry = cur[:, 0] - self.pop.center[0], cur[:, 1] - self.pop.center[1]
            out = rx * rx + ry * ry > self._r2
            if out.any():
                shift = -2.0 * np.column_stack([rx[out], ry[out]])
                cur[out, :2] += shift
                self.prev = self.prev.copy()
                self.prev[out, :2] += shift  # no streak across the disc between grid instants
                self.home[out] += shift
            self.cur = cur
        target = max(0, round(self.pop.expected_objects(self.k * dt)) + self._offset)
        if target > self.id.size:
            self._spawn(target - self.id.size)
        elif target < self.id.size:
            self._land(self.id.size - target)


def _wrap(a: np.ndarray) -> np.ndarray:
    """Angles wrapped to [-pi, pi)."""
    return (a + np.pi) % (2 * np.pi) - np.pi
