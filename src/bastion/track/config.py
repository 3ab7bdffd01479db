"""Tracker settings: the filter, motion model, association and management chosen, and their figures.

Every figure's meaning, unit and default is on its line; the defaults suit small drones and
airliners seen by a C-RAM radar (the engine's own settings are ``ENGINE_TRACKER`` in
:mod:`bastion.engine.pipeline`)."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

FILTERS = ("ekf", "ukf", "imm")
MOTIONS = ("cv", "ca", "ct")
ASSOCIATORS = ("gnn", "jpda")
MANAGEMENTS = ("mofn", "sprt")


@dataclass(frozen=True)
class TrackerConfig:
    """Tracker settings (defaults suit small drones and airliners seen by a C-RAM radar).

    Choices: ``filter`` ekf | ukf | imm (IMM of CV and coordinated turn, mode filters by
    ``imm_inner``); ``motion`` cv | ca | ct for the single-model filters; ``associator`` gnn | jpda;
    ``management`` mofn (M-of-N) | sprt (track score). Densities are per unit of measurement space
    (m rad^2, times m/s with range rate)."""

    q: float = 8.0  # CV white-acceleration spectral density [m^2/s^3]
    filter: str = "ekf"
    motion: str = "cv"
    associator: str = "gnn"
    management: str = "mofn"
    gate_probability: float = 0.9995  # chi-square gate P_G
    confirm_m: int = 3  # M-of-N: confirm after M hits ...
    confirm_n: int = 4  # ... within the first N scans
    max_misses: int = 4  # M-of-N: delete a confirmed track after this many consecutive misses
    max_initial_speed: float = 120.0  # [m/s] 2 sigma of each velocity component of a new track
    max_position_sigma_m: float = 1_000.0  # delete a track whose position sigma exceeds this
    use_range_rate: bool = True  # use Doppler when the radar measures it
    pd: float = 0.9  # nominal probability of detection (track score, JPDA, miss cost)
    clutter_density: float | None = None  # false alarms per scan per unit volume; None: radar's figure / coverage
    clutter_range_rate_span_mps: float = 300.0  # Doppler window false alarms spread over [m/s]
    new_target_ratio: float = 1.0  # SPRT: new-target over false-alarm density; initial score ln(this)
    sprt_false_confirm: float = 1e-4  # SPRT: probability of confirming a false track
    sprt_true_reject: float = 0.01  # SPRT: probability of rejecting a true tentative track
    sprt_delete_drop: float = 9.0  # SPRT: delete a confirmed track this far below its best score
    two_stage: bool = True  # associate confirmed tracks first, tentative tracks on the plots left
    ca_q: float = 1.0  # CA white-jerk spectral density [m^2/s^5]
    initial_accel_sigma: float = 5.0  # [m/s^2] CA: acceleration sigma of a new track
    ct_q: float = 0.5  # CT (single model and IMM mode) white-acceleration density [m^2/s^3]: turns are in omega
    ct_q_turn: float = 1e-4  # CT: turn-rate random-walk density [rad^2/s^3]
    initial_turn_sigma: float = 0.1  # [rad/s] CT/IMM: turn-rate sigma of a new track
    imm_inner: str = "ekf"  # mode-matched filter of the IMM: ekf | ukf
    imm_cv_q: float = 0.5  # IMM CV mode white-acceleration density [m^2/s^3]: nearly straight flight
    imm_switch_rate: float = 0.05  # IMM: rate of leaving a mode [1/s]
    imm_initial_cv: float = 0.8  # IMM: CV probability of a new track
    imm_turn: bool = True  # IMM: include the coordinated-turn mode (manoeuvres)
    imm_ballistic: bool = False  # IMM: add a free-flight (gravity) mode for rockets and mortar bombs
    ballistic_q: float = 150.0  # free-flight mode white-acceleration density [m^2/s^3]: unknown drag (~10 m/s^2)
    ballistic_initial_speed: float = 150.0  # [m/s] radial speed above which a new track starts in free flight
    ukf_alpha: float = 1.0
    ukf_beta: float = 2.0
    ukf_kappa: float = 0.0
    jpda_max_events: int = 20_000  # JPDA: enumerate clusters up to this many joint events exactly
    adsb_vertical_sigma_m: float = 60.0  # barometric vs geometric height, 1 sigma
    adsb_velocity_sigma_mps: float = 2.0  # extrapolating a report older than the track, per axis
    adsb_keyed_gate_probability: float = 0.999999  # a keyed aircraft's report must still gate

    def __post_init__(self) -> None:
        choices = {
            "filter": FILTERS,
            "motion": MOTIONS,
            "associator": ASSOCIATORS,
            "management": MANAGEMENTS,
            "imm_inner": ("ekf", "ukf"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"TrackerConfig.{name}: {getattr(self, name)!r} is not one of {', '.join(allowed)}")
        for name in ("gate_probability", "pd", "sprt_false_confirm", "sprt_true_reject", "imm_initial_cv"):
            v = getattr(self, name)
            if not 0.0 < v < 1.0:
                raise ValueError(f"TrackerConfig.{name}: {v} is not a probability in (0, 1)")
        if not 1 <= self.confirm_m <= self.confirm_n <= 62:
            raise ValueError("TrackerConfig.confirm_m/confirm_n: need 1 <= M <= N <= 62")
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, float) and not np.isfinite(v):
                raise ValueError(f"TrackerConfig.{f.name}: {v} is not finite")
