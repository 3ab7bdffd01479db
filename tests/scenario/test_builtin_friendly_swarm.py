"""The built-in tower-22 and swarm-raid scenarios: they validate, and one night of each runs with
its safety outcome (never a friendly engaged or hit) and its leak reasons accounted for."""

import numpy as np
import pytest

from bastion.api import compile_named
from bastion.engine.simulation import run
from bastion.engine.summary import summarise


def test_tower22_and_swarm_raid_validate():
    t22 = compile_named("tower-22")
    assert len(t22.raid.friendlies) == 1 and not t22.raid.friendlies[0].iff_mode5
    (r1,) = t22.defence.corridors
    assert r1.width_m == 500.0 and r1.windows[0].friendlies == 1
    assert all(z.notional for z in t22.defence.zones)
    swarm = compile_named("swarm-raid")
    assert 12 <= len(swarm.raid.threats) <= 20
    bearings = {round(np.degrees(np.arctan2(p.launch[0], p.launch[1])) / 90) % 4 for p in swarm.raid.threats}
    assert len(bearings) == 4  # from four directions


@pytest.mark.slow
def test_tower22_night_separates_and_never_engages_the_friendly():
    s = summarise(run(compile_named("tower-22"), 1))
    assert s["friendly_engaged"] == 0 and s["friendly_hit"] == 0 and s["friendly_declared_hostile"] == 0
    assert s["corridor_holds"] == {"friendly": 1} and s["corridor_conflicts"] == {}
    assert s["hostiles_destroyed"] + s["leakers"] + s["impacts_open_ground"] == 1


@pytest.mark.slow
def test_swarm_raid_night_gives_every_leaker_a_reason():
    s = summarise(run(compile_named("swarm-raid"), 1), leaks=True)
    assert len(s.get("leak_reasons", [])) == s["leakers"]
    assert sum(s.get("leak_reason_counts", {}).values()) == s["leakers"]
