"""Scenario files: built-ins load, bad files give exit-code-2 errors naming file, line and field."""

import textwrap

import pytest

from bastion.scenario import ScenarioError, builtin_names, load, parse
from bastion.scenario.compiled import compile_scenario

GOOD = textwrap.dedent("""
    [scenario]
    name = "tiny"
    start = 2022-01-03T04:25:30+03:00
    duration_s = 60

    [site]
    name = "Test site"
    origin = { lat = 33.0, lon = 44.0, elevation_m = 30.0 }

    [[zones]]
    name = "Camp"
    kind = "military"
    value = 100.0
    circle = { center = { east_m = 0.0, north_m = 0.0 }, radius_m = 200.0 }

    [[sensors]]
    kind = "radar"
    name = "R1"
    type = "kurfs"
    position = { east_m = 0.0, north_m = 0.0, height_m = 5.0 }

    [[weapons]]
    name = "G1"
    type = "lpws"
    position = { east_m = 50.0, north_m = 0.0 }
    ammunition = 800

    [[threats]]
    name = "D1"
    type = "owa-fixed-wing"
    launch = { lat = 33.05, lon = 44.05 }
    target_zone = "Camp"
""")


def test_builtins_load_and_compile():
    assert {"baghdad", "rocket-salvo", "mortar-barrage", "rocket-salvo-large"} <= set(builtin_names())
    for name in builtin_names():
        c = compile_scenario(load(name))
        assert c.defence.radars and c.defence.guns and c.raid.threats


def test_site_origin_is_the_physics_origin_and_its_keys_are_checked():
    """One Origin class (issue 17): the scenario's [site.origin] is read into geodesy.Origin, whose
    keys and bounds the loader checks and names as it does any model's."""
    from bastion.physics.geodesy import Origin

    origin = parse(GOOD, "tiny.toml").model.site.origin
    assert type(origin) is Origin and origin == Origin(33.0, 44.0, 30.0)
    for bad, message in (
        (
            "elevaton_m = 30.0",
            "tiny.toml:9: site.origin.elevaton_m: unknown field 'elevaton_m' (did you mean "
            "'elevation_m'?); expected one of: lat, lon, elevation_m",
        ),
        ("elevation_m = 1e5", "tiny.toml:9: site.origin.elevation_m: Input should be less than or equal to 9000"),
        ("elevation_m = nan", "tiny.toml:9: site.origin.elevation_m: Input should be a finite number"),
    ):
        with pytest.raises(ScenarioError) as err:
            parse(GOOD.replace("elevation_m = 30.0", bad), "tiny.toml")
        assert err.value.problems[0].startswith(message), err.value.problems
    with pytest.raises(ScenarioError, match=r"site\.origin\.lat: required field is missing"):
        parse(GOOD.replace("lat = 33.0, ", ""), "tiny.toml")


def test_good_file_compiles_to_enu():
    c = compile_scenario(parse(GOOD, "tiny.toml"))
    launch = c.raid.threats[0].launch
    # 0.05 deg of latitude is ~5.5 km north; of longitude at 33 deg N ~4.7 km east
    assert launch[1] == pytest.approx(5545, rel=0.01)
    assert launch[0] == pytest.approx(4670, rel=0.01)
    assert c.defence.guns[0].ammunition == 800
    assert c.raid.threats[0].aim[:2] == pytest.approx([0.0, 0.0], abs=1.0)


def problems_of(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as exc:
        parse(text, "bad.toml")
    return exc.value.problems


def test_typo_names_line_field_and_suggestion():
    text = GOOD.replace("ammunition = 800", "amunition = 800")
    (msg,) = problems_of(text)
    line = text.splitlines().index("amunition = 800") + 1
    assert msg.startswith(f"bad.toml:{line}: weapons[0].amunition: unknown field 'amunition'")
    assert "did you mean 'ammunition'" in msg


def test_wrong_type_and_range_are_reported_with_expectation():
    text = GOOD.replace("ammunition = 800", 'ammunition = "lots"').replace("radius_m = 200.0", "radius_m = -5.0")
    msgs = problems_of(text)
    assert any("weapons[0].ammunition" in m and "integer" in m and "'lots'" in m for m in msgs)
    assert any("zones[0].circle.radius_m" in m and "greater than 0" in m for m in msgs)


def test_unknown_catalogue_type_and_cross_reference():
    msgs = problems_of(GOOD.replace('type = "kurfs"', 'type = "kurfz"'))
    assert any("sensors[0]" in m and "unknown radar type 'kurfz'" in m and "kurfs" in m for m in msgs)
    msgs = problems_of(GOOD.replace('target_zone = "Camp"', 'target_zone = "Kamp"'))
    line = GOOD.splitlines().index('target_zone = "Camp"') + 1
    assert msgs == [f"bad.toml:{line}: threats[0].target_zone: 'Kamp' is not a zone (zones: Camp)"]


def test_toml_syntax_error_names_the_line():
    msgs = problems_of(GOOD.replace("duration_s = 60", "duration_s = = 60"))
    assert "bad.toml" in msgs[0] and "line" in msgs[0]


def test_missing_required_field():
    msgs = problems_of(GOOD.replace('name = "tiny"\n', ""))
    assert any("scenario.name: required field is missing" in m for m in msgs)


def test_unknown_file_or_builtin():
    with pytest.raises(ScenarioError, match="neither a scenario file nor a built-in"):
        load("no-such-scenario")
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load("missing.toml")
