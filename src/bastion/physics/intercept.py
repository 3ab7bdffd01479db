"""Intercept geometry shared by the truth side (an interceptor's fly-out) and the decision side (its
planning): when a straight-flying pursuer meets a constant-velocity target, and the closest approach
of two points moving straight over one step.
"""

from __future__ import annotations

import math

import numpy as np


def intercept_time(rel: np.ndarray, vel: np.ndarray, speed: float, delay: float = 0.0) -> float:
    """Smallest tau >= ``delay`` [s] with |rel + vel tau| = speed (tau - delay): when a pursuer leaving
    the origin ``delay`` seconds from now at ``speed`` [m/s] in a straight line meets a target now at
    ``rel`` (3,) [m] from it moving at ``vel`` (3,) [m/s]; inf when it never can.

    The quadratic (v.v - s^2) tau^2 + 2 (r.v + s^2 d) tau + (r.r - s^2 d^2) = 0 of the collision
    triangle; of its roots the smallest not before the departure."""
    rel = np.asarray(rel, dtype=float)
    vel = np.asarray(vel, dtype=float)
    a = float(vel @ vel) - speed * speed
    b = 2.0 * (float(rel @ vel) + speed * speed * delay)
    c = float(rel @ rel) - speed * speed * delay * delay
    if abs(a) < 1e-12:
        roots = [-c / b] if b != 0.0 else []
    else:
        disc = b * b - 4.0 * a * c
        if disc < -1e-12 * (b * b + abs(4.0 * a * c)):  # (a double root may round a hair below zero)
            return math.inf
        sq = math.sqrt(max(disc, 0.0))
        roots = [(-b - sq) / (2.0 * a), (-b + sq) / (2.0 * a)]
    good = [r for r in roots if r >= delay - 1e-9 and math.isfinite(r)]
    return max(min(good), delay) if good else math.inf


def closest_approach(p0: np.ndarray, p1: np.ndarray, q0: np.ndarray, q1: np.ndarray) -> tuple[float, float]:
    """(fraction s in [0, 1] of the step, distance [m]) of the closest approach of two points moving
    straight from ``p0`` to ``p1`` and from ``q0`` to ``q1`` over the same interval."""
    d0 = p0 - q0
    dv = (p1 - p0) - (q1 - q0)
    vv = float(dv @ dv)
    s = 0.0 if vv <= 0.0 else min(max(-float(d0 @ dv) / vv, 0.0), 1.0)
    return s, float(np.linalg.norm(d0 + s * dv))


def pure_pursuit_time(distance: float, target_speed: float, pursuer_speed: float, cos_aspect: float) -> float:
    """Capture time [s] of pure pursuit (the pursuer's velocity always along the line of sight) of a
    target flying straight at constant speed: T = d (k + cos a) / (v_t (k^2 - 1)), k = v_p / v_t > 1,
    ``cos_aspect`` the cosine of the angle between the target's velocity and the line of sight from
    the pursuer to the target at the start (the classical pursuit-curve result; e.g. Nahin, *Chases
    and Escapes*, Princeton 2007, ch. 1; Shneydor, *Missile Guidance and Pursuit*, 1998, §3.2).
    Independent of the interceptor's simulation: its tests compare the two."""
    if target_speed <= 0.0:
        return distance / pursuer_speed
    k = pursuer_speed / target_speed
    if k <= 1.0:
        return math.inf
    return distance * (k + cos_aspect) / (target_speed * (k * k - 1.0))
