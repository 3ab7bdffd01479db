"""The faults injected into a run and their consequences, for its summary (harness side).

Added to ``summary.json`` only when the scenario injects faults (a fault-free night's summary keeps
its keys): ``faults`` (each {kind, target, start_s, duration_s}, and jump_s for a clock jump),
``holds_for_faults`` (decisions to hold fire a fault caused: "hold_fire" events whose reason is a
gun or sensor fault, and authorisation requests that lapsed because the operator's console was
disconnected when they were raised or answered), ``reassignments`` (targets re-assigned to another
gun after theirs failed) and ``fault_consequences`` (counts of every kind of consequence). The
rounds (and bursts) a gun fault kept in the barrel are taken off ``rounds_fired`` (and ``bursts``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from bastion.engage.availability import FAULT_HOLDS


def fault_summary(result, summary: dict) -> dict:
    """The summary's fault keys for ``result`` (``summary``: its other keys, corrected in place for
    rounds that never left a jammed gun)."""
    faults = result.scenario.raid.faults
    kinds: dict[str, list] = {}
    for e in result.log.events:
        kinds.setdefault(e.kind, []).append(e)

    def of(kind: str) -> list:
        return kinds.get(kind, [])

    holds = [e for e in of("hold_fire") if e.payload.reason.startswith(FAULT_HOLDS)]
    lost_requests = {e.payload.request for e in of("request_not_shown")}
    lapsed = [e for e in of("authorisation_timeout") if e.payload.request in lost_requests]
    # an answer lost in a disconnect: the request it answered lapses too
    lost_answers = len(of("operator_action_lost"))
    not_fired = sum(e.payload.rounds_not_fired for e in of("gun_fault"))
    if not_fired and "rounds_fired" in summary:  # "gun_fired" counted them as the order was executed
        summary["rounds_fired"] -= not_fired
        stopped = {order: n for e in of("gun_fault") for order, n in e.payload.orders_stopped}
        emptied = sum(1 for e in of("gun_fired") if stopped.get(e.payload.order, -1) == e.payload.rounds)
        if "bursts" in summary:
            summary["bursts"] -= emptied
    listed = []
    for f in faults:
        item = {
            "kind": f.kind,
            "target": f.target or None,
            "start_s": f.start_s,
            "duration_s": None if f.duration_s is None else round(f.duration_s, 3),
        }
        if f.kind == "clock_jump":
            item["jump_s"] = f.jump_s
        listed.append(item)
    return {
        "faults": listed,
        "holds_for_faults": len(holds) + len(lapsed) + lost_answers,
        "reassignments": len(of("reassigned")),
        "fault_consequences": {
            "sensor_outages": len(of("sensor_outage")),
            "sensors_restored": len(of("sensor_restored")),
            "scans_refused": len(of("scan_refused")),
            "guns_unavailable": len(of("gun_unavailable")),
            "orders_refused_by_mount": len(of("order_refused")),
            "rounds_not_fired": not_fired,
            "requests_not_shown": len(lost_requests),
            "operator_answers_lost": lost_answers,
            "requests_lapsed_console": len(lapsed),
        },
    }


def with_faults(summarise: Callable[..., dict]) -> Callable[..., dict]:
    """Wrap a summary function: add the fault keys when the run's scenario injected faults."""

    @functools.wraps(summarise)
    def wrapped(result, *args, **kwargs) -> dict:
        summary = summarise(result, *args, **kwargs)
        if result.scenario.raid.faults:
            summary.update(fault_summary(result, summary))
        return summary

    return wrapped
