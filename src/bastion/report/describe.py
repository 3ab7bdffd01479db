"""Events as one line of text each: the report's decision log and ``bastion replay``'s timeline.

Kept apart from :mod:`bastion.report.html` so that printing a timeline does not import plotly.
"""

from __future__ import annotations

QUIET = {"detections", "tracks", "truth", "adsb"}
"""Per-scan event kinds left out of a timeline unless asked for."""


def describe(e) -> str:
    """One line of text for an event (the report's decision log, ``bastion replay``)."""
    p = e.payload
    k = e.kind
    if k == "warning":
        return f"WARN {p.zone}: track {p.track}, {p.warning_time_s} s to impact"
    if k == "all_clear":
        return f"ALL CLEAR {p.zone} (track {p.track}: {p.reason})"
    if k == "identification":
        return f"track {p.track}: {p.from_} -> {p.to} ({p.reason})"
    if k == "gun_fired":
        return f"gun {p.gun} fired {p.rounds} rounds (order {p.order})"
    if k == "fire_order":
        return f"{p.gun} ordered to fire at track {p.track}: {p.rounds} rds, range {p.range_m} m, Pk {p.pk}"
    if k == "kill":
        return f"{p.name} destroyed"
    if k == "leak":
        return f"{p.name} reached the ground (zone {p.zone})"
    if k == "kill_assessment":
        verdict = p.verdict or ("destroyed" if p.destroyed else "survived")
        return f"track {p.track}: {verdict} ({p.reason})"
    if k == "debris_impact":
        return f"debris ({p.piece}) of threat {p.threat} at {p.position[:2]} in {p.zone or 'open ground'}"
    return ", ".join(f"{a}={b}" for a, b in p.to_dict().items() if not isinstance(b, list | dict))[:200]
