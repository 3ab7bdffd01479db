"""A tiny valid scenario (one zone, one radar, one gun, one drone) that the scenario tests extend with
the tables they check, and where a line is in a text (errors name file, line and field).

Beside the tests' conftest, so pytest puts it on the path: ``from tiny_scenario import TINY``."""

import textwrap

TINY = textwrap.dedent("""
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


def line_of(text: str, needle: str) -> int:
    """The 1-based line of ``text`` that is exactly ``needle``."""
    return text.splitlines().index(needle) + 1
