"""The drag tables read from package data are bit for bit the literal tables they replaced."""

from __future__ import annotations

import hashlib

import numpy as np

from bastion.physics.drag_tables import TABLES

# SHA-256 of the float64 bytes of each (Mach, C_D) array of the former physics/drag_tables.py
# literals (computed from that module before it became data/drag_tables.csv)
DIGESTS = {
    "G1": (79, "16a6a6792dc6cc77390735e6a4aa06fd864a75ea85916d174090d20f177a682b",
           "4da633911547f9d7173865219ec762d555928fc4132d3a2e9dd0e17af57178ec"),
    "G2": (85, "49d58f5e432c24c8bea7041a0088c46ca48300715491f1d05b58153d66dc70dc",
           "f4cd62bdbf4ae61bc1d3c8fee6955044b3fca8de71eaf800a9480a7dece6751c"),
    "G7": (84, "b279d3ddfe5c950ef7d481c3db2fc4ba1a77a12b22703cab178df68c6f905d99",
           "044e28c41177a8a39f2d84e374ef61b708e2dda18147415da3fc790852be047f"),
}  # fmt: skip


def test_tables_are_the_former_literals_bit_for_bit():
    assert set(TABLES) == set(DIGESTS)
    for name, (n, mach_sha, cd_sha) in DIGESTS.items():
        mach, cd = TABLES[name]
        assert mach.dtype == cd.dtype == np.float64 and mach.shape == cd.shape == (n,)
        assert hashlib.sha256(mach.tobytes()).hexdigest() == mach_sha, name
        assert hashlib.sha256(cd.tobytes()).hexdigest() == cd_sha, name


def test_tables_are_tables():
    for mach, cd in TABLES.values():
        assert mach[0] == 0.0 and np.all(np.diff(mach) > 0) and np.all(cd > 0)
