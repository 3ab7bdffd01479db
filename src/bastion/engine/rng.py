"""Seeded randomness: one independent stream per component, stable under additions.

Each component's generator comes from ``SeedSequence(seed, spawn_key=(crc32(name),))``: streams
are statistically independent, a run replays exactly from its seed, and adding a component (a new
name) never changes the streams of the others — unlike spawning children in order.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """The random generator of component ``name`` in the run seeded with ``seed``."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))
