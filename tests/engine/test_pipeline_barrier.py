"""The decision pipeline sees only sensor data: it runs on plots with no world at all."""

import numpy as np

from bastion.engine.events import EventLog
from bastion.engine.pipeline import DecisionPipeline
from bastion.physics.geodesy import enu_to_polar
from bastion.sense.types import Detections


def test_pipeline_runs_on_plots_alone(baghdad):
    """A synthetic inbound drone, as plots only: the pipeline tracks it, declares it hostile, warns
    and asks to engage — no truth object is ever handed in."""
    d = baghdad.defence
    log = EventLog()
    pipe = DecisionPipeline(d, log.emit)
    radar = d.radars[0]
    target = np.array([2375.0 + 8000.0, 1335.0, 120.0])
    vel = np.array([-50.0, 0.0, 0.0])
    rng = np.random.default_rng(0)
    for k in range(1, 200):
        t = float(k)
        p = target + vel * t
        r, az, el = enu_to_polar(p - radar.position)
        rt = radar.type
        det = Detections(
            t,
            0,
            np.array([r + rng.normal(0, rt.sigma_range_m)]),
            np.array([az + rng.normal(0, rt.sigma_azimuth_rad)]),
            np.array([el + rng.normal(0, rt.sigma_elevation_rad)]),
            np.array([np.dot(p - radar.position, vel) / r + rng.normal(0, rt.sigma_range_rate_mps)]),
            np.array([100.0]),
            np.array([0.05]),
        )
        pipe.on_radar(det)
        if np.linalg.norm(p[:2] - [2375.0, 1335.0]) < 900:
            break
    kinds = [e.kind for e in log.events]
    assert "track_confirmed" in kinds
    ident = [e.payload for e in log.events if e.kind == "identification"]
    assert ident and ident[-1].to == "hostile"
    assert "warning" in kinds
    assert "authorisation_request" in kinds  # tight: asks before firing
    assert "fire_order" not in kinds  # nobody approved
