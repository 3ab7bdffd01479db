"""Property tests (hypothesis) of the assignment JSON loader: any bytes, any JSON value, give an
:class:`Instance` whose entries obey FORMAT.md or an :class:`InstanceError` -- never anything else."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion.engage.wta.instance import InstanceError, load_instance

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
number = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0.0, 0.5, 0.999999, 1.0, 1, 0]),
)
value = st.recursive(
    st.one_of(st.none(), st.booleans(), number, st.text(max_size=5)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=8,
)
instance_like = st.fixed_dictionaries(
    {"values": st.lists(number, max_size=4), "pk": st.lists(st.lists(number, max_size=4), max_size=4)},
    optional={"name": value},
)


def _check(path) -> None:
    try:
        inst = load_instance(path)
    except InstanceError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
        assert all(str(path) in p for p in exc.problems)
        return
    assert inst.pk.shape == (inst.weapons, inst.targets) and inst.values.shape == (inst.targets,)
    assert np.isfinite(inst.values).all() and (inst.values >= 0).all()
    assert ((inst.pk >= 0) & (inst.pk < 1)).all()  # FORMAT.md: [0, 1)


@SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes(tmp_path, raw):
    path = tmp_path / "i.json"
    path.write_bytes(raw)
    _check(path)


@SETTINGS
@given(st.one_of(instance_like, value))
def test_any_json(tmp_path, data):
    path = tmp_path / "i.json"
    path.write_text(json.dumps(data))  # NaN and Infinity as Python writes them (not JSON, but read)
    _check(path)
