"""Effectors beyond the gun, truth side, each against something independent:

* an interceptor's fly-out on pure pursuit of a straight-flying drone against the closed-form capture
  time of the pursuit curve (tolerance 1 %: the 0.1 s step and the first step flown on a collision
  course before the seeker locks);
* GNSS denial: the impact point of a jammed GNSS-waypoint drone moves from the undisturbed night's by
  the inertial error 0.5 b tau^2 (b the drawn bias, tau the time denied), within 3 m + 3 %;
* an RF jammer leaves a GNSS-waypoint drone's flight exactly as it was; a link-flown quadcopter loses
  its link after its time-out, hovers, flies home and lands there (or lands where it is with GNSS
  denied too);
* a laser's kill time against the integral of 1/dwell(r(t)) along the drone's path (scipy quad and
  brentq), within 0.15 s (the 0.1 s step);
* the civil aircraft-seconds inside a radiating GNSS footprint against the aircraft's closed-form
  positions sampled every 0.05 s, within 1.5 s (steps of up to 1 s are counted at their start).
"""

from __future__ import annotations

import dataclasses
import math
import textwrap

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

from bastion.orders import EffectorOrder
from bastion.physics.intercept import pure_pursuit_time
from bastion.scenario import parse
from bastion.scenario.compiled import compile_scenario
from bastion.world.drones import HOVER, LANDED, RETURN
from bastion.world.world import World

HEAD = """
[scenario]
name = "effectors-test"
start = 2022-01-03T04:25:30+03:00
duration_s = 400

[site]
name = "Test site"
origin = { lat = 33.0, lon = 44.0, elevation_m = 30.0 }

[[zones]]
name = "Camp"
kind = "military"
value = 100.0
circle = { center = { east_m = 0.0, north_m = 0.0 }, radius_m = 200.0 }
"""


def world_of(body: str, seed: int = 1, **type_changes) -> World:
    """A world of the scenario HEAD + ``body``; ``type_changes`` replace fields of the first
    effector's catalogue type (e.g. a seeker that locks at once)."""
    compiled = compile_scenario(parse(HEAD + textwrap.dedent(body), "<test>"))
    if type_changes:
        d = compiled.defence
        e0 = d.effectors[0]
        e0 = dataclasses.replace(e0, type=dataclasses.replace(e0.type, **type_changes))
        compiled = dataclasses.replace(compiled, defence=dataclasses.replace(d, effectors=(e0, *d.effectors[1:])))
    rngs = [np.random.default_rng([seed, k]) for k in range(4)]
    return World(compiled, rngs[0], rngs[1], rngs[2], rng_effectors=rngs[3])


def advance(world: World, t_end: float, dt: float = 1.0) -> list:
    events = []
    t = world.t
    while t < t_end - 1e-9:
        t = min(t + dt, t_end)
        events += world.advance(t)
    return events


def first(events, kind):
    return next(e for e in events if kind == e[1].KIND)


@pytest.mark.parametrize(
    ("drone_at", "heading_east", "speed"),
    [((0.0, 3_000.0), True, 50.0), ((2_000.0, 2_000.0), True, 40.0), ((0.0, 4_000.0), False, 50.0)],
)
def test_interceptor_pure_pursuit_capture_time_matches_the_closed_form(drone_at, heading_east, speed):
    e0, n0 = drone_at
    target = (
        f"{{ east_m = {e0 + 100_000.0}, north_m = {n0} }}" if heading_east else "{ east_m = 0.0, north_m = 100000.0 }"
    )
    world = world_of(
        f"""
        [[effectors]]
        name = "C1"
        type = "coyote-blk2"
        position = {{ east_m = 0.0, north_m = 0.0, height_m = 0.0 }}

        [[threats]]
        name = "D"
        type = "owa-fixed-wing"
        launch = {{ east_m = {e0}, north_m = {n0}, height_m = 100.0 }}
        cruise_altitude_m = 100.0
        speed_mps = {speed}
        target = {target}
        """,
        seeker_range_m=1e7,
        seeker_gate_m=50.0,
        fuze_radius_m=0.5,
        max_accel_mps2=1e6,
        reaction_s=0.0,
        max_range_m=1e6,
        p_kill=1.0,
    )
    vel = np.array([speed, 0.0, 0.0]) if heading_east else np.array([0.0, speed, 0.0])
    cue = np.concatenate([[e0, n0, 100.0], vel])
    world.execute(EffectorOrder(1, 0, "launch", 0.0, 7, cue, 0.0), 0.0)
    events = advance(world, 120.0)
    fuzed = first(events, "interceptor_fuzed")
    rel = np.array([e0, n0, 100.0]) - np.array([0.0, 0.0, 2.0])  # the interceptor leaves 2 m above its launcher
    d = float(np.linalg.norm(rel))
    expected = pure_pursuit_time(d, speed, 150.0, float(vel @ rel) / (speed * d))
    assert fuzed[0] == pytest.approx(expected, rel=0.01)
    assert fuzed[1].killed and first(events, "kill")[1].by == "C1"
    assert any(e[1].KIND == "debris_impact" and e[1].effector == "C1" for e in events)  # its own debris falls


def test_closed_form_pursuit_limits():
    """Head-on the pursuit meets at the closing speed, tail-on at the speed difference."""
    assert pure_pursuit_time(1_000.0, 50.0, 150.0, -1.0) == pytest.approx(1_000.0 / 200.0)
    assert pure_pursuit_time(1_000.0, 50.0, 150.0, 1.0) == pytest.approx(1_000.0 / 100.0)
    assert math.isinf(pure_pursuit_time(1_000.0, 50.0, 40.0, 0.0))


GNSS_NIGHT = """
[[effectors]]
name = "J"
type = "{jammer}"
position = {{ east_m = 0.0, north_m = 0.0, height_m = 10.0 }}

[[threats]]
name = "D"
type = "owa-fixed-wing"
launch = {{ east_m = 0.0, north_m = -8000.0, height_m = 100.0 }}
cruise_altitude_m = 100.0
speed_mps = 50.0
target_zone = "Camp"
"""


def impact(events):
    return next(e for e in events if e[1].KIND in ("leak", "impact_open_ground"))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gnss_denial_moves_the_impact_by_the_inertial_error(seed):
    quiet = world_of(GNSS_NIGHT.format(jammer="gnss-jammer-site"), seed)
    jammed = world_of(GNSS_NIGHT.format(jammer="gnss-jammer-site"), seed)
    jammed.execute(EffectorOrder(1, 0, "radiate", 0.0), 0.0)
    ev_q, ev_j = advance(quiet, 300.0), advance(jammed, 300.0)
    t_denied = first(ev_j, "gnss_denied")[0]
    t_imp, p_imp = impact(ev_j)[0], np.array(impact(ev_j)[1].position[:2])
    p_quiet = np.array(impact(ev_q)[1].position[:2])
    bias = jammed.effectors.bias[0]
    tau = t_imp - t_denied
    expected = 0.5 * bias * tau * tau  # Groves 2013 §5.7: unaided inertial error from a constant bias
    assert np.linalg.norm((p_imp - p_quiet) - expected) <= 3.0 + 0.03 * np.linalg.norm(expected)
    assert np.linalg.norm(expected) > 8.0  # well beyond the tolerance: no drift at all would fail
    assert jammed.effectors.max_drift[0] == pytest.approx(np.linalg.norm(expected), rel=0.05)


def test_rf_jammer_leaves_a_gnss_waypoint_drone_as_it_was():
    quiet = world_of(GNSS_NIGHT.format(jammer="rf-jammer-site"))
    jammed = world_of(GNSS_NIGHT.format(jammer="rf-jammer-site"))
    jammed.execute(EffectorOrder(1, 0, "radiate", 0.0), 0.0)
    ev_q, ev_j = advance(quiet, 300.0), advance(jammed, 300.0)
    assert impact(ev_j) == impact(ev_q)
    assert not any(e[1].KIND in ("link_lost", "gnss_denied", "failsafe") for e in ev_j)
    assert jammed.effectors.exposure.radiating_s[0] == pytest.approx(298.0)


QUAD = """
[[effectors]]
name = "RF"
type = "rf-jammer-site"
position = { east_m = 0.0, north_m = 0.0, height_m = 10.0 }

[[effectors]]
name = "G"
type = "gnss-jammer-site"
position = { east_m = 0.0, north_m = 0.0, height_m = 10.0 }

[[threats]]
name = "Q"
type = "quadcopter"
launch = { east_m = 0.0, north_m = -2600.0, height_m = 60.0 }
cruise_altitude_m = 60.0
speed_mps = 15.0
target_zone = "Camp"
"""


def test_link_loss_hover_then_home_and_land():
    world = world_of(QUAD)
    world.execute(EffectorOrder(1, 0, "radiate", 0.0), 0.0)  # the RF jammer, from t = 2 s
    events = advance(world, 400.0, dt=0.5)
    lost = first(events, "link_lost")
    # it enters the 2 km footprint at 600 m / 15 m/s = 40 s and loses its link 2 s later
    assert lost[0] == pytest.approx(42.0, abs=0.6)
    home = first(events, "failsafe")
    assert home[0] == pytest.approx(lost[0] + 10.0, abs=0.6) and "returns" in home[1].action
    landed = first(events, "drone_landed")
    np.testing.assert_allclose(landed[1].position[:2], [0.0, -2600.0], atol=25.0)
    assert world.drones.state[0] == LANDED
    assert not any(e[1].KIND in ("leak", "impact_open_ground", "detonation") for e in events)


def test_link_loss_with_gnss_denied_lands_where_it_hovers():
    world = world_of(QUAD)
    world.execute(EffectorOrder(1, 0, "radiate", 0.0), 0.0)
    world.execute(EffectorOrder(2, 1, "radiate", 0.0), 0.0)
    states = []
    t = 0.0
    while t < 200.0:
        t += 0.5
        world.advance(t)
        states.append(int(world.drones.state[0]))
    assert HOVER in states and RETURN not in states and states[-1] == LANDED
    assert np.hypot(*world.drones.pos[0, :2]) == pytest.approx(2_000.0 - 15.0 * 2.0, abs=20.0)


def test_laser_kill_time_matches_the_integrated_dwell():
    world = world_of(
        """
        [environment]
        visibility_km = 8.0
        rain_mm_per_h = 2.0

        [[effectors]]
        name = "L"
        type = "de-50kw"
        position = { east_m = 0.0, north_m = 0.0, height_m = 0.0 }

        [[threats]]
        name = "Q"
        type = "quadcopter"
        launch = { east_m = 0.0, north_m = -2900.0, height_m = 60.0 }
        cruise_altitude_m = 60.0
        speed_mps = 15.0
        target_zone = "Camp"
        """
    )
    cue = np.array([0.0, -2900.0, 60.0, 0.0, 15.0, 0.0])
    world.execute(EffectorOrder(1, 0, "lase", 0.0, 3, cue, 0.0, t_end=200.0), 0.0)
    events = advance(world, 2.0)
    needed = world.effectors.lasers[0].needed
    events += advance(world, 200.0)
    off = first(events, "laser_off")
    assert off[1].killed
    de = world.scenario.defence.effectors[0].type
    alpha = world.scenario.defence.extinction_per_m(de.wavelength_um)

    def rate(t):
        r = math.hypot(-2900.0 + 15.0 * t, 60.0)
        return 1.0 / float(de.dwell_s(r, alpha))

    t_on = de.reaction_s
    t_kill = brentq(lambda tk: quad(rate, t_on, tk)[0] - needed, t_on + 1e-6, 190.0)
    assert off[0] == pytest.approx(t_kill, abs=0.15)
    assert first(events, "kill")[1].by == "L"


def test_laser_dwell_follows_range_and_weather():
    """dwell(r) = dwell_ref (r / r_ref)^2 exp(alpha r - alpha_ref r_ref): the reference point in clear
    air, the square law in vacuum-like air, and haze (Kim) and rain (Carbonneau) lengthen it."""
    from bastion.scenario.catalogue.effectors import DIRECTED_ENERGY, extinction_per_m

    de = DIRECTED_ENERGY["de-50kw"]
    clear = extinction_per_m(23.0, 0.0, de.wavelength_um)
    assert float(de.dwell_s(1_500.0, clear)) == pytest.approx(4.0)
    # Koschmieder 3.912/V at 550 nm, Kim q = 1.3 for 6 < V < 50 km, scaled to 1.07 um
    assert clear == pytest.approx(3.912 / 23.0 * (1.07 / 0.55) ** -1.3 / 1000.0)
    assert float(de.dwell_s(750.0, clear)) == pytest.approx(4.0 / 4.0 * math.exp(-clear * 750.0), rel=1e-12)
    haze = extinction_per_m(2.0, 0.0, de.wavelength_um)
    rain = extinction_per_m(23.0, 25.0, de.wavelength_um)
    assert rain - clear == pytest.approx(1.076 * 25.0**0.67 / 4.342944819 / 1000.0)
    assert float(de.dwell_s(1_500.0, haze)) > 4.0 and float(de.dwell_s(1_500.0, rain)) > 4.0
    assert math.isinf(extinction_per_m(0.0, 0.0, 1.07))  # unusable weather data: no usable beam


def test_civil_aircraft_seconds_in_a_gnss_footprint():
    world = world_of(
        """
        [[runways]]
        name = "09/27"
        ends = [{ ident = "09", lat = 33.0, lon = 43.98 }, { ident = "27", lat = 33.0, lon = 44.0 }]
        value = 0.0

        [[effectors]]
        name = "G"
        type = "gnss-jammer-site"
        position = { east_m = 0.0, north_m = 1000.0, height_m = 10.0 }

        [[civil]]
        kind = "arrival"
        callsign = "ABC123"
        icao24 = "abc123"
        runway = "09"
        time_s = 100.0
        """
    )
    world.execute(EffectorOrder(1, 0, "radiate", 0.0), 0.0)
    events = advance(world, 300.0)
    site = world.scenario.defence.effectors[0]
    t = np.arange(2.0, 300.0, 0.05)
    inside = 0.0
    for ti in t:
        pos, _, on = world.civil.state(float(ti))
        inside += 0.05 * float(on[0] and np.linalg.norm(pos[0] - site.position) <= site.footprint_m)
    assert inside > 30.0
    assert world.effectors.exposure.civil_s[0] == pytest.approx(inside, abs=1.5)
    said = [e for e in events if e[1].KIND == "civil_in_jammer_footprint"]
    assert len(said) == 1 and said[0][1].callsign == "ABC123"
