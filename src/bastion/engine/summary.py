"""The outcome of a run, scored against truth by the harness (summary.json).

Counts come from the event log and from the harness's truth labels of plots and tracks; nothing
here feeds back into decisions. Keys are stable so sweeps can aggregate them.
"""

from __future__ import annotations

import numpy as np

from bastion.engine.leaks import leak_reasons
from bastion.engine.simulation import RunResult
from bastion.world.labels import describe_label


def _round(x: float | None, nd: int = 3) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


def summarise(result: RunResult, leaks: bool = False) -> dict:
    """summary.json of a run (see README for every key).

    ``leaks``: add each leaker's reason (``leak_reasons``, ``leak_reason_counts``: see
    :mod:`bastion.engine.leaks`) when the night had leakers. ``bastion run`` writes them into
    summary.json; off by default so the summaries (and digests) of existing nights stay as they were.
    Nights with own aircraft (``[[friendly]]``) add ``friendly_*`` and ``corridor_holds`` keys."""
    log = result.log
    d = result.scenario.defence
    raid = result.scenario.raid
    rec = result.record
    ev = log.events
    kinds: dict[str, list] = {}
    for e in ev:
        kinds.setdefault(e.kind, []).append(e)

    def of(kind: str) -> list:
        return kinds.get(kind, [])

    hostiles = len(raid.threats)
    killed = {e.payload["threat"] for e in of("kill")}
    leaked = {e.payload["threat"] for e in of("leak")}
    open_ground = {e.payload["threat"] for e in of("impact_open_ground")}
    orders = of("fire_order")
    truth_of_track = {tid: rec.truth_of(tid) for tid in rec.track_votes}

    def truth(track: int) -> tuple[str, int]:
        """What a track really was: ("threat" | "civil" | ..., index), or ("noise", -1) for a false track."""
        lab = truth_of_track.get(track)
        return describe_label(lab) if lab is not None else ("noise", -1)

    civil_engaged = set()
    friendly_engaged = set()
    false_engaged = 0
    first_fire: dict[int, float] = {}
    for o in orders:
        kind, i = truth(o.payload["track"])
        if kind == "civil":
            civil_engaged.add(i)
        elif kind == "friendly":
            friendly_engaged.add(i)
        elif kind == "threat":
            first_fire.setdefault(i, o.payload["t_start"])
        else:
            false_engaged += 1
    rounds = sum(e.payload["rounds"] for e in of("gun_fired"))
    warnings = of("warning")
    per_zone: dict[str, float] = {}
    for w in warnings:
        z = w.payload["zone"]
        per_zone[z] = min(per_zone.get(z, np.inf), w.payload["warning_time_s"])
    det_range = [rec.first_detection[i][1] for i in sorted(rec.first_detection)]
    det_to_fire = [first_fire[i] - rec.first_detection[i][0] for i in sorted(first_fire) if i in rec.first_detection]
    falls = of("fall_of_shot")
    populated = {z.name for z in d.zones if z.kind == "populated"}
    debris = of("debris_impact")
    refused: dict[str, int] = {}
    for e in of("engagement_refused") + of("cannot_engage") + of("authorisation_timeout"):
        refused[e.payload["reason"]] = refused.get(e.payload["reason"], 0) + 1
    # impact and origin predictions of each threat's tracks against where it really fell and started
    impact_at = {e.payload["threat"]: (e.t, e.payload["position"]) for e in of("leak") + of("impact_open_ground")}
    last_poi: dict[int, list] = {}
    for e in of("impact_prediction"):
        kind, i = truth(e.payload["track"])
        if kind == "threat" and i in impact_at and e.t < impact_at[i][0]:
            last_poi[i] = e.payload["impact_point"]
    poi_err = [float(np.hypot(*(np.array(last_poi[i]) - np.array(impact_at[i][1][:2])))) for i in sorted(last_poi)]
    last_poo: dict[int, list] = {}
    for e in of("point_of_origin"):
        kind, i = truth(e.payload["track"])
        if kind == "threat":
            last_poo[i] = e.payload["position"]
    poo_err = [float(np.hypot(*(np.array(last_poo[i]) - raid.threats[i].launch[:2]))) for i in sorted(last_poo)]
    threats = []
    for i, p in enumerate(raid.threats):
        outcome = (
            "destroyed"
            if i in killed
            else "leaked"
            if i in leaked
            else "fell in open ground"
            if i in open_ground
            else "airborne at end"
        )
        fd = rec.first_detection.get(i)
        threats.append(
            {
                "name": p.name,
                "type": p.type.name,
                "outcome": outcome,
                "first_detection_time_s": _round(fd[0]) if fd else None,
                "first_detection_range_m": _round(fd[1], 1) if fd else None,
                "detection_to_fire_s": _round(first_fire[i] - fd[0]) if fd and i in first_fire else None,
            }
        )
    extra: dict = {}
    # keys only for the nights they concern (a night without own aircraft or leakers keeps its summary)
    if raid.friendlies:
        declared = set()
        for e in of("identification"):
            kind, i = truth(e.payload["track"])
            if kind == "friendly" and e.payload["to"] == "hostile":
                declared.add(i)
        holds: dict[str, int] = {}
        conflicts: dict[str, int] = {}
        for kind_, tally in (("corridor_hold", holds), ("corridor_conflict", conflicts)):
            for e in of(kind_):
                kind = truth(e.payload["track"])[0]
                tally[kind] = tally.get(kind, 0) + 1
        extra.update(
            friendly_aircraft=len(raid.friendlies),
            friendly_declared_hostile=len(declared),
            friendly_engaged=len(friendly_engaged),
            friendly_hit=len(of("friendly_hit")),
            corridor_holds=dict(sorted(holds.items())),
            corridor_conflicts=dict(sorted(conflicts.items())),
        )
    if leaks and leaked:
        why = leak_reasons(ev, len(d.guns), truth, [p.name for p in raid.threats])
        counts: dict[str, int] = {}
        for w in why:
            counts[w["reason"]] = counts.get(w["reason"], 0) + 1
        extra.update(leak_reasons=why, leak_reason_counts=dict(sorted(counts.items())))
    return extra | {
        "scenario": d.name,
        "seed": result.seed,
        "duration_s": d.duration_s,
        "hostiles": hostiles,
        "hostiles_destroyed": len(killed),
        "leakers": len(leaked),
        "impacts_open_ground": len(open_ground),
        "hostiles_airborne_at_end": hostiles - len(killed | leaked | open_ground),
        "civil_aircraft": len(rec.civil_seen),
        "civil_engaged": len(civil_engaged),
        "civil_hit": len(of("civil_hit")),
        "false_tracks_engaged": false_engaged,
        "rounds_fired": int(rounds),
        "bursts": len(of("gun_fired")),
        "rounds_per_kill": _round(rounds / len(killed), 1) if killed else None,
        "warnings_issued": len(warnings),
        "min_warning_time_s": _round(min((w.payload["warning_time_s"] for w in warnings), default=None)),
        "warning_time_s": {z: _round(v, 2) for z, v in sorted(per_zone.items())},
        "damage_events": len(of("damage")),
        "threats_ignored_open_area": len(
            {i for kind, i in (truth(e.payload["track"]) for e in of("threat_ignored")) if kind == "threat"}
        ),
        "poi_error_m_median": _round(float(np.median(poi_err)), 1) if poi_err else None,
        "poo_error_m_median": _round(float(np.median(poo_err)), 1) if poo_err else None,
        "first_detection_range_m": _round(det_range[0], 1) if det_range else None,
        "detection_to_fire_s": _round(min(det_to_fire)) if det_to_fire else None,
        "debris_impacts": len(debris),
        "debris_in_populated": sum(1 for e in debris if e.payload["zone"] in populated),
        "fall_of_shot": len(falls),
        "fall_of_shot_populated": sum(1 for e in falls if e.payload["zone"] in populated),
        "engagements_refused": dict(sorted(refused.items())),
        "authorisation_requests": len(of("authorisation_request")),
        "tracks_confirmed": len(of("track_confirmed")),
        "threats": threats,
    }
