"""Non-finite and absurd scenario values are refused at load, naming the field and its line
(issue 16, defects 1 and 2); and the gun's safety checks refuse a NaN limit or aim even if one got
past the loader (defect 1: ``el < nan`` is false, which once switched a no-fire sector off)."""

from dataclasses import replace

import numpy as np
import pytest

from bastion.api import compile_named
from bastion.engage.safety import in_sector, mount_violations, outside_sector
from bastion.scenario import ScenarioError, parse
from bastion.scenario.loader import builtin_text


def _edit(old: str, new: str) -> str:
    text = builtin_text("baghdad")
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


CASES = [
    # (what to replace, replacement, field path named in the error, fragment on the expected line)
    ("below_elevation_deg = 12.0", "below_elevation_deg = nan", "weapons[0].no_fire[0].below_elevation_deg", "nan"),
    ("below_elevation_deg = 12.0", "below_elevation_deg = inf", "weapons[0].no_fire[0].below_elevation_deg", "inf"),
    ("below_elevation_deg = 12.0", "below_elevation_deg = 120.0", "weapons[0].no_fire[0].below_elevation_deg", "120"),
    ("azimuth_deg = [185.0, 305.0]", "azimuth_deg = [nan, 305.0]", "weapons[0].no_fire[0].azimuth_deg[0]", "nan"),
    ("elevation_m = 35.0", "elevation_m = 1e12", "site.origin.elevation_m", "1e12"),
    ("elevation_m = 35.0", "elevation_m = nan", "site.origin.elevation_m", "nan"),
    ("time_s = 170.0", "time_s = nan", "civil[0].time_s", "nan"),
    ("time_s = 170.0", "time_s = -1e9", "civil[0].time_s", "-1e9"),
    ("time_s = 170.0", "time_s = -5000.0", "civil[0].time_s", "-5000"),
    ("launch = { east_m = 12500.0", "launch = { east_m = nan", "threats[0].launch.east_m", "nan"),
    ("launch = { east_m = 12500.0", "launch = { east_m = inf", "threats[0].launch.east_m", "inf"),
    ("launch = { east_m = 12500.0", "launch = { east_m = 1e15", "threats[0].launch.east_m", "1e15"),
    ("launch_time_s = 5.0", "launch_time_s = 5000.0", "threats[0].launch_time_s", "5000"),
]


@pytest.mark.parametrize(("old", "new", "field", "fragment"), CASES)
def test_bad_value_is_refused_naming_field_and_line(old, new, field, fragment):
    text = _edit(old, new)
    with pytest.raises(ScenarioError) as err:
        parse(text, "bad.toml")
    lines = [p for p in err.value.problems if field in p]
    assert lines, err.value.problems
    # the line named is the one holding the bad value (the key's own line)
    assert lines[0].startswith(f"bad.toml:{_line_of(text, new)}:"), lines[0]


def test_arc_with_nan_is_refused():
    text = _edit('type = "lpws"', 'type = "lpws"\narc_deg = [nan, 10.0]')
    with pytest.raises(ScenarioError) as err:
        parse(text, "bad.toml")
    assert any("weapons[0].arc_deg[0]" in p for p in err.value.problems), err.value.problems


def test_the_shipped_nights_still_load():
    for name in ("baghdad", "rocket-salvo"):
        compile_named(name)


@pytest.fixture(scope="module")
def lpws1():
    return compile_named("baghdad").defence.guns[0]


def test_no_fire_sector_holds_a_low_aim(lpws1):
    az, el = np.radians([240.0]), np.radians([5.0])
    assert mount_violations(lpws1, az, el).startswith("no-fire sector")
    assert mount_violations(lpws1, np.radians([60.0]), el) is None


def test_nan_sector_limit_refuses_instead_of_switching_off(lpws1):
    nf = lpws1.no_fire[0]
    for bad in (
        replace(nf, below_elevation=float("nan")),
        replace(nf, azimuth_from=float("nan")),
        replace(nf, azimuth_to=float("nan")),
    ):
        gun = replace(lpws1, no_fire=(bad,))
        assert mount_violations(gun, np.radians([240.0]), np.radians([5.0])) is not None
        # and it refuses everywhere, not just inside the sector: an unknown sector could be anywhere
        assert mount_violations(gun, np.radians([60.0]), np.radians([5.0])) is not None


def test_nan_arc_elevation_limit_or_aim_refuses(lpws1):
    ok_az, ok_el = np.radians([60.0, 61.0]), np.radians([5.0, 5.0])
    assert mount_violations(lpws1, ok_az, ok_el) is None
    assert mount_violations(replace(lpws1, arc_from=float("nan")), ok_az, ok_el) is not None
    gt = replace(lpws1.type, min_elevation=float("nan"))
    assert mount_violations(replace(lpws1, type=gt), ok_az, ok_el) is not None
    gt = replace(lpws1.type, max_elevation=float("nan"))
    assert mount_violations(replace(lpws1, type=gt), ok_az, ok_el) is not None
    assert mount_violations(lpws1, np.array([np.nan, 1.0]), ok_el) is not None
    assert mount_violations(lpws1, ok_az, np.array([0.1, np.nan])) is not None


def test_sector_membership_is_never_true_on_nan():
    az = np.array([0.1, np.nan])
    assert list(in_sector(az, 0.0, 2 * np.pi)) == [True, False]
    assert list(in_sector(az, 0.0, 1.0)) == [True, False]
    assert list(outside_sector(az, 1.0, 2.0)) == [True, False]
    assert not outside_sector(np.array([0.1]), float("nan"), 1.0).any()
