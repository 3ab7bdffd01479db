"""Catalogue of equipment and threat types, with the public figures behind them.

Every figure comes from ``shared/domain/`` of the bastion project (public, open-source material,
approximate, for simulation only) and is copied here with its source and confidence so the
installed package never reads that folder. Confidence: H several public sources agree; M one decent
source; L weak source or an engineering placeholder — a tunable parameter, not a fact.

Units are SI unless the name says otherwise.

One module per kind: :mod:`~bastion.scenario.catalogue.radars`, :mod:`~bastion.scenario.catalogue.guns`,
:mod:`~bastion.scenario.catalogue.threats`, :mod:`~bastion.scenario.catalogue.aircraft`, each holding
its type and its figures; :data:`CATALOGUE` holds them all by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bastion.scenario.catalogue.aircraft import AIRCRAFT, FRIENDLIES, AircraftType, FriendlyType
from bastion.scenario.catalogue.guns import GUNS, GunType
from bastion.scenario.catalogue.radars import FIRE_CONTROL_RADARS, RADARS, FireControlRadarType, RadarType
from bastion.scenario.catalogue.threats import THREATS, ThreatType

__all__ = [
    "AIRCRAFT",
    "CATALOGUE",
    "FIRE_CONTROL_RADARS",
    "FRIENDLIES",
    "GUNS",
    "RADARS",
    "SIREN_CHAIN_LATENCY_S",
    "THREATS",
    "AircraftType",
    "Catalogue",
    "FireControlRadarType",
    "FriendlyType",
    "GunType",
    "RadarType",
    "ThreatType",
]


@dataclass(frozen=True)
class Catalogue:
    """All types by name; a scenario refers to them by name."""

    radars: dict[str, RadarType] = field(default_factory=lambda: dict(RADARS))
    guns: dict[str, GunType] = field(default_factory=lambda: dict(GUNS))
    threats: dict[str, ThreatType] = field(default_factory=lambda: dict(THREATS))
    aircraft: dict[str, AircraftType] = field(default_factory=lambda: dict(AIRCRAFT))
    friendlies: dict[str, FriendlyType] = field(default_factory=lambda: dict(FRIENDLIES))


CATALOGUE = Catalogue()


SIREN_CHAIN_LATENCY_S = 2.0
"""Latency [s] from a confirmed threat track to an audible local alarm (radar confirm, C2, radio to
the speaker heads): shared/domain/ram-and-layers.md §3, "Siren-chain latency (track to audible
alarm): Not public. Assumption: 1-3 s" — the middle of that range, a labelled assumption (L). A
warning's time to impact is counted from when it is heard (:class:`bastion.assess.warning.WarningBoard`)."""
