"""Open- and closed-loop fire control are both selectable (a scenario field, and a sweep path) and
both run: in closed loop every burst's mount radar reports and the bursts are re-aimed in flight; in
open loop the orders carry no cue and nothing is re-aimed."""

from __future__ import annotations

import pytest

from bastion.api import compile_named
from bastion.scenario.compiled import compile_scenario
from bastion.scenario.loader import load
from bastion.sweep.overrides import OverrideError, build_points


@pytest.fixture(scope="module")
def salvo_points():
    return build_points(load("rocket-salvo"), grids=["defence.fire_control=open-loop,closed-loop"])


def test_the_default_is_closed_loop():
    assert compile_named("rocket-salvo").defence.doctrine.fire_control == "closed-loop"


def test_an_unknown_fire_control_mode_is_refused_naming_the_field():
    with pytest.raises(OverrideError, match="fire_control"):
        build_points(load("rocket-salvo"), sets=["defence.fire_control=laser-guided"])


def test_open_and_closed_loop_both_run(salvo_points):
    from bastion.engine.simulation import run

    logs = {}
    for point in salvo_points:
        compiled = compile_scenario(point.loaded)
        mode = compiled.defence.doctrine.fire_control
        result = run(compiled, 2, record_plots=False)
        logs[mode] = result
    closed, opened = logs["closed-loop"], logs["open-loop"]
    assert closed.log.of_kind("fire_order") and opened.log.of_kind("fire_order")
    loops = closed.log.of_kind("fire_control_loop")
    assert loops and len(loops) == len(closed.log.of_kind("gun_fired"))
    assert all(e.payload.plots > 0 and e.payload.aim_updates > 0 for e in loops)
    assert sum(e.payload.misses_measured for e in loops) > 0
    assert not opened.log.of_kind("fire_control_loop")
    assert all(b.order.cue is None for b in opened.world.bursts)
    assert all(b.order.cue is not None for b in closed.world.bursts)
