"""Rain attenuation (ITU-R P.838-3) against the ITU's own validation examples, and in the radar's detection.

The reference values are ITU-R Study Group 3's validation examples for P.838-3 (the spreadsheet
CG-3M3J-13-ValEx, as shipped with ITU-Rpy's tests, ``test_data/838/ITURP838-3_rain_specific_attenuation.csv``):
frequency, path elevation, polarisation tilt and rain rate in; k, alpha and the specific attenuation out.
"""

import numpy as np
import pytest

from bastion.physics import detection
from bastion.physics.geodesy import polar_to_enu
from bastion.physics.rain import RainLoss, coefficients, k_alpha, rain_loss, specific_attenuation
from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.compiled import RadarSite
from bastion.world.sensors import AirPicture, RadarModel

# elevation [deg], f [GHz], R [mm/h], tau [deg], k, alpha, gamma_R [dB/km]
ITU_VALIDATION = [
    (31.07699124, 14.25, 26.48052, 0, 0.03975488, 1.12418043, 1.58130839),
    (40.232036, 14.25, 33.936232, 0, 0.04007624, 1.11804138, 2.06173213),
    (46.35969261, 14.25, 27.13586832, 0, 0.04030344, 1.11376017, 1.5920842),
    (31.07699124, 29, 26.48052, 0, 0.22106804, 0.95320005, 5.02180189),
    (22.27833468, 14.25, 50.639304, 0, 0.03949319, 1.12925336, 3.32139638),
    (52.67898486, 29, 78.2994993, 0, 0.21923716, 0.9464763, 13.59290086),
    (48.24117054, 14.25, 63.62668149, 90, 0.04226474, 1.07871664, 3.72901264),
    (85.80459566, 14.25, 99.13558978, 90, 0.04133039, 1.09499629, 6.34064598),
    (20.14335809, 29, 42.91007183, 90, 0.21298877, 0.92265917, 6.83364556),
]


@pytest.mark.parametrize(("el", "f", "rate", "tau", "k", "alpha", "gamma"), ITU_VALIDATION)
def test_specific_attenuation_matches_the_itu_validation_examples(el, f, rate, tau, k, alpha, gamma):
    got_k, got_alpha = k_alpha(f, np.radians(el), tau)
    assert got_k == pytest.approx(k, rel=1e-6)
    assert got_alpha == pytest.approx(alpha, rel=1e-6)
    assert specific_attenuation(f, rate, np.radians(el), tau) == pytest.approx(gamma, rel=1e-6)


def test_band_figures():
    # X band ~0.2 dB/km and Ku band ~0.7 dB/km at 10 mm/h; L band negligible; 1-1000 GHz only
    assert 0.15 < specific_attenuation(9.5, 10.0) < 0.25
    assert 0.6 < specific_attenuation(16.0, 10.0) < 0.8
    assert specific_attenuation(1.3, 10.0) < 1e-3
    kh, ah, kv, av = coefficients(10.0)
    assert kh > kv and ah > av  # raindrops are oblate: horizontal polarisation loses more
    with pytest.raises(ValueError, match="1 to 1000 GHz"):
        coefficients(0.5)
    assert rain_loss(16.0, "H", 0.0, 4000.0) is None


def test_two_way_loss_over_the_path_in_rain():
    rain = RainLoss(16.0, 0.0, 20.0, 3000.0)
    gamma = specific_attenuation(16.0, 20.0, 0.0, 0.0)
    # a low target: the whole 10 km path is in the rain, both ways
    assert rain.two_way_db(10_000.0, 0.0, 5.0) == pytest.approx(2 * gamma * 10.0)
    # a high one: only the path below the rain top counts
    el = np.radians(30.0)
    assert rain.path_in_rain_m(20_000.0, el, 5.0) == pytest.approx(2995.0 / np.sin(el))
    assert rain.factor(10_000.0, 0.0, 5.0) == pytest.approx(10 ** (-2 * gamma * 10.0 / 10))


def test_rain_lowers_the_detection_probability_as_the_radar_equation_says():
    rt = CATALOGUE.radars["kurfs"]
    site = RadarSite(0, "R", rt, np.zeros(3), 1.0, 0.0)
    rain = rain_loss(rt.frequency_ghz, rt.polarisation, 2.0, 4000.0)
    snr50 = detection.snr_for_pd(0.5, rt.pfa)
    r = rt.ref_range_m * (rt.ref_snr / snr50 * 0.05 / rt.ref_rcs_m2) ** 0.25  # Pd 0.5 in clear air
    el = np.radians(1.0)
    pos = np.atleast_2d(polar_to_enu(r, 0.7, el))
    pic = AirPicture(pos, np.array([[40.0, 0.0, 0.0]]), np.array([0.05]), np.array([1]), np.array([0]))
    factor = float(rain.factor(r, el, 0.0))
    assert 0.2 < factor < 0.6  # ~4 dB both ways over ~14 km of light rain (2 mm/h)
    want = float(detection.pd_swerling(snr50 * factor, rt.pfa, 1))
    model = RadarModel(site, np.random.default_rng(3), rain=rain)
    n = 4000
    hits = sum(int((model.observe(float(k), pic)[1] == 0).sum()) for k in range(n))
    assert abs(hits / n - want) < 4 * np.sqrt(want * (1 - want) / n)
