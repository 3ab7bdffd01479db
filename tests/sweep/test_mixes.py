"""Mix files (``bastion sweep --mix``): each mix a validated grid point named in ``param.mix``; the
example file compares its mixes on baghdad-layered; problems name the file, the mix and the key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bastion.scenario import load
from bastion.sweep.mixes import inline_toml, mix_points, read_mixes, spec_sets
from bastion.sweep.overrides import OverrideError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "effector-mix.toml"


def test_the_example_mixes_are_grid_points_of_baghdad_layered():
    mixes = read_mixes(EXAMPLE)
    points = mix_points(load("baghdad-layered"), mixes)
    assert [p.parameters["mix"] for p in points] == [m.name for m in mixes]
    by = {p.label: p.loaded.model for p in points}
    assert by["guns only"].effectors == [] and len(by["guns only"].weapons) == 2
    assert [e.name for e in by["layered as built (jammers + Coyote x1)"].effectors] == [
        "RF-jammer",
        "GNSS-jammer",
        "Coyote-1",
    ]
    assert by["guns + jammers + Coyote x4"].effectors[2].rounds == 4
    assert [w.name for w in by["one gun + Coyote x4"].weapons] == ["LPWS-2"]
    assert spec_sets(["threats.0.speed_mps=45"], mixes)[0] == "threats.0.speed_mps=45"


def test_mixes_cross_the_grid(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text('[[mix]]\nname = "a"\n\n[[mix]]\nname = "b"\nset = ["effectors=[]"]\n')
    points = mix_points(load("baghdad-layered"), read_mixes(f), grids=["environment.wind_speed_mps=0,8"])
    assert [p.label for p in points] == [
        "a, environment.wind_speed_mps=0",
        "a, environment.wind_speed_mps=8",
        "b, environment.wind_speed_mps=0",
        "b, environment.wind_speed_mps=8",
    ]
    assert [p.index for p in points] == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[[mix]]\nset = ["effectors=[]"]\n', "mix[0].name: give each mix a name"),
        ('[[mix]]\nname = "a"\nsets = []\n', "unknown key(s) sets"),
        ('[[mix]]\nname = "a"\n[[mix]]\nname = "a"\n', "duplicate mix name 'a'"),
        ("title = 'x'\n", "no [[mix]] table"),
        ('[[mix]]\nname = "a"\nset = "effectors=[]"\n', 'mix[0].set: a list of "PATH=VALUE" strings'),
    ],
)
def test_bad_mix_files_name_the_problem(tmp_path, text, says):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(OverrideError) as exc:
        read_mixes(f)
    assert any(says in p for p in exc.value.problems), exc.value.problems


def test_an_assignment_that_does_not_fit_names_the_mix(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text('[[mix]]\nname = "typo"\nset = ["effectors.Coyote-1.rouns=4"]\n')
    with pytest.raises(OverrideError) as exc:
        mix_points(load("baghdad-layered"), read_mixes(f))
    assert all(p.startswith("mix 'typo': ") for p in exc.value.problems) and "rouns" in exc.value.problems[0]


def test_inline_toml_round_trips():
    value = {"name": 'a "b"', "position": {"east_m": 1.5, "north_m": -2}, "on": True, "list": [1, 2.5, "x"]}
    assert tomllib.loads(f"v = {inline_toml(value)}")["v"] == value
