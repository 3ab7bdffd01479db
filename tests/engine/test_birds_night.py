"""Birds in whole nights (issue 20, item 3): the Baghdad night has birds, the radar tracks them, the
decision side classifies them and never declares one hostile nor engages one; a dense dawn flight of
birds over a camp with the guns weapons-free is no different."""

from __future__ import annotations

import textwrap

import pytest

from bastion.engine.simulation import run, run_batch
from bastion.engine.summary import summarise
from bastion.scenario import parse
from bastion.scenario.compiled import compile_scenario
from bastion.world.labels import BIRD_LABEL


def test_baghdad_has_birds_and_engages_none(baghdad):
    """Seeds 1-4: birds are tracked and most of their tracks classified bird; none is declared
    hostile, warned about or engaged, and both drones are still destroyed."""
    assert baghdad.raid.birds is not None
    for r in run_batch(baghdad, [1, 2, 3, 4]):
        s = summarise(r)
        assert s["bird_objects"] > 5 and s["bird_tracks"] > 5, s["seed"]
        assert s["bird_tracks_classified_bird"] >= 0.8 * s["bird_tracks"], s["seed"]
        assert s["bird_tracks_declared_hostile"] == 0 and s["bird_tracks_engaged"] == 0, s["seed"]
        assert s["bird_warnings"] == 0 and s["threat_tracks_classified_bird"] == 0, s["seed"]
        assert s["hostiles_destroyed"] == 2 and s["civil_engaged"] == 0, s["seed"]
        assert s["false_hostile_per_hour"] == 0.0


def test_bird_plots_come_from_birds(baghdad):
    """The radar sees the birds: a night's plots include birds' (truth labels), and the picture has
    them as Swerling 1 objects."""
    r = run(baghdad, 2, record_plots=True)
    labels = [lab for e in r.log.events if e.kind == "truth" for lab in e.payload.label]
    assert any(lab >= BIRD_LABEL for lab in labels)
    birds_seen = {lab for v in r.record.track_votes.values() for lab in v if lab >= BIRD_LABEL}
    assert len(birds_seen) > 5
    assert any(e.kind == "bird" for e in r.log.events)


DAWN = textwrap.dedent("""
    [scenario]
    name = "dawn-birds"
    start = 2022-04-10T06:00:00+03:00
    duration_s = 600

    [site]
    name = "Camp"
    origin = { lat = 33.0, lon = 44.0, elevation_m = 30.0 }

    [[zones]]
    name = "Camp"
    kind = "military"
    value = 100.0
    circle = { center = { east_m = 0.0, north_m = 0.0 }, radius_m = 1500.0 }

    [[sensors]]
    kind = "radar"
    name = "R1"
    type = "kurfs"
    position = { east_m = 0.0, north_m = 0.0, height_m = 8.0 }

    [[weapons]]
    name = "G1"
    type = "lpws"
    position = { east_m = 300.0, north_m = 0.0, height_m = 3.0 }

    [defence]
    weapons_control = "free"

    [birds]
    density_per_km2 = 3.0
    radius_m = 6000.0
""")


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_a_dense_dawn_flight_over_a_weapons_free_camp_draws_no_fire(seed, tmp_path):
    """3 birds per km^2 (the dawn density) within 6 km of a camp whose gun is weapons-free, ten
    minutes: scores of bird tracks, some crossing the camp, and not one declared hostile or fired at."""
    compiled = compile_scenario(parse(DAWN, str(tmp_path / "dawn.toml"), tmp_path))
    r = run(compiled, seed, record_plots=False)
    s = summarise(r)
    assert s["bird_objects"] > 50 and s["bird_tracks"] > 50
    assert s["bird_tracks_declared_hostile"] == 0
    assert s["bird_tracks_engaged"] == 0 and s["bursts"] == 0
    assert s["bird_warnings"] == 0


def test_birds_table_is_checked(tmp_path):
    from bastion.scenario import ScenarioError

    bad = DAWN.replace("density_per_km2 = 3.0", "density_per_km2 = [1.0, 2.0]")
    with pytest.raises(ScenarioError) as err:
        parse(bad, "bad.toml")
    assert any("birds.density_per_km2" in p and "24" in p for p in err.value.problems), err.value.problems
    hourly = DAWN.replace("density_per_km2 = 3.0", "density_per_km2 = " + str([float(h % 5) for h in range(24)]))
    pop = compile_scenario(parse(hourly, str(tmp_path / "h.toml"), tmp_path)).raid.birds
    assert pop.density_per_km2[6] == 1.0 and pop.start_hour == 6.0
