"""``include = "PATH"``: a scenario built on a shared layout (issue 17: the BIAP layout written once).

The included tables come first, arrays of tables are joined (included entries first), a table given
twice is an error naming both files and lines, problems inside the included file name that file and
its line, and the loaded text is self-contained (it loads again without the layout)."""

import textwrap
import tomllib

import pytest

from bastion.scenario import ScenarioError, load, parse

LAYOUT = textwrap.dedent("""
    # a site layout shared by several nights
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
""")

NIGHT = textwrap.dedent("""
    # a night at the test site
    include = "layout.toml"

    [scenario]
    name = "tiny"
    start = 2022-01-03T04:25:30+03:00
    duration_s = 60

    [[sensors]]
    kind = "radar"
    name = "R2"
    type = "lcmr"
    position = { east_m = 10.0, north_m = 0.0, height_m = 5.0 }

    [[threats]]
    name = "D1"
    type = "owa-fixed-wing"
    launch = { lat = 33.05, lon = 44.05 }
    target_zone = "Camp"
""")


def files(tmp_path, night=NIGHT, layout=LAYOUT):
    (tmp_path / "layout.toml").write_text(layout)
    path = tmp_path / "night.toml"
    path.write_text(night)
    return path


def line(text: str, fragment: str) -> int:
    return next(i for i, t in enumerate(text.splitlines(), 1) if fragment in t)


def problems(path) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        load(path)
    return err.value.problems


def test_included_tables_come_first_and_arrays_are_joined(tmp_path):
    loaded = load(files(tmp_path))
    m = loaded.model
    assert m.site.name == "Test site" and m.scenario.name == "tiny"
    assert [s.name for s in m.sensors] == ["R1", "R2"]  # the included entries first
    assert [w.name for w in m.weapons] == ["G1"] and [z.name for z in m.zones] == ["Camp"]
    # the loaded text is the whole document: it loads again alone (a run folder, a sweep point)
    assert "include" not in tomllib.loads(loaded.text)
    assert parse(loaded.text, "copy.toml").model == m


def test_a_builtin_layout_from_anywhere_and_the_builtin_nights(tmp_path):
    night = NIGHT.replace('include = "layout.toml"', 'include = "builtin:sites/biap.toml"')
    night = night.replace('target_zone = "Camp"', 'target_zone = "BDSC"')
    m = load(files(tmp_path, night)).model
    baghdad = load("baghdad").model
    assert (m.site, m.zones, m.weapons, m.defence) == (baghdad.site, baghdad.zones, baghdad.weapons, baghdad.defence)
    assert [s.name for s in m.sensors] == ["C-RAM radar", "BIAP ADS-B", "R2"]
    # the BIAP layout is written once: the built-in nights share it
    for name in ("baghdad-faults", "rocket-salvo", "mortar-barrage", "rocket-salvo-large"):
        other = load(name).model
        assert (other.site, other.zones, other.weapons, other.runways) == (
            baghdad.site,
            baghdad.zones,
            baghdad.weapons,
            baghdad.runways,
        )


def test_a_table_given_twice_names_both_files_and_lines(tmp_path):
    night = NIGHT.replace("[scenario]", '[site]\nname = "again"\norigin = { lat = 1.0, lon = 2.0 }\n\n[scenario]')
    path = files(tmp_path, night)
    got = problems(path)
    assert got == [
        f"{path}:5: site: already given by the included {tmp_path / 'layout.toml'}:3 "
        "(an included table or key cannot be given again)"
    ]


def test_problems_inside_the_layout_name_its_file_and_line(tmp_path):
    layout = tmp_path / "layout.toml"
    path = files(tmp_path, layout=LAYOUT.replace("ammunition = 800", "ammunition = -5"))
    got = problems(path)
    assert len(got) == 1 and got[0].startswith(f"{layout}:{line(LAYOUT, 'ammunition')}: weapons[0].ammunition: ")
    path = files(tmp_path, layout=LAYOUT.replace('type = "lpws"', 'typ = "lpws"'))
    at = f"{layout}:{line(LAYOUT, 'lpws')}: weapons[0].typ: unknown field"
    assert any(p.startswith(at) for p in problems(path)), problems(path)
    # ...and problems of the including file still name its own lines
    path = files(tmp_path, NIGHT.replace("duration_s = 60", "duration_s = -60"))
    assert problems(path)[0].startswith(f"{path}:{line(NIGHT, 'duration_s')}: scenario.duration_s: ")


@pytest.mark.parametrize(
    ("include", "message"),
    [
        ('"missing.toml"', "include: no such file"),
        ("42", "include: expected the name of a TOML file, got 42"),
        ('"night.toml"', "includes itself"),
        ('"builtin:sites/nowhere.toml"', "no built-in file 'sites/nowhere.toml' (built-in layouts: sites/biap"),
        ('"builtin:../loader.py"', "without '..'"),
    ],
)
def test_bad_includes_name_file_and_line(tmp_path, include, message):
    path = files(tmp_path, NIGHT.replace('"layout.toml"', include))
    got = problems(path)
    assert len(got) == 1 and got[0].startswith(f"{path}:3: include: ") and message in got[0], got


def test_a_relative_include_needs_a_folder():
    with pytest.raises(ScenarioError, match=r"<string>:3: include: 'layout\.toml' is relative"):
        parse(NIGHT)
