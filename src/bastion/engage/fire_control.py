"""Fire control of a C-RAM gun: the lead solution and the kill probability of a burst.

Lead solution (the classical fire-control iteration, e.g. Weaver, *Fire control systems*; McCoy
1999 ch. 5): the round fired at ``t_f`` meets the target at ``t_f + T``, where ``T`` is the time of
flight to the target's predicted position at that instant. Starting from ``T = R / v0`` the
iteration predicts the target (constant velocity from the track state), shifts the aim point upwind
by the round's wind drift (lag rule), asks the firing table for the elevation and time of flight
to that point, and repeats; it converges in a few iterations because the target moves far slower
than the round. One target at a time, over the knots of a burst's aim schedule, as a compiled
loop (:mod:`bastion.engage.kernels`: a handful of knots, where numpy's per-call cost would dominate).

Kill probability of a burst of ``n`` rounds against a target of vulnerable radius ``R`` at range
``r``: the aim error common to the whole burst (track prediction error across the line of fire,
plus the mount's pointing bias) is a circular Gaussian of sigma ``s_c``; each round adds an
independent dispersion of sigma ``s_d``. Given the common offset ``b``, a round hits with
probability ``p(b) ~= R^2 / (2 s_d^2) exp(-|b|^2 / (2 s_d^2))`` (small target, Rayleigh offset), and
the burst kills with ``1 - (1 - p_kh p(b))^n``. Averaging over ``|b|^2 / (2 s_c^2) ~ Exp(1)`` is a
one-dimensional Gauss–Laguerre quadrature.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bastion.engage.kernels import lead_solution
from bastion.engage.safety import mount_violations
from bastion.event_types import FireControlLoop
from bastion.orders import AimUpdate, CeaseFire, FireOrder
from bastion.physics.ballistics import Air, DragFunction, drag_factor_from_bc
from bastion.physics.firing_table import FiringTable
from bastion.scenario.compiled import GunSite

_LAG_X, _LAG_W = np.polynomial.laguerre.laggauss(24)
_TABLES: dict[tuple, FiringTable] = {}
_NO_ACCEL = np.zeros(3)


def firing_table(gun: GunSite, air: Air) -> FiringTable:
    """The firing table of a gun type at a site (built once per type, altitude and temperature)."""
    gt = gun.type
    altitude = round(air.ground_altitude_m + gun.position[2], 0)
    key = (gt.name, altitude, round(air.delta_t_k, 1), round(air.pressure_ratio, 4))
    if key not in _TABLES:
        _TABLES[key] = FiringTable(
            v0=gt.muzzle_velocity,
            k=float(drag_factor_from_bc(gt.ballistic_coefficient)),
            drag=DragFunction.standard(gt.drag_function),
            air=Air(air.ground_altitude_m + gun.position[2], air.delta_t_k, pressure_ratio=air.pressure_ratio),
            t_max=gt.self_destruct_s,
            max_range_m=2_600.0,
            el_min=gt.min_elevation,
            el_max=gt.max_elevation,
        )
    return _TABLES[key]


@dataclass(frozen=True)
class LeadSolution:
    """Aim and intercept for targets x knots (shapes (..., K))."""

    azimuth: np.ndarray  # [rad] clockwise from north
    elevation: np.ndarray  # [rad]
    tof: np.ndarray  # [s]
    intercept: np.ndarray  # (..., K, 3) predicted target position at intercept
    slant_range: np.ndarray  # [m] gun to intercept
    valid: np.ndarray  # ballistic solution exists (within the self-destruct time)


class FireControl:
    """Fire-control computer of one gun."""

    def __init__(self, gun: GunSite, air: Air) -> None:
        self.gun = gun
        self.air = air
        self.table = firing_table(gun, air)
        # the compiled lead solution's per-gun constants
        self._gun_pos = np.asarray(gun.position, dtype=float)
        self._v0 = float(gun.type.muzzle_velocity)
        # the wind the fire control is told (its met message: ``air`` is the defence's, never the truth)
        self._h_tab = air.table()[0]
        self._wind_tab = air.wind_table()

    def lead(
        self, x: np.ndarray, t_state: float, t_fire: np.ndarray, iterations: int = 6, accel: np.ndarray | None = None
    ) -> LeadSolution:
        """Lead solution for one target state ``x`` (6,) at ``t_state`` [s] and fire times ``t_fire`` (K,) [s].

        The target is predicted with constant velocity, or with the constant acceleration ``accel``
        (3,) [m/s^2] where one is known — gravity and drag for a rocket or mortar round in free
        flight. The iteration runs compiled (:func:`bastion.engage.kernels.lead_solution`); only the
        azimuth is taken with numpy, from the last aim point."""
        t_fire = np.asarray(t_fire, dtype=float)
        k = t_fire.shape[0]
        rows = np.empty((5, k))  # aim east, aim north [m], elevation [rad], time of flight [s], slant range [m]
        target = np.empty((k, 3))
        valid = np.empty(k, dtype=bool)
        lead_solution(
            np.asarray(x, dtype=float),
            float(t_state),
            t_fire,
            _NO_ACCEL if accel is None else 0.5 * np.asarray(accel, dtype=float),
            accel is not None,
            self._gun_pos,
            self._v0,
            self._h_tab,
            self._wind_tab,
            self.table.kernel_table,
            iterations,
            rows,
            target,
            valid,
        )
        return LeadSolution(np.arctan2(rows[0], rows[1]), rows[2], rows[3], target, rows[4], valid)

    def burst_pk(
        self,
        slant_range: np.ndarray,
        cross_sigma_m: np.ndarray,
        n_rounds: int | np.ndarray,
        vulnerable_radius_m: float,
        p_kill_given_hit: float,
        bias_rad: float | np.ndarray | None = None,
    ) -> np.ndarray:
        """Kill probability of a burst of ``n_rounds`` (see module docstring); ``bias_rad`` [rad] is the
        mount's aim bias common to the burst, per axis (the gun type's pointing bias by default)."""
        gt = self.gun.type
        bias = gt.pointing_bias_rad if bias_rad is None else bias_rad
        r = np.maximum(np.asarray(slant_range, dtype=float), 1.0)
        sd = gt.dispersion_rad * r
        sc2 = np.asarray(cross_sigma_m, dtype=float) ** 2 + (np.asarray(bias, dtype=float) * r) ** 2
        c = vulnerable_radius_m**2 / (2.0 * sd**2)
        ratio = sc2 / sd**2
        # E over u ~ Exp(1): 1 - (1 - pkh * c * exp(-u * ratio))^n
        p = np.clip(c[..., None] * np.exp(-_LAG_X * ratio[..., None]), 0.0, 1.0) * p_kill_given_hit
        miss_all = (1.0 - p) ** np.asarray(n_rounds, dtype=float)[..., None]
        return 1.0 - np.sum(_LAG_W * miss_all, axis=-1)

    def closed_loop_pk(
        self,
        n_rounds: int,
        slant_range: float,
        tof: float,
        cross_sigma_m: float,
        vulnerable_radius_m: float,
        p_kill_given_hit: float,
        ballistic: bool,
    ) -> float:
        """Kill probability of a burst whose aim the mount's own radar closes (:class:`ClosedLoop`), as
        the fire-control computer can foresee it from its radar's figures: the burst's ``n_rounds``,
        fired at the gun's rate, fall in three parts (:func:`closed_loop_segments`),
        each a burst of its own aim error, and the burst kills if any part does.
        ``cross_sigma_m`` [m] is the C2 track's predicted error across the line of fire (the open
        loop's), ``slant_range`` [m] and ``tof`` [s] the intercept's; ``ballistic``: the target is a rocket or
        mortar bomb flying its predicted arc (the mount's track filter's process noise about it)."""
        gt = self.gun.type
        radar = gt.fire_control_radar
        if radar is None:
            return float(self.burst_pk(slant_range, cross_sigma_m, n_rounds, vulnerable_radius_m, p_kill_given_hit))
        counts, tracked, bias = closed_loop_segments(gt, radar, n_rounds, slant_range, tof, ballistic)
        cross = np.array([cross_sigma_m, tracked, tracked])
        pk = self.burst_pk(
            np.full(3, slant_range), cross, np.array(counts), vulnerable_radius_m, p_kill_given_hit, bias
        )
        return float(1.0 - np.prod(1.0 - pk))


# the mount radar's track, initialised from the C2 cue when the burst starts, is taken as settled
# after this many updates (a Kalman filter of position measurements reaches its steady state within
# a few updates when the measurement noise, ~1 m, is far below the cue's error, 5-30 m)
SETTLE_UPDATES = 3


def closed_loop_segments(gt, radar, n_rounds: int, slant_range: float, tof: float, ballistic: bool):
    """The three parts of a closed-loop burst of ``n_rounds`` at an intercept ``slant_range`` [m] and
    ``tof`` [s] away, as (round counts (3,), the settled track's aim error [m], per-part aim bias
    (3,) [rad]):

    1. rounds fired before the mount radar's track has settled (``SETTLE_UPDATES`` updates and its
       latency): aimed from the C2 cue, with the mount's pointing bias;
    2. rounds fired from then until the first measured misses (the first round's flight time, one
       update and the latency) correct the aim: the settled track's error
       (:func:`tracked_aim_sigma`), still with the pointing bias;
    3. the rest: the settled track's error and what the spotting leaves of the bias, the exponential
       average's steady state ``g / (2 - g)`` times the variance of one report's mean miss
       (each round's dispersion and its measurement noise over the rounds of a report).

    An approximation of :class:`ClosedLoop` for planning; tested against the simulated loop."""
    period = 1.0 / radar.rate_hz
    rate = gt.rate_of_fire
    t_track = SETTLE_UPDATES * period + radar.latency_s
    t_spot = tof + period + radar.latency_s
    n1 = min(n_rounds, math.ceil(t_track * rate))
    n2 = min(n_rounds - n1, max(math.ceil(t_spot * rate) - n1, 0))
    n3 = n_rounds - n1 - n2
    per_report = max(rate * period, 1.0)
    g = radar.spotting_gain
    residual = math.sqrt(g / (2.0 - g) * (gt.dispersion_rad**2 + radar.sigma_miss_rad**2) / per_report)
    q = radar.process_noise_ballistic if ballistic else radar.process_noise  # as ClosedLoop.open
    tracked = tracked_aim_sigma(radar.rate_hz, radar.sigma_angle_rad * slant_range, q, tof + radar.latency_s)
    return (n1, n2, n3), tracked, np.array([gt.pointing_bias_rad, gt.pointing_bias_rad, residual])


def tracked_aim_sigma(rate_hz: float, sigma_m: float, q: float, ahead_s: float) -> float:
    """Steady-state error [m] per axis of a constant-velocity Kalman filter's position predicted
    ``ahead_s`` [s] past an update, for position measurements of noise ``sigma_m`` [m] at
    ``rate_hz`` and white-noise acceleration ``q`` [m^2/s^3] (Bar-Shalom, Li & Kirubarajan 2001,
    §6.2.2 and §5.2.5: the steady state is the discrete algebraic Riccati equation's fixed point,
    reached here by iterating the filter's covariance recursion; tested against scipy's
    ``solve_discrete_are``). Cached on values rounded to 1 %."""
    return _tracked_aim_sigma(float(rate_hz), float(f"{sigma_m:.2g}"), float(q), round(float(ahead_s), 2))


@lru_cache(maxsize=4096)
def _tracked_aim_sigma(rate_hz: float, sigma_m: float, q: float, ahead_s: float) -> float:
    T = 1.0 / rate_hz
    r = max(sigma_m, 1e-6) ** 2
    q11, q12, q22 = q * T**3 / 3.0, q * T**2 / 2.0, q * T
    p11, p12, p22 = r, 0.0, r  # any positive start converges to the same fixed point
    for _ in range(10_000):
        # update with a position measurement, then predict one period (plain floats: a 2 x 2 recursion)
        s = p11 + r
        u11, u12, u22 = p11 * r / s, p12 * r / s, p22 - p12 * p12 / s
        n11 = u11 + 2.0 * T * u12 + T * T * u22 + q11
        n12 = u12 + T * u22 + q12
        n22 = u22 + q22
        done = abs(n11 - p11) <= 1e-13 * n11 and abs(n22 - p22) <= 1e-13 * n22
        p11, p12, p22 = n11, n12, n22
        if done:
            break
    s = p11 + r
    u11, u12, u22 = p11 * r / s, p12 * r / s, p22 - p12 * p12 / s
    a = ahead_s
    var = u11 + 2.0 * a * u12 + a * a * u22 + q * a**3 / 3.0
    return math.sqrt(var)


# -- closed-loop fire control ----------------------------------------------------------------------
_I3 = np.eye(3)
# [s] spacing of a re-aimed schedule's knots (the mount interpolates linearly between them). Close in
# the aim turns fast and not linearly: for a mortar bomb descending at ~200 m/s 150-300 m out the
# aim's angular acceleration reaches ~4.5 rad/s^2, and linear interpolation over a spacing h errs by
# up to h^2/8 of it: 12 mrad at the planner's 0.25 s (measured in raids: rounds passing 3-9 mrad below
# descending bombs, growing through the burst, which the spotting cannot see because it compares
# misses with the aim the current track gives), 0.8 mrad at 0.05 s, under half the gun's 2.2 mrad
# dispersion (tests/engage/test_mount_kill_assessment.py). Half the radar's 0.1 s period.
AIM_KNOT_S = 0.05
_GATE_CHI2_3 = 16.27  # chi-square, 3 degrees of freedom, 99.9 %: an FCR plot this far from the track is refused


@lru_cache(maxsize=64)
def _transition(dt: float, q: float) -> tuple[np.ndarray, np.ndarray]:
    """The CV transition matrix (6, 6) over ``dt`` [s] and the process noise of white-noise
    acceleration ``q`` [m^2/s^3] (read-only; the radar's period recurs, so they are built once)."""
    F = np.eye(6)
    F[:3, 3:] = dt * _I3
    a = abs(dt)
    Q = np.block([[a**3 / 3.0 * _I3, dt * dt / 2.0 * _I3], [dt * dt / 2.0 * _I3, a * _I3]]) * q
    F.flags.writeable = False
    Q.flags.writeable = False
    return F, Q


class FireControlTrack:
    """The fire-control computer's own track of its target from the mount's radar: a Kalman filter of
    position and velocity (6,) about a known acceleration ``accel`` (gravity and drag for a rocket or
    mortar bomb, none for a drone), with continuous white-noise acceleration of spectral density ``q``
    [m^2/s^3] (Bar-Shalom, Li & Kirubarajan 2001, §6.2.2: per axis ``Q = q [[T^3/3, T^2/2], [T^2/2, T]]``).
    Measurements are the radar's range, azimuth and elevation converted to ENU with their covariance
    carried through the conversion's Jacobian (converted-measurement filter; Bar-Shalom et al. §10.4).
    """

    def __init__(self, x: np.ndarray, P: np.ndarray, t: float, accel: np.ndarray | None, q: float) -> None:
        self.x = np.array(x, dtype=float)
        self.P = np.array(P, dtype=float)
        self.t = float(t)
        self.accel = np.zeros(3) if accel is None else np.asarray(accel, dtype=float)
        self.q = float(q)

    def predict(self, t: float) -> None:
        dt = float(t) - self.t
        if dt == 0.0:
            return
        F, Q = _transition(dt, self.q)
        self.x = F @ self.x
        self.x[:3] += 0.5 * dt * dt * self.accel
        self.x[3:] += dt * self.accel
        self.P = F @ self.P @ F.T + Q
        self.t = float(t)

    def update(self, z: np.ndarray, R: np.ndarray) -> bool:
        """Update with a position measurement ``z`` (3,) of covariance ``R`` (3, 3); False (and no
        update) when it falls outside the 99.9 % gate or is not finite."""
        innov = z - self.x[:3]
        S = self.P[:3, :3] + R
        if not (np.isfinite(innov).all() and np.isfinite(S).all()):
            return False
        Sinv = np.linalg.inv(S)
        if float(innov @ Sinv @ innov) > _GATE_CHI2_3:
            return False
        K = self.P[:, :3] @ Sinv
        self.x = self.x + K @ innov
        IKH = np.eye(6)
        IKH[:, :3] -= K
        self.P = IKH @ self.P @ IKH.T + K @ R @ K.T  # Joseph form
        return True


def converted_measurement(
    origin: np.ndarray, r: float, az: float, el: float, sigma_r: float, sigma_angle: float
) -> tuple[np.ndarray, np.ndarray]:
    """ENU position (3,) of a polar measurement from ``origin`` and its covariance (3, 3) by the
    Jacobian of the conversion (azimuth noise ``sigma_angle / cos(el)``, elevation ``sigma_angle``)."""
    ce, se, ca, sa = math.cos(el), math.sin(el), math.cos(az), math.sin(az)
    z = np.asarray(origin, dtype=float) + r * np.array([ce * sa, ce * ca, se])
    J = np.array(
        [
            [ce * sa, r * ce * ca, -r * se * sa],
            [ce * ca, -r * ce * sa, -r * se * ca],
            [se, 0.0, r * ce],
        ]
    )
    s_az = sigma_angle / max(ce, 0.05)
    return z, J @ np.diag([sigma_r**2, s_az**2, sigma_angle**2]) @ J.T


class BiasEstimator:
    """Closed-loop spotting: the aim bias (2,) [rad] (across the line of sight horizontally, and
    vertically) estimated from the measured misses of the burst's own rounds.

    Each report's misses, corrected for the difference between the aim each round was fired with
    and the aim the current track gives for it, sample the bias of the current solution; the estimate
    moves toward their mean by ``gain`` per report (an exponential average: after ``n`` reports a
    constant bias ``b`` is estimated as ``b (1 - (1 - gain)^n)``)."""

    def __init__(self, gain: float) -> None:
        self.gain = float(gain)
        self.bias = np.zeros(2)
        self.reports = 0

    def update(self, samples_across: np.ndarray, samples_up: np.ndarray) -> None:
        if not samples_across.size:
            return
        mean = np.array([samples_across.mean(), samples_up.mean()])
        if not np.isfinite(mean).all():
            return
        self.bias += self.gain * (mean - self.bias)
        self.reports += 1


@dataclass
class _Loop:
    order: FireOrder
    fc: FireControl
    track: FireControlTrack
    accel: np.ndarray | None
    bias: BiasEstimator
    schedules: list  # the aim schedules commanded: (t_from, FireOrder or AimUpdate), oldest first
    plan_azimuth: np.ndarray  # the order's knots' azimuths, unwrapped (the planned schedule, interpolated)
    accel_of: Callable[[np.ndarray], np.ndarray] | None = None  # free-flight acceleration at a state
    updates: int = 0
    plots: int = 0
    misses: int = 0
    refused: int = 0
    unsafe: int = 0  # re-aimed schedules the safety checks refused (the burst kept its last one)
    unseen: int = 0  # consecutive reports without a plot of the target accepted (none yet: since the lock)


class ClosedLoop:
    """Closed-loop fire control of a site's guns: per burst in progress, the mount radar's reports in,
    new aim schedules for the rest of the burst out.

    At every report: predict the fire-control track to the report's time and update it with the
    radar's plot; fold the measured misses into the bias estimate; then re-solve the lead for the
    rest of the burst (knots every ``knot_s`` from the instant the correction can reach the mount,
    the report's time plus the radar's ``latency_s``) from the filtered track, minus the estimated
    bias. Fail safe: a correction is limited about the planned schedule to the angle the radar's
    acquisition gate subtends at the intercept (a larger one cannot come from the object the radar
    locked on near the cue), and a schedule that is not finite, leaves the mount's arc, elevation
    limits or no-fire sectors, or fails the site's checks (``check``: the lines of fire clear of civil
    aircraft, terrain, the fall of shot; :meth:`bastion.engage.planning.BurstPlanner.check_schedule`)
    is not sent (the burst keeps its last schedule).

    The mount assesses its own kill: after ``cease_after_looks`` reports running (the radar type's)
    without a plot of the target accepted — the target destroyed, or never in the acquisition gate,
    or lost — the loop sends a :class:`~bastion.orders.CeaseFire` for the rest of the burst instead
    of a schedule, and ends. The C2's own kill assessment of the engagement is unchanged by it."""

    def __init__(self, fire_control: list[FireControl], knot_s: float = AIM_KNOT_S) -> None:
        self.fire_control = fire_control
        self.knot_s = knot_s
        self.loops: dict[int, _Loop] = {}  # order id -> loop
        # the site's safety checks of a re-aimed schedule (gun, knots, azimuth, elevation, intercept
        # points, rounds) -> why not, "" when safe; None: the mount's own checks only
        self.check: Callable[[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int], str] | None = None

    def open(
        self,
        order: FireOrder,
        x: np.ndarray,
        P: np.ndarray,
        t: float,
        accel: np.ndarray | None,
        accel_of: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        """A burst was ordered from the track state ``x``, ``P`` at ``t``, predicted with ``accel``;
        ``accel_of``: the target's acceleration [m/s^2] (3,) at a state (6,) (a rocket's or mortar
        bomb's gravity and drag at its speed: re-evaluated at every update, so the drag follows the
        round's speed through the burst instead of staying what it was at the order)."""
        fc = self.fire_control[order.gun]
        radar = fc.gun.type.fire_control_radar
        if radar is None:
            return
        # (a loop whose radar never reported, as behind a live feed with no mount radar, lapses)
        for oid in [k for k, lp in self.loops.items() if lp.order.t_end < t - 30.0]:
            del self.loops[oid]
        q = radar.process_noise if accel is None else radar.process_noise_ballistic
        track = FireControlTrack(x, P, t, accel, q)
        self.loops[order.order_id] = _Loop(
            order,
            fc,
            track,
            accel,
            BiasEstimator(radar.spotting_gain),
            [(-math.inf, order)],
            np.unwrap(order.knot_azimuth),
            accel_of=accel_of if accel is not None else None,
        )

    def on_reports(self, reports) -> tuple[list[AimUpdate], list[FireControlLoop]]:
        updates, events = [], []
        for rep in reports:
            loop = self.loops.get(rep.order_id)
            if loop is None:
                continue
            update = self._report(loop, rep)
            if update is not None:
                updates.append(update)
            ceased = update.reason if isinstance(update, CeaseFire) else ""
            if rep.final or ceased:
                del self.loops[rep.order_id]
                events.append(
                    FireControlLoop(
                        order=rep.order_id,
                        gun=loop.fc.gun.name,
                        plots=loop.plots,
                        plots_refused=loop.refused,
                        aims_refused_unsafe=loop.unsafe,
                        misses_measured=loop.misses,
                        aim_updates=loop.updates,
                        bias_mrad=[round(float(b) * 1e3, 2) for b in loop.bias.bias],
                        ceased=ceased,
                    )
                )
        return updates, events

    def _commanded(self, loop: _Loop, t_fire: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The aim each round fired at ``t_fire`` was commanded with (the latest schedule in force)."""
        az = np.empty(t_fire.size)
        el = np.empty(t_fire.size)
        starts = np.array([s for s, _ in loop.schedules])
        which = np.searchsorted(starts, t_fire + 1e-9, side="right") - 1
        for k in np.unique(which):
            rows = which == k
            az[rows], el[rows] = loop.schedules[int(k)][1].aim_at(t_fire[rows])
        return az, el

    def _report(self, loop: _Loop, rep) -> AimUpdate | CeaseFire | None:
        fc = loop.fc
        gun = fc.gun
        radar = gun.type.fire_control_radar
        track = loop.track
        track.predict(rep.t)
        accepted = False
        if rep.detected:
            z, R = converted_measurement(
                gun.position, rep.range, rep.azimuth, rep.elevation, radar.sigma_range_m, radar.sigma_angle_rad
            )
            accepted = track.update(z, R)
            if accepted:
                loop.plots += 1
            else:
                loop.refused += 1
        loop.unseen = 0 if accepted else loop.unseen + 1
        order = loop.order
        if radar.cease_after_looks and loop.unseen >= radar.cease_after_looks and not rep.final:
            why = "target no longer seen" if loop.plots else "target not acquired"
            reason = f"{why} by the mount's radar for {loop.unseen} looks"
            return CeaseFire(order.gun, order.order_id, float(rep.t + radar.latency_s), reason)
        if loop.accel_of is not None:
            a = np.asarray(loop.accel_of(track.x), dtype=float)
            if np.isfinite(a).all():
                loop.accel = track.accel = a
        if rep.n_misses:
            loop.misses += rep.n_misses
            ideal = fc.lead(track.x, track.t, rep.miss_t_fire, accel=loop.accel)
            cmd_az, cmd_el = self._commanded(loop, rep.miss_t_fire)
            d_az = (cmd_az - ideal.azimuth + np.pi) % (2 * np.pi) - np.pi
            ok = ideal.valid
            loop.bias.update(
                (rep.miss_across - d_az * np.cos(ideal.elevation))[ok], (rep.miss_up - (cmd_el - ideal.elevation))[ok]
            )
        t_from = rep.t + radar.latency_s
        if rep.final or t_from > order.t_end:
            return None
        knots = t_from + np.arange(0.0, order.t_end - t_from + self.knot_s, self.knot_s)
        if knots.size < 2:
            knots = np.array([t_from, t_from + self.knot_s])
        sol = fc.lead(track.x, track.t, knots, accel=loop.accel)
        if not sol.valid.all():
            return None
        el = sol.elevation - loop.bias.bias[1]
        az = sol.azimuth - loop.bias.bias[0] / np.maximum(np.cos(el), 0.05)
        plan_az = np.interp(knots, order.knot_t, loop.plan_azimuth)  # = order.aim_at(knots), unwrapped once
        plan_el = np.interp(knots, order.knot_t, order.knot_elevation)
        # the radar locked on within its acquisition gate of the cue: no consistent correction moves
        # the aim further from the plan than that gate seen from the gun
        limit = np.minimum(radar.acquisition_gate_m / np.maximum(sol.slant_range, 1.0), math.pi / 2)
        d_az = np.clip((az - plan_az + np.pi) % (2 * np.pi) - np.pi, -limit, limit)
        el = plan_el + np.clip(el - plan_el, -limit, limit)
        az = plan_az + d_az
        if not (np.isfinite(az).all() and np.isfinite(el).all()) or mount_violations(gun, az, el):
            return None
        if self.check is not None:
            rounds = int((order.t_end - t_from) * gun.type.rate_of_fire) + 1
            if self.check(order.gun, knots, az, el, sol.intercept, rounds):
                loop.unsafe += 1
                return None
        update = AimUpdate(order.gun, order.order_id, float(t_from), knots, az, el)
        loop.schedules.append((float(t_from), update))
        loop.updates += 1
        return update
