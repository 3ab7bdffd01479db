"""Checks across a scenario's tables that no single model can make: names that must exist (a zone a
threat aims at, a sensor or weapon a fault names, an effector's layer), names given twice, times
inside the night, a drone's guidance. Each problem is a (location, message) the loader turns into
"file:line: field: message" (:mod:`bastion.scenario.loader`)."""

from __future__ import annotations

from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.catalogue.effectors import JAMMERS
from bastion.scenario.schema import CIVIL_WINDOW_S, FAULT_KEYS, AdsbReceiver, Radar, Scenario, SyntheticFlight


def cross_reference_problems(s: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """Problems that span entries (unknown zone or runway names, duplicates), with their locations."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    zones = {z.name for z in s.zones}
    for i, t in enumerate(s.threats):
        if t.target_zone is not None and t.target_zone not in zones:
            problems.append(
                (
                    ("threats", i, "target_zone"),
                    f"{t.target_zone!r} is not a zone (zones: {', '.join(sorted(zones)) or 'none'})",
                )
            )
    duration = s.scenario.duration_s
    for i, t in enumerate(s.threats):
        if t.launch_time_s > duration:
            problems.append(
                (
                    ("threats", i, "launch_time_s"),
                    f"{t.launch_time_s:g} s is after the scenario ends ({duration:g} s): it would never launch",
                )
            )
    ends = {e.ident for r in s.runways for e in r.ends}
    for i, c in enumerate(s.civil):
        if isinstance(c, SyntheticFlight) and not -CIVIL_WINDOW_S <= c.time_s <= duration + CIVIL_WINDOW_S:
            problems.append(
                (
                    ("civil", i, "time_s"),
                    f"{c.time_s:g} s is more than {CIVIL_WINDOW_S:g} s outside the scenario (0 to {duration:g} s): "
                    "the aircraft would never be near the site",
                )
            )
        if isinstance(c, SyntheticFlight) and c.runway not in ends:
            problems.append(
                (
                    ("civil", i, "runway"),
                    f"{c.runway!r} is not a runway end (known: {', '.join(sorted(ends)) or 'none'})",
                )
            )
    for i, f in enumerate(s.friendly):
        if f.start_time_s > duration:
            problems.append((("friendly", i, "start_time_s"), f"{f.start_time_s:g} s is after the scenario ends"))
    for kind, items in (
        ("sensors", s.sensors),
        ("weapons", s.weapons),
        ("effectors", s.effectors),
        ("zones", s.zones),
        ("friendly", s.friendly),
        ("corridor", s.corridor),
    ):
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.name in seen:
                problems.append(((kind, i, "name"), f"duplicate name {item.name!r}"))
            seen.add(item.name)
    guns = {w.name for w in s.weapons}
    for i, e in enumerate(s.effectors):
        if e.name in guns:
            problems.append((("effectors", i, "name"), f"{e.name!r} is also a weapon's name: give it its own"))
        jammer = e.type in JAMMERS
        if jammer and e.rounds is not None:
            problems.append((("effectors", i, "rounds"), f"a jammer ({e.type}) has no rounds (remove the key)"))
        if not jammer and e.footprint_m is not None:
            problems.append((("effectors", i, "footprint_m"), f"only a jammer has a footprint, not a {e.type}"))
    for i, t in enumerate(s.threats):
        if t.guidance is not None and CATALOGUE.threats[t.type].ballistic:
            problems.append((("threats", i, "guidance"), f"a {t.type} is unguided: guidance applies to drones only"))
    problems += _fault_problems(s)
    return problems


def _fault_problems(s: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """Each fault's keys for its kind, the sensor or weapon it names, and its times within the night."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    radars = [x.name for x in s.sensors if isinstance(x, Radar)]
    receivers = [x.name for x in s.sensors if isinstance(x, AdsbReceiver)]
    weapons = [w.name for w in s.weapons]
    duration = s.scenario.duration_s
    for i, f in enumerate(s.faults):
        required, optional = FAULT_KEYS[f.kind]
        given = {
            k for k in ("sensor", "weapon", "start_s", "duration_s", "at_s", "jump_s") if getattr(f, k) is not None
        }
        for key in required:
            if key not in given:
                problems.append((("faults", i, key), f"a {f.kind} fault needs {key}"))
        for key in sorted(given - set(required) - set(optional)):
            problems.append(
                (("faults", i, key), f"not used by a {f.kind} fault (it takes {', '.join(required + optional)})")
            )
        if f.sensor is not None and "sensor" in required + optional:
            known = receivers if f.kind == "adsb_outage" else radars
            what = "an ADS-B receiver" if f.kind == "adsb_outage" else "a radar"
            if f.sensor not in known:
                problems.append(
                    (("faults", i, "sensor"), f"{f.sensor!r} is not {what} (known: {', '.join(known) or 'none'})")
                )
        if f.weapon is not None and "weapon" in required and f.weapon not in weapons:
            problems.append(
                (("faults", i, "weapon"), f"{f.weapon!r} is not a weapon (known: {', '.join(weapons) or 'none'})")
            )
        for key in ("start_s", "at_s"):
            v = getattr(f, key)
            if v is not None and key in required and v > duration:
                problems.append(
                    (("faults", i, key), f"{v:g} s is after the scenario ends ({duration:g} s): it would never happen")
                )
        if f.jump_s is not None and f.kind == "clock_jump" and f.jump_s == 0:
            problems.append((("faults", i, "jump_s"), "a clock jump of 0 s is no fault"))
    return problems
