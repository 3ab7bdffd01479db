"""Tracks and threat geometry split by rows (a batch of nights splits its pictures every scan)."""

from dataclasses import fields

import numpy as np

from bastion.assess.threat import ThreatGeometry
from bastion.track.types import Tracks


def tracks(n: int, first_id: int, with_optional: bool) -> Tracks:
    rng = np.random.default_rng(first_id)
    optional = (
        dict(score=rng.random(n), mode_probability=rng.random((n, 3)), icao24=np.full(n, "abc123"))
        if with_optional
        else {}
    )
    return Tracks(
        t=12.5,
        id=np.arange(first_id, first_id + n),
        x=rng.random((n, 6)),
        P=rng.random((n, 6, 6)),
        status=rng.integers(0, 3, n),
        updates=rng.integers(0, 9, n),
        misses=rng.integers(0, 3, n),
        last_update=rng.random(n),
        rcs=rng.random(n),
        detection=rng.integers(-1, 5, n),
        **optional,
    )


def assert_same(a, b) -> None:
    assert type(a) is type(b)
    for f in fields(a):
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if isinstance(va, np.ndarray):
            assert va.dtype == vb.dtype and np.array_equal(va, vb), f.name
        else:
            assert va == vb, f.name


def test_rows_of_concatenated_tracks_are_the_parts():
    for with_optional in (False, True):
        parts = [tracks(3, 1, with_optional), tracks(0, 10, with_optional), tracks(5, 20, with_optional)]
        everything = Tracks.concatenate(parts)
        start = 0
        for part in parts:
            rows = slice(start, start + len(part))
            start = rows.stop
            assert_same(everything.rows(rows), part)
        picked = everything.rows(np.array([6, 0]))
        assert picked.id.tolist() == [23, 1] and picked.t == 12.5
        assert (picked.score is None) is not with_optional


def test_split_of_concatenated_tracks_is_the_parts():
    for with_optional in (False, True):
        parts = [tracks(3, 1, with_optional), tracks(0, 10, with_optional), tracks(5, 20, with_optional)]
        everything = Tracks.concatenate(parts)
        split = everything.split([0, 3, 3, 8])
        assert len(split) == 3
        for got, part in zip(split, parts, strict=True):
            assert_same(got, part)
            assert list(vars(got)) == list(vars(part))
        assert np.shares_memory(split[2].x, everything.x)


def test_rows_of_threat_geometry_are_views_of_the_rows():
    rng = np.random.default_rng(3)
    n, z = 6, 4
    shapes = {"impact_point": (n, 2), "ellipse_axes": (n, 2), "p_zone": (n, z), "t_zone": (n, z)}
    g = ThreatGeometry(**{f.name: rng.random(shapes.get(f.name, (n,))) for f in fields(ThreatGeometry)})
    part = g.rows(slice(2, 5))
    assert_same(part, ThreatGeometry(**{f.name: getattr(g, f.name)[2:5] for f in fields(ThreatGeometry)}))
    assert np.shares_memory(part.p_zone, g.p_zone)
