"""Truth labels: which object of the world a radar plot or a round's target came from.

Threats keep their number in the scenario; civil aircraft, debris pieces, entities of another
simulation (DIS), own aircraft and birds are offset into ranges of their own; false alarms are -1.
Only the harness reads labels (the information barrier).
"""

from __future__ import annotations

CIVIL_LABEL = 10_000
DEBRIS_LABEL = 20_000
EXTERNAL_LABEL = 1_000_000  # entities of another simulation (DIS), above every debris id
FRIENDLY_LABEL = 2_000_000  # own aircraft without ADS-B (scenario [[friendly]]), above every external id
BIRD_LABEL = 3_000_000  # single birds and flocks (scenario [birds]), above every friendly id


def describe_label(label: int) -> tuple[str, int]:
    """('threat' | 'civil' | 'debris' | 'external' | 'friendly' | 'bird' | 'noise', index) of a truth label."""
    if label < 0:
        return "noise", -1
    if label >= BIRD_LABEL:
        return "bird", label - BIRD_LABEL
    if label >= FRIENDLY_LABEL:
        return "friendly", label - FRIENDLY_LABEL
    if label >= EXTERNAL_LABEL:
        return "external", label - EXTERNAL_LABEL
    if label >= DEBRIS_LABEL:
        return "debris", label - DEBRIS_LABEL
    if label >= CIVIL_LABEL:
        return "civil", label - CIVIL_LABEL
    return "threat", label
