"""The free-flight motion model and the engine's IMM on rockets and mortar rounds."""

import numpy as np
import pytest

from bastion.engine.pipeline import ENGINE_TRACKER
from bastion.physics.ballistics import Air, DragFunction, drag_factor_from_bc, fly
from bastion.physics.constants import G0
from bastion.physics.geodesy import enu_to_polar
from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.compiled import RadarSite
from bastion.sense.types import Detections
from bastion.track import Tracker
from bastion.track.models import FreeFall


def test_free_fall_is_the_vacuum_parabola():
    x = np.array([[100.0, -50.0, 800.0, 30.0, -40.0, 120.0, 0.0]])
    for dt in (0.5, 1.0, 2.5):
        out = FreeFall(1.0, turn_state=True).f(x, np.array([dt]))[0]
        p = x[0, :3] + x[0, 3:6] * dt - np.array([0.0, 0.0, 0.5 * G0 * dt**2])
        v = x[0, 3:6] - np.array([0.0, 0.0, G0 * dt])
        assert out[:3] == pytest.approx(p) and out[3:6] == pytest.approx(v) and out[6] == 0.0


@pytest.mark.parametrize(("kind", "el_deg"), [("rocket-107", 35.0), ("rocket-122", 40.0), ("mortar-81", 70.0)])
def test_engine_tracker_holds_one_track_on_a_munition(kind, el_deg):
    rt = CATALOGUE.radars["kurfs"]
    radar = RadarSite(0, "R", rt, np.array([2380.0, 1330.0, 8.0]), 1.0, 0.0)
    t = CATALOGUE.threats[kind]
    air = Air(35.0, wind=np.array([2.0, -2.0, 0.0]))
    el, az = np.radians(el_deg), np.radians(-100.0)
    v0 = t.launch_speed_mps * np.array([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)])
    traj = fly(
        np.array([6500.0, 2600.0, 1.0]),
        v0[None],
        float(drag_factor_from_bc(t.ballistic_coefficient)),
        DragFunction.standard("G1"),
        air,
        60.0,
        0.01,
    )
    rng = np.random.default_rng(0)
    tracker = Tracker([radar], ENGINE_TRACKER)
    confirmed_ids, errors = set(), []
    for s in range(1, 60):
        p = np.array([np.interp(s, traj.t, traj.pos[:, 0, i]) for i in range(3)])
        v = np.array([np.interp(s, traj.t, traj.vel[:, 0, i]) for i in range(3)])
        if p[2] < 0:
            break
        rel = p - radar.position
        r, a, e = enu_to_polar(rel)
        det = Detections(
            float(s),
            0,
            np.array([r + rng.normal(0, 5)]),
            np.array([a + rng.normal(0, 1e-3)]),
            np.array([e + rng.normal(0, 1e-3)]),
            np.array([rel @ v / r + rng.normal(0, 1)]),
            np.array([50.0]),
            np.array([t.rcs_m2]),
        )
        tracks, _ = tracker.step(det)
        for i in np.flatnonzero(tracks.status != 0):
            confirmed_ids.add(int(tracks.id[i]))
            errors.append(np.linalg.norm(tracks.x[i, :3] - p))
    # one confirmed track from start to end (a constant-velocity track breaks every scan), within metres
    assert len(confirmed_ids) == 1
    assert len(errors) >= 15
    assert np.sqrt(np.mean(np.square(errors))) < 20.0
