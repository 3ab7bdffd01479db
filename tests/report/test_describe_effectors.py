"""One line per event for the effectors beyond the gun (issue 19): an engagement names its effector,
target, kill probability and cost; a jammer's order its reason; an interceptor's own debris says whose
it is (it belongs to no threat)."""

from bastion import event_types as ev
from bastion.engine.events import Event
from bastion.report.describe import describe


def line(payload) -> str:
    return describe(Event(0, 1.0, payload.KIND, payload.SOURCE, payload))


def test_effector_orders_and_interceptor_debris():
    launch = ev.EffectorOrder(
        order=3, effector="Coyote-1", kind="interceptor", action="launch", track=7, pk=0.8, cost_usd=125_000.0
    )
    assert line(launch) == "Coyote-1 (interceptor) ordered to launch at track 7: Pk 0.8, $125,000"
    silence = ev.EffectorOrder(order=4, effector="RF-jammer", kind="rf-jammer", action="silence", reason="no drone")
    assert line(silence) == "RF-jammer (rf-jammer) ordered to silence (no drone)"
    piece = ev.DebrisImpact(
        threat=None, piece="interceptor airframe", position=[1.0, 2.0, 0.0], zone=None, effector="C1"
    )
    assert line(piece) == "debris (interceptor airframe) of an interceptor of C1 at [1.0, 2.0] in open ground"
    threat = ev.DebrisImpact(threat=2, piece="fragment", position=[1.0, 2.0, 0.0], zone="BDSC")
    assert line(threat) == "debris (fragment) of threat 2 at [1.0, 2.0] in BDSC"
