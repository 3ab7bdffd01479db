"""The state of a tentative track started on a single plot: its moments in every IMM mode.

Position and its covariance come from the plot (polar to Cartesian, first order). Velocity is
unknown but bounded: each component has a zero-mean prior of 2 sigma = ``max_initial_speed``; a
plot with range rate (Doppler) gives the radial component at once, with the radar's range-rate
sigma, the prior staying across the line of sight (single-point initiation). A constant-acceleration
model adds an acceleration of sigma ``initial_accel_sigma`` per axis, a coordinated turn a turn rate
of sigma ``initial_turn_sigma``. An IMM starts in its nearly-constant-velocity mode with probability
``imm_initial_cv``; with a free-flight mode, a plot closing or opening faster than aircraft near
the ground fly (``ballistic_initial_speed``) starts in free flight with that probability instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bastion.sense.types import Detections
from bastion.track.config import TrackerConfig
from bastion.track.measurements import polar_to_cartesian_cov

if TYPE_CHECKING:  # (annotations only: the scenario package is not needed to track, and costs start-up)
    from bastion.scenario.compiled import RadarSite


def initial_states(
    cfg: TrackerConfig,
    radar: RadarSite,
    det: Detections,
    new: np.ndarray,
    pos: np.ndarray,
    rate: bool,
    n_modes: int,
    dim: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mode states (K, M, n), covariances (K, M, n, n) and mode probabilities (K, M) of tracks started
    on the plots ``new`` (K,) of ``det``, whose ENU positions are ``pos`` [m] (all plots); ``rate``:
    the plots' range rates are used."""
    rt = radar.type
    k = new.size
    n, M = dim, n_modes
    x = np.zeros((k, n))
    x[:, :3] = pos[new]
    P = np.zeros((k, n, n))
    P[:, :3, :3] = polar_to_cartesian_cov(
        det.range[new],
        det.azimuth[new],
        det.elevation[new],
        rt.sigma_range_m,
        rt.sigma_azimuth_rad,
        rt.sigma_elevation_rad,
    )
    v_var = (cfg.max_initial_speed / 2.0) ** 2
    P[:, 3:6, 3:6] = np.eye(3) * v_var
    if rate:
        # Doppler gives the radial component of velocity at once
        los = (pos[new] - radar.position) / det.range[new][:, None]
        x[:, 3:6] = los * det.range_rate[new][:, None]
        radial = np.einsum("ni,nj->nij", los, los)
        P[:, 3:6, 3:6] = v_var * (np.eye(3) - radial) + rt.sigma_range_rate_mps**2 * radial
    if n == 9:
        P[:, 6:9, 6:9] = np.eye(3) * cfg.initial_accel_sigma**2
    elif n == 7:
        P[:, 6, 6] = cfg.initial_turn_sigma**2
    xs = np.repeat(x[:, None], M, axis=1)
    Ps = np.repeat(P[:, None], M, axis=1)
    mu = np.ones((k, M))
    if M > 1:
        mu[:] = (1.0 - cfg.imm_initial_cv) / (M - 1)
        mu[:, 0] = cfg.imm_initial_cv
        if cfg.imm_ballistic and rate:
            # a plot closing or opening faster than aircraft near the ground fly is most likely a
            # munition: start its track in the free-flight mode
            fast = np.abs(det.range_rate[new]) > cfg.ballistic_initial_speed
            mu[fast] = (1.0 - cfg.imm_initial_cv) / (M - 1)
            mu[fast, M - 1] = cfg.imm_initial_cv
    return xs, Ps, mu
