"""Point-mass exterior ballistics, vectorised over many projectiles.

Model (McCoy, *Modern Exterior Ballistics*, 1999, ch. 5 "point-mass trajectory"): a projectile is a
point acted on by gravity and by aerodynamic drag opposite to its velocity relative to the air,

    dv/dt = g - k * rho(h) * C(M) * |v - w| * (v - w),      M = |v - w| / a(h),

where ``w`` is the wind (velocity of the air mass), ``rho`` and ``a`` come from the ISA, ``C`` is a
drag function of Mach number and ``k`` a per-projectile drag factor:

* for a standard-drag-function projectile (G1/G2/G7) with ballistic coefficient BC [kg/m^2],
  ``k = pi / (8 BC)`` and ``C`` is the standard C_D table (drag of a 1 lb, 1 in projectile scaled by
  its sectional density and form factor);
* for a body with drag area ``Cd*A`` [m^2] and mass ``m``, ``k = Cd*A / (2 m)`` and ``C = 1``.

Flat earth in the site's local ENU frame with constant gravity: over the few kilometres of a C-RAM
engagement the Coriolis term (< 0.1 %) and earth curvature are neglected. Integration is classical
fourth-order Runge–Kutta with a fixed step; the test-suite checks it against ``scipy``'s adaptive
DOP853 at tight tolerance and against py-ballisticcalc.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bastion.physics import kernels
from bastion.physics.atmosphere import isa
from bastion.physics.constants import G0, LB_PER_IN2
from bastion.physics.drag_tables import TABLES
from bastion.physics.geometry import level_crossing
from bastion.physics.wind import WindProfile

GRAVITY = np.array([0.0, 0.0, -G0])
"""Gravity in ENU [m/s^2]."""


@dataclass(frozen=True)
class DragFunction:
    """A drag coefficient as a function of Mach number, linearly interpolated in a table."""

    name: str
    mach: np.ndarray
    cd: np.ndarray

    @classmethod
    def standard(cls, name: str) -> DragFunction:
        """One of the BRL standard drag functions: ``"G1"``, ``"G2"`` or ``"G7"``."""
        mach, cd = TABLES[name]
        return cls(name, mach, cd)

    @classmethod
    def unit(cls) -> DragFunction:
        """C = 1 at every Mach: the drag factor ``k`` then carries ``Cd*A/(2m)`` of a body."""
        return cls("unit", np.array([0.0, 10.0]), np.array([1.0, 1.0]))

    def __call__(self, mach: np.ndarray) -> np.ndarray:
        return np.interp(mach, self.mach, self.cd)


def drag_factor_from_bc(bc_lb_in2: float | np.ndarray) -> np.ndarray:
    """Drag factor ``k`` [m^2/kg] of a projectile with ballistic coefficient ``bc_lb_in2`` [lb/in^2]."""
    return np.pi / (8.0 * np.asarray(bc_lb_in2, dtype=float) * LB_PER_IN2)


def drag_factor_from_body(cd_area_m2: float | np.ndarray, mass_kg: float | np.ndarray) -> np.ndarray:
    """Drag factor ``k`` [m^2/kg] of a body of drag area ``Cd*A`` [m^2] and mass [kg] (use with C = 1)."""
    return np.asarray(cd_area_m2, dtype=float) / (2.0 * np.asarray(mass_kg, dtype=float))


@dataclass(frozen=True)
class Air:
    """The air the projectiles fly through: ISA + ``delta_t_k``, a station pressure and the wind.

    ``ground_altitude_m`` is the altitude above mean sea level of the ENU origin (up = 0).
    ``pressure_ratio`` scales the ISA pressure at every height (the station pressure over the ISA's
    at the site; 1: the standard day), and so the density; the temperature aloft follows the ISA
    lapse rate from the surface value (ISA + ``delta_t_k``, :mod:`bastion.physics.atmosphere`).
    ``wind`` is the air's ENU velocity [m/s]: one vector (3,), the same at every height, or a
    :class:`~bastion.physics.wind.WindProfile` of the wind against height above the ground.
    """

    ground_altitude_m: float = 0.0
    delta_t_k: float = 0.0
    wind: np.ndarray | WindProfile = field(default_factory=lambda: np.zeros(3))
    pressure_ratio: float = 1.0

    @property
    def profile(self) -> WindProfile:
        """The wind as a profile (a uniform wind is a profile of one row)."""
        prof = self.__dict__.get("_profile")
        if prof is None:
            w = self.wind
            prof = w if isinstance(w, WindProfile) else WindProfile.constant(np.asarray(w, dtype=float))
            object.__setattr__(self, "_profile", prof)
        return prof

    @property
    def uniform_wind(self) -> np.ndarray | None:
        """The wind (3,) [m/s] where it is the same at every height, else None."""
        prof = self.profile
        return prof.velocity[0] if prof.uniform else None

    def wind_at(self, up_m: np.ndarray | float) -> np.ndarray:
        """The wind (..., 3) [m/s] at heights ``up_m`` above the ground."""
        return self.profile.at(up_m)

    def still(self) -> Air:
        """The same air without wind (firing and range tables are computed in still air)."""
        return Air(self.ground_altitude_m, self.delta_t_k, pressure_ratio=self.pressure_ratio)

    def thermo_key(self) -> tuple[float, float, float]:
        """The figures that set the air's density and speed of sound, rounded (a cache key)."""
        return (round(self.ground_altitude_m, 0), round(self.delta_t_k, 1), round(self.pressure_ratio, 4))

    def density_and_sound(self, up_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Density [kg/m^3] and speed of sound [m/s] at heights ``up_m`` above the ground.

        Interpolated in a 10 m table of the ISA (built once per Air): the relative error is below
        1e-6, far under the uncertainty of any drag figure, and a lookup is several times faster
        than evaluating the ISA's powers and exponentials at every Runge–Kutta stage.
        """
        h, rho, a = self.table()
        return np.interp(up_m, h, rho), np.interp(up_m, h, a)

    def table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Heights [m] every 10 m from -500 m to 20 km, and the density and speed of sound there."""
        table = self.__dict__.get("_table")
        if table is None:
            h = np.arange(-500.0, 20_000.0 + 10.0, 10.0)
            st = isa(self.ground_altitude_m + h, self.delta_t_k)
            rho = st.density if self.pressure_ratio == 1.0 else st.density * self.pressure_ratio
            table = (
                h,
                np.ascontiguousarray(rho, dtype=float),
                np.ascontiguousarray(st.speed_of_sound, dtype=float),
            )
            object.__setattr__(self, "_table", table)
        return table

    def wind_table(self) -> np.ndarray:
        """The wind for the compiled integrators: (1, 3) where it is uniform, else (H, 3) at the
        heights of :meth:`table` (the profile sampled every 10 m and interpolated linearly between:
        exact for a table whose heights are multiples of 10 m, within 1 % of a power law above 10 m)."""
        wt = self.__dict__.get("_wind_table")
        if wt is None:
            prof = self.profile
            wt = prof.velocity[:1] if prof.uniform else prof.at(self.table()[0])
            wt = np.ascontiguousarray(wt, dtype=float)
            object.__setattr__(self, "_wind_table", wt)
        return wt


def rk4_step(
    pos: np.ndarray, vel: np.ndarray, dt: float | np.ndarray, k: np.ndarray, drag: DragFunction, air: Air
) -> tuple[np.ndarray, np.ndarray]:
    """Advance positions and velocities (N, 3) by ``dt`` seconds (scalar or (N,)) with RK4.

    Position enters the acceleration only through the air's density, speed of sound and wind, which
    are looked up once per step at the step's mid-point altitude (predicted with the initial
    velocity): over a 20 ms step a round climbs at most ~20 m, a 0.2 % change of density, so the
    error this makes is second order in the step and far below the integrator's own (checked
    against an adaptive DOP853 reference in the tests, with and without wind shear). With ``a(v)``
    the acceleration at the looked-up air:

        a1 = a(v), a2 = a(v + h/2 a1), a3 = a(v + h/2 a2), a4 = a(v + h a3)
        x' = x + h (v + 2 v2 + 2 v3 + v4) / 6,   v' = v + h (a1 + 2 a2 + 2 a3 + a4) / 6

    The loop over the rows is compiled (:func:`bastion.physics.kernels.rk4`, which says why).
    """
    pos = np.ascontiguousarray(pos, dtype=float)
    vel = np.ascontiguousarray(vel, dtype=float)
    n = pos.shape[0]
    dt = np.ascontiguousarray(dt, dtype=float).reshape(-1)
    k = np.ascontiguousarray(np.broadcast_to(k, (n,)), dtype=float)
    h_tab, rho_tab, a_tab = air.table()
    new_pos, new_vel = np.empty_like(pos), np.empty_like(vel)
    wind = air.wind_table()
    kernels.rk4(pos, vel, dt, k, h_tab, rho_tab, a_tab, drag.mach, drag.cd, wind, GRAVITY[2], new_pos, new_vel)
    return new_pos, new_vel


@dataclass(frozen=True)
class Trajectories:
    """Sampled trajectories of N projectiles: ``t`` (K,), ``pos`` and ``vel`` (K, N, 3)."""

    t: np.ndarray
    pos: np.ndarray
    vel: np.ndarray


def fly(
    pos: np.ndarray,
    vel: np.ndarray,
    k: np.ndarray,
    drag: DragFunction,
    air: Air,
    t_max: float,
    dt: float = 0.01,
) -> Trajectories:
    """Integrate N projectiles for ``t_max`` seconds with step ``dt``, keeping every sample."""
    pos = np.atleast_2d(np.asarray(pos, dtype=float))
    vel = np.atleast_2d(np.asarray(vel, dtype=float))
    k = np.broadcast_to(np.asarray(k, dtype=float), (pos.shape[0],))
    n_steps = int(np.ceil(t_max / dt - 1e-9))
    ts = np.arange(n_steps + 1) * dt
    out_p = np.empty((n_steps + 1, *pos.shape))
    out_v = np.empty((n_steps + 1, *vel.shape))
    out_p[0], out_v[0] = pos, vel
    for i in range(n_steps):
        pos, vel = rk4_step(pos, vel, dt, k, drag, air)
        out_p[i + 1], out_v[i + 1] = pos, vel
    return Trajectories(ts, out_p, out_v)


def impact(
    pos: np.ndarray,
    vel: np.ndarray,
    k: np.ndarray,
    drag: DragFunction,
    air: Air,
    ground_up_m: float = 0.0,
    dt: float = 0.05,
    t_max: float = 600.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fly N projectiles to the ground plane ``up = ground_up_m``.

    Returns ``(impact_pos (N, 3), time_to_impact (N,), impact_vel (N, 3))``; the crossing is found by
    linear interpolation within the last step. Projectiles still airborne at ``t_max`` get NaN.
    """
    pos = np.atleast_2d(np.asarray(pos, dtype=float)).copy()
    vel = np.atleast_2d(np.asarray(vel, dtype=float)).copy()
    n = pos.shape[0]
    k = np.broadcast_to(np.asarray(k, dtype=float), (n,))
    out_p = np.full((n, 3), np.nan)
    out_v = np.full((n, 3), np.nan)
    out_t = np.full(n, np.nan)
    landed = pos[:, 2] <= ground_up_m
    out_p[landed], out_v[landed], out_t[landed] = pos[landed], vel[landed], 0.0
    active = ~landed
    t = 0.0
    while active.any() and t < t_max:
        idx = np.flatnonzero(active)
        p0, v0 = pos[idx], vel[idx]
        p1, v1 = rk4_step(p0, v0, dt, k[idx], drag, air)
        t += dt
        down = p1[:, 2] <= ground_up_m
        if down.any():
            f, crossing = level_crossing(p0[down], p1[down], ground_up_m)
            j = idx[down]
            out_p[j] = crossing
            out_v[j] = v0[down] + f[:, None] * (v1[down] - v0[down])
            out_t[j] = t - dt + f * dt
            active[j] = False
        pos[idx], vel[idx] = p1, v1
    return out_p, out_t, out_v
