"""Why each leaker leaked: the harness reads the decision events of the tracks that were that threat.

A threat that reached a defended zone (a ``leak`` truth event) is given one reason, the first of
these that the decision log shows for the tracks the harness's truth labels tie to it:

* ``never tracked`` — no track was ever that threat;
* ``never declared hostile`` — identification kept its tracks pending, unknown (a corridor hold,
  an airliner nearby, not inbound enough) or worse; the detail quotes the last identification
  reason or corridor hold;
* ``out of ammunition`` — no burst at it, and no gun had rounds when it was a candidate (a
  ``cannot_engage`` "no ammunition on any gun", or every gun's last ``gun_fired`` before the leak
  left fewer than ``DRY_ROUNDS``: a burst's length in whole rounds leaves a gun one or two rounds
  that no burst is made of; a ``gun_reloaded`` after it counts as full again);
* ``awaiting authorisation`` — no burst at it, and its request was unanswered, lapsed or denied;
* ``every gun busy`` — no burst at it, and every gun was firing at other tracks in the
  ``BUSY_WINDOW_S`` before the leak (saturation);
* ``no gun could reach its path`` — no burst at it and none of the above (out of every gun's reach,
  arcs or no-fire sectors; a ``cannot_engage`` reason is quoted when there is one);
* ``engaged too late`` — bursts were fired at it but the last one was still in the air at impact;
* ``last burst missed`` — bursts were fired at it, the last completed before impact, no round hit;
* ``hit but not killed`` — as above, but rounds hit it without killing it;
* ``effector engaged, not destroyed`` — no burst at it, but an interceptor or a laser engaged it
  (an ``effector_order``) and it still landed (issue 19: a miss, a kill that did not come, or a
  drift that did not carry it clear); the detail names the effectors.

Harness only (truth labels decide which tracks were the threat): nothing here feeds decisions.
"""

from __future__ import annotations

from collections.abc import Callable

BUSY_WINDOW_S = 20.0  # [s] a gun firing at other tracks this long before a leak was busy with them
DRY_ROUNDS = 10  # a gun whose last report left fewer rounds than this has no burst left (0.13 s of LPWS fire)


def leak_reasons(events: list, n_guns: int, truth: Callable[[int], tuple[str, int]], names: list[str]) -> list[dict]:
    """One ``{"threat", "name", "reason", "detail"}`` per leaked threat, in threat order, from the run's
    events (in log order), the number of guns, the harness's truth of a track id and threat names."""
    leaks = {}
    for e in events:
        if e.kind == "leak" and e.payload.threat not in leaks:
            leaks[e.payload.threat] = e.t
    if not leaks:
        return []
    per: dict[int, dict[str, list]] = {g: {} for g in leaks}
    order_of: dict[int, int] = {}  # order id -> threat
    for e in events:
        p = e.payload
        if e.kind == "gun_fired":
            kind, i = truth(p.track)
            if kind == "threat":
                order_of[p.order] = i
        if e.source == "world" and e.kind not in ("gun_fired", "burst_complete"):
            continue
        tr = getattr(p, "track", None)  # (the events of one track)
        if tr is not None and e.kind != "burst_complete":
            kind, i = truth(tr)
            if kind == "threat" and i in per:
                per[i].setdefault(e.kind, []).append(e)
    bursts: dict[int, list] = {}  # threat -> its bursts' completions
    for e in events:
        if e.kind == "burst_complete" and order_of.get(e.payload.order) in per:
            bursts.setdefault(order_of[e.payload.order], []).append(e)
    fired = [e for e in events if e.kind == "gun_fired"]
    magazines = [e for e in events if e.kind in ("gun_fired", "gun_ceased", "gun_reloaded")]
    out = []
    for g, t_leak in sorted(leaks.items()):
        ev = per[g]
        reason, detail = _reason(g, t_leak, ev, bursts.get(g, []), fired, magazines, n_guns, truth)
        out.append({"threat": g, "name": names[g], "reason": reason, "detail": detail})
    return out


def _reason(g, t_leak, ev, completions, fired, magazines, n_guns, truth) -> tuple[str, str]:
    def before(kind):
        return [e for e in ev.get(kind, []) if e.t <= t_leak]

    ids = before("identification")
    hostile = [e for e in ids if e.payload.to == "hostile"]
    mine = [e for e in fired if truth(e.payload.track) == ("threat", g) and e.t <= t_leak]
    if mine:
        last = max(mine, key=lambda e: e.payload.t_last)
        done = [e for e in completions if e.payload.order == last.payload.order]
        n, hits = len(mine), sum(e.payload.hits for e in completions if e.t <= t_leak)
        if not done or done[0].t > t_leak:
            return "engaged too late", f"{n} burst(s); the last was still in the air at impact ({t_leak:.1f} s)"
        if hits:
            return "hit but not killed", f"{n} burst(s), {hits} hit(s) before impact; none killed it"
        return "last burst missed", f"{n} burst(s), no hit before impact"
    engaged = [e for e in ev.get("effector_order", []) if e.t <= t_leak and e.payload.action in ("launch", "lase")]
    if engaged:
        used = ", ".join(f"{e.payload.effector} ({e.payload.action} at {e.t:.0f} s)" for e in engaged)
        return "effector engaged, not destroyed", used
    if not ev and not ids:
        return "never tracked", "no track of it reached the decision log"
    if not hostile:
        holds = sorted(before("corridor_hold") + before("corridor_conflict"), key=lambda e: e.t)
        last = ids[-1].payload if ids else None
        if holds:
            return "never declared hostile", holds[-1].payload.reason
        return "never declared hostile", f"last identity {last.to}: {last.reason}" if last else "pending"
    cannot = before("cannot_engage")
    ammo_left: dict[int, int] = {}
    for e in magazines:
        if e.t <= t_leak:
            p = e.payload
            ammo_left[p.gun] = p.ammunition if e.kind == "gun_reloaded" else p.ammunition_left
    if any(e.payload.reason == "no ammunition on any gun" for e in cannot):
        return "out of ammunition", "no gun had rounds while it was a candidate"
    if len(ammo_left) == n_guns and n_guns and all(v < DRY_ROUNDS for v in ammo_left.values()):
        left = ", ".join(f"gun {g}: {v}" for g, v in sorted(ammo_left.items()))
        return "out of ammunition", f"every gun's magazine was (nearly) empty before impact ({left} rounds)"
    if before("authorisation_request") and not before("fire_order"):
        lapsed = before("authorisation_timeout") or [
            e for e in before("engagement_refused") if e.payload.reason == "authorisation denied"
        ]
        return "awaiting authorisation", "request lapsed or denied" if lapsed else "request unanswered at impact"
    busy = {e.payload.gun for e in fired if t_leak - BUSY_WINDOW_S <= e.t <= t_leak}
    if n_guns and len(busy) == n_guns:
        return "every gun busy", f"all {n_guns} gun(s) fired at other tracks in the {BUSY_WINDOW_S:.0f} s before impact"
    if cannot:
        return "no gun could reach its path", cannot[-1].payload.reason
    return "no gun could reach its path", "out of every gun's reach, arc or clear line of fire"
