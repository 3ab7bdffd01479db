"""Radar detection: the simulated square-law detector against the closed-form Swerling formulas.

The simulator never uses the closed forms: it draws the target fluctuation, complex noise and the
detector output. Over many trials its detection rate must match Pd(SNR, Pfa) for Swerling 0, 1 and 3
within 4 binomial standard deviations (a false failure about once in 16,000 runs).
"""

import numpy as np
import pytest

from bastion.physics import detection

N = 200_000


@pytest.mark.parametrize("case", [0, 1, 3])
@pytest.mark.parametrize("snr_db", [3.0, 10.0, 13.0, 18.0])
def test_simulated_detector_matches_closed_form(case, snr_db):
    rng = np.random.default_rng(1000 + case * 10 + int(snr_db))
    pfa = 1e-4
    snr_mean = np.full(N, 10 ** (snr_db / 10))
    detected, _ = detection.square_law_detect(detection.fluctuate(snr_mean, case, rng), pfa, rng)
    pd = float(detection.pd_swerling(snr_mean[0], pfa, case))
    sigma = np.sqrt(pd * (1 - pd) / N)
    assert abs(detected.mean() - pd) < 4 * sigma + 1e-4


def test_false_alarm_rate_on_noise_alone():
    rng = np.random.default_rng(7)
    pfa = 1e-2
    detected, _ = detection.square_law_detect(np.zeros(N), pfa, rng)
    assert abs(detected.mean() - pfa) < 4 * np.sqrt(pfa * (1 - pfa) / N)


def test_swerling1_inverse_and_radar_equation():
    snr = detection.snr_for_pd(0.9, 1e-6)
    assert float(detection.pd_swerling(snr, 1e-6, 1)) == pytest.approx(0.9)
    # SNR scales with RCS and with range to the minus fourth power
    s = detection.snr(np.array([1.0, 2.0, 1.0]), np.array([1000.0, 1000.0, 2000.0]), 100.0, 1.0, 1000.0)
    assert s == pytest.approx([100.0, 200.0, 100.0 / 16.0])
