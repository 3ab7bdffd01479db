"""Wind as a function of height: a table of heights and wind vectors, or a power law over the surface.

Two forms, both steady in time and uniform horizontally over the few kilometres of a site (the
scales a C-RAM engagement spans; gusts and turbulence are not modelled):

* **table** — wind vectors (east, north, up) [m/s] at increasing heights above the site ground,
  interpolated linearly per component between them and held constant below the first and above the
  last (a sounding or a met message's layers written as points). Interpolating the components, not
  speed and direction, is the usual choice for soundings and keeps a veer through calm well defined.
* **power law** — the wind of the atmospheric surface layer, ``w(h) = w_ref (h / h_ref)^p`` from the
  reference height ``h_ref`` (10 m, the WMO standard anemometer height; WMO-No. 8, 2018, Vol. I
  §5.1.2) up to the top of the layer ``top_m``, constant above it. The exponent ``p`` depends on
  stability and roughness: about 1/7 for a neutral atmosphere over open country (Hellmann; Counihan,
  *Atmos. Environ.* 9, 1975, 871–905), 0.25–0.4 for a stable night over land (Irwin, *Atmos.
  Environ.* 13, 1979, 191–194, Table 1). Below 1 m (the roughness sub-layer, where the law is not
  meant to hold) the wind is that of 1 m. The direction is the same at every height.

The default, a uniform wind, is a table of one row: :attr:`WindProfile.uniform` is then true and the
integrators use it without any lookup, so a scenario without a profile flies exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WMO_ANEMOMETER_HEIGHT_M = 10.0
"""Standard height of surface wind measurements [m] (WMO-No. 8, 2018, Vol. I §5.1.2)."""

POWER_LAW_FLOOR_M = 1.0
"""Below this height [m] the power law holds the wind of this height (roughness sub-layer)."""


def wind_vector(speed_mps: float | np.ndarray, from_deg: float | np.ndarray) -> np.ndarray:
    """ENU air velocity [m/s] (..., 3) of a wind of ``speed_mps`` blowing *from* ``from_deg`` (degrees
    clockwise from true north, the meteorological convention)."""
    to = np.radians(np.asarray(from_deg, dtype=float)) + np.pi
    s = np.asarray(speed_mps, dtype=float)
    return np.stack([s * np.sin(to), s * np.cos(to), np.zeros_like(s * to)], axis=-1)


@dataclass(frozen=True, eq=False)
class WindProfile:
    """Wind [m/s, ENU] against height above the site ground [m] (see the module docstring).

    ``heights_m`` (K,) increasing and ``velocity`` (K, 3) for a table; for a power law
    ``exponent`` is set, ``velocity`` (1, 3) is the wind at ``heights_m[0]`` (the reference height)
    and ``top_m`` the top of the layer."""

    heights_m: np.ndarray
    velocity: np.ndarray
    exponent: float | None = None
    top_m: float = float("inf")

    def __post_init__(self) -> None:
        h = np.ascontiguousarray(self.heights_m, dtype=float).reshape(-1)
        v = np.ascontiguousarray(self.velocity, dtype=float).reshape(-1, 3)
        if h.size == 0 or h.size != v.shape[0]:
            raise ValueError(
                f"a wind profile needs one wind vector per height, got {h.size} heights, {v.shape[0]} winds"
            )
        if not (np.isfinite(h).all() and np.isfinite(v).all()):
            raise ValueError("a wind profile's heights and winds must be finite")
        if h.size > 1 and not (np.diff(h) > 0).all():
            raise ValueError("a wind profile's heights must increase")
        if self.exponent is not None and (h.size != 1 or not h[0] > 0 or not self.top_m > h[0]):
            raise ValueError("a power-law profile has one reference height > 0 below its top")
        h.flags.writeable = False
        v.flags.writeable = False
        object.__setattr__(self, "heights_m", h)
        object.__setattr__(self, "velocity", v)

    # -- construction ------------------------------------------------------------------------------
    @classmethod
    def constant(cls, velocity: np.ndarray) -> WindProfile:
        """The same wind (3,) [m/s] at every height."""
        return cls(np.zeros(1), np.asarray(velocity, dtype=float).reshape(1, 3))

    @classmethod
    def table(cls, heights_m, speed_mps, from_deg) -> WindProfile:
        """A table of wind speed [m/s] and direction it blows from [deg] at heights [m]."""
        return cls(np.asarray(heights_m, dtype=float), wind_vector(speed_mps, from_deg))

    @classmethod
    def power_law(
        cls,
        speed_mps: float,
        from_deg: float,
        exponent: float,
        top_m: float,
        reference_height_m: float = WMO_ANEMOMETER_HEIGHT_M,
    ) -> WindProfile:
        """Power law ``w_ref (h / h_ref)^exponent`` of the wind ``speed_mps`` from ``from_deg``
        measured at ``reference_height_m``, up to ``top_m`` and constant above."""
        return cls(
            np.array([reference_height_m]),
            wind_vector(speed_mps, from_deg).reshape(1, 3),
            float(exponent),
            float(top_m),
        )

    # -- evaluation --------------------------------------------------------------------------------
    @property
    def uniform(self) -> bool:
        """The same wind at every height (a one-row table)."""
        return self.exponent is None and self.heights_m.size == 1

    def at(self, up_m: np.ndarray | float) -> np.ndarray:
        """The wind (..., 3) [m/s] at heights ``up_m`` (...) above the site ground."""
        up = np.asarray(up_m, dtype=float)
        if self.uniform:
            return np.broadcast_to(self.velocity[0], (*up.shape, 3)).copy()
        if self.exponent is not None:
            h = np.clip(up, POWER_LAW_FLOOR_M, self.top_m)
            return (h / self.heights_m[0])[..., None] ** self.exponent * self.velocity[0]
        return np.stack([np.interp(up, self.heights_m, self.velocity[:, c]) for c in range(3)], axis=-1)

    def mean_between(self, h0: float, h1: float, n: int = 64) -> np.ndarray:
        """The mean wind (3,) over the heights from ``h0`` to ``h1`` [m] (midpoint rule, ``n`` points)."""
        if h1 == h0:
            return self.at(h0)
        f = (np.arange(n) + 0.5) / n
        return self.at(h0 + f * (h1 - h0)).mean(axis=0)

    def describe(self) -> str:
        """One line for reports: the form and its figures."""
        v = self.velocity
        if self.uniform:
            return f"uniform {np.hypot(v[0, 0], v[0, 1]):.1f} m/s from {_from_deg(v[0]):03.0f} deg"
        if self.exponent is not None:
            return (
                f"power law {np.hypot(v[0, 0], v[0, 1]):.1f} m/s from {_from_deg(v[0]):03.0f} deg at "
                f"{self.heights_m[0]:g} m, exponent {self.exponent:g}, to {self.top_m:g} m"
            )
        top = self.velocity[-1]
        return (
            f"table of {self.heights_m.size} heights to {self.heights_m[-1]:g} m "
            f"({np.hypot(v[0, 0], v[0, 1]):.1f} m/s from {_from_deg(v[0]):03.0f} deg at {self.heights_m[0]:g} m, "
            f"{np.hypot(top[0], top[1]):.1f} m/s from {_from_deg(top):03.0f} deg at {self.heights_m[-1]:g} m)"
        )


def _from_deg(v: np.ndarray) -> float:
    """Direction [deg] a wind of ENU velocity ``v`` blows from."""
    return float(np.degrees(np.arctan2(-v[0], -v[1])) % 360.0)
