"""Radar detection theory: the radar equation in ratio form and Swerling target fluctuation.

Single-pulse (or single coherent dwell) square-law detection of a target in complex Gaussian
noise of unit power, with the threshold ``T = -ln(Pfa)`` (Marcum 1960; Richards, *Fundamentals of
Radar Signal Processing*, 2nd ed., §6.3). Mean signal-to-noise ratio from the radar equation,
scaled from a reference point published for the radar (SNR ∝ RCS / R^4; Skolnik, *Introduction to
Radar Systems*, 3rd ed., eq. 2.1):

    SNR(σ, R) = SNR_ref * (σ / σ_ref) * (R_ref / R)^4.

Closed forms for the probability of detection (Richards §6.3.3; derivation of case 3 by averaging
the Rician Pd over the chi-square(4) RCS density):

* Swerling 0 (steady):     Pd = Q1(sqrt(2 SNR), sqrt(2 T))  (Marcum Q = non-central chi-square sf)
* Swerling 1 (Rayleigh):   Pd = exp(-T / (1 + SNR))
* Swerling 3 (chi-sq 4):   Pd = exp(-T / (1 + SNR/2)) * (1 + (SNR/2) T / (1 + SNR/2)^2)

The simulator does not use these closed forms: it draws the fluctuating RCS, the noise and the
detector statistic (:func:`square_law_detect`); tests compare the two.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=64)
def threshold(pfa: float) -> float:
    """Square-law detection threshold (noise power 1) giving false-alarm probability ``pfa``."""
    return float(-np.log(pfa))


def snr(rcs_m2, range_m, ref_snr: float, ref_rcs_m2: float, ref_range_m: float) -> np.ndarray:
    """Mean SNR [linear] of a target of RCS ``rcs_m2`` at ``range_m`` (radar equation, ratio form)."""
    r = np.maximum(np.asarray(range_m, dtype=float), 1.0)
    return ref_snr * (np.asarray(rcs_m2, dtype=float) / ref_rcs_m2) * (ref_range_m / r) ** 4


def pd_swerling(snr_mean, pfa: float, case: int) -> np.ndarray:
    """Closed-form single-pulse probability of detection for Swerling ``case`` 0, 1 or 3."""
    s = np.asarray(snr_mean, dtype=float)
    t = threshold(pfa)
    if case == 0:
        from scipy.stats import ncx2  # ~1 s to import: only this closed form (tests) needs it

        return ncx2.sf(2.0 * t, 2, 2.0 * s)
    if case == 1:
        return np.exp(-t / (1.0 + s))
    if case == 3:
        h = 1.0 + 0.5 * s
        return np.exp(-t / h) * (1.0 + 0.5 * s * t / h**2)
    raise ValueError(f"Swerling case must be 0, 1 or 3, not {case}")


def snr_for_pd(pd: float, pfa: float) -> float:
    """Mean SNR at which a Swerling 1 target is detected with probability ``pd`` (inverse of case 1)."""
    return float(np.log(pfa) / np.log(pd) - 1.0)


def fluctuate(snr_mean: np.ndarray, case: int, rng: np.random.Generator) -> np.ndarray:
    """Draw the instantaneous SNR of each target for one dwell (Swerling cases 0, 1, 3; scan-to-scan)."""
    s = np.asarray(snr_mean, dtype=float)
    return s * fluctuation(case, s.shape, rng)


def fluctuation(case: int, shape, rng: np.random.Generator) -> np.ndarray:
    """The factor (of mean 1) by which each target's RCS fluctuates for one dwell: exactly 1 for a
    steady target (case 0), exponential for case 1 (Rayleigh amplitude), chi-square with 4 degrees
    of freedom over 4 for case 3 (one dominant scatterer)."""
    if case == 0:
        return np.ones(shape)
    if case == 1:
        return rng.exponential(1.0, shape)
    if case == 3:
        return rng.gamma(2.0, 0.5, shape)
    raise ValueError(f"Swerling case must be 0, 1 or 3, not {case}")


def square_law_detect(snr_inst: np.ndarray, pfa: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Simulate a square-law detector: signal of power ``snr_inst`` plus unit complex Gaussian noise.

    Returns ``(detected, power)`` where ``power`` is |s + n|^2 in noise units (the measured amplitude
    a radar reports), and ``detected`` is ``power > -ln(pfa)``.
    """
    s = np.asarray(snr_inst, dtype=float)
    phase, noise = detector_draws(s.shape, rng)
    return square_law(s, phase, noise, pfa)


def detector_draws(shape, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The random part of a square-law detection: the signal's phase [rad] and the noise's two
    quadratures (2, ...), each of variance 1/2 (unit noise power)."""
    return rng.uniform(0.0, 2.0 * np.pi, shape), rng.normal(0.0, _SQRT_HALF, (2, *shape))


def square_law(snr_inst: np.ndarray, phase: np.ndarray, noise: np.ndarray, pfa: float) -> tuple[np.ndarray, np.ndarray]:
    """The detector's output for signals of power ``snr_inst`` with the given phase and noise
    (:func:`detector_draws`): ``(detected, power)`` as :func:`square_law_detect`."""
    amplitude = np.sqrt(snr_inst)
    re = amplitude * np.cos(phase) + noise[0]
    im = amplitude * np.sin(phase) + noise[1]
    power = re * re + im * im
    return power > threshold(pfa), power


_SQRT_HALF = np.sqrt(0.5)  # standard deviation of each quadrature of unit-power complex noise
