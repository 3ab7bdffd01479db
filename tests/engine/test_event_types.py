"""Event types (issue 17): every kind has one payload type, every payload round-trips through its
JSON unchanged, the events a night emits are all typed (and byte for byte the JSON they are stored
as), and docs/events.md is the reference generated from the definitions."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from bastion import event_types as ev
from bastion.api import compile_named
from bastion.engine.simulation import run

DOCS = Path(__file__).parents[2] / "docs" / "events.md"

_SCALARS = {
    "int": 7,
    "float": 0.1 + 0.2,  # (a float whose shortest repr has 17 digits)
    "str": "Terminal — 1",
    "bool": True,
    "Point": [1.5, -2.25, 3.0],
    "Ellipse": [300.0, 40.5, -1.234],
}


def _sample(typ: str):
    """A value of the annotation ``typ`` (as written in bastion.event_types)."""
    typ = typ.strip()
    if typ.endswith(" | None"):
        return _sample(typ[: -len(" | None")])
    if "|" in typ and "[" not in typ:
        return _sample(typ.split("|")[0])
    if typ.startswith("list["):
        return [_sample(typ[5:-1]), _sample(typ[5:-1])]
    if typ.startswith("dict"):
        return {"a": 1, "b": [2.5, None]}
    return _SCALARS[typ]


def samples(cls, optional: bool) -> ev.Payload:
    """A payload of ``cls`` with every field set (``optional``: the optional ones too, else left out)."""
    values = {}
    for f in dataclasses.fields(cls):
        if f.metadata.get("optional") and not optional:
            continue
        values[f.name] = _sample(f.type)
    return cls(**values)


def test_every_kind_has_one_payload_type_and_back():
    assert set(ev.PAYLOADS) == set(ev.EventKind)
    for kind, cls in ev.PAYLOADS.items():
        assert cls.KIND is kind and cls.SOURCE in ev.SOURCES
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
        assert "__slots__" in cls.__dict__ and not hasattr(samples(cls, True), "__dict__")


@pytest.mark.parametrize("kind", list(ev.EventKind))
@pytest.mark.parametrize("optional", [False, True])
def test_every_kind_round_trips_through_its_json(kind, optional):
    p = samples(ev.PAYLOADS[kind], optional)
    text = p.to_json()
    back = ev.from_json(kind, text)
    assert back == p and type(back) is type(p)
    assert back.to_json() == text
    keys = list(json.loads(text))
    fields = dataclasses.fields(p)
    assert keys == [f.metadata.get("json", f.name) for f in fields if optional or not f.metadata.get("optional")]
    assert "from_" not in keys and "klass" not in keys  # (Python names; the JSON says from, class)


def test_json_keeps_key_order_optional_keys_and_numpy_values():
    p = ev.Identification(track=np.int64(4), from_="pending", to="civil", reason="ADS-B", icao24="7304a1", callsign="")
    assert p.to_json() == '{"track":4,"from":"pending","to":"civil","reason":"ADS-B","icao24":"7304a1","callsign":""}'
    assert ev.Identification(track=4, from_="unknown", to="hostile", reason="r").to_json() == (
        '{"track":4,"from":"unknown","to":"hostile","reason":"r"}'  # optional keys absent, not null
    )
    assert ev.Threat(
        track=1, klass="drone", zone=None, p_reach=np.float64(0.5), threat_value=1.0, impact_point=[1.0, 2.0],
        time_to_impact_s=None,
    ).to_json() == '{"track":1,"class":"drone","zone":null,"p_reach":0.5,"threat_value":1.0,"impact_point":[1.0,2.0],"time_to_impact_s":null}'  # noqa: E501  # fmt: skip
    with pytest.raises(ValueError):  # NaN never reaches the store
        ev.RunEnd(wall_seconds=float("nan")).to_json()


def test_payloads_are_frozen_and_keyword_only():
    p = ev.HoldFire(track=1, reason="x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.track = 2
    with pytest.raises(TypeError):
        ev.HoldFire(1, "x")


def test_a_payload_not_of_its_type_is_refused_naming_what_is_wrong():
    with pytest.raises(ev.EventSchemaError, match="unknown event kind 'plot'"):
        ev.from_json("plot", "{}")
    with pytest.raises(ev.EventSchemaError, match=r"hold_fire payload \(HoldFire\): missing .*'reason'"):
        ev.from_json("hold_fire", '{"track":1}')
    with pytest.raises(ev.EventSchemaError, match="unexpected keyword argument 'extra'"):
        ev.from_dict("hold_fire", {"track": 1, "reason": "x", "extra": 0})
    with pytest.raises(ev.EventSchemaError, match="not a JSON object"):
        ev.from_json("hold_fire", "[1, 2]")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["baghdad-faults", "rocket-salvo"])
def test_every_event_a_night_emits_is_typed_and_reads_back_identical(name):
    """The test that fails when a kind is emitted with no type: every payload of a night with
    per-scan records (and the injected faults' kinds) is its kind's type, from its kind's usual
    source, and reads back from its stored JSON equal and byte for byte the same."""
    r = run(compile_named(name), 1, record_plots=True)
    kinds = set()
    for e in r.log.events:
        cls = ev.PAYLOADS[e.kind]
        assert type(e.payload) is cls and e.source == cls.SOURCE, (e.kind, e.source)
        text = e.to_json()
        back = ev.from_json(e.kind, text)
        assert back == e.payload and back.to_json() == text
        kinds.add(e.kind)
    assert len(kinds) >= 25  # (the check covers the night's many kinds)


def test_docs_events_md_is_generated_from_the_definitions():
    """docs/events.md is ``python -m bastion.event_types --markdown``: regenerate it when a payload changes."""
    assert DOCS.read_text() == ev.markdown(), "regenerate: python -m bastion.event_types --markdown > docs/events.md"
    for kind in ev.EventKind:
        assert f"### {kind}\n" in DOCS.read_text()


def test_the_generator_command(capsys):
    assert ev.main(["--markdown"]) == 0
    assert capsys.readouterr().out == ev.markdown()
    assert ev.main([]) == 2
