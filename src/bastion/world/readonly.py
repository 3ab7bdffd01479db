"""Read-only arrays shared between callers: the helper that freezes one, and the empty results the
world's steps hand out when nothing happened (no landing, no hit, no external entity).

Shared arrays are frozen so that a caller that tried to change one would fail loudly instead of
changing what every other caller sees.
"""

from __future__ import annotations

import numpy as np


def frozen(a: np.ndarray) -> np.ndarray:
    """``a``, made read-only (in place), for sharing."""
    a.flags.writeable = False
    return a


EMPTY = frozen(np.zeros(0))  # no values
EMPTY3 = frozen(np.zeros((0, 3)))  # no points
NO_INDEX = frozen(np.zeros(0, dtype=int))  # no indices
NO_FLAG = frozen(np.zeros(0, dtype=bool))  # no flags
