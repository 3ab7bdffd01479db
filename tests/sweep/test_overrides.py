"""Dotted-path assignments on a scenario: path syntax, threat replication, the grid, bad input."""

from __future__ import annotations

import pytest

from bastion.scenario import load
from bastion.sweep.overrides import (
    DEFAULT_INTERVAL_S,
    OverrideError,
    apply_assignments,
    build_points,
    parse_set,
    parse_value,
    scenario_document,
    split_top_level,
)


@pytest.fixture(scope="module")
def baghdad_loaded():
    return load("baghdad")


def problems(loaded, sets=(), grids=()) -> list[str]:
    with pytest.raises(OverrideError) as exc:
        build_points(loaded, list(sets), list(grids))
    return exc.value.problems


def test_values_are_toml_or_bare_strings():
    assert parse_value("2500") == 2500
    assert parse_value("2.5") == 2.5
    assert parse_value("true") is True
    assert parse_value('"123"') == "123"
    assert parse_value("lcmr") == "lcmr"
    assert parse_value("{east_m = 1, north_m = 2}") == {"east_m": 1, "north_m": 2}
    assert parse_value("[1, 2]") == [1, 2]


def test_grid_values_split_outside_brackets_and_quotes():
    assert split_top_level("1,2, 3") == ["1", "2", "3"]
    assert split_top_level('{a=1,b=2},[3,4],"x,y"') == ["{a=1,b=2}", "[3,4]", '"x,y"']


def test_paths_by_index_name_wildcard_and_missing_key(baghdad_loaded):
    base = scenario_document(baghdad_loaded)
    sets = [
        "weapons.0.position.east_m=2000",
        "weapons.LPWS-2.ammunition=600",
        "weapons.-1.position.north_m=1700",
        "threats.*.speed_mps=45",
        "environment.wind_speed_mps=8.5",
        "defence.operator.median_delay_s=5",  # a table the file leaves out
    ]
    data = apply_assignments(base, [parse_set(s) for s in sets])
    assert data["weapons"][0]["position"]["east_m"] == 2000
    assert data["weapons"][1]["ammunition"] == 600 and data["weapons"][1]["position"]["north_m"] == 1700
    assert [t["speed_mps"] for t in data["threats"]] == [45, 45]
    assert data["defence"]["operator"] == {"median_delay_s": 5}
    assert base["weapons"][0]["position"]["east_m"] == 2230.0  # the base document is untouched
    (point,) = build_points(baghdad_loaded, sets, [])
    m = point.loaded.model
    assert m.weapons[0].position.east_m == 2000 and m.defence.operator.median_delay_s == 5
    assert m.environment.wind_speed_mps == 8.5


def test_whole_table_as_value(baghdad_loaded):
    (point,) = build_points(baghdad_loaded, ["weapons.0.position={east_m = 1500, north_m = 900}"], [])
    pos = point.loaded.model.weapons[0].position
    assert (pos.east_m, pos.north_m, pos.height_m) == (1500, 900, 0.0)


def test_threat_count_replicates_with_launch_spacing(baghdad_loaded):
    (p,) = build_points(baghdad_loaded, ["threats.OWA-1.count=3", "threats.0.interval_s=4", "threats.*.speed_mps=50"])
    threats = p.loaded.model.threats
    assert [t.name for t in threats] == ["OWA-1", "OWA-1#2", "OWA-1#3", "OWA-2"]
    assert [t.launch_time_s for t in threats] == [5.0, 9.0, 13.0, 35.0]
    assert all(t.speed_mps == 50 for t in threats)  # replication comes after the other assignments
    (p,) = build_points(baghdad_loaded, ["threats.*.count=2"])
    assert [t.launch_time_s for t in p.loaded.model.threats] == [5.0, 5.0 + DEFAULT_INTERVAL_S, 35.0, 45.0]
    (p,) = build_points(baghdad_loaded, ["threats.1.count=0"])
    assert [t.name for t in p.loaded.model.threats] == ["OWA-1"]


def test_grid_is_the_product_last_axis_fastest(baghdad_loaded):
    pts = build_points(
        baghdad_loaded,
        ["threats.0.count=2"],
        ["weapons.0.ammunition=0,800", "environment.wind_speed_mps=0,4,8"],
    )
    assert len(pts) == 6
    assert [p.index for p in pts] == list(range(6))
    assert pts[1].label == "weapons.0.ammunition=0, environment.wind_speed_mps=4"
    assert pts[3].parameters == {
        "threats.0.count": 2,
        "weapons.0.ammunition": 800,
        "environment.wind_speed_mps": 0,
    }
    assert len({p.loaded.sha256 for p in pts}) == 6


def test_no_assignment_keeps_the_file_itself(baghdad_loaded):
    (p,) = build_points(baghdad_loaded, [], [])
    assert p.loaded is baghdad_loaded and p.label == "(scenario as given)"


def test_unknown_key_names_the_option_field_and_suggestion(baghdad_loaded):
    (msg,) = problems(baghdad_loaded, ["weapons.0.positon.east_m=1"])
    assert msg.startswith("--set weapons.0.positon.east_m=1: weapons[0].positon: unknown field 'positon'")
    assert "did you mean 'position'" in msg


def test_wrong_type_is_the_schema_error(baghdad_loaded):
    (msg,) = problems(baghdad_loaded, [], ["weapons.0.ammunition=600,lots"])
    assert msg.startswith("--grid weapons.0.ammunition=lots: weapons[0].ammunition:")
    assert "integer" in msg and "'lots'" in msg
    (msg,) = problems(baghdad_loaded, ["environment.wind_speed_mps=-3"])
    assert "environment.wind_speed_mps" in msg and "greater than or equal to 0" in msg


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        ("weapons.5.ammunition=1", "weapons has 2 entries: index 5 is out of range"),
        ("weapons.LPWS-9.ammunition=1", "no entry of weapons is named 'LPWS-9' (names: LPWS-1, LPWS-2)"),
        ("scenario.duration_s.x=1", "scenario.duration_s is a number (360), not a table"),
        ("threats.0.count=-1", "count must be a whole number >= 0, got -1"),
        ("threats.0.count=1.5", "count must be a whole number >= 0"),
        ("threats.0.interval_s=soon", "interval_s must be a number of seconds >= 0"),
        ("foo=1", "foo: unknown field 'foo'"),
        ("threats.0.target_zone=Nowhere", "'Nowhere' is not a zone"),
        ("sensors.0.type=kurfz", "unknown radar type 'kurfz'"),
    ],
)
def test_bad_paths_and_values_are_named(baghdad_loaded, assignment, expected):
    (msg,) = problems(baghdad_loaded, [assignment])
    assert msg.startswith(f"--set {assignment}: ") and expected in msg


@pytest.mark.parametrize(
    ("sets", "grids", "expected"),
    [
        (["x"], [], "--set 'x': expected PATH=VALUE"),
        (["=3"], [], "expected PATH=VALUE"),
        (["a..b=3"], [], "empty segment"),
        ([], ["weapons.0.ammunition="], "no empty value"),
        ([], ["weapons.0.ammunition=1,,2"], "no empty value"),
        ([], ["weapons.0.ammunition=1", "weapons.0.ammunition=2"], "given more than once"),
    ],
)
def test_malformed_options(baghdad_loaded, sets, grids, expected):
    assert any(expected in m for m in problems(baghdad_loaded, sets, grids))


def test_every_bad_assignment_is_reported_at_once(baghdad_loaded):
    msgs = problems(baghdad_loaded, ["weapons.0.ammunition=lots", "environment.wind_sped_mps=3"])
    assert len(msgs) == 2
