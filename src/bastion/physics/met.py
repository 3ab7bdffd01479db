"""The met message: the wind by height layers that the fire control is told, not the true wind.

Artillery and air-defence fire control do not see the wind; they are given it, as a meteorological
message measured some time before (a radiosonde or a met sensor) and sent in a standard format. The
NATO computer met message (METCM, STANAG 4082; US Army FM 6-15 ch. 5, confidence M) gives the
mean wind of height zones above the station: 0–200 m, 200–500 m, 500–1000 m, then every 500 m to
5 km, then every 1000 m. :func:`met_message` makes such a message from a wind profile: each zone's
mean wind (averaged over the zone's heights), plus an error per zone and component drawn once, of
standard deviation

    sigma = sqrt(error_mps^2 + (staleness_mps_per_h * age_h)^2)

— the measurement's own error and the change of the wind since it was measured (the true wind of
the simulation is steady, so the message's age enters only through this term; both figures are the
scenario's, not public ones). The zones' errors are independent (a simplification: real errors are
correlated between neighbouring zones). The fire control reads the message as a wind profile: each
zone's wind at the zone's middle height, interpolated linearly between, held below the lowest and
above the highest (:class:`~bastion.physics.wind.WindProfile`). A uniform wind makes a uniform
message, unchanged when it carries no error.
"""

from __future__ import annotations

import numpy as np

from bastion.physics.wind import WindProfile

METCM_ZONE_TOPS_M = (
    200.0,
    500.0,
    1000.0,
    1500.0,
    2000.0,
    2500.0,
    3000.0,
    3500.0,
    4000.0,
    4500.0,
    5000.0,
    6000.0,
    7000.0,
    8000.0,
    9000.0,
    10000.0,
)
"""Tops [m above the station] of the computer met message's zones 01 to 16 (STANAG 4082; FM 6-15,
confidence M); zone 01 starts at the surface."""


def zone_means(profile: WindProfile, tops_m: tuple[float, ...] = METCM_ZONE_TOPS_M) -> tuple[np.ndarray, np.ndarray]:
    """Middle heights (Z,) [m] and mean winds (Z, 3) [m/s] of the zones with tops ``tops_m``."""
    tops = np.asarray(tops_m, dtype=float)
    bottoms = np.r_[0.0, tops[:-1]]
    means = np.array([profile.mean_between(b, t, n=200) for b, t in zip(bottoms, tops, strict=True)])
    return 0.5 * (bottoms + tops), means


def met_message(
    truth: WindProfile,
    rng: np.random.Generator | None = None,
    error_mps: float = 0.0,
    staleness_mps_per_h: float = 0.0,
    age_s: float = 0.0,
    tops_m: tuple[float, ...] = METCM_ZONE_TOPS_M,
) -> WindProfile:
    """The wind profile a met message of ``truth`` tells (see the module docstring); ``rng`` draws
    its errors (None, or a zero sigma: none). A uniform ``truth`` without error is returned as it is."""
    sigma = float(np.hypot(error_mps, staleness_mps_per_h * age_s / 3600.0))
    draw = rng is not None and sigma > 0.0
    if truth.uniform and not draw:
        return truth
    mids, means = zone_means(truth, tops_m)
    if draw:
        err = rng.normal(0.0, sigma, (mids.size, 2))
        means = means.copy()
        means[:, :2] += err
    return WindProfile(mids, means)
