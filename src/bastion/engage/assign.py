"""Weapon-target assignment behind one interface.

Static WTA (Manne 1958; Ahuja, Kumar, Jha and Orlin 2007): weapons i, targets j with values V_j and
kill probabilities p_ij; each weapon engages at most one target; minimise the expected surviving
value sum_j V_j prod_i (1 - p_ij)^x_ij. :class:`GreedyAssigner` is the maximum-marginal-return
heuristic (each step gives the free weapon–target pair that removes the most expected value),
the baseline; :mod:`bastion.engage.wta` holds the engine's default :class:`~bastion.engage.wta.fast.FastAssigner`
(exhaustive for a site's few guns, a very-large-neighbourhood search beyond) and the exact, proven-optimal
:class:`~bastion.engage.wta.exact.ExactAssigner`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Assigner(Protocol):
    def assign(self, pk: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Target index of each weapon (W,), -1 for none, for kill probabilities ``pk`` (W, T)."""
        ...


class GreedyAssigner:
    """Maximum marginal return: O(W^2 T), good for the handful of guns of a site."""

    def assign(self, pk: np.ndarray, values: np.ndarray) -> np.ndarray:
        pk = np.asarray(pk, dtype=float)
        w, t = pk.shape
        out = np.full(w, -1, dtype=int)
        if w == 0 or t == 0:
            return out
        survive = np.asarray(values, dtype=float).copy()
        free = np.ones(w, dtype=bool)
        for _ in range(w):
            gain = np.where(free[:, None], pk * survive[None, :], -1.0)
            i, j = np.unravel_index(np.argmax(gain), gain.shape)
            if gain[i, j] <= 0:
                break
            out[i] = j
            free[i] = False
            survive[j] *= 1.0 - pk[i, j]
        return out


def expected_surviving_value(pk: np.ndarray, values: np.ndarray, assignment: np.ndarray) -> float:
    """Objective of an assignment (W,) of target indices (-1: unused)."""
    survive = np.asarray(values, dtype=float).copy()
    for i, j in enumerate(assignment):
        if j >= 0:
            survive[j] *= 1.0 - pk[i, j]
    return float(survive.sum())
