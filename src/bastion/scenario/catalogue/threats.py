"""Threat types of the catalogue (THREATS): one-way-attack drones, rockets and mortar bombs, with the
public figures behind them (confidence legend: :mod:`bastion.scenario.catalogue`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_DEG = np.pi / 180.0


@dataclass(frozen=True)
class ThreatType:
    """A threat as the truth simulation flies it: a one-way-attack drone, a rocket or a mortar bomb.

    Drones use the guidance fields (cruise, turn, climb, dive); rockets and mortar bombs are point
    masses with a standard drag function from launch (the motor burn is short and treated as
    instantaneous: the rocket leaves the launcher at its burnout speed), aimed by the attacker at the
    target with a range and deflection error that grows with range (1-sigma fractions of the range).
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
            "Hopkinson-Cranz scaling) and debris figures are engineering placeholders (L)."
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
        launch_speed_mps=369.0,
        drag_function="G1",
        ballistic_coefficient=2.3,
        range_error=0.015,
        deflection_error=0.01,
        max_range_m=8_000.0,
        source=(
            "shared/domain/threats.md §1: range ~8 km (M); ~19 kg, ~1.3 kg HE, ~370 m/s max (L); BC 2.3 "
            "lb/in^2 (G1) = its sectional density (19 kg over 107 mm) with form factor 1, which with "
            "369 m/s gives the 8 km range at 44 deg; dispersion 1.5 % range / 1 % deflection (L); RCS, "
            "vulnerable radius (fuze and warhead section seen side-on, ~0.1 m^2) and P(kill|hit) placeholders (L); "
            "lethal radius ~12 W^(1/3)."
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
        launch_speed_mps=747.0,
        drag_function="G1",
        ballistic_coefficient=5.0,
        range_error=0.01,
        deflection_error=0.008,
        max_range_m=20_000.0,
        source=(
            "shared/domain/threats.md §1: range 1.6-20 km (M), 65-66 kg, warhead 18-27 kg (M), ~690 m/s "
            "max (L); BC 5.0 (G1) from its sectional density; 747 m/s burnout gives 20 km at 47 deg; "
            "other figures placeholders (L)."
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
            "0.001-0.01 m^2 (L); other figures placeholders (L)."
        ),
    ),
}
