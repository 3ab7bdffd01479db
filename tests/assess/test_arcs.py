"""Arc candidates' speeds track by track equal the array formula they replace, to the last bit."""

import numpy as np

from bastion.assess.arcs import _speed


def test_speed_equals_the_array_formula_to_the_last_bit():
    rng = np.random.default_rng(8)
    x = rng.normal(0.0, 1.0, (4000, 6)) * 10.0 ** rng.integers(-4, 4, (4000, 6))
    x[rng.random(x.shape) < 0.01] = np.nan
    for rows in (slice(None), slice(0, 1), slice(5, 12)):
        v = x[rows, 3:6]  # as the tracks' velocities: a strided view
        want = np.sqrt(np.add.reduce(v * v, axis=-1))
        got = np.array([_speed(*row) for row in v.tolist()])
        assert got.tobytes() == want.tobytes()
