"""Standard projectile drag functions: drag coefficient against Mach number.

The G functions are the US Army Ballistic Research Laboratory (BRL) standard projectiles, published
as tables of C_D(Mach) and used by every point-mass ballistics code: G1 (Ingalls/Gavre flat-base
projectile), G2 (Aberdeen J conical, banded, boat-tail: artillery-like) and G7 (long boat-tail).
A projectile is described by its ballistic coefficient BC = m / (i d^2) relative to one of them.
The figures are public domain (BRL); these copies match the tables published by JBM Ballistics and
carried by py-ballisticcalc, which the test-suite uses as an independent reference integrator.

The figures are data, not code: ``data/drag_tables.csv`` (package data), one row per table point
(``table,mach,cd``), read once at import with Python's correctly rounded ``float`` (the arrays are
bit for bit those of the former literal tables; ``tests/physics/test_drag_tables.py`` checks their
SHA-256).
"""

from __future__ import annotations

from importlib import resources

import numpy as np


def _read(text: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rows: dict[str, list[tuple[float, float]]] = {}
    for line in text.splitlines():
        if not line or line.startswith(("#", "table,")):
            continue
        name, mach, cd = line.split(",")
        rows.setdefault(name, []).append((float(mach), float(cd)))
    return {name: (np.array([m for m, _ in r]), np.array([c for _, c in r])) for name, r in rows.items()}


TABLES: dict[str, tuple[np.ndarray, np.ndarray]] = _read(
    resources.files("bastion.physics").joinpath("data/drag_tables.csv").read_text(encoding="ascii")
)
"""Drag table by name: (Mach numbers, drag coefficients)."""
