"""Effectors beyond the gun (issue 19): jammers, interceptors and directed energy, with the public
figures behind them (confidence legend: :mod:`bastion.scenario.catalogue`).

Every figure is copied from ``shared/domain/ram-and-layers.md`` §4 (public, approximate, for
simulation only) with its source and a confidence; a **placeholder** (L) is a value for which nothing
public was found, an engineering assumption stated beside it: a tunable parameter, not a fact. Never
tune one to reach an outcome. How each threat is guided (what a jammer does to it) is in
:mod:`bastion.scenario.catalogue.threats`; the cost of a gun's round in
:mod:`bastion.scenario.catalogue.guns`.

Units are SI unless the name says otherwise; costs are US dollars of the year of their source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np


@dataclass(frozen=True)
class JammerType:
    """A ground jammer radiating over a footprint: every object within ``footprint_m`` (slant range)
    of the antenna is jammed while it radiates (free-space line of sight assumed; terrain masking
    ignored). ``band`` "rf-link": the 2.4/5.8 GHz control links of hobby drones; "gnss": the GNSS
    L1/L2 bands, which the airport's own users share (civil aircraft, GNSS approaches)."""

    name: str
    description: str
    band: Literal["rf-link", "gnss"]
    footprint_m: float
    reaction_s: float  # [s] from the order to radiating
    cost_per_hour_usd: float  # operating cost while radiating (fuel, wear)
    source: str = ""

    @property
    def kind(self) -> str:
        return "rf-jammer" if self.band == "rf-link" else "gnss-jammer"


@dataclass(frozen=True)
class InterceptorType:
    """A launcher of guided interceptors (Coyote-class) and its rounds.

    Fly-out (truth): launched ``reaction_s`` after the order at ``speed_mps`` (the boost is taken as
    instantaneous), it flies midcourse towards the intercept point predicted from the C2 track's
    cue; within ``seeker_range_m`` of the cue's predicted target its seeker locks on the airborne
    object nearest that prediction if one lies within ``seeker_gate_m``; from then on it flies pure
    pursuit (velocity along the line of sight to the object, turn rate bounded by ``max_accel_mps2``),
    and its proximity fuze fires at the closest approach within ``fuze_radius_m``: the object is
    destroyed with probability ``p_kill``. Past ``max_range_m`` of flight it self-destructs. Either
    way the interceptor falls as debris (airframe ``mass_kg``, drag area ``cd_area_m2``)."""

    name: str
    description: str
    speed_mps: float
    max_range_m: float  # flight distance before self-destruct
    min_range_m: float  # no intercept planned closer to the launcher
    p_kill: float  # P(destroyed | fuzed within fuze_radius_m)
    fuze_radius_m: float
    seeker_range_m: float
    seeker_gate_m: float
    max_accel_mps2: float
    reaction_s: float  # order -> launch [s]
    launch_interval_s: float  # between two launches of one launcher [s]
    magazine: int  # interceptors on the launcher
    reload_s: float  # [s] from the last launch of an empty launcher to a full one
    unit_cost_usd: float
    mass_kg: float
    cd_area_m2: float
    warhead_kg: float
    source: str = ""

    @property
    def max_flight_s(self) -> float:
        return self.max_range_m / self.speed_mps


@dataclass(frozen=True)
class DirectedEnergyType:
    """A high-energy laser. Time on target to kill (dwell) at slant range ``r``:

        dwell(r) = dwell_ref_s * (r / ref_range_m)**2 * exp(alpha * r - alpha_ref * ref_range_m)

    — the irradiance of a beam whose spot grows linearly with range falls as 1/r^2, and the
    atmosphere transmits exp(-alpha r) (Beer-Lambert), so the time to deposit the lethal fluence is
    their inverse. ``alpha`` is the extinction coefficient [1/m] of the night's weather
    (:func:`extinction_per_m`: visibility and rain), ``alpha_ref`` that of the reference clear air
    (23 km visibility, no rain) in which ``dwell_ref_s`` is stated. The lethal fluence varies from
    target to target: log-normal with ``sigma_log``. Thermal blooming and turbulence are ignored."""

    name: str
    description: str
    power_kw: float
    wavelength_um: float
    dwell_ref_s: float
    ref_range_m: float
    sigma_log: float
    max_range_m: float
    min_elevation_deg: float  # no lasing at targets below this elevation (ground clutter, the horizon)
    reaction_s: float
    magazine: int  # engagements per charge
    reload_s: float  # [s] to recharge an emptied store
    cost_per_shot_usd: float
    source: str = ""

    def dwell_s(self, r: float | object, alpha: float) -> object:
        """Dwell time [s] to kill at slant range ``r`` [m] (scalar or array) in extinction ``alpha`` [1/m]."""
        r = np.asarray(r, dtype=float)
        a_ref = extinction_per_m(REFERENCE_VISIBILITY_KM, 0.0, self.wavelength_um)
        return self.dwell_ref_s * (r / self.ref_range_m) ** 2 * np.exp(alpha * r - a_ref * self.ref_range_m)


REFERENCE_VISIBILITY_KM = 23.0  # "clear" standard atmosphere (the MODTRAN/LOWTRAN rural 23 km model)


def kim_exponent(visibility_km: float) -> float:
    """The size-distribution exponent q of the Kim model (Kim, McArthur and Korevaar 2001, "Comparison
    of laser beam propagation at 785 nm and 1550 nm in fog and haze for optical wireless
    communications", Proc. SPIE 4214:26-37)."""
    v = visibility_km
    if v > 50.0:
        return 1.6
    if v > 6.0:
        return 1.3
    if v > 1.0:
        return 0.16 * v + 0.34
    if v > 0.5:
        return v - 0.5
    return 0.0


def extinction_per_m(visibility_km: float, rain_mm_per_h: float, wavelength_um: float) -> float:
    """Atmospheric extinction coefficient [1/m] at ``wavelength_um`` for a visibility [km] and a rain
    rate [mm/h]: aerosols by Koschmieder's visibility (3.912/V at 550 nm, the 2 % contrast threshold)
    scaled to the wavelength by the Kim model, plus rain by Carbonneau's empirical 1.076 R^0.67 dB/km
    (wavelength-independent in the near infrared; as used for free-space optics, e.g. Kaushal and
    Kaddoum 2017, IEEE Commun. Surv. Tutor. 19(1):57-96, Table VI)."""
    if not (visibility_km > 0.0 and rain_mm_per_h >= 0.0 and wavelength_um > 0.0):
        return math.inf  # fail safe: unusable weather data means no usable beam
    aerosol_per_km = 3.912 / visibility_km * (wavelength_um / 0.55) ** (-kim_exponent(visibility_km))
    rain_per_km = 1.076 * rain_mm_per_h**0.67 / (10.0 / math.log(10.0))  # dB/km -> 1/km
    return (aerosol_per_km + rain_per_km) / 1000.0


JAMMERS: dict[str, JammerType] = {
    "rf-jammer-handheld": JammerType(
        name="rf-jammer-handheld",
        description="Handheld drone-link jammer (Drone Defender class), 2.4/5.8 GHz",
        band="rf-link",
        footprint_m=600.0,
        reaction_s=1.0,
        cost_per_hour_usd=0.0,
        source=(
            "ram-and-layers.md §4: Drone Defender stated range 600 m (M); reaction 1 s and no "
            "operating cost: placeholders (L)."
        ),
    ),
    "rf-jammer-site": JammerType(
        name="rf-jammer-site",
        description="Site drone-link jammer on a mast, 2.4/5.8 GHz",
        band="rf-link",
        footprint_m=2_000.0,
        reaction_s=2.0,
        cost_per_hour_usd=20.0,
        source=(
            "Placeholder (L, not public): the footprint from the J/S law. A jammer defeats a link "
            "when its power at the drone exceeds the pilot's by the required J/S; with both in free "
            "space the footprint scales as sqrt(ERP). Ten times the handheld's ERP (+10 dB, a mast "
            "antenna and a bigger amplifier) gives 600 m x sqrt(10) = 1.9 km, taken as 2 km against a "
            "pilot at a few km. Reaction 2 s, operating cost 20 $/h (generator fuel): placeholders (L)."
        ),
    ),
    "gnss-jammer-site": JammerType(
        name="gnss-jammer-site",
        description="Site GNSS (L1/L2) jammer, power limited to a local footprint",
        band="gnss",
        footprint_m=3_000.0,
        reaction_s=2.0,
        cost_per_hour_usd=20.0,
        source=(
            "Placeholder (L, not public): GNSS signals arrive at about -130 dBm, so watts deny them "
            "to tens of km in line of sight (state GNSS jamming of US drones reported in Syria 2018, "
            "ram-and-layers.md §4, M); a site jammer is assumed power-limited to a 3 km footprint, "
            "about the last minute of a 50 m/s drone's approach. Reaction, cost: placeholders (L)."
        ),
    ),
}

INTERCEPTORS: dict[str, InterceptorType] = {
    "coyote-blk2": InterceptorType(
        name="coyote-blk2",
        description="Coyote Block 2-class jet-powered kinetic interceptor and its launcher",
        speed_mps=150.0,
        max_range_m=10_000.0,
        min_range_m=300.0,
        p_kill=0.8,
        fuze_radius_m=8.0,
        seeker_range_m=2_000.0,
        seeker_gate_m=150.0,
        max_accel_mps2=100.0,
        reaction_s=5.0,
        launch_interval_s=2.0,
        magazine=4,
        reload_s=600.0,
        unit_cost_usd=125_000.0,
        mass_kg=6.0,
        cd_area_m2=0.05,
        warhead_kg=0.5,
        source=(
            "ram-and-layers.md §4: the Army bought 600 Coyotes for $75 M, ~$125k each (M, derived); "
            "Block 2 speed and range not public, assumed jet-powered 130-180 m/s and 10-15 km (L): "
            "150 m/s, 10 km here. Placeholders (L, not public): P(kill | fuzed) 0.8 (the domain's "
            "assumed per-engagement Pk range 0.6-0.9 of C-RAM, §1.1); 8 m proximity fuze; RF seeker "
            "locking within 2 km of the cued target, on the object nearest the cue within 150 m; "
            "100 m/s^2 (10 g) lateral acceleration; 5 s from order to launch; 2 s between launches; "
            "4 rounds per launcher and 10 min to reload it; airframe 6 kg (the Block 1 ISR Coyote "
            "weighs 13 lb, ram-and-layers.md §4, M), 0.05 m^2 drag area, 0.5 kg warhead."
        ),
    ),
}

DIRECTED_ENERGY: dict[str, DirectedEnergyType] = {
    "de-50kw": DirectedEnergyType(
        name="de-50kw",
        description="50 kW-class high-energy laser (DE M-SHORAD class)",
        power_kw=50.0,
        wavelength_um=1.07,
        dwell_ref_s=4.0,
        ref_range_m=1_500.0,
        sigma_log=0.3,
        max_range_m=3_000.0,
        min_elevation_deg=0.5,
        reaction_s=2.0,
        magazine=20,
        reload_s=900.0,
        cost_per_shot_usd=1.0,
        source=(
            "ram-and-layers.md §4: DE M-SHORAD 50 kW on Stryker, prototypes at CENTCOM 2024 (H); "
            "dwell against Group 1-2 UAS at 1-2 km 2-8 s (assumption L): 4 s at 1.5 km in clear air "
            "here, log-normal spread 0.3 (L); 'about a dollar a round' (L); placeholders (L): "
            "1.07 um (fibre laser), 3 km maximum range, 20 engagements per charge and 15 min to "
            "recharge, 2 s reaction, no lasing below 0.5 deg elevation."
        ),
    ),
    "de-10kw": DirectedEnergyType(
        name="de-10kw",
        description="10 kW-class high-energy laser (Raytheon HELWS class) on a small vehicle",
        power_kw=10.0,
        wavelength_um=1.07,
        dwell_ref_s=10.0,
        ref_range_m=1_500.0,
        sigma_log=0.3,
        max_range_m=2_000.0,
        min_elevation_deg=0.5,
        reaction_s=2.0,
        magazine=30,
        reload_s=1_800.0,
        cost_per_shot_usd=1.0,
        source=(
            "ram-and-layers.md §4: HELWS 10 kW-class, kill takes 'a few seconds', dozens of shots "
            "per charge from a 220 V supply (M); dwell for 10 kW at 1-2 km 5-15 s (assumption L): "
            "10 s at 1.5 km; 30 shots per charge (L, 'dozens'); other figures as de-50kw (L)."
        ),
    ),
}

EffectorType = JammerType | InterceptorType | DirectedEnergyType


def effector_types() -> dict[str, EffectorType]:
    """Every effector type by name (names are unique across the three tables)."""
    return {**JAMMERS, **INTERCEPTORS, **DIRECTED_ENERGY}


def kind_of(t: EffectorType) -> str:
    """ "rf-jammer", "gnss-jammer", "interceptor" or "directed-energy"."""
    if isinstance(t, JammerType):
        return t.kind
    return "interceptor" if isinstance(t, InterceptorType) else "directed-energy"
