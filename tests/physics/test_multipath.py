"""Two-ray multipath (issue 20, item 2) against closed forms and an independent image-method sum."""

from __future__ import annotations

import numpy as np
import pytest

from bastion.physics import multipath as mp

KU = mp.C_LIGHT / 15e9  # [m]


def test_smooth_conductor_gives_the_classical_lobing():
    """Gamma -> -1 (a near-perfect conductor, no roughness): F is the plane-earth closed form
    2 |sin(2 pi h_r h_t / (lambda R))| (Skolnik ch. 8), within the error of the closed form's
    path-difference approximation (h / R)^2."""
    ht = np.linspace(5.0, 60.0, 2_000)
    d = 20_000.0
    f = mp.propagation_factor(8.0, ht, d, KU, sigma_h_m=0.0, eps=1e12)
    closed = 2.0 * np.abs(np.sin(2 * np.pi * 8.0 * ht / (KU * d)))
    assert np.max(np.abs(f - closed)) < 0.02
    assert f.max() == pytest.approx(2.0, abs=0.01) and f.min() < 0.05  # lobes and nulls


def test_below_the_first_lobe_a_low_target_fades_as_the_fourth_power():
    """F^4 = (4 pi h_r h_t / (lambda R))^4 when the path difference is a small part of a wavelength."""
    ht, d, lam = 2.0, 20_000.0, 0.23  # L-band, 2 m target, 20 km
    f4 = mp.propagation_factor(4.0, ht, d, lam, sigma_h_m=0.0, eps=1e12) ** 4
    closed = (4 * np.pi * 4.0 * ht / (lam * d)) ** 4
    assert f4 == pytest.approx(closed, rel=0.05)


def test_against_the_image_method():
    """The field summed over the direct ray and the ray from the radar's mirror image (3-D vectors,
    no path-difference formula) with the same reflection coefficient."""
    rng = np.random.default_rng(3)
    n = 200
    hr, ht, d = rng.uniform(2, 30, n), rng.uniform(1, 300, n), rng.uniform(500, 20_000, n)
    sigma, lam = 0.2, 0.03
    radar = np.column_stack([np.zeros(n), np.zeros(n), hr])
    image = radar * np.array([1, 1, -1])
    target = np.column_stack([d, np.zeros(n), ht])
    r_dir = np.linalg.norm(target - radar, axis=1)
    r_ref = np.linalg.norm(target - image, axis=1)
    sin_psi = (hr + ht) / r_ref
    gamma = mp.fresnel_horizontal(sin_psi) * np.exp(-2 * (2 * np.pi * sigma * sin_psi / lam) ** 2)
    k = 2 * np.pi / lam
    field = np.exp(-1j * k * r_dir) + gamma * np.exp(-1j * k * r_ref)
    f = mp.propagation_factor(hr, ht, d, lam, sigma_h_m=sigma)
    np.testing.assert_allclose(f, np.abs(field), atol=1e-6)


@pytest.mark.parametrize("eps", [4.0, 10.0, 15.0, 30.0, 15.0 - 5.0j])
def test_horizontal_fresnel_is_minus_one_at_grazing(eps):
    """Below 1 deg the horizontal-polarisation coefficient is within 2 % of -1 for any common ground
    (the module's claim), and at normal incidence it is (1 - sqrt(eps)) / (1 + sqrt(eps))."""
    s = np.sin(np.radians(np.linspace(0.0, 1.0, 50)))
    assert np.max(np.abs(mp.fresnel_horizontal(s, eps) + 1.0)) < 0.02
    assert mp.fresnel_horizontal(1.0, eps) == pytest.approx((1 - np.sqrt(eps)) / (1 + np.sqrt(eps)))


def test_roughness_removes_the_reflection_above_the_rayleigh_angle():
    """Ku-band over 1 m ground: the specular factor is < 1 % above 0.3 deg; L-band keeps it to ~3 deg
    (the module's figures); a rough surface leaves F ~ 1 (free space)."""
    assert mp.roughness_factor(np.sin(np.radians(0.3)), 1.0, KU) < 0.01
    assert mp.roughness_factor(np.sin(np.radians(1.0)), 1.0, 0.23) > 0.3
    assert mp.roughness_factor(np.sin(np.radians(3.0)), 1.0, 0.23) < 0.05
    f = mp.propagation_factor(8.0, np.linspace(50, 150, 50), 8_000.0, KU, sigma_h_m=1.0)
    assert np.max(np.abs(f - 1.0)) < 0.01


def test_mean_of_f4_over_the_lobes():
    """Averaged over the lobes (uniform phase), <|1 + G e^{j phi}|^4> = 1 + 4 |G|^2 + |G|^4."""
    ht = np.linspace(100.0, 120.0, 40_001)  # a 100 m tower, 10 km: ~20 lobes of 1 m, |Gamma| 0.78-0.82
    d, sigma, hr = 10_000.0, 0.05, 100.0
    f4 = mp.propagation_factor(hr, ht, d, KU, sigma_h_m=sigma) ** 4
    s = (hr + ht) / np.hypot(d, hr + ht)
    g = np.abs(mp.fresnel_horizontal(s)) * mp.roughness_factor(s, sigma, KU)
    assert g.min() > 0.75 and g.max() < 0.85
    assert f4.mean() == pytest.approx(np.mean(1 + 4 * g**2 + g**4), rel=0.02)


def test_unknown_frequency_and_nan():
    assert mp.snr_factor(8.0, np.array([10.0, 50.0]), np.array([1e3, 1e4]), float("nan")).tolist() == [1.0, 1.0]
    assert np.isnan(mp.propagation_factor(8.0, np.nan, 1e3, KU))
    assert mp.propagation_factor(8.0, 0.0, 5e3, KU, sigma_h_m=0.0) < 0.05  # on the ground: the null
