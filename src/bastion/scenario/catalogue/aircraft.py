"""Aircraft types of the catalogue: civil airliners (AIRCRAFT) and own aircraft without ADS-B
(FRIENDLIES), with the public figures behind them (confidence legend: :mod:`bastion.scenario.catalogue`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AircraftType:
    """A civil aircraft type for synthetic traffic."""

    name: str
    description: str
    rcs_m2: float
    swerling: int
    approach_speed_mps: float
    rotate_speed_mps: float
    climb_speed_mps: float
    climb_gradient: float  # [rad] initial climb path angle
    takeoff_accel_mps2: float
    rollout_decel_mps2: float
    vulnerable_radius_m: float  # sphere within which a round strikes the airframe
    adsb_nacp: int
    source: str = ""


@dataclass(frozen=True)
class FriendlyType:
    """Own aircraft that do not broadcast ADS-B (truth side): a small UAS or a helicopter.

    Flown at a constant ground speed along its route; ``iff_mode5`` is whether the type usually
    carries a Mode 5 transponder (a scenario entry can say otherwise). The probability that an
    interrogation's reply is decoded with a plot belongs to the interrogator (``RadarType.p_iff_reply``)."""

    name: str
    description: str
    rcs_m2: float
    swerling: int
    cruise_speed_mps: float
    vulnerable_radius_m: float
    iff_mode5: bool
    source: str = ""


AIRCRAFT: dict[str, AircraftType] = {
    "a320": AircraftType(
        name="a320",
        description="Narrow-body airliner (A320 / B737 class)",
        rcs_m2=20.0,
        swerling=1,
        approach_speed_mps=70.0,
        rotate_speed_mps=75.0,
        climb_speed_mps=85.0,
        climb_gradient=np.arctan(0.08),
        takeoff_accel_mps2=2.0,
        rollout_decel_mps2=1.8,
        vulnerable_radius_m=18.0,
        adsb_nacp=9,
        source=(
            "Approach ~135 kt, rotate ~145 kt, 8 % initial climb: typical narrow-body figures (L); "
            "RCS 10-30 m^2 (L); ADS-B NACp 8-10 at BIAP assumed (shared/domain/sensors.md §3, L)."
        ),
    ),
    "b777": AircraftType(
        name="b777",
        description="Wide-body airliner (B777 / A330 class)",
        rcs_m2=40.0,
        swerling=1,
        approach_speed_mps=75.0,
        rotate_speed_mps=85.0,
        climb_speed_mps=90.0,
        climb_gradient=np.arctan(0.07),
        takeoff_accel_mps2=1.7,
        rollout_decel_mps2=1.7,
        vulnerable_radius_m=32.0,
        adsb_nacp=9,
        source="Typical wide-body figures (L).",
    ),
}


FRIENDLIES: dict[str, FriendlyType] = {
    "friendly-suas": FriendlyType(
        name="friendly-suas",
        description="Own small fixed-wing UAS (Group 2, ScanEagle class) returning to its base",
        rcs_m2=0.05,
        swerling=1,
        cruise_speed_mps=28.0,
        vulnerable_radius_m=0.6,
        iff_mode5=False,
        source=(
            "RCS 0.05 m^2 (-13 dBsm): small UAVs -20 to -8 dBsm at 24 GHz (shared/domain/ram-and-layers.md "
            "§7, M), the same as the OWA drone on purpose: RCS does not tell them apart; cruise 28 m/s "
            "(~55 kt, ScanEagle-class, L); no Mode 5: small friendly UAS usually carry none "
            "(ram-and-layers.md §5, assumption L)."
        ),
    ),
    "friendly-helicopter": FriendlyType(
        name="friendly-helicopter",
        description="Own utility helicopter (UH-60 class), ADS-B off",
        rcs_m2=10.0,
        swerling=1,
        cruise_speed_mps=70.0,
        vulnerable_radius_m=8.0,
        iff_mode5=True,
        source=(
            "cruise ~140 kt = 70 m/s (UH-60 class, L); RCS 10 m^2 (assumption L, not public); "
            "carries Mode 5 as military aircraft do (ram-and-layers.md §5, M); vulnerable radius 8 m "
            "(half the rotor span, L)."
        ),
    ),
}
