"""The weather keys of a scenario: a wind profile (table or power law), station pressure, rain, and the
met message the defence is told — refused with the field and line when malformed, compiled into the
true air (truth, the raid's) and the told air (the defence's) when not."""

import numpy as np
import pytest

from bastion.engine.simulation import told_defence
from bastion.physics.atmosphere import isa
from bastion.physics.wind import WindProfile
from bastion.scenario import ScenarioError, parse
from bastion.scenario.compiled import compile_scenario
from bastion.scenario.loader import builtin_text

CALM = """wind_speed_mps = 3.0
wind_from_deg = 315
temperature_c = 8.0"""


def _with(environment: str, met: str = "") -> str:
    text = builtin_text("rocket-salvo")
    assert CALM in text
    return text.replace(CALM, environment + ("\n\n[met]\n" + met if met else ""), 1)


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        parse(text, "w.toml")
    return err.value.problems


def _line(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


TABLE = """wind_profile = [
  { height_m = 0.0, speed_mps = 2.0, from_deg = 300 },
  { height_m = 300.0, speed_mps = 12.0, from_deg = 270 },
  { height_m = 2000.0, speed_mps = 20.0, from_deg = 250 },
]
temperature_c = 8.0
pressure_hpa = 1010.0
rain_mm_per_h = 10.0"""


@pytest.mark.parametrize(
    ("environment", "met", "field", "fragment", "says"),
    [
        (
            TABLE.replace("height_m = 300.0", "height_m = -5.0"),
            "",
            "environment.wind_profile[1].height_m",
            "wind_profile = [",  # the array's key line (the loader's locator names the key of an array of tables)
            "",
        ),
        (
            TABLE.replace("height_m = 2000.0", "height_m = 200.0"),
            "",
            "environment.wind_profile",
            "wind_profile = [",
            "row 2",
        ),
        ("wind_speed_mps = 3.0\n" + TABLE, "", "environment", "[environment]", "not both"),
        ("wind_speed_mps = 3.0\nwind_power_top_m = 300.0", "", "environment", "[environment]", "wind_exponent"),
        ("wind_exponent = 1.5", "", "environment.wind_exponent", "wind_exponent", ""),
        ("rain_mm_per_h = -1.0", "", "environment.rain_mm_per_h", "rain_mm_per_h", ""),
        ("pressure_hpa = 2000.0", "", "environment.pressure_hpa", "pressure_hpa", ""),
        ("wind_speed_mps = 3.0", "error_mps = -1.0", "met.error_mps", "error_mps", ""),
        (
            "wind_speed_mps = 3.0",
            "age_s = 600.0\nwind_profile = [{ height_m = 0.0, speed_mps = 1.0, from_deg = 0 }]",
            "met",
            "[met]",
            "age_s",
        ),
    ],
)
def test_bad_weather_is_refused_naming_field_and_line(environment, met, field, fragment, says):
    text = _with(environment, met)
    problems = [p for p in _problems(text) if f": {field}:" in p]
    assert problems, _problems(text)
    assert problems[0].startswith(f"w.toml:{_line(text, fragment)}:"), problems[0]
    assert says in problems[0]


def test_weather_compiles_into_truth_and_what_the_defence_is_told():
    c = compile_scenario(parse(_with(TABLE), "w.toml"))
    truth, told = c.raid.weather.air, c.defence.air
    assert isinstance(truth.wind, WindProfile) and not truth.profile.uniform
    np.testing.assert_allclose(truth.wind_at(150.0), 0.5 * (truth.wind_at(0.0) + truth.wind_at(300.0)))
    # the defence is told the met message (zone means), not handed the truth's profile
    assert told is not truth and told.wind is not truth.wind
    np.testing.assert_allclose(told.wind_at(100.0), truth.profile.mean_between(0.0, 200.0, n=2000), atol=1e-3)
    # station pressure: the density scales with it; the temperature aloft follows the ISA lapse rate
    assert truth.pressure_ratio == pytest.approx(101_000.0 / float(isa(35.0).pressure))
    assert c.raid.weather.rain_mm_per_h == 10.0
    # with no [met] error, every night is told the same message
    assert told_defence(c, 1) is c.defence


def test_uniform_wind_is_told_as_it_is():
    c = compile_scenario(parse(_with(CALM), "w.toml"))
    assert c.defence.air is c.raid.weather.air and c.raid.weather.air.uniform_wind is not None


def test_met_error_is_drawn_per_night_and_reproducible():
    text = _with("wind_speed_mps = 4.0\nwind_from_deg = 300\nwind_exponent = 0.3", "age_s = 3600.0\nerror_mps = 1.0")
    c = compile_scenario(parse(text, "w.toml"))
    assert c.raid.weather.met_sigma_mps() == 1.0  # staleness defaults to 0 m/s per hour
    a, b, a2 = told_defence(c, 1).air, told_defence(c, 2).air, told_defence(c, 1).air
    assert not np.allclose(a.wind_at(350.0), b.wind_at(350.0))
    assert np.array_equal(a.wind_at(350.0), a2.wind_at(350.0))
    np.testing.assert_allclose(
        c.raid.weather.air.wind_at(10.0)[:2], 4.0 * np.array([np.sin(np.radians(120)), np.cos(np.radians(120))])
    )


def test_stated_met_message_is_told():
    met = "wind_profile = [{ height_m = 0.0, speed_mps = 5.0, from_deg = 90 }]"
    c = compile_scenario(parse(_with(TABLE, met), "w.toml"))
    np.testing.assert_allclose(c.defence.air.wind_at(1000.0), [-5.0, 0.0, 0.0], atol=1e-12)


def test_the_decision_side_aims_with_the_told_air_the_world_flies_the_truth():
    """In a night with a met error, every decision-side user of the air (the fire controls the open
    and the closed loop aim with, the burst planner's ballistic prediction and fall of shot, the arc
    estimator) holds the night's told air; the world's rounds, munitions and debris fly the truth."""
    from bastion.engine.events import EventLog
    from bastion.engine.simulation import _Night

    text = _with("wind_speed_mps = 4.0\nwind_from_deg = 300\nwind_exponent = 0.3", "age_s = 3600.0\nerror_mps = 1.0")
    c = compile_scenario(parse(text, "w.toml"))
    assert c.defence.doctrine.fire_control == "closed-loop"
    night = _Night(c, 7, EventLog(), False, None, None)
    told, truth = night.d.air, c.raid.weather.air
    assert told is not truth and told is not c.defence.air  # this night's draw of the message
    manager = night.pipeline.engagements
    assert manager.closed_loop is not None and manager.closed_loop.fire_control is manager.fire_control
    assert all(fc.air is told for fc in manager.fire_control)
    assert manager.defence.air is told and manager.planner.defence.air is told and night.pipeline.arcs.air is told
    w = night.world
    assert w.round_physics.air is truth and w.debris_physics.air is truth
