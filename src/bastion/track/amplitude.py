"""Amplitude information in the association likelihood (Lerro & Bar-Shalom amplitude-aided tracking).

A plot's detector output tells a target from a noise false alarm: above the same threshold, a target's
power is drawn from a wider distribution than the noise's. Lerro & Bar-Shalom ("Automated tracking
with target amplitude information", IEEE TAES 29(2), 1993; Bar-Shalom, Willett & Tian, *Tracking and
Data Fusion*, 2011, §9.3) multiply each plot's kinematic likelihood by the ratio of the amplitude
densities of target and false alarm, both conditioned on the threshold crossing:

    LR(a) = p1(a | detected) / p0(a | detected).

Here in the power domain of :mod:`bastion.physics.detection` (square-law detector, complex Gaussian
noise of unit power, threshold ``T = -ln Pfa``; a plot's ``power`` is signal + noise over noise):

* noise: the envelope is Rayleigh, p(alpha) = 2 alpha exp(-alpha^2) (sigma^2 = 1/2), so the power
  a = alpha^2 is exponential of mean 1 and, above T, a - T is again exponential of mean 1
  (memoryless): p0(a | a > T) = exp(-(a - T)), a > T.
* Swerling 1 target of mean SNR d: the envelope is Rayleigh with sigma^2 = (1 + d) / 2, the power
  exponential of mean 1 + d, and p1(a | a > T) = exp(-(a - T) / (1 + d)) / (1 + d), a > T
  (P_D = exp(-T / (1 + d)), the Swerling 1 closed form).

so that LR(a) = exp((a - T) d / (1 + d)) / (1 + d) (the envelope's Jacobian 2 alpha cancels in the
ratio: the same LR in the amplitude domain). The target's mean SNR d is rarely known; given a track's
past plots, its maximum-likelihood estimate under the same model is mean(a - T) - 1
(:func:`snr_estimate`).

This ratio (target against noise) is not wired into the tracker's association (``track/tracker.py``);
the hook it would need is a per-plot factor on the association likelihood and on the track score's hit
increment (``ln LR``); what it would tell per plot on the lowsnr family is measured in
``benchmarks/tracking_amplitude.py``. The same Swerling 1 densities, with a drone and a bird
hypothesis instead of noise, decide what the track file reports: :mod:`bastion.track.rcs_class`.
"""

from __future__ import annotations

import numpy as np


def noise_power_pdf(power, threshold: float) -> np.ndarray:
    """Density of a noise false alarm's power given that it crossed ``threshold`` (0 below it)."""
    a = np.asarray(power, dtype=float)
    return np.where(a >= threshold, np.exp(-(a - threshold)), 0.0)


def target_power_pdf(power, snr, threshold: float) -> np.ndarray:
    """Density of a Swerling 1 target's power (mean SNR ``snr``) given that it crossed ``threshold``."""
    a = np.asarray(power, dtype=float)
    m = 1.0 + np.asarray(snr, dtype=float)
    return np.where(a >= threshold, np.exp(-(a - threshold) / m) / m, 0.0)


def envelope_pdf(amplitude, snr, threshold: float) -> np.ndarray:
    """Density of the envelope alpha = sqrt(power) of a Swerling 1 target of mean SNR ``snr`` (0: noise)
    given that its power crossed ``threshold``: Rayleigh with sigma^2 = (1 + snr) / 2, truncated."""
    x = np.asarray(amplitude, dtype=float)
    m = 1.0 + np.asarray(snr, dtype=float)
    return np.where(x * x >= threshold, 2.0 * x / m * np.exp(-(x * x - threshold) / m), 0.0)


def log_likelihood_ratio(power, snr, threshold: float) -> np.ndarray:
    """ln LR of each plot's power: target of mean SNR ``snr`` against noise (module docstring). Plots
    below the threshold (which a detector does not report) get -inf; NaN power gives 0 (no amplitude
    information: the kinematic likelihood alone, never a made-up preference)."""
    a = np.asarray(power, dtype=float)
    d = np.asarray(snr, dtype=float)
    out = (a - threshold) * d / (1.0 + d) - np.log1p(d)
    out = np.where(a >= threshold, out, -np.inf)
    return np.where(np.isnan(a) | np.isnan(d), 0.0, out)


def snr_estimate(powers, threshold: float) -> float:
    """Maximum-likelihood mean SNR of a Swerling 1 target from the powers of its plots (all above
    ``threshold``): the excess a - T is exponential of mean 1 + SNR, so SNR = mean(a - T) - 1, floored
    at 0. NaN with no plots."""
    a = np.asarray(powers, dtype=float)
    a = a[np.isfinite(a)]
    if a.size == 0:
        return float("nan")
    return max(float(np.mean(a - threshold)) - 1.0, 0.0)
