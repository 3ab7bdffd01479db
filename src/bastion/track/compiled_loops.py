"""The tracker's compiled loops (:mod:`bastion.track.kernels`, numba), imported at first use, and the
batch size from which the motion and measurement models use them rather than their numpy twins.

Why deferred: importing numba and calling a cached kernel for the first time (numba then initialises
its CPU target: typing and lowering registries for unicode, numpy, cffi...) cost about 1 s of CPU in
a fresh process, more than tracking 200 targets over 120 scans does (issue 18: ``bastion track`` is
timed start-up included). A compiled loop saves some 1 µs per numpy call it replaces, which pays for
that second only at hundreds of tracks a scan (the 1,000-target benchmark, a batch of Monte Carlo
nights). Below :data:`COMPILED_MIN_ROWS` rows the constant-velocity prediction and the radar
Jacobian run as numpy array operations that repeat the kernel's floating-point operations in the
same order: the same result to the last bit (``tests/track/test_track_kernels.py``), so which one
runs never changes a track. The IMM's mixing and moment matching and the coordinated-turn prediction
have no such twin and always load the kernels (an IMM tracker pays the start-up).
"""

from __future__ import annotations

from types import ModuleType

COMPILED_MIN_ROWS = 512
"""Rows (tracks, or track-modes) from which a batch runs the compiled loop: the numpy twins cost
40-60 µs a call at up to a few hundred rows against the kernel's 1-15 µs (measured on the development
machine), so at 200 targets the twins cost ~10 ms over a whole run, against ~1 s to load numba."""


def kernels() -> ModuleType:
    """:mod:`bastion.track.kernels`, imported (numba with it) at the first call."""
    from bastion.track import kernels as module

    return module
