"""Gun types of the catalogue (GUNS): the C-RAM mounts and their rounds, with the public figures behind
them (confidence legend: :mod:`bastion.scenario.catalogue`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bastion.scenario.catalogue.radars import FIRE_CONTROL_RADARS, FireControlRadarType

_DEG = np.pi / 180.0
_MRAD = 1e-3


@dataclass(frozen=True)
class GunType:
    """A C-RAM gun mount and its round."""

    name: str
    description: str
    rate_of_fire: float  # [rounds/s]
    spin_up_s: float  # [s] from fire command to full rate
    reaction_s: float  # [s] fire-control latency from decision to first round (excl. slew)
    muzzle_velocity: float  # [m/s]
    sigma_muzzle_velocity: float  # [m/s] round-to-round
    drag_function: str  # BRL standard drag function of the round
    ballistic_coefficient: float  # [lb/in^2] relative to ``drag_function``
    self_destruct_s: float  # [s] time of flight at which the round self-destructs
    dud_fraction: float  # fraction of rounds whose self-destruct fails (they fall intact)
    max_engage_range_m: float  # doctrine: no intercept planned beyond this slant range
    magazine: int  # [rounds]
    slew_rate_az: float  # [rad/s]
    slew_rate_el: float  # [rad/s]
    min_elevation: float  # [rad]
    max_elevation: float  # [rad]
    dispersion_rad: float  # round-to-round angular dispersion, 1 sigma per axis
    pointing_bias_rad: float  # burst-to-burst mount pointing error, 1 sigma per axis
    burst_s: float  # default burst length [s]
    source: str = ""
    # the mount's own fire-control radar (closed-loop fire control); None: the gun has none
    fire_control_radar: FireControlRadarType | None = None
    c2_latency_s: float = 0.0  # [s] sensor -> C2 -> gun: a fire order reaches the mount this long after its scan
    # [s] from the last round of an empty magazine to a full one again (crew reload); inf: never
    reload_s: float = float("inf")


GUNS: dict[str, GunType] = {
    "lpws": GunType(
        name="lpws",
        description="Land-based Phalanx Weapon System (Centurion C-RAM): M61A1 20 mm, M940 MPT-SD",
        rate_of_fire=75.0,
        spin_up_s=0.5,
        reaction_s=2.0,
        muzzle_velocity=1050.0,
        sigma_muzzle_velocity=5.0,
        drag_function="G2",
        ballistic_coefficient=0.42,
        self_destruct_s=3.2,
        dud_fraction=0.02,
        max_engage_range_m=1500.0,
        magazine=1550,
        slew_rate_az=100 * _DEG,
        slew_rate_el=90 * _DEG,
        min_elevation=-10 * _DEG,
        max_elevation=85 * _DEG,
        dispersion_rad=2.2 * _MRAD,
        pointing_bias_rad=0.7 * _MRAD,
        burst_s=2.0,
        reload_s=600.0,
        source=(
            "reload 600 s: not public (assumption L: a crew exchanging the drum magazine of a land "
            "Phalanx, minutes not seconds; the gun fires nothing meanwhile); "
            "shared/domain/guns.md §1: 4,500 rds/min = 75 rds/s (H); spin-up 0.5 s (M); muzzle "
            "velocity ~1,050 m/s (M); M940 self-destruct at ~2 km, TOF 3-4 s (L): the G2 "
            "(artillery-shell) drag function with BC 0.42 lb/in^2 gives 3.1 s to 2 km, so the "
            "self-destruct timer is 3.2 s; max engagement range 1,500 m (L); magazine 1,550 (L); "
            "slew 100/90 deg/s, elevation -10..+85 deg (L); M61A1 dispersion 2.2-8 mrad (L-M), "
            "the tight 2.2 mrad per axis here; reaction 2-5 s (L), 2 s here; 2 % self-destruct failures (L). "
            "Fire-control radar: see FIRE_CONTROL_RADARS['phalanx-ku']. Sensor -> C2 -> gun latency "
            "0.5 s (NOT public, placeholder L: ram-and-layers.md §1.2 gives C2 threat evaluation and "
            "weapon assignment 0.5-2 s; the machine part of it, plot processing and the link to the "
            "mount, is taken at its low end; the operator's share is modelled by the operator)."
        ),
        fire_control_radar=FIRE_CONTROL_RADARS["phalanx-ku"],
        c2_latency_s=0.5,
    ),
}
