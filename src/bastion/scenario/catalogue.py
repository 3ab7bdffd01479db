"""Catalogue of equipment and threat types, with the public figures behind them.

Every figure comes from ``shared/domain/`` of the bastion project (public, open-source material,
approximate, for simulation only) and is copied here with its source and confidence so the
installed package never reads that folder. Confidence: H several public sources agree; M one decent
source; L weak source or an engineering placeholder — a tunable parameter, not a fact.

Units are SI unless the name says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bastion.physics.detection import snr_for_pd


@dataclass(frozen=True)
class RadarType:
    """A surveillance / fire-control radar.

    Detection: the published-style reference point "Pd = ``ref_pd`` against a Swerling 1 target of
    ``ref_rcs_m2`` at ``ref_range_m`` with false-alarm probability ``pfa``" fixes the radar
    equation constant (see :mod:`bastion.physics.detection`). ``false_alarms_per_scan`` is the mean
    number of threshold crossings on noise in the whole coverage per scan (Pfa x resolution cells).
    """

    name: str
    description: str
    scan_period_s: float
    ref_range_m: float
    ref_rcs_m2: float
    ref_pd: float
    pfa: float
    false_alarms_per_scan: float
    sigma_range_m: float
    sigma_azimuth_rad: float
    sigma_elevation_rad: float
    min_range_m: float
    max_range_m: float
    max_elevation_rad: float
    mask_elevation_rad: float
    sigma_range_rate_mps: float = float("nan")  # NaN: the radar reports no Doppler
    iff: bool = False  # carries an IFF (Mode 5) interrogator
    p_iff_reply: float = (
        0.98  # P(a Mode 5 friendly's reply to one interrogation is decoded with its plot): not public, assumption L
    )
    source: str = ""
    frequency_hz: float = float("nan")  # carrier [Hz], for multipath (NaN: not known, no multipath modelled)
    micro_doppler_accuracy: float = float("nan")  # P(one look's bird / not-bird class is right); NaN: none

    @property
    def ref_snr(self) -> float:
        """Mean SNR [linear] at the reference point (Swerling 1 inverse)."""
        return snr_for_pd(self.ref_pd, self.pfa)


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


@dataclass(frozen=True)
class FireControlRadarType:
    """The search-and-track radar on a gun mount (Phalanx: Ku-band, on the mount), and how the mount
    uses it to close the fire-control loop.

    Cued by the C2 track of the engaged target, it acquires the target, tracks it at ``rate_hz`` with
    its own noise (detection from the radar equation, :mod:`bastion.physics.detection`, through the
    reference point ``ref_*``), and measures where each of its own rounds passes the target (the
    angular miss across the line of sight, ``sigma_miss_rad``). The fire-control computer re-aims the
    rest of the burst from its own filtered track plus the measured mean miss (a bias correction of
    gain ``spotting_gain`` per report); a correction reaches the rounds ``latency_s`` after the
    measurement.
    """

    name: str
    rate_hz: float  # track and miss-measurement update rate [Hz]
    ref_range_m: float  # Pd = ref_pd against a Swerling 1 target of ref_rcs_m2 at this range
    ref_rcs_m2: float
    ref_pd: float
    pfa: float
    sigma_range_m: float
    sigma_angle_rad: float  # per axis (azimuth x cos(elevation), elevation)
    sigma_miss_rad: float  # a round's measured angular miss, per axis
    acquisition_gate_m: float  # the cue must fall this close to the target for the radar to lock on
    latency_s: float  # [s] measurement -> corrected aim at the mount
    spotting_gain: float  # bias-estimate gain per report carrying misses (0..1)
    process_noise: float  # [m^2/s^3] white-noise acceleration of the fire-control track filter (drones)
    process_noise_ballistic: float  # [m^2/s^3] the same about a rocket's or mortar bomb's predicted acceleration
    source: str = ""

    @property
    def ref_snr(self) -> float:
        """Mean SNR [linear] at the reference point (Swerling 1 inverse)."""
        return snr_for_pd(self.ref_pd, self.pfa)


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


_DEG = np.pi / 180.0
_MRAD = 1e-3

RADARS: dict[str, RadarType] = {
    "kurfs": RadarType(
        name="kurfs",
        description="Ku-band AESA fire-control / surveillance radar of a C-RAM battery (KuRFS-class)",
        scan_period_s=1.0,
        ref_range_m=25_000.0,
        ref_rcs_m2=1.0,
        ref_pd=0.9,
        pfa=1e-6,
        false_alarms_per_scan=2.0,
        sigma_range_m=5.0,
        sigma_azimuth_rad=1.0 * _MRAD,
        sigma_elevation_rad=1.0 * _MRAD,
        sigma_range_rate_mps=1.0,
        iff=True,
        min_range_m=150.0,
        max_range_m=30_000.0,
        max_elevation_rad=70 * _DEG,
        mask_elevation_rad=0.15 * _DEG,
        frequency_hz=15e9,
        micro_doppler_accuracy=0.85,
        source=(
            "shared/domain/sensors.md §2: KuRFS is a Ku-band AESA fire-control radar for C-RAM/C-UAS "
            "(L, figures not public); placeholders from its sim defaults: revisit 1-2 s, Pd vs a "
            "0.05 m^2 target falling off beyond 10-15 km (here 0.9 at 11.8 km), accuracy of a "
            "fire-control AESA ~1 mrad (L); an IFF Mode 5 interrogator as fielded with FAAD air-defence "
            "radars (assumed, L); 15 GHz, the middle of Ku-band (12-18 GHz; the exact carrier is not "
            "public, L), for multipath; a micro-Doppler bird / not-bird class with each plot, right "
            "85 % of the time per look (ram-and-layers.md §7: 0.85-0.96 per look, improving with "
            "dwell; the low end for one scan's look, L)."
        ),
    ),
    "sentinel": RadarType(
        name="sentinel",
        description="X-band 3-D air-surveillance radar (AN/MPQ-64 Sentinel-class)",
        scan_period_s=2.0,
        ref_range_m=40_000.0,
        ref_rcs_m2=1.0,
        ref_pd=0.9,
        pfa=1e-6,
        false_alarms_per_scan=3.0,
        sigma_range_m=15.0,
        sigma_azimuth_rad=0.3 * _DEG,
        sigma_elevation_rad=0.3 * _DEG,
        iff=True,
        min_range_m=300.0,
        max_range_m=75_000.0,
        max_elevation_rad=55 * _DEG,
        mask_elevation_rad=0.3 * _DEG,
        frequency_hz=9.5e9,
        source=(
            "shared/domain/sensors.md §2: Sentinel X-band, 360 deg, ~40 km instrumented range, "
            "~30 rpm (2 s revisit) (L, unverified); accuracy 10-20 m, 0.2-0.5 deg (L); 9.5 GHz, the "
            "middle of X-band (8-12 GHz; carrier not public, L), for multipath; no micro-Doppler "
            "class assumed (a mechanically rotating search radar's dwell is short)."
        ),
    ),
    "lcmr": RadarType(
        name="lcmr",
        description="Lightweight counter-mortar radar (AN/TPQ-49 LCMR-class), 360 deg",
        scan_period_s=1.0,
        ref_range_m=9_000.0,
        ref_rcs_m2=0.01,
        ref_pd=0.9,
        pfa=1e-6,
        false_alarms_per_scan=1.0,
        sigma_range_m=10.0,
        sigma_azimuth_rad=0.5 * _DEG,
        sigma_elevation_rad=0.5 * _DEG,
        min_range_m=200.0,
        max_range_m=10_000.0,
        max_elevation_rad=60 * _DEG,
        mask_elevation_rad=0.5 * _DEG,
        source=(
            "shared/domain/sensors.md §1: LCMR 360 deg, locates mortar firing points to ~7 km "
            "(M-H); mortar RCS ~0.01 m^2 (threats.md §2, L); accuracy placeholder (L); its band is "
            "not in the shared notes, so no multipath is modelled for it (frequency unknown)."
        ),
    ),
}

FIRE_CONTROL_RADARS: dict[str, FireControlRadarType] = {
    "phalanx-ku": FireControlRadarType(
        name="phalanx-ku",
        rate_hz=10.0,
        ref_range_m=5_000.0,
        ref_rcs_m2=0.01,
        ref_pd=0.9,
        pfa=1e-6,
        sigma_range_m=1.0,
        sigma_angle_rad=1.0 * _MRAD,
        sigma_miss_rad=0.5 * _MRAD,
        acquisition_gate_m=100.0,
        latency_s=0.05,
        spotting_gain=0.5,
        process_noise=4.0,
        process_noise_ballistic=0.5,
        source=(
            "shared/domain/guns.md §1, ram-and-layers.md §1.2: Phalanx/LPWS carries its own Ku-band "
            "search and track radar on the mount (M-H) and corrects its aim from the measured miss of "
            "its own stream of rounds ('closed-loop spotting', L: widely described, details not public). "
            "Every figure here is a PLACEHOLDER (not public; assumptions, L): 10 Hz track and miss "
            "updates (the low end of an assumed 10-50 Hz; the rounds' physics step is 0.1 s); "
            "Pd 0.9 on a 0.01 m^2 mortar bomb at 5 km (a short-range "
            "Ku-band tracker: beyond the gun's 1.5 km reach); 1 m range and 1 mrad angle noise per "
            "update (a monopulse tracker at ~1/20 of a ~1-1.5 deg Ku-band beam); a round's miss "
            "measured to 0.5 mrad (the stream is tracked differentially against the target in the "
            "same beam); acquisition within 100 m of the C2 cue; 50 ms from measurement to the "
            "corrected aim at the mount; bias gain 0.5 per 0.1 s report: the bias correction "
            "converges (95 %) in 0.5 s of measured misses (5 reports) (ram-and-layers.md §1.2: 'converges "
            "over about 0.2-0.5 s of firing', assumption L); corrections limited about the planned aim "
            "to the angle the 100 m acquisition gate subtends (fail safe; every re-aimed schedule is "
            "checked again like a plan); track filter white-noise acceleration "
            "(Bar-Shalom et al. 2001 §6.2.2: sqrt(q T) of the order of the unmodelled change of "
            "velocity per update) 4 m^2/s^3 for a drone (turns of a few m/s^2) and 0.5 m^2/s^3 about "
            "a rocket's or mortar bomb's predicted gravity and drag, whose unmodelled part (the drag's "
            "change over a few seconds) is a fraction of 1 m/s^2. With 1 mrad at 1.3 km the steady "
            "state (DARE) predicts 1.3 s ahead to 1.9 mrad (q = 4) or 1.0 mrad (q = 0.5)."
        ),
    ),
}

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


@dataclass(frozen=True)
class Catalogue:
    """All types by name; a scenario refers to them by name."""

    radars: dict[str, RadarType] = field(default_factory=lambda: dict(RADARS))
    guns: dict[str, GunType] = field(default_factory=lambda: dict(GUNS))
    threats: dict[str, ThreatType] = field(default_factory=lambda: dict(THREATS))
    aircraft: dict[str, AircraftType] = field(default_factory=lambda: dict(AIRCRAFT))
    friendlies: dict[str, FriendlyType] = field(default_factory=lambda: dict(FRIENDLIES))


CATALOGUE = Catalogue()


SIREN_CHAIN_LATENCY_S = 2.0
"""Latency [s] from a confirmed threat track to an audible local alarm (radar confirm, C2, radio to
the speaker heads): shared/domain/ram-and-layers.md §3, "Siren-chain latency (track to audible
alarm): Not public. Assumption: 1-3 s" — the middle of that range, a labelled assumption (L). A
warning's time to impact is counted from when it is heard (:class:`bastion.assess.warning.WarningBoard`)."""
