"""Debris of destroyed threats: fragments falling ballistically, and warhead effects.

A drone destroyed in flight breaks into its airframe (most of its mass), a few light fragments and,
unless the hit set it off, its warhead. Each piece keeps the drone's velocity plus a random
separation velocity and falls as a point mass with quadratic drag (drag area over mass drawn
around the airframe's) in the true wind at its height (a wind profile is looked up with the density
at each step's mid-point height, :func:`bastion.physics.ballistics.rk4_step`; tested against scipy's
``solve_ivp`` in a sheared wind), until it reaches the ground. A warhead detonates in the
air when hit with its type's probability, else falls and fuzes on impact with another. Assumed
figures are the threat type's (shared/domain/threats.md, L).

Damage: a detonation damages every zone of positive value that lies within the warhead's lethal
radius of the burst point (Hopkinson–Cranz cube-root scaling of the lethal radius with charge mass
is used in the catalogue); open ground takes none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from bastion.physics.ballistics import Air, DragFunction, drag_factor_from_body, rk4_step
from bastion.physics.geometry import level_crossing
from bastion.scenario.catalogue import ThreatType
from bastion.scenario.compiled import ZoneArea

AIRFRAME, FRAGMENT, WARHEAD = 0, 1, 2
KIND_NAMES = ("airframe", "fragment", "warhead")


@dataclass
class Debris:
    """Falling pieces, truth. Arrays (D,) / (D, 3)."""

    pos: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    vel: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    k: np.ndarray = field(default_factory=lambda: np.zeros(0))
    kind: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    source: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # threat index
    fuzes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # warhead fuzes on impact
    rcs: np.ndarray = field(default_factory=lambda: np.zeros(0))
    id: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))

    _FIELDS = ("pos", "vel", "k", "kind", "source", "fuzes", "rcs", "id")

    def __len__(self) -> int:
        return int(self.k.size)

    def append(self, other: Debris) -> None:
        for name in self._FIELDS:
            setattr(self, name, np.concatenate([getattr(self, name), getattr(other, name)]))

    def keep(self, mask: np.ndarray) -> None:
        for name in self._FIELDS:
            setattr(self, name, getattr(self, name)[mask])


def break_up(
    threat: int,
    kind: ThreatType,
    pos: np.ndarray,
    vel: np.ndarray,
    rcs: float,
    next_id: int,
    warhead_detonated: bool,
    rng: np.random.Generator,
    n_fragments: int = 3,
) -> Debris:
    """Pieces of a threat destroyed at ``pos`` moving at ``vel``."""
    kinds = [AIRFRAME] + [FRAGMENT] * n_fragments + ([] if warhead_detonated else [WARHEAD])
    n = len(kinds)
    kinds_a = np.array(kinds)
    mass = np.where(
        kinds_a == AIRFRAME, 0.7 * kind.mass_kg, np.where(kinds_a == FRAGMENT, 0.05 * kind.mass_kg, kind.warhead_kg)
    )
    body_area = kind.cd_area_m2
    if body_area <= 0:  # rocket or mortar body: drag area from its ballistic coefficient (subsonic G1 C_D ~ 0.2)
        body_area = 2.0 * kind.mass_kg * 0.2 * np.pi / (8.0 * max(kind.ballistic_coefficient, 0.1) * 703.07)
    area = np.where(
        kinds_a == AIRFRAME,
        body_area,
        np.where(kinds_a == FRAGMENT, 0.1 * body_area, 0.01 * kind.warhead_kg ** (2 / 3)),
    )
    area = area * rng.lognormal(0.0, 0.3, n)
    dv = rng.normal(0.0, np.where(kinds_a == FRAGMENT, 15.0, 5.0)[:, None], (n, 3))
    return Debris(
        pos=np.broadcast_to(pos, (n, 3)).copy(),
        vel=vel + dv,
        k=drag_factor_from_body(area, mass),
        kind=kinds_a,
        source=np.full(n, threat),
        fuzes=(kinds_a == WARHEAD) & (rng.random(n) < kind.p_warhead_fuzes_on_ground),
        rcs=np.where(kinds_a == AIRFRAME, 0.5 * rcs, np.where(kinds_a == FRAGMENT, 0.05 * rcs, 0.1 * rcs)),
        id=np.arange(next_id, next_id + n),
    )


class DebrisPhysics:
    def __init__(self, air: Air) -> None:
        self.air = air
        self.drag = DragFunction.unit()

    def step(self, debris: Debris, dt: float) -> Debris:
        """Advance every piece by ``dt``; remove and return the pieces that reached the ground."""
        if len(debris) == 0:
            return Debris()
        p0 = debris.pos
        p1, v1 = rk4_step(p0, debris.vel, dt, debris.k, self.drag, self.air)
        down = p1[:, 2] <= 0.0
        debris.pos, debris.vel = p1, v1
        if not down.any():
            return Debris()
        _, p1[down] = level_crossing(p0[down], p1[down])
        landed = Debris(*(getattr(debris, name)[down] for name in Debris._FIELDS))
        debris.keep(~down)
        return landed


def damaged_zones(
    zones: tuple[ZoneArea, ...], burst: np.ndarray, lethal_radius_m: float
) -> list[tuple[ZoneArea, float]]:
    """Zones of positive value within the lethal radius of a detonation at ``burst`` (3,).

    Returns (zone, horizontal distance [m]) pairs; a burst higher than the lethal radius harms none.
    """
    if burst[2] > lethal_radius_m:
        return []
    reach = float(np.sqrt(max(lethal_radius_m**2 - burst[2] ** 2, 0.0)))
    point = shapely.Point(float(burst[0]), float(burst[1]))
    out = []
    for z in zones:
        if z.value <= 0 or z.kind == "open":
            continue
        d = float(shapely.distance(z.geometry, point))
        if d <= reach:
            out.append((z, d))
    return out
