"""Threat types of the catalogue (THREATS): one-way-attack drones, rockets and mortar bombs, with the
public figures behind them (confidence legend: :mod:`bastion.scenario.catalogue`), and how each is
guided (GUIDANCE: what a jammer can do to it, issue 19)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from bastion.physics.rocket import Motor

_DEG = np.pi / 180.0


@dataclass(frozen=True)
class ThreatType:
    """A threat as the truth simulation flies it: a one-way-attack drone, a rocket or a mortar bomb.

    Drones use the guidance fields (cruise, turn, climb, dive); rockets and mortar bombs are point
    masses with a standard drag function, aimed by the attacker at the target with a range and
    deflection error that grows with range (1-sigma fractions of the range). A mortar bomb leaves the
    tube at ``launch_speed_mps``; a rocket with a ``motor`` burns it after leaving its rail
    (:mod:`bastion.physics.rocket`: thrust, burning mass, weathercocking), ``mass_kg`` being its launch
    mass and ``ballistic_coefficient`` that of the burnt-out body (its ``launch_speed_mps`` is then the
    model's burnout speed at 45 deg in still air, for reference and for arcs made without the motor).
    """

    name: str
    description: str
    kind: str  # "drone" | "rocket" | "mortar"
    rcs_m2: float
    swerling: int
    vulnerable_radius_m: float  # a round passing within this radius hits
    p_kill_given_hit: float
    warhead_kg: float
    lethal_radius_m: float
    mass_kg: float
    # drones
    cruise_speed_mps: tuple[float, float] = (0.0, 0.0)  # range drawn uniformly per threat when not given
    dive_speed_mps: float = 0.0
    cruise_altitude_m: tuple[float, float] = (0.0, 0.0)  # AGL, range drawn uniformly when not given
    max_turn_rate: float = 0.0  # [rad/s]
    max_climb_rate: float = 0.0  # [m/s]
    dive_angle: float = 0.0  # [rad] below horizontal, terminal dive
    cd_area_m2: float = 0.0  # drag area of the airframe when it falls as debris
    p_warhead_detonates_when_hit: float = 0.5
    p_warhead_fuzes_on_ground: float = 0.5
    navigation_sigma_m: float = 0.0  # GPS waypoint navigation error, 1 sigma per horizontal axis
    # rockets and mortars
    launch_speed_mps: float = 0.0
    drag_function: str = "G1"
    ballistic_coefficient: float = 0.0  # [lb/in^2]
    range_error: float = 0.0  # 1-sigma range error as a fraction of range
    deflection_error: float = 0.0  # 1-sigma deflection error as a fraction of range
    high_angle: bool = False  # mortars fire above 45 degrees
    max_range_m: float = 0.0
    source: str = ""
    motor: Motor | None = None  # a rocket's motor (None: the launch speed is reached in the tube)

    @property
    def ballistic(self) -> bool:
        return self.kind in ("rocket", "mortar")


THREATS: dict[str, ThreatType] = {
    "owa-fixed-wing": ThreatType(
        name="owa-fixed-wing",
        description="Small fixed-wing one-way-attack drone (Samad-3 / KAS-04 class), GPS waypoints",
        kind="drone",
        cruise_speed_mps=(42.0, 56.0),
        dive_speed_mps=72.0,
        cruise_altitude_m=(60.0, 250.0),
        max_turn_rate=15 * _DEG,
        max_climb_rate=5.0,
        dive_angle=30 * _DEG,
        rcs_m2=0.05,
        swerling=1,
        vulnerable_radius_m=0.6,
        p_kill_given_hit=0.7,
        warhead_kg=10.0,
        lethal_radius_m=25.0,
        mass_kg=60.0,
        cd_area_m2=0.6,
        p_warhead_detonates_when_hit=0.4,
        p_warhead_fuzes_on_ground=0.5,
        navigation_sigma_m=5.0,
        source=(
            "shared/domain/threats.md §3: cruise 150-200 km/h = 42-56 m/s (M), terminal dive up to "
            "260 km/h = 72 m/s (M), altitude 50-300 m AGL 'fly too low' (M), warhead 5-30 kg (L, "
            "10 kg here), RCS 0.05 m^2 (L), wingspan 2.5-4.5 m (M); vulnerable radius (engine, "
            "warhead, fuel: 0.6 m), P(kill|hit) 0.7, lethal radius 25 m (~12 W^(1/3), "
            "Hopkinson-Cranz scaling) and debris figures are engineering placeholders (L). Guidance: GPS "
            "waypoints, no RF link (threats.md §3, M): the autopilot holds its ground track in wind."
        ),
    ),
    "rocket-107": ThreatType(
        name="rocket-107",
        description="107 mm artillery rocket (Type 63 family, Iranian/Iraqi copies)",
        kind="rocket",
        rcs_m2=0.03,
        swerling=3,
        vulnerable_radius_m=0.2,
        p_kill_given_hit=0.6,
        warhead_kg=1.3,
        lethal_radius_m=13.0,
        mass_kg=19.0,
        launch_speed_mps=370.0,
        drag_function="G1",
        ballistic_coefficient=1.98,
        range_error=0.015,
        deflection_error=0.01,
        max_range_m=8_000.0,
        motor=Motor(burn_time_s=0.9, propellant_kg=3.09, specific_impulse_s=220.0, rail_length_m=0.9),
        source=(
            "shared/domain/threats.md §1: range ~8 km (M); ~19 kg, ~1.3 kg HE, ~370 m/s max (L); "
            "ram-and-layers.md §2.1: burn 0.7-1.2 s (L, 0.9 s here); motor: double-base propellant, "
            "specific impulse 220 s (Sutton & Biblarz, Rocket Propulsion Elements, 8th ed., Table 12-2: "
            "double-base 220-230 s; the low end, L); propellant 3.09 kg: what the model needs to reach the "
            "published ~370 m/s at burnout at 45 deg (derived from an L figure, L); leaves a 0.9 m tube "
            "(the Type 63 launcher's, ~the rocket's 0.84 m length, L); BC 1.98 lb/in^2 (G1) = the "
            "burnt-out body's sectional density (15.9 kg over 107 mm) with form factor 1 (L). The model's "
            "maximum range: 7.7 km at 45.5 deg (published ~8 km, M; tested within 10 %). Dispersion 1.5 % "
            "range / 1 % deflection (L); RCS, vulnerable radius (fuze and warhead section seen side-on, "
            "~0.1 m^2) and P(kill|hit) placeholders (L); lethal radius ~12 W^(1/3)."
        ),
    ),
    "rocket-122": ThreatType(
        name="rocket-122",
        description="122 mm artillery rocket (9M22 Grad family)",
        kind="rocket",
        rcs_m2=0.08,
        swerling=3,
        vulnerable_radius_m=0.25,
        p_kill_given_hit=0.5,
        warhead_kg=20.0,
        lethal_radius_m=33.0,
        mass_kg=66.0,
        launch_speed_mps=759.0,
        drag_function="G1",
        ballistic_coefficient=4.35,
        range_error=0.01,
        deflection_error=0.008,
        max_range_m=20_000.0,
        motor=Motor(burn_time_s=1.88, propellant_kg=20.45, specific_impulse_s=220.0, rail_length_m=3.0),
        source=(
            "shared/domain/threats.md §1: range 1.6-20 km (M-21OF 20.4 km) (M), 65-66 kg, warhead 18-27 kg "
            "(M), ~690 m/s max (L, unverified); ram-and-layers.md §2.1: 9M22 motor burns 1.88 s, "
            "propellant 20.45 kg (M); specific impulse 220 s (double-base, Sutton & Biblarz Table 12-2, "
            "the low end, L); leaves the BM-21's 3 m tube (L); BC 4.35 lb/in^2 (G1) = the burnt-out "
            "body's sectional density (45.6 kg over 122 mm) with form factor 1 (L). The model: burnout "
            "759 m/s at 45 deg (10 % above the unverified ~690 m/s), maximum range 19.6 km at 48.5 deg "
            "(published 20.4 km, M; tested within 10 %). Other figures placeholders (L)."
        ),
    ),
    "mortar-60": ThreatType(
        name="mortar-60",
        description="60 mm mortar bomb",
        kind="mortar",
        rcs_m2=0.005,
        swerling=3,
        vulnerable_radius_m=0.08,
        p_kill_given_hit=0.7,
        warhead_kg=0.2,
        lethal_radius_m=8.0,
        mass_kg=1.7,
        launch_speed_mps=235.0,
        drag_function="G1",
        ballistic_coefficient=0.86,
        range_error=0.01,
        deflection_error=0.006,
        high_angle=True,
        max_range_m=3_500.0,
        source=(
            "shared/domain/threats.md §2 (all L): max range ~3.5 km, 1.5-2 kg, muzzle velocity 100-350 "
            "m/s (235 here), RCS ~0.01 m^2; BC 0.86 (G1) calibrated to 3.5 km at 235 m/s."
        ),
    ),
    "mortar-81": ThreatType(
        name="mortar-81",
        description="81/82 mm mortar bomb",
        kind="mortar",
        rcs_m2=0.01,
        swerling=3,
        vulnerable_radius_m=0.1,
        p_kill_given_hit=0.7,
        warhead_kg=0.7,
        lethal_radius_m=11.0,
        mass_kg=4.0,
        launch_speed_mps=265.0,
        drag_function="G1",
        ballistic_coefficient=1.59,
        range_error=0.01,
        deflection_error=0.006,
        high_angle=True,
        max_range_m=5_000.0,
        source="shared/domain/threats.md §2 (all L): ~4-6 km, 3-4 kg; BC 1.59 (G1) calibrated to 5 km at 265 m/s.",
    ),
    "mortar-120": ThreatType(
        name="mortar-120",
        description="120 mm mortar bomb",
        kind="mortar",
        rcs_m2=0.02,
        swerling=3,
        vulnerable_radius_m=0.15,
        p_kill_given_hit=0.6,
        warhead_kg=2.5,
        lethal_radius_m=16.0,
        mass_kg=14.0,
        launch_speed_mps=320.0,
        drag_function="G1",
        ballistic_coefficient=2.27,
        range_error=0.01,
        deflection_error=0.006,
        high_angle=True,
        max_range_m=7_000.0,
        source="shared/domain/threats.md §2 (all L): ~7 km, 13-15 kg; BC 2.27 (G1) calibrated to 7 km at 320 m/s.",
    ),
    "quadcopter": ThreatType(
        name="quadcopter",
        description="Modified hobby quadcopter carrying a small bomb",
        kind="drone",
        cruise_speed_mps=(12.0, 20.0),
        dive_speed_mps=20.0,
        cruise_altitude_m=(30.0, 120.0),
        max_turn_rate=60 * _DEG,
        max_climb_rate=5.0,
        dive_angle=60 * _DEG,
        rcs_m2=0.01,
        swerling=1,
        vulnerable_radius_m=0.25,
        p_kill_given_hit=0.9,
        warhead_kg=1.0,
        lethal_radius_m=10.0,
        mass_kg=5.0,
        cd_area_m2=0.15,
        p_warhead_detonates_when_hit=0.5,
        p_warhead_fuzes_on_ground=0.5,
        navigation_sigma_m=3.0,
        source=(
            "shared/domain/threats.md §3: Kadhimi residence 2021 modified quadcopter (H); RCS "
            "0.001-0.01 m^2 (L); other figures placeholders (L). Guidance: GNSS waypoints and position "
            "hold, as hobby flight controllers fly (assumed, L)."
        ),
    ),
}


# -- guidance (issue 19): what jamming does to each threat type ------------------------------------------
Control = Literal["gnss-waypoints", "rf-link", "dead-reckoning", "ballistic"]
CONTROLS: tuple[str, ...] = ("gnss-waypoints", "rf-link", "dead-reckoning", "ballistic")


@dataclass(frozen=True)
class Guidance:
    """How a threat type is guided, and so what jamming does to it (truth side).

    * ``gnss-waypoints``: flies pre-programmed GNSS waypoints with no radio link (a one-way-attack
      drone). An RF (control-link) jammer does nothing to it. A GNSS jammer denies its satellite
      fixes: it navigates on its inertial sensors and its position error grows as
      ``0.5 * b * tau**2`` (tau: time since the last fix; b: its accelerometer bias, drawn per drone
      and per denial, Gaussian with ``ins_bias_mps2`` per horizontal axis; Groves, *Principles of
      GNSS, Inertial, and Multisensor Integrated Navigation Systems*, 2nd ed. 2013, §5.7: the
      position error of unaided inertial navigation from a constant accelerometer bias). A fix
      returns as soon as it leaves the footprint (the error then vanishes).
    * ``rf-link``: flown by a pilot over a radio link (a modified hobby quadcopter, an FPV drone).
      Inside an RF jammer's footprint it loses its link after ``link_timeout_s`` and its fail-safe
      takes over: it hovers ``hover_s``, then returns to its launch point on GNSS and lands there;
      if GNSS is denied too it cannot return and lands where it is. The link comes back when it
      leaves the footprint; a drone still hovering then resumes its mission (one already returning
      does not). GNSS jamming alone does not stop it (the pilot flies it by eye or by camera).
    * ``dead-reckoning``: no GNSS at all (a scenario's choice, e.g. a drone flown where GNSS is
      denied all night): it flies the headings and airspeed of its plan and drifts with the wind at
      its height (:mod:`bastion.world.drones`); no jammer changes its flight.
    * ``ballistic``: a rocket or mortar bomb; no jammer has any effect.

    The wind (:mod:`bastion.world.drones`): a ``gnss-waypoints`` or ``rf-link`` drone holds its
    ground track by crabbing (its autopilot knows where it is over the ground; a pilot's flight
    controller holds position on GNSS); only ``dead-reckoning`` drifts. A GNSS-waypoints drone denied
    by a jammer drifts by its inertial error (above), not by the wind (a simplification: its
    inertial navigation measures its motion over the ground, wind included, until the bias grows).
    """

    control: Control
    ins_bias_mps2: float = 0.0  # 1-sigma accelerometer bias per horizontal axis [m/s^2]
    link_timeout_s: float = 0.0  # [s] link lost this long before the fail-safe acts
    hover_s: float = 0.0  # [s] the fail-safe hovers this long before returning home
    source: str = ""


INS_BIAS_MPS2 = 0.05
"""1-sigma accelerometer bias [m/s^2] per horizontal axis of a small attack drone's inertial sensors
(MEMS grade). Placeholder (L), derived from the one public figure: ram-and-layers.md §4 "GNSS jamming
pushes [one-way attack drones] onto INS, giving miss distances that grow at roughly 1-5 % of distance
flown" (assumption L). At 50 m/s after 60 s denied (3 km flown) 1-5 % is 30-150 m; 0.5 b tau^2 with
tau = 60 s gives b = 0.017-0.083 m/s^2: 0.05 is the middle. The error then grows quadratically with
time (Groves 2013 §5.7), so the percentage is not constant: 1 % of distance after 20 s, 3 % after 60 s."""

GUIDANCE: dict[str, Guidance] = {
    "owa-fixed-wing": Guidance(
        control="gnss-waypoints",
        ins_bias_mps2=INS_BIAS_MPS2,
        source=(
            "threats.md §3: Samad-3 / KAS-04 class fly GPS waypoints (M); ram-and-layers.md §4: link "
            "jamming does not stop preprogrammed one-way-attack drones (assumption L); INS drift: "
            "INS_BIAS_MPS2 (L)."
        ),
    ),
    "quadcopter": Guidance(
        control="rf-link",
        ins_bias_mps2=INS_BIAS_MPS2,
        link_timeout_s=2.0,
        hover_s=10.0,
        source=(
            "ram-and-layers.md §4: consumer drones that lose the link usually hover and then return "
            "home on GNSS (M); the 2 s link time-out and 10 s hover are placeholders (L: consumer "
            "fail-safe defaults, not public as figures)."
        ),
    ),
}
BALLISTIC_GUIDANCE = Guidance(control="ballistic", source="rockets and mortar bombs: unguided")


def guidance_of(threat_type: str, kind: str) -> Guidance:
    """The guidance of a threat type by name; rockets and mortars are ``ballistic``; a drone type with
    no entry flies GNSS waypoints (the one-way-attack case, on which an RF jammer does nothing)."""
    if kind in ("rocket", "mortar"):
        return BALLISTIC_GUIDANCE
    return GUIDANCE.get(threat_type, GUIDANCE["owa-fixed-wing"])
