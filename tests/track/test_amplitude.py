"""Amplitude likelihood (track/amplitude.py) against closed forms: Rayleigh envelopes (scipy.stats),
Swerling 1 detection probability, and the exponential maximum-likelihood estimate."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from bastion.physics.detection import pd_swerling
from bastion.track import amplitude as am

T = -np.log(1e-6)


@pytest.mark.parametrize("snr", [0.0, 3.0, 20.0, 150.0])
def test_power_densities_integrate_to_one_above_the_threshold(snr):
    f = (lambda a: am.noise_power_pdf(a, T)) if snr == 0 else (lambda a: am.target_power_pdf(a, snr, T))
    total, _ = integrate.quad(lambda a: float(f(a)), T, np.inf)
    assert total == pytest.approx(1.0, rel=1e-8)
    assert float(f(T - 1e-9)) == 0.0


@pytest.mark.parametrize("snr", [0.0, 5.0, 60.0])
def test_envelope_is_a_truncated_rayleigh(snr):
    """The envelope density is scipy's Rayleigh (sigma^2 = (1 + SNR) / 2) conditioned on alpha^2 > T."""
    ray = stats.rayleigh(scale=np.sqrt((1.0 + snr) / 2.0))
    x = np.sqrt(T) + np.linspace(0.0, 6.0, 25) * np.sqrt(1.0 + snr)
    expected = ray.pdf(x) / ray.sf(np.sqrt(T))
    np.testing.assert_allclose(am.envelope_pdf(x, snr, T), expected, rtol=1e-9)
    # the normalising mass is the Swerling 1 detection probability (bastion.physics.detection)
    assert ray.sf(np.sqrt(T)) == pytest.approx(float(pd_swerling(snr, 1e-6, 1)), rel=1e-9)


def test_log_likelihood_ratio_is_the_density_ratio_in_power_and_in_envelope():
    snr = np.array([2.0, 10.0, 80.0])
    a = T + np.array([0.1, 5.0, 40.0])
    llr = am.log_likelihood_ratio(a, snr, T)
    np.testing.assert_allclose(llr, np.log(am.target_power_pdf(a, snr, T) / am.noise_power_pdf(a, T)), rtol=1e-12)
    x = np.sqrt(a)  # the Jacobian cancels: the same ratio in the envelope domain
    np.testing.assert_allclose(llr, np.log(am.envelope_pdf(x, snr, T) / am.envelope_pdf(x, 0.0, T)), rtol=1e-12)


def test_log_likelihood_ratio_refuses_nothing_on_missing_power():
    llr = am.log_likelihood_ratio(np.array([np.nan, T + 1.0, T - 1.0]), 10.0, T)
    assert llr[0] == 0.0 and np.isfinite(llr[1]) and llr[2] == -np.inf


def test_snr_estimate_recovers_the_mean_snr_of_swerling_1_draws():
    rng = np.random.default_rng(3)
    snr = 40.0
    power = rng.exponential(1.0 + snr, 200_000)
    power = power[power > T]
    # the excess over T is exponential of mean 1 + SNR: standard error (1 + SNR) / sqrt(n)
    assert am.snr_estimate(power, T) == pytest.approx(snr, abs=4 * (1.0 + snr) / np.sqrt(power.size))
    assert np.isnan(am.snr_estimate([], T))


def test_expected_log_likelihood_ratio_is_the_kullback_leibler_divergence():
    """E_target[ln LR] = KL(p1 || p0) >= 0 and E_noise[ln LR] = -KL(p0 || p1) <= 0 (closed forms of two
    exponentials of means m = 1 + SNR and 1)."""
    snr = 15.0
    m = 1.0 + snr
    e1, _ = integrate.quad(
        lambda a: float(am.target_power_pdf(a, snr, T) * am.log_likelihood_ratio(a, snr, T)), T, np.inf
    )
    e0, _ = integrate.quad(lambda a: float(am.noise_power_pdf(a, T) * am.log_likelihood_ratio(a, snr, T)), T, np.inf)
    assert e1 == pytest.approx(m - 1.0 - np.log(m), rel=1e-7)
    assert e0 == pytest.approx(-(1.0 / m - 1.0 + np.log(m)), rel=1e-7)
