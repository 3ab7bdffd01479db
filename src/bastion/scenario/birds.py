"""Birds around a site (truth): the population a scenario's ``[birds]`` table asks for, and the
figures the world flies them with, each with its source and confidence.

Public figures (shared/domain/ram-and-layers.md §7, "Birds as radar clutter for C-UAS radars"):

* RCS: birds -30 to -19 dBsm at 24 GHz, overlapping small UAVs' -20 to -8 dBsm (M); log-normal
  (Pollon, IEEE TAES 1972, H). Sim default of the note: median about -25 dBsm, sigma about 4 dB
  (assumption L) — used here per bird; a flock's mean RCS is the sum of its birds' (incoherent sum of
  many scatterers, so a flock fluctuates as Swerling 1, as a single bird is taken to: L).
* Speed, flock size, height, diurnal pattern: **not public** in the note; its labelled assumptions:
  8-20 m/s cruise (up to ~25), flocks of 2 to 1,000+ flying together, mostly below 300 m AGL, denser
  at dawn and dusk (L). Used as stated below.
* Density: BirdCast's classes (Gauthreaux et al. 1999, via https://birdsoverportland2.wordpress.com/
  some-math-and-migration-density-info/, M as a secondary source) put "little to no migration" below
  59 birds/km^3: below ~18 birds/km^2 in the 300 m where most birds fly. The default profile is far
  below that outside migration (a winter night, resident birds mostly roosting): an assumption (L),
  with a sensitivity run at dawn density in docs/birds.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

import numpy as np

# birds aloft per km^2 by local hour (0-23): assumption L (module docstring): 0.3 at night, 3 at dawn
# (05-08 h) and dusk (17-20 h), 1 by day
DEFAULT_DENSITY_PER_KM2 = (0.3,) * 5 + (3.0,) * 3 + (1.0,) * 9 + (3.0,) * 3 + (0.3,) * 4
DEFAULT_RADIUS_M = 10_000.0


@dataclass(frozen=True)
class BirdFigures:
    """How birds fly and reflect (each figure's source in the module docstring; L unless stated)."""

    rcs_median_m2: float = 10 ** (-25 / 10)  # -25 dBsm, median of a bird's mean RCS (note's sim default, L)
    rcs_sigma_db: float = 4.0  # log-normal spread of a bird's mean RCS [dB] (note's sim default, L)
    speed_mps: tuple[float, float] = (8.0, 20.0)  # cruise airspeed, uniform (note's assumption, L)
    speed_sigma_mps: float = 1.0  # a bird's speed wanders about its cruise by this (1 sigma), ...
    speed_tau_s: float = 10.0  # ... over this correlation time (assumption L)
    height_median_m: float = 80.0  # log-normal cruise height AGL: 5 % above 300 m ("mostly below
    height_sigma_ln: float = 0.8  # 300 m", note's assumption, L), ...
    height_range_m: tuple[float, float] = (10.0, 1_000.0)  # ... clipped to this
    height_sigma_m: float = 5.0  # the height wanders about the cruise height by this, ...
    height_tau_s: float = 30.0  # ... over this correlation time (assumption L)
    single_fraction: float = 0.6  # of the objects, single birds; the rest are flocks (assumption L)
    flock_size: tuple[int, int] = (2, 1_000)  # flock sizes, P(n) ~ n^-2: small flocks common (L)
    commuting_fraction: float = 0.5  # of the objects, commuting (straight) flights; the rest forage (L)
    commute_turn: float = 0.02  # heading diffusion of a commuting flight [rad / sqrt(s)] (L)
    forage_turn: float = 0.3  # heading diffusion of a foraging bird: a correlated random walk (L)
    forage_home_m: float = 1_500.0  # a forager turns back towards its home point beyond this (L)
    forage_return: float = 0.05  # ... at this rate [1/s] of its heading error (L)

    @cached_property
    def flock_sizes(self) -> tuple[np.ndarray, np.ndarray]:
        """(sizes, probabilities) of a flock's number of birds (P ~ n^-2)."""
        n = np.arange(self.flock_size[0], self.flock_size[1] + 1)
        p = 1.0 / n.astype(float) ** 2
        return n, p / p.sum()

    @cached_property
    def mean_group(self) -> float:
        """Mean number of birds per object (single or flock)."""
        n, p = self.flock_sizes
        return self.single_fraction + (1 - self.single_fraction) * float(np.dot(n, p))


@dataclass(frozen=True)
class BirdPopulation:
    """The birds of one night: where, how many by hour, and their figures."""

    density_per_km2: tuple[float, ...]  # 24 values: birds aloft per km^2 by local hour
    center: np.ndarray  # (2,) ENU [m]
    radius_m: float
    start_hour: float  # local time of day at t = 0 [h]
    figures: BirdFigures = field(default_factory=BirdFigures)

    def density_at(self, t: float) -> float:
        """Birds aloft per km^2 at ``t`` [s]: the hourly values, linear between hours' middles."""
        h = (self.start_hour + t / 3600.0 - 0.5) % 24.0
        i = int(h)
        f = h - i
        d = self.density_per_km2
        return (1 - f) * d[i] + f * d[(i + 1) % 24]

    def expected_objects(self, t: float) -> float:
        """Mean number of objects (single birds and flocks) aloft at ``t``."""
        return self.density_at(t) * np.pi * self.radius_m**2 / 1e6 / self.figures.mean_group


def bird_population(spec, center_enu: np.ndarray, start: datetime) -> BirdPopulation:
    """The population of a scenario's ``[birds]`` table (:class:`bastion.scenario.schema.Birds`)."""
    d = spec.density_per_km2
    if d is None:
        density = DEFAULT_DENSITY_PER_KM2
    elif isinstance(d, (int, float)):
        density = (float(d),) * 24
    else:
        density = tuple(float(v) for v in d)
    hour = start.hour + start.minute / 60 + start.second / 3600
    return BirdPopulation(density, np.asarray(center_enu, dtype=float)[:2], spec.radius_m, hour)
