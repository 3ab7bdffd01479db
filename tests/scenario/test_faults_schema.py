"""[[faults]] tables: validated like the rest of a scenario, every problem naming file, line and field."""

import pytest

from bastion.scenario import ScenarioError, parse
from bastion.scenario.compiled import compile_scenario
from tiny_scenario import TINY, line_of  # tests/tiny_scenario.py (pytest puts tests/ on the path)

GOOD = TINY  # as tests/scenario/test_loader.py


R1, R2, G9 = 'sensor = "R1"', 'sensor = "R2"', 'weapon = "G9"'


def problems_of(faults: str) -> tuple[str, list[str]]:
    text = GOOD + faults
    with pytest.raises(ScenarioError) as exc:
        parse(text, "bad.toml")
    return text, exc.value.problems


def test_every_kind_compiles_to_a_plan():
    text = (
        GOOD
        + """
[[faults]]
kind = "radar_outage"
sensor = "R1"
start_s = 10.0
duration_s = 5.0

[[faults]]
kind = "adsb_outage"
start_s = 1.0

[[faults]]
kind = "gun_jam"
weapon = "G1"
start_s = 20.0
duration_s = 3.0

[[faults]]
kind = "mount_failure"
weapon = "G1"
start_s = 30.0

[[faults]]
kind = "magazine_empty"
weapon = "G1"
start_s = 40.0

[[faults]]
kind = "console_disconnect"
start_s = 5.0
duration_s = 2.0

[[faults]]
kind = "clock_jump"
sensor = "R1"
at_s = 50.0
jump_s = -7.5
"""
    )
    plans = compile_scenario(parse(text, "ok.toml")).raid.faults
    assert [(p.kind, p.target, p.index) for p in plans] == [
        ("radar_outage", "R1", 0),
        ("adsb_outage", "", -1),
        ("gun_jam", "G1", 0),
        ("mount_failure", "G1", 0),
        ("magazine_empty", "G1", 0),
        ("console_disconnect", "", -1),
        ("clock_jump", "R1", 0),
    ]
    assert plans[0].end_s == 15.0 and plans[3].duration_s is None and plans[6].jump_s == -7.5
    assert plans[6].start_s == 50.0 and plans[6].active(1e4) and not plans[0].active(15.0)


def test_unknown_sensor_and_weapon_name_field_and_line():
    text, msgs = problems_of(
        '\n[[faults]]\nkind = "radar_outage"\nsensor = "R2"\nstart_s = 1.0\n'
        '\n[[faults]]\nkind = "gun_jam"\nweapon = "G9"\nstart_s = 1.0\n'
    )
    assert msgs == [
        f"bad.toml:{line_of(text, R2)}: faults[0].sensor: 'R2' is not a radar (known: R1)",
        f"bad.toml:{line_of(text, G9)}: faults[1].weapon: 'G9' is not a weapon (known: G1)",
    ]


def test_missing_and_foreign_keys_name_the_field():
    text, msgs = problems_of('\n[[faults]]\nkind = "gun_jam"\nsensor = "R1"\nstart_s = 1.0\n')
    table = line_of(text, "[[faults]]")
    assert f"bad.toml:{table}: faults[0].weapon: a gun_jam fault needs weapon" in msgs
    assert any(
        m.startswith(f"bad.toml:{line_of(text, R1)}: faults[0].sensor: not used by a gun_jam fault") for m in msgs
    )


def test_bounds_nan_and_unknown_kind_are_refused():
    text, msgs = problems_of('\n[[faults]]\nkind = "console_disconnect"\nstart_s = nan\nduration_s = -1.0\n')
    assert any(m.startswith(f"bad.toml:{line_of(text, 'start_s = nan')}: faults[0].start_s:") for m in msgs)
    assert any(m.startswith(f"bad.toml:{line_of(text, 'duration_s = -1.0')}: faults[0].duration_s:") for m in msgs)
    _, msgs = problems_of('\n[[faults]]\nkind = "gremlins"\nstart_s = 1.0\n')
    assert any("faults[0].kind" in m and "gremlins" in m for m in msgs)
    text, msgs = problems_of('\n[[faults]]\nkind = "console_disconnect"\nstart_s = 61.0\n')
    assert msgs == [
        f"bad.toml:{line_of(text, 'start_s = 61.0')}: faults[0].start_s: 61 s is after the scenario "
        "ends (60 s): it would never happen"
    ]
    _, msgs = problems_of('\n[[faults]]\nkind = "clock_jump"\nsensor = "R1"\nat_s = 1.0\njump_s = 0.0\n')
    assert any("faults[0].jump_s: a clock jump of 0 s is no fault" in m for m in msgs)


def test_a_live_configuration_holds_no_faults():
    from bastion.cli.live import strip_truth
    from bastion.io.live import parse_live
    from bastion.scenario.loader import builtin_text

    site = (
        GOOD.split("[[threats]]")[0]
        + "\n[[feeds]]\nname = 'r'\nsensor = 'R1'\nformat = 'asterix'\nudp = '127.0.0.1:4001'\n"
    )
    text = site + '\n[[faults]]\nkind = "console_disconnect"\nstart_s = 1.0\n'
    with pytest.raises(ScenarioError) as exc:
        parse_live(text, "live.toml")
    line = line_of(text, "[[faults]]")
    assert exc.value.problems == [
        f"live.toml:{line}: faults: a live configuration holds no truth: faults belong to a simulated night"
    ]
    assert "[[faults]]" not in strip_truth(builtin_text("baghdad-faults"))
