"""Doctrine values shared by the scenario file, the decision code and the operator console.

Kept in a module of its own, below every layer (``pyproject.toml``'s import contracts), so the
scenario schema, the engagement manager and the console's API all take the one definition.
"""

from __future__ import annotations

from enum import StrEnum


class WeaponsControl(StrEnum):
    """Weapons-control status of the defended site (the C-RAM / air-defence terms).

    HOLD: fire only in self-defence (bastion: never); TIGHT: fire only at targets positively
    identified hostile, with the operator's authorisation (or, by doctrine, automatically at
    ballistic threats); FREE: fire at any target not identified friendly. The values are the
    strings of the scenario file, the events and the console's API.
    """

    HOLD = "hold"
    TIGHT = "tight"
    FREE = "free"
