"""ISA against the published ICAO standard atmosphere table (ICAO Doc 7488, U.S. Standard Atmosphere 1976)."""

import numpy as np
import pytest

from bastion.physics.atmosphere import isa

# altitude [m], temperature [K], pressure [Pa], density [kg/m^3], speed of sound [m/s] (USSA 1976 tables)
TABLE = [
    (0.0, 288.15, 101_325.0, 1.2250, 340.29),
    (1_000.0, 281.65, 89_874.6, 1.1116, 336.43),
    (3_000.0, 268.65, 70_108.5, 0.90912, 328.58),
    (5_000.0, 255.65, 54_019.9, 0.73612, 320.53),
    (11_000.0, 216.65, 22_632.1, 0.36392, 295.07),
    (15_000.0, 216.65, 12_044.6, 0.19367, 295.07),
]


@pytest.mark.parametrize(("h", "t", "p", "rho", "a"), TABLE)
def test_isa_matches_the_standard_table(h, t, p, rho, a):
    s = isa(h)
    assert s.temperature == pytest.approx(t, abs=0.01)
    assert s.pressure == pytest.approx(p, rel=2e-4)  # table values are rounded (geometric vs geopotential)
    assert s.density == pytest.approx(rho, rel=2e-3)
    assert s.speed_of_sound == pytest.approx(a, rel=1e-3)


def test_temperature_offset_keeps_pressure_and_lowers_density():
    base, hot = isa(500.0), isa(500.0, delta_t_k=15.0)
    assert hot.pressure == pytest.approx(base.pressure)
    assert hot.density == pytest.approx(base.density * base.temperature / hot.temperature)
    assert np.all(np.diff(isa(np.linspace(0, 10_000, 50)).density) < 0)
