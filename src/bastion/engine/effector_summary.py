"""summary.json's costs, effector usage and side effects of jamming (issue 19), scored by the harness.

Keys (added to a night with effectors beyond the gun, or to any night when costs are asked for:
``bastion run`` and ``bastion sweep`` ask; the default summary of a guns-only night is unchanged):

* ``cost_usd``: what the night's engagements expended: rounds fired x the gun's round cost, interceptors
  launched x their unit cost, laser shots x their cost per shot, jammers' hours radiating x their
  operating cost (:mod:`bastion.scenario.catalogue.effectors`, and ``ROUND_COST_USD`` in
  :mod:`bastion.scenario.catalogue.guns`: every figure sourced or a stated placeholder); a gun with
  no round cost makes it ``None`` (unknown, never silently 0);
* ``engagements``: bursts fired + interceptors launched + laser shots (a jammer radiating is not one);
  ``cost_per_engagement_usd`` and ``cost_per_kill_usd`` (per hostile defeated) their ratios;
* ``hostiles_defeated``: destroyed, or landed by a fail-safe after losing their link
  (``hostiles_landed``); ``interceptors_launched``, ``laser_shots``;
* ``effector_usage``: per gun and effector (by name): its ``kind``, ``engagements``, what it expended
  (``rounds``, ``interceptors``, ``shots`` or ``radiating_s``), ``cost_usd`` and ``kills`` (hostiles
  destroyed by it: the kill's ``by``, or the gun whose round hit);
* side effects (truth, never silent): ``civil_in_jammer_footprint`` (civil aircraft, airborne or on the
  ground, inside a radiating GNSS jammer's footprint at any time), ``civil_jammed_s`` (their
  aircraft-seconds there), ``friendly_in_jammer_footprint`` (own aircraft in any jammer's footprint),
  ``gnss_jammed_zone_s`` (seconds each zone, the airport's GNSS users, lay in a radiating GNSS
  footprint), ``gnss_denied_drones`` (drones that lost GNSS) and ``gnss_drift_m_max`` (the largest
  inertial position error a drone reached).
"""

from __future__ import annotations

import math

from bastion.scenario.catalogue.guns import ROUND_COST_USD


def rounds_fired_by_order(gun_fired: list, gun_ceased: list) -> dict[int, int]:
    """Rounds that left the muzzle per fire order: the burst's rounds (``gun_fired``, counted as the
    mount received the order) less those its fire-control computer's cease-fire stopped
    (``gun_ceased``). A burst ceased before its first round counts 0."""
    out = {e.payload.order: int(e.payload.rounds) for e in gun_fired}
    for e in gun_ceased:
        out[e.payload.order] = out.get(e.payload.order, 0) - int(e.payload.rounds_not_fired)
    return out


def _money(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 2)


def effector_scores(result, kinds: dict[str, list], killed: set[int]) -> dict:
    """The keys above for a run (``kinds``: its events by kind; ``killed``: threats destroyed)."""
    d = result.scenario.defence
    world = result.world
    of = lambda k: kinds.get(k, [])  # noqa: E731
    usage: dict[str, dict] = {}
    gun_of_order: dict[int, int] = {}
    total = 0.0
    for g in d.guns:
        usage[g.name] = {"kind": "gun", "engagements": 0, "rounds": 0, "cost_usd": 0.0, "kills": 0}
    fired = rounds_fired_by_order(of("gun_fired"), of("gun_ceased"))
    for e in of("gun_fired"):
        p = e.payload
        g = d.guns[p.gun]
        gun_of_order[p.order] = p.gun
        u = usage[g.name]
        u["engagements"] += 1
        u["rounds"] += fired[p.order]
    for g in d.guns:
        u = usage[g.name]
        u["cost_usd"] = u["rounds"] * ROUND_COST_USD.get(g.type.name, math.nan)
    for s in d.effectors:
        what = {"interceptor": "interceptors", "directed-energy": "shots"}.get(s.kind, "radiating_s")
        usage[s.name] = {"kind": s.kind, "engagements": 0, what: 0, "cost_usd": 0.0, "kills": 0}
    for e in of("interceptor_launched"):
        s = d.effectors[e.payload.effector_index]
        u = usage[s.name]
        u["engagements"] += 1
        u["interceptors"] += 1
        u["cost_usd"] += s.type.unit_cost_usd
    for e in of("laser_on"):
        s = d.effectors[e.payload.effector_index]
        u = usage[s.name]
        u["engagements"] += 1
        u["shots"] += 1
        u["cost_usd"] += s.type.cost_per_shot_usd
    exposure = world.effectors.exposure if world.effectors is not None else None
    if exposure is not None:
        for k, seconds in exposure.radiating_s.items():
            s = d.effectors[k]
            u = usage[s.name]
            u["radiating_s"] = round(seconds, 1)
            u["cost_usd"] = seconds / 3600.0 * s.type.cost_per_hour_usd
    for e in of("kill"):
        by = e.payload.by
        if by is not None and by in usage:
            usage[by]["kills"] += 1
    for e in of("hit"):
        if e.payload.killed:
            g = gun_of_order.get(e.payload.order)
            if g is not None:
                usage[d.guns[g].name]["kills"] += 1
    for u in usage.values():
        total += u["cost_usd"]
        u["cost_usd"] = _money(u["cost_usd"])
    landed = {e.payload.threat for e in of("drone_landed")}
    defeated = len(killed | landed)
    engagements = len(of("gun_fired")) + len(of("interceptor_launched")) + len(of("laser_on"))
    total_or_none = total if math.isfinite(total) else None
    out = {
        "cost_usd": _money(total_or_none),
        "engagements": engagements,
        "cost_per_engagement_usd": _money(total / engagements) if engagements and total_or_none is not None else None,
        "cost_per_kill_usd": _money(total / defeated) if defeated and total_or_none is not None else None,
        "hostiles_defeated": defeated,
        "hostiles_landed": len(landed),
        "interceptors_launched": len(of("interceptor_launched")),
        "laser_shots": len(of("laser_on")),
        "effector_usage": usage,
    }
    if d.effectors:
        civil_s = exposure.civil_s if exposure is not None else {}
        fx = world.effectors
        drift = fx.max_drift.tolist() if fx is not None else []
        out.update(
            civil_in_jammer_footprint=len(civil_s),
            civil_jammed_s=round(sum(civil_s.values()), 1),
            friendly_in_jammer_footprint=len(exposure.friendly_s) if exposure is not None else 0,
            gnss_jammed_zone_s={z: round(s, 1) for z, s in sorted((exposure.zone_s if exposure else {}).items())},
            gnss_denied_drones=len({e.payload.threat for e in of("gnss_denied")}),
            gnss_drift_m_max=round(max(drift), 1) if drift else 0.0,
        )
    return out
