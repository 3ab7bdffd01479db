"""Property test (hypothesis) of the console's WebSocket message handling: whatever a browser sends,
the receive loop answers with valid JSON only (no NaN), never raises, and the replay position stays
a finite time within the run."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st
from ws_fakes import drive, strict

number = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.text(max_size=6), st.none())
control = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["replay", "other"]),
        "action": st.sampled_from(["play", "pause", "speed", "seek", "load", "fly"]),
    },
    optional={"t": number, "speed": number, "run": st.text(max_size=8)},
)
message = st.one_of(
    control.map(json.dumps),  # Python writes NaN/Infinity literals for non-finite floats
    st.text(max_size=50),
    st.sampled_from(['{"type":"replay","action":"seek","t":NaN}', "[" * 3000, '{"t": 1e999}']),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(message, max_size=8))
def test_any_messages(messages):
    client, ws = drive(messages)
    for text in ws.sent:
        msg = strict(text)
        assert msg["type"] == "error" and isinstance(msg["message"], str)
    t = client.cursor.now()
    assert math.isfinite(t) and 0.0 <= t <= client.cursor.run.duration_s
    assert 1.0 <= client.cursor.speed <= 100.0
    json.dumps(client.cursor.state(), allow_nan=False)
