"""[[effectors]], [defence.layers], a threat's guidance and the lasers' weather: validated like the rest of
a scenario, every problem naming file, line and field; a good table compiles to its sites."""

from __future__ import annotations

import pytest

from bastion.scenario import ScenarioError, parse
from bastion.scenario.compiled import compile_scenario
from tiny_scenario import TINY, line_of  # tests/tiny_scenario.py (pytest puts tests/ on the path)

GOOD = TINY  # as tests/scenario/test_faults_schema.py


LAUNCHER = """
[[effectors]]
name = "C1"
type = "coyote-blk2"
position = { east_m = 100.0, north_m = 0.0 }
"""


def problems_of(extra: str) -> tuple[str, list[str]]:
    text = GOOD + extra
    with pytest.raises(ScenarioError) as exc:
        parse(text, "bad.toml")
    return text, exc.value.problems


def test_effectors_compile_with_their_types_loads_and_footprints():
    text = (
        GOOD
        + LAUNCHER
        + """
[[effectors]]
name = "J1"
type = "gnss-jammer-site"
position = { east_m = 0.0, north_m = 0.0, height_m = 10.0 }
footprint_m = 2500.0

[[effectors]]
name = "L1"
type = "de-10kw"
position = { east_m = 0.0, north_m = 50.0 }
rounds = 3

[environment]
visibility_km = 5.0
rain_mm_per_h = 1.5

[defence.layers]
jam_with_civil = "accept"
p_rf_piloted = 0.2
"""
    )
    d = compile_scenario(parse(text, "ok.toml")).defence
    assert [(e.name, e.kind, e.rounds, e.footprint_m) for e in d.effectors] == [
        ("C1", "interceptor", 4, 0.0),
        ("J1", "gnss-jammer", 0, 2500.0),
        ("L1", "directed-energy", 3, 0.0),
    ]
    assert d.visibility_km == 5.0 and d.rain_mm_per_h == 1.5
    assert d.doctrine.layers.jam_with_civil == "accept" and d.doctrine.layers.p_rf_piloted == 0.2
    assert d.run_start(1).effectors == ["C1", "J1", "L1"]


def test_guns_only_night_has_no_effector_key_in_its_header():
    header = compile_scenario(parse(GOOD, "ok.toml")).defence.run_start(1)
    assert header.effectors is None and "effectors" not in header.to_dict()


def test_unknown_type_and_misspelt_key_name_field_and_line():
    text, msgs = problems_of(
        '\n[[effectors]]\nname = "X"\ntype = "coyote-blk9"\nposition = { east_m = 0.0, north_m = 0.0 }\n'
        '\n[[effectors]]\nname = "Y"\ntype = "rf-jammer-site"\nfootprnt_m = 900.0\n'
        "position = { east_m = 0.0, north_m = 0.0 }\n"
    )
    joined = "\n".join(msgs)
    x_line = line_of(text, 'type = "coyote-blk9"')
    assert f"bad.toml:{x_line}: effectors[0].type" in joined
    assert "unknown effector type 'coyote-blk9'" in joined and "coyote-blk2" in joined
    assert f"bad.toml:{line_of(text, 'footprnt_m = 900.0')}: effectors[1].footprnt_m" in joined
    assert "footprint_m" in joined  # did you mean


def test_keys_of_the_wrong_kind_are_refused():
    _, msgs = problems_of(
        LAUNCHER.replace(
            "position = { east_m = 100.0, north_m = 0.0 }",
            "position = { east_m = 100.0, north_m = 0.0 }\nfootprint_m = 500.0",
        )
    )
    assert any("effectors[0].footprint_m: only a jammer has a footprint" in m for m in msgs), msgs
    _, msgs = problems_of(
        '\n[[effectors]]\nname = "J"\ntype = "rf-jammer-handheld"\nrounds = 2\n'
        "position = { east_m = 0.0, north_m = 0.0 }\n"
    )
    assert any("effectors[0].rounds: a jammer (rf-jammer-handheld) has no rounds" in m for m in msgs), msgs


def test_duplicate_name_with_a_weapon_and_guidance_of_a_rocket():
    text, msgs = problems_of(
        '\n[[effectors]]\nname = "G1"\ntype = "gnss-jammer-site"\nposition = { east_m = 0.0, north_m = 0.0 }\n'
        '\n[[threats]]\nname = "R"\ntype = "rocket-107"\nguidance = "rf-link"\n'
        'launch = { east_m = 5000.0, north_m = 0.0 }\ntarget_zone = "Camp"\n'
    )
    joined = "\n".join(msgs)
    assert "effectors[0].name: 'G1' is also a weapon's name" in joined
    g_line = line_of(text, 'guidance = "rf-link"')
    assert f"bad.toml:{g_line}: threats[1].guidance" in joined


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("\n[environment]\nvisibility_km = 0.0\n", "environment.visibility_km"),
        ("\n[environment]\nrain_mm_per_h = -1.0\n", "environment.rain_mm_per_h"),
        ("\n[defence.layers]\np_gnss_guided = 1.5\n", "defence.layers.p_gnss_guided"),
        ('\n[defence.layers]\njam_with_civil = "maybe"\n', "defence.layers.jam_with_civil"),
        (
            LAUNCHER.replace(
                "position = { east_m = 100.0, north_m = 0.0 }",
                "position = { east_m = 100.0, north_m = 0.0 }\nrounds = -1",
            ),
            "effectors[0].rounds",
        ),
    ],
)
def test_bad_values_name_their_field(extra, field):
    _, msgs = problems_of(extra)
    assert any(f": {field}:" in m for m in msgs), msgs


def test_threat_guidance_overrides_the_type():
    text = GOOD.replace('type = "owa-fixed-wing"', 'type = "owa-fixed-wing"\nguidance = "rf-link"')
    plan = compile_scenario(parse(text, "ok.toml")).raid.threats[0]
    assert plan.guidance.control == "rf-link"
    assert compile_scenario(parse(GOOD, "ok.toml")).raid.threats[0].guidance.control == "gnss-waypoints"
