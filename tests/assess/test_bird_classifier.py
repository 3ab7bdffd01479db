"""Bird or drone from micro-Doppler looks (issue 20, item 3): the sequential test's error rates
against the gambler's-ruin closed form, and the rules that keep undecided and fast tracks apart."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bastion.assess import birds
from bastion.assess.birds import BirdClassifier
from bastion.assess.types import TrackClass
from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.compiled import RadarSite
from bastion.sense.types import MD_BIRD, MD_NOT_BIRD, Detections
from bastion.track.types import Tracks

KURFS = CATALOGUE.radars["kurfs"]
P = KURFS.micro_doppler_accuracy
SITE = RadarSite(0, "R", KURFS, np.zeros(3), 1.0, 0.0)


def tracks(n: int, speed: float = 15.0, t: float = 0.0) -> Tracks:
    x = np.zeros((n, 6))
    x[:, 3] = speed
    x[:, 2] = 100.0
    return Tracks(
        t,
        np.arange(n),
        x,
        np.tile(np.eye(6), (n, 1, 1)),
        np.ones(n, dtype=int),
        np.full(n, 10),
        np.zeros(n, dtype=int),
        np.full(n, t),
        np.full(n, 0.01),
        np.arange(n),
    )


def scan(md: np.ndarray, t: float = 0.0) -> Detections:
    n = md.size
    z = np.zeros(n)
    return Detections(t, 0, z + 5e3, z, z, z, z + 30, z + 0.01, None, md.astype(np.int8))


def looks(truth_bird: bool, n: int, rng) -> np.ndarray:
    right = rng.random(n) < P
    says_bird = right if truth_bird else ~right
    return np.where(says_bird, MD_BIRD, MD_NOT_BIRD)


def run_looks(truth_bird: bool, n: int, scans: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Whether each of ``n`` tracks was ever classed DRONE, and ever BIRD, over ``scans`` looks."""
    rng = np.random.default_rng(seed)
    clf = BirdClassifier([SITE])
    ever_drone = np.zeros(n, dtype=bool)
    ever_bird = np.zeros(n, dtype=bool)
    trk = tracks(n)
    drone = np.full(n, int(TrackClass.DRONE), dtype=np.int8)
    for k in range(scans):
        out, _ = clf.update(dataclasses.replace(trk, t=float(k)), scan(looks(truth_bird, n, rng), float(k)), drone)
        ever_drone |= out == TrackClass.DRONE
        ever_bird |= out == TrackClass.BIRD
    return ever_drone, ever_bird


def test_a_bird_is_taken_for_a_drone_as_rarely_as_the_closed_form_says(monkeypatch):
    """A bird's evidence is a random walk of +-ln(p / (1 - p)) steps, up with probability p: it ever
    falls the k steps to the drone threshold with probability ((1 - p) / p)^k (gambler's ruin,
    infinite horizon; 200 looks are as good as infinite). The module's threshold (k = 6: 3e-5) is too
    rare to count, so the walk is checked at k = 4 (odds 1,000): 20,000 birds, within 4 sigma."""
    w = np.log(P / (1 - P))
    assert int(np.ceil(np.log(birds.DRONE_ODDS) / w)) == 6
    assert pytest.approx(3.0e-5, rel=0.05) == ((1 - P) / P) ** 6  # the docstring's figure
    monkeypatch.setattr(birds, "_LN_DRONE", np.log(1_000.0))
    n = 20_000
    ever_drone, ever_bird = run_looks(True, n, 200, 1)
    q = ((1 - P) / P) ** 4
    expected = n * q
    assert abs(ever_drone.sum() - expected) < 4 * np.sqrt(expected), (ever_drone.sum(), expected)
    assert ever_bird.mean() > 0.99


def test_a_drone_is_taken_for_a_bird_as_the_closed_form_says():
    """A drone's walk goes down with probability p: it ever climbs the two steps to the bird
    threshold with probability ((1 - p) / p)^2; it reaches the drone threshold almost surely."""
    n = 20_000
    ever_drone, ever_bird = run_looks(False, n, 200, 2)
    q = ((1 - P) / P) ** 2
    sigma = np.sqrt(n * q * (1 - q))
    assert abs(ever_bird.sum() - n * q) < 4 * sigma, (ever_bird.sum(), n * q)
    assert ever_drone.mean() > 0.999


def test_undecided_slow_tracks_are_unknown_and_fast_ones_are_left_alone():
    clf = BirdClassifier([SITE])
    drone = np.full(2, int(TrackClass.DRONE), dtype=np.int8)
    # one not-bird look: undecided for the slow track, a drone still for the fast one (50 m/s)
    slow, fast = tracks(1, 15.0), tracks(1, 50.0)
    both = Tracks.concatenate([slow, dataclasses.replace(fast, id=np.array([1]), detection=np.array([1]))])
    out, _ = clf.update(both, scan(np.array([MD_NOT_BIRD, MD_BIRD])), drone)
    assert out.tolist() == [TrackClass.UNKNOWN, TrackClass.DRONE]
    # four more bird looks: the fast track is still a drone (no bird flies at 50 m/s)
    for k in range(4):
        out, _ = clf.update(dataclasses.replace(both, t=k + 1.0), scan(np.array([MD_BIRD, MD_BIRD])), drone)
    assert out.tolist() == [TrackClass.BIRD, TrackClass.DRONE]
    assert clf.birds(both).tolist() == [True, False]


def test_a_radar_without_micro_doppler_leaves_slow_tracks_undecided():
    sentinel = CATALOGUE.radars["sentinel"]
    clf = BirdClassifier([RadarSite(0, "S", sentinel, np.zeros(3), 2.0, 0.0)])
    drone = np.full(3, int(TrackClass.DRONE), dtype=np.int8)
    for k in range(10):
        out, _ = clf.update(tracks(3, 15.0, float(k)), scan(np.zeros(3)), drone)
    assert (out == TrackClass.UNKNOWN).all()


def test_bird_events_once_per_confirmed_track_and_tracks_in_any_order():
    """Tracks listed out of number order are classed as they come; each confirmed bird is announced
    once; tentative ones are classed but not announced."""
    clf = BirdClassifier([SITE])
    trk = tracks(3)
    trk = dataclasses.replace(trk, id=np.array([7, 3, 5]), status=np.array([1, 0, 1]))
    drone = np.full(3, int(TrackClass.DRONE), dtype=np.int8)
    seen = []
    for k in range(3):
        out, new = clf.update(
            dataclasses.replace(trk, t=float(k)), scan(np.array([MD_BIRD, MD_BIRD, MD_NOT_BIRD])), drone
        )
        seen += [p.track for p in new]
    assert out.tolist() == [TrackClass.BIRD, TrackClass.BIRD, TrackClass.UNKNOWN]
    assert seen == [7]
    assert new == [] and clf.birds(trk).tolist() == [True, True, False]


@pytest.mark.parametrize("p", [0.5, float("nan")])
def test_no_better_than_chance_adds_no_evidence(p):
    rt = dataclasses.replace(KURFS, micro_doppler_accuracy=p)
    clf = BirdClassifier([RadarSite(0, "R", rt, np.zeros(3), 1.0, 0.0)])
    out, _ = clf.update(tracks(1), scan(np.array([MD_BIRD])), np.array([int(TrackClass.DRONE)], dtype=np.int8))
    assert out.tolist() == [TrackClass.UNKNOWN]
