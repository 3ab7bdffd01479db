"""Segment-sphere hit test against brute-force sampling of the two linear motions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.physics.geometry import closest_approach, error_ellipse, segment_sphere_hits

coord = st.floats(-100.0, 100.0, allow_nan=False)
vec = st.tuples(coord, coord, coord).map(np.array)


@settings(max_examples=300, deadline=None)
@given(vec, vec, vec, vec, st.floats(0.1, 30.0))
def test_segment_sphere_matches_brute_force(p0, p1, c0, c1, radius):
    s = np.linspace(0.0, 1.0, 20_001)[:, None]
    d = np.linalg.norm((p0 + s * (p1 - p0)) - (c0 + s * (c1 - c0)), axis=1)
    dist, frac = closest_approach(p0, p1, c0, c1)
    # the analytic minimum is never above the sampled one and within the sampling resolution of it
    step = np.linalg.norm((p1 - p0) - (c1 - c0)) / 20_000
    assert dist <= d.min() + 1e-9
    assert dist >= d.min() - step - 1e-9
    hit, _ = segment_sphere_hits(p0[None], p1[None], c0[None], c1[None], np.array([radius]))
    if d.min() <= radius - step:
        assert hit[0, 0]
    if d.min() > radius + step:
        assert not hit[0, 0]
    assert 0.0 <= frac <= 1.0


def test_fast_round_does_not_jump_over_a_target():
    # a round moving 20 m per step passes 0.3 m from a target it never coincides with at a step end
    hit, s = segment_sphere_hits(
        np.array([[-10.0, 0.3, 0.0]]), np.array([[10.0, 0.3, 0.0]]), np.zeros((1, 3)), np.zeros((1, 3)), np.array([0.5])
    )
    assert hit[0, 0] and s[0, 0] == pytest.approx(0.5)


def test_error_ellipse_axes_and_orientation():
    cov = np.array([[100.0, 0.0], [0.0, 4.0]])  # 10 m east, 2 m north
    axes, orient = error_ellipse(cov, 0.95)
    k = np.sqrt(-2 * np.log(0.05))  # 2-D chi-square(2) 95 % radius
    assert axes == pytest.approx([10 * k, 2 * k])
    assert abs(np.sin(orient)) == pytest.approx(1.0)  # major axis east-west


def test_chi2_ppf_is_scipy_stats_chi2_ppf_bit_for_bit():
    """The start-up-cheap quantile (gammaincinv) is the very number scipy.stats.chi2.ppf gives."""
    from scipy.stats import chi2

    from bastion.physics.geometry import chi2_ppf

    rng = np.random.default_rng(7)
    for dof in range(1, 7):
        for p in [*rng.random(200), 0.5, 0.9, 0.95, 0.99, 0.997, 0.9999]:
            assert chi2_ppf(float(p), dof) == float(chi2.ppf(p, dof))


def test_stored_chi2_quantiles_are_scipys_bit_for_bit():
    """The chi-square quantiles stored so that tracking need not import scipy.special (issue 18) are
    the numbers scipy computes, and chi2_ppf still computes the others."""
    from scipy.special import gammaincinv
    from scipy.stats import chi2

    from bastion.physics.geometry import CHI2_PPF_STORED, chi2_ppf
    from bastion.track.config import TrackerConfig

    for (p, dof), value in CHI2_PPF_STORED.items():
        assert value == float(2.0 * gammaincinv(0.5 * dof, p)) == float(chi2.ppf(p, dof))
        assert chi2_ppf(p, dof) == value
    cfg = TrackerConfig()
    assert {(cfg.gate_probability, 3), (cfg.gate_probability, 4), (cfg.adsb_keyed_gate_probability, 3)} <= set(
        CHI2_PPF_STORED
    )
    assert chi2_ppf(0.99, 3) == float(chi2.ppf(0.99, 3))
