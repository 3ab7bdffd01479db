"""Radar types of the catalogue: surveillance radars (RADARS) and the fire-control radars on gun mounts
(FIRE_CONTROL_RADARS), with the public figures behind them (confidence legend: :mod:`bastion.scenario.catalogue`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bastion.physics.detection import snr_for_pd

_DEG = np.pi / 180.0
_MRAD = 1e-3


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
    frequency_ghz: float = float("nan")  # carrier [GHz]: rain attenuation (ITU-R P.838-3), multipath; NaN: none
    polarisation: str = "H"  # "H", "V" or "C" (circular)
    p_iff_reply: float = (
        0.98  # P(a Mode 5 friendly's reply to one interrogation is decoded with its plot): not public, assumption L
    )
    source: str = ""
    micro_doppler_accuracy: float = float("nan")  # P(one look's bird / not-bird class is right); NaN: none

    @property
    def ref_snr(self) -> float:
        """Mean SNR [linear] at the reference point (Swerling 1 inverse)."""
        return snr_for_pd(self.ref_pd, self.pfa)


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
    # the mount's kill assessment: cease fire after this many reports running without a plot of the
    # target accepted (destroyed or lost; 0: fire every burst to its end)
    cease_after_looks: int = 0
    source: str = ""
    frequency_ghz: float = float("nan")  # carrier frequency (rain attenuation, ITU-R P.838-3)
    polarisation: str = "H"  # "H", "V" or "C" (circular)

    @property
    def ref_snr(self) -> float:
        """Mean SNR [linear] at the reference point (Swerling 1 inverse)."""
        return snr_for_pd(self.ref_pd, self.pfa)


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
        frequency_ghz=16.0,
        polarisation="H",
        min_range_m=150.0,
        max_range_m=30_000.0,
        max_elevation_rad=70 * _DEG,
        mask_elevation_rad=0.15 * _DEG,
        micro_doppler_accuracy=0.85,
        source=(
            "shared/domain/sensors.md §2: KuRFS is a Ku-band AESA fire-control radar for C-RAM/C-UAS "
            "(L, figures not public); placeholders from its sim defaults: revisit 1-2 s, Pd vs a "
            "0.05 m^2 target falling off beyond 10-15 km (here 0.9 at 11.8 km), accuracy of a "
            "fire-control AESA ~1 mrad (L); an IFF Mode 5 interrogator as fielded with FAAD air-defence "
            "radars (assumed, L). Carrier 16 GHz, horizontal polarisation: Ku band (M), the frequency within "
            "it and the polarisation not public (L; the middle of the 15.7-17.3 GHz radiolocation band); "
            "the carrier sets rain attenuation and multipath. A micro-Doppler bird / not-bird class with "
            "each plot, right 85 % of the time per look (ram-and-layers.md §7: 0.85-0.96 per look, improving "
            "with dwell; the low end for one scan's look, L)."
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
        frequency_ghz=9.5,
        polarisation="H",
        min_range_m=300.0,
        max_range_m=75_000.0,
        max_elevation_rad=55 * _DEG,
        mask_elevation_rad=0.3 * _DEG,
        source=(
            "shared/domain/sensors.md §2: Sentinel X-band, 360 deg, ~40 km instrumented range, "
            "~30 rpm (2 s revisit) (L, unverified); accuracy 10-20 m, 0.2-0.5 deg (L). Carrier 9.5 GHz, "
            "horizontal polarisation: X band (L, unverified), frequency within it and polarisation assumed "
            "(L); the carrier sets rain attenuation and multipath; "
            "no micro-Doppler "
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
        frequency_ghz=1.3,
        polarisation="H",
        min_range_m=200.0,
        max_range_m=10_000.0,
        max_elevation_rad=60 * _DEG,
        mask_elevation_rad=0.5 * _DEG,
        source=(
            "shared/domain/sensors.md §1: LCMR 360 deg, locates mortar firing points to ~7 km "
            "(M-H); mortar RCS ~0.01 m^2 (threats.md §2, L); accuracy placeholder (L). Carrier 1.3 GHz: "
            "the LCMR family is commonly described as L band (unverified here, L); rain then costs nothing; "
            "multipath is modelled at that carrier."
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
        cease_after_looks=3,
        frequency_ghz=16.0,
        polarisation="H",
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
            "state (DARE) predicts 1.3 s ahead to 1.9 mrad (q = 4) or 1.0 mrad (q = 0.5). The mount "
            "assesses its own kill (guns.md §1, H: 'search, detect, track, engage, kill-assess'): it "
            "ceases fire after 3 reports running (0.3 s) without a plot of its target accepted. Inside "
            "the gun's 1.5 km reach a 0.01 m^2 target's mean SNR is >= 120 times the 5 km reference "
            "(Pd >= 0.999, Swerling 1), so a target still there goes 3 looks unseen with probability "
            "< 1e-8, and 3 plots running outside the 99.9 % gate < 1e-8 (L: the rule is an "
            "assumption; the Phalanx's is not public). Ku band (M): "
            "carrier 16 GHz, horizontal polarisation (L, not public)."
        ),
    ),
}
