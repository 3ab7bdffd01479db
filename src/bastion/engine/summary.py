"""The outcome of a run, scored against truth by the harness (summary.json).

Counts come from the event log and from the harness's truth labels of plots and tracks; nothing
here feeds back into decisions. Keys are stable so sweeps can aggregate them.
"""

from __future__ import annotations

import numpy as np
import shapely

from bastion.engine.bird_summary import with_birds
from bastion.engine.effector_summary import effector_scores, rounds_fired_by_order
from bastion.engine.fault_summary import with_faults
from bastion.engine.leaks import leak_reasons
from bastion.engine.simulation import RunResult
from bastion.scenario.terrain import ground_used
from bastion.world.labels import describe_label


def _round(x: float | None, nd: int = 3) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


def first_warnings(warnings: list, truth) -> dict[tuple[str, tuple[str, int]], float]:
    """(zone, who) -> the warning time [s] of the first warning the zone received for each threat,
    in log order: a re-warning (a new track of the same round, after its first was lost) is not the
    warning people had. ``truth(track)`` names what a track followed; a track of no threat counts as
    a threat of its own."""
    first: dict[tuple[str, tuple[str, int]], float] = {}
    for w in warnings:
        kind, i = truth(w.payload.track)
        who = (kind, i) if kind == "threat" else ("track", w.payload.track)
        first.setdefault((w.payload.zone, who), w.payload.warning_time_s)
    return first


@with_birds
@with_faults
def summarise(result: RunResult, leaks: bool = False, costs: bool = False) -> dict:
    """summary.json of a run (see README for every key).

    ``costs``: add the costs and effector usage (:mod:`bastion.engine.effector_summary`); a night with
    effectors beyond the gun always has them (and the side effects of its jammers).

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
    killed = {e.payload.threat for e in of("kill")}
    leaked = {e.payload.threat for e in of("leak")}
    open_ground = {e.payload.threat for e in of("impact_open_ground")}
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
    engaging = orders + [e for e in of("effector_order") if e.payload.action in ("launch", "lase")]
    for o in engaging:
        kind, i = truth(o.payload.track)
        if kind == "civil":
            civil_engaged.add(i)
        elif kind == "friendly":
            friendly_engaged.add(i)
        elif kind == "threat":
            first_fire.setdefault(i, o.payload.t_start if o.kind == "fire_order" else o.t)
        else:
            false_engaged += 1
    fired_by_order = rounds_fired_by_order(of("gun_fired"), of("gun_ceased"))
    rounds = sum(fired_by_order.values())  # (a gun fault's stopped rounds: engine/fault_summary.py)
    warnings = of("warning")
    first_warning = first_warnings(warnings, truth)
    per_zone: dict[str, float] = {}
    for (z, _), v in first_warning.items():
        per_zone[z] = min(per_zone.get(z, np.inf), v)
    kill_times: dict[int, float] = {}
    for e in of("kill"):
        kill_times.setdefault(e.payload.threat, e.t)
    false_kills = missed_kills = 0
    for e in of("kill_assessment"):
        kind, i = truth(e.payload.track)
        if kind == "debris":  # a track that followed a piece of a destroyed threat
            destroyed = True
        elif kind == "threat":
            destroyed = kill_times.get(i, np.inf) <= e.t
        else:
            continue
        if e.payload.destroyed and not destroyed:
            false_kills += 1
        elif not e.payload.destroyed and destroyed:
            missed_kills += 1
    det_range = [rec.first_detection[i][1] for i in sorted(rec.first_detection)]
    det_to_fire = [first_fire[i] - rec.first_detection[i][0] for i in sorted(first_fire) if i in rec.first_detection]
    falls = of("fall_of_shot")
    populated = {z.name for z in d.zones if z.kind == "populated"}
    debris = of("debris_impact")
    refused: dict[str, int] = {}
    for e in of("engagement_refused") + of("cannot_engage") + of("authorisation_timeout"):
        refused[e.payload.reason] = refused.get(e.payload.reason, 0) + 1
    # impact and origin predictions of each threat's tracks against where it really fell and started
    impact_at = {e.payload.threat: (e.t, e.payload.position) for e in of("leak") + of("impact_open_ground")}
    last_poi: dict[int, list] = {}
    for e in of("impact_prediction"):
        kind, i = truth(e.payload.track)
        if kind == "threat" and i in impact_at and e.t < impact_at[i][0]:
            last_poi[i] = e.payload.impact_point
    poi_err = [float(np.hypot(*(np.array(last_poi[i]) - np.array(impact_at[i][1][:2])))) for i in sorted(last_poi)]
    last_poo: dict[int, list] = {}
    for e in of("point_of_origin"):
        kind, i = truth(e.payload.track)
        if kind == "threat":
            last_poo[i] = e.payload.position
    poo_err = [float(np.hypot(*(np.array(last_poo[i]) - raid.threats[i].launch[:2]))) for i in sorted(last_poo)]
    landed = {e.payload.threat for e in of("drone_landed")}
    threats = []
    for i, p in enumerate(raid.threats):
        outcome = (
            "destroyed"
            if i in killed
            else "landed (link lost)"
            if i in landed
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
            kind, i = truth(e.payload.track)
            if kind == "friendly" and e.payload.to == "hostile":
                declared.add(i)
        holds: dict[str, int] = {}
        conflicts: dict[str, int] = {}
        for kind_, tally in (("corridor_hold", holds), ("corridor_conflict", conflicts)):
            for e in of(kind_):
                kind = truth(e.payload.track)[0]
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
    summary = extra | {
        "scenario": d.name,
        "seed": result.seed,
        "duration_s": d.duration_s,
        "hostiles": hostiles,
        "hostiles_destroyed": len(killed),
        "leakers": len(leaked),
        "impacts_open_ground": len(open_ground),
        "hostiles_airborne_at_end": hostiles - len(killed | leaked | open_ground | landed),
        "civil_aircraft": len(rec.civil_seen),
        "civil_engaged": len(civil_engaged),
        "civil_hit": len(of("civil_hit")),
        "false_tracks_engaged": false_engaged,
        "rounds_fired": int(rounds),
        "bursts": sum(1 for n in fired_by_order.values() if n > 0),
        "rounds_per_kill": _round(rounds / len(killed), 1) if killed else None,
        "kill_assessments": len(of("kill_assessment")),
        "false_kill_assessments": false_kills,
        "missed_kill_assessments": missed_kills,
        "warnings_issued": len(warnings),
        "min_warning_time_s": _round(min(first_warning.values(), default=None)),
        "warning_time_s": {z: _round(v, 2) for z, v in sorted(per_zone.items())},
        "damage_events": len(of("damage")),
        "threats_ignored_open_area": len(
            {i for kind, i in (truth(e.payload.track) for e in of("threat_ignored")) if kind == "threat"}
        ),
        "poi_error_m_median": _round(float(np.median(poi_err)), 1) if poi_err else None,
        "poo_error_m_median": _round(float(np.median(poo_err)), 1) if poo_err else None,
        "first_detection_range_m": _round(det_range[0], 1) if det_range else None,
        "detection_to_fire_s": _round(min(det_to_fire)) if det_to_fire else None,
        "debris_impacts": len(debris),
        "debris_in_populated": sum(1 for e in debris if e.payload.zone in populated),
        "fall_of_shot": len(falls),
        "fall_of_shot_populated": sum(1 for e in falls if e.payload.zone in populated),
        "engagements_refused": dict(sorted(refused.items())),
        "authorisation_requests": len(of("authorisation_request")),
        "tracks_confirmed": len(of("track_confirmed")),
        "ground": ground_used(d.surface, d.origin.alt_m),
        "threats": threats,
    }
    if costs or d.effectors:
        summary.update(effector_scores(result, kinds, killed))
    ram, would_land_in = ram_scores(result, kinds, truth, killed)
    summary.update(ram)
    for g, zone in would_land_in.items():
        threats[g]["would_land_in"] = zone
    return summary


def defended_zones(zones) -> list:
    """The zones a round landing in counts against the defence: value > 0 and kind other than "open"."""
    return [z for z in zones if z.value > 0 and z.kind != "open"]


def zone_containing(zones, point) -> str | None:
    """Name of the most valuable of ``zones`` whose area holds ``point`` (east, north) [m]; None if none."""
    pt = shapely.Point(float(point[0]), float(point[1]))
    inside = [z for z in zones if z.geometry.intersects(pt)]
    return max(inside, key=lambda z: z.value).name if inside else None


def ram_scores(
    result: RunResult, kinds: dict[str, list], truth, killed: set[int]
) -> tuple[dict, dict[int, str | None]]:
    """Truth-side scoring of the defence against rockets and mortar bombs (issue 15).

    * ``ram_would_hit_defended``: ballistic threats whose undisturbed impact point (their launch state
      flown on to the ground with the world's own physics,
      :meth:`~bastion.world.munitions.Munitions.undisturbed_impacts`) lies inside a defended zone
      (:func:`defended_zones`);
    * ``ram_intercepted_of_those``: how many of them were destroyed in the air (a ``kill`` event);
      ``ram_intercept_fraction`` the ratio (None when no round would have hit);
    * ``all_clear_then_impact``: (zone, threat) pairs where the zone was given an all-clear for a
      track that followed the threat (the harness's truth of the track) strictly before the threat's
      round reached the ground inside that zone — a false all-clear, whatever was said in between.

    Also returns, per ballistic threat (index), the defended zone its undisturbed impact is in (None:
    outside every defended zone), which the summary gives as the threat's ``would_land_in``.
    """
    d = result.scenario.defence
    mu = result.world.munitions
    defended = defended_zones(d.zones)
    would: dict[int, str | None] = {}
    if mu.index.size:
        impacts = mu.undisturbed_impacts(result.scenario.raid.weather.air)
        for j, g in enumerate(mu.index.tolist()):
            p = impacts[j]
            would[g] = zone_containing(defended, p) if np.isfinite(p).all() else None
    hit_defended = [g for g, z in would.items() if z is not None]
    intercepted = [g for g in hit_defended if g in killed]
    landed = {
        e.payload.threat: (e.t, e.payload.position) for e in kinds.get("leak", []) + kinds.get("impact_open_ground", [])
    }
    zone_by_name = {z.name: z for z in d.zones}
    false_clear: set[tuple[str, int]] = set()
    for e in kinds.get("all_clear", []):
        kind, i = truth(e.payload.track)
        zone = zone_by_name.get(e.payload.zone)
        if kind != "threat" or zone is None or i not in landed:
            continue
        t_impact, pos = landed[i]
        if e.t < t_impact and zone.geometry.intersects(shapely.Point(float(pos[0]), float(pos[1]))):
            false_clear.add((zone.name, i))
    scores = {
        "ram_would_hit_defended": len(hit_defended),
        "ram_intercepted_of_those": len(intercepted),
        "ram_intercept_fraction": _round(len(intercepted) / len(hit_defended)) if hit_defended else None,
        "all_clear_then_impact": len(false_clear),
    }
    return scores, would
