"""Bird or drone: classifying slow, small tracks from the radars' micro-Doppler looks.

Birds fly at the speeds of small drones and have their radar cross-section (shared/domain/
ram-and-layers.md §7: birds -30 to -19 dBsm, small UAVs -20 to -8 dBsm; both 8-25 m/s, H), so
neither speed nor RCS tells them apart: birds are the main confuser of counter-drone radars. What
does is the echo's modulation: a bird's wing beat against a drone's blade lines or a rigid body
(micro-Doppler; 85-96 % right per look, better with dwell, M). A radar that classes its plots so
(``RadarType.micro_doppler_accuracy``: the probability ``p`` that one look's class is right) hands
each plot a class, bird or not bird (:data:`~bastion.sense.types.MD_BIRD`); this module keeps, per
track, the evidence of the plots it was updated with and classifies from that alone (sensor data,
never truth):

* each look adds ``+ln(p / (1 - p))`` to the track's log-likelihood ratio of bird against not bird
  when it says bird, and subtracts it when it says not bird: a sequential probability ratio (Wald
  1945). Looks are taken as independent (a simplification: real classifier errors are correlated
  over looks at the same aspect, which is why the drone threshold below asks for strong evidence);
* a track is **bird-like** when its kinematic class (:mod:`bastion.assess.classify`) is DRONE or
  UNKNOWN and its speed is at most ``BIRD_MAX_SPEED_MPS`` (birds cruise at 8-20 m/s, up to ~25 m/s,
  note §7, L; plus 5 m/s for the track's velocity error). A faster track is not a bird whatever its
  looks say;
* a bird-like track (or a slow one classified FALLING: a bird's noisy descent looks like falling
  debris) is BIRD once its ratio reaches ``ln(BIRD_ODDS)`` (P(bird) >= 0.9 from even
  prior odds), stays DRONE only once it falls to ``-ln(DRONE_ODDS)`` (P(bird) <= 1e-4), and is
  UNKNOWN in between: **undecided is never hostile** (a slow small target is not declared hostile
  until its looks say it is no bird; fail safe). With p = 0.85 a drone needs six more not-bird looks
  than bird looks (about nine scans; a drone faster than a bird is not delayed at all); a bird's
  ratio ever reaches -ln(DRONE_ODDS) with probability ((1 - p) / p)^6 = 3e-5 over its whole track
  (gambler's ruin), about one bird taken for a drone in 500 nights of 60 bird tracks. The two odds
  are decision thresholds chosen for those error rates, not physical figures.

A track classified BIRD has nothing predicted for it at the next scan (``DecisionPipeline.harmless``):
no zone at risk, no threat value, so nothing to engage or warn about, even if it had once been
declared hostile.

A radar without micro-Doppler adds no evidence: bird-like tracks it alone sees stay UNKNOWN (never
declared hostile: the operator sees them), the cost of not telling birds from slow drones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from bastion.assess.types import TrackClass
from bastion.event_types import BirdClassified
from bastion.scenario.compiled import RadarSite
from bastion.sense.types import MD_BIRD, MD_NOT_BIRD, Detections
from bastion.track.types import Tracks

BIRD_MAX_SPEED_MPS = 30.0
BIRD_ODDS = 9.0
DRONE_ODDS = 10_000.0

_UNKNOWN, _DRONE, _BIRD = int(TrackClass.UNKNOWN), int(TrackClass.DRONE), int(TrackClass.BIRD)
_FALLING = int(TrackClass.FALLING)
_LN_BIRD, _LN_DRONE = math.log(BIRD_ODDS), math.log(DRONE_ODDS)


class BirdClassifier:
    """Micro-Doppler evidence per track and the bird / drone decision (module docstring)."""

    def __init__(self, radars: Sequence[RadarSite]) -> None:
        # the weight of one look of each radar: ln(p / (1 - p)), 0 for a radar without micro-Doppler
        self.weight = [_weight(r.type.micro_doppler_accuracy) for r in radars]
        self._ids = np.zeros(0, dtype=np.int64)  # tracks with evidence, ascending
        self._llr = np.zeros(0)  # their log-likelihood ratio of bird against not bird
        self._looks = np.zeros(0, dtype=np.int64)  # their looks with a class
        self.announced: set[int] = set()  # tracks whose BIRD class has been reported
        self._birds = np.zeros(0, dtype=np.int64)  # tracks classified BIRD at the last update, ascending

    def birds(self, tracks: Tracks) -> np.ndarray:
        """Tracks (N,) classified BIRD at the last update: nothing to predict for them this scan (from
        their evidence, one more look can make them undecided at worst, never a drone)."""
        b = self._birds
        if not b.size:
            return np.zeros(len(tracks), dtype=bool)
        return b[np.minimum(np.searchsorted(b, tracks.id), b.size - 1)] == tracks.id

    def evidence(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(log-likelihood ratio, looks) of the tracks ``ids`` (0 for a track with none)."""
        pos = np.minimum(np.searchsorted(self._ids, ids), max(self._ids.size - 1, 0))
        known = (self._ids[pos] == ids) if self._ids.size else np.zeros(ids.shape, dtype=bool)
        llr = np.where(known, self._llr[pos] if self._ids.size else 0.0, 0.0)
        looks = np.where(known, self._looks[pos] if self._ids.size else 0, 0)
        return llr, looks

    def update(self, tracks: Tracks, det: Detections, klass: np.ndarray) -> tuple[np.ndarray, list[BirdClassified]]:
        """Add this scan's looks to each track's evidence and classify: the classes (N,) with birds and
        undecided tracks set, and a payload for each confirmed track classified BIRD for the first time.

        Tracks no longer listed lose their evidence (a track that has ended)."""
        ids = tracks.id.astype(np.int64)
        llr, looks = self.evidence(ids)
        w = self.weight[det.sensor] if det.sensor < len(self.weight) else 0.0
        if w and det.micro_doppler is not None and len(det):
            used = tracks.detection >= 0
            md = np.zeros(len(tracks), dtype=np.int8)
            md[used] = det.micro_doppler[tracks.detection[used]]
            llr = llr + np.where(md == MD_BIRD, w, np.where(md == MD_NOT_BIRD, -w, 0.0))
            looks = looks + (md != 0)
        if ids.size > 1 and not (ids[1:] > ids[:-1]).all():  # (track numbers usually come in order)
            order = np.argsort(ids, kind="stable")
            ids, llr, looks = ids[order], llr[order], looks[order]
            tracks, klass = tracks.rows(order), klass[order]
        else:
            order = None
        self._ids, self._llr, self._looks = ids, llr, looks
        v = tracks.x[:, 3:6]
        speed = np.sqrt(v[:, 0] * v[:, 0] + v[:, 1] * v[:, 1] + v[:, 2] * v[:, 2])
        slow = speed <= BIRD_MAX_SPEED_MPS
        bird_like = ((klass == _DRONE) | (klass == _UNKNOWN)) & slow
        out = klass.copy()
        out[bird_like & (llr > -_LN_DRONE)] = _UNKNOWN  # undecided: never hostile
        # a bird's track may also look like falling debris (a noisy descent): its looks say which
        bird = (bird_like | ((klass == _FALLING) & slow)) & (llr >= _LN_BIRD)
        out[bird] = _BIRD
        self._birds = ids[bird]
        new = []
        for i in np.flatnonzero(bird & (tracks.status != 0)).tolist():  # confirmed tracks: reported once
            tid = int(ids[i])
            if tid not in self.announced:
                self.announced.add(tid)
                new.append(
                    BirdClassified(
                        track=tid,
                        p_bird=round(1.0 / (1.0 + math.exp(-float(llr[i]))), 4),
                        looks=int(looks[i]),
                        speed_mps=round(float(speed[i]), 1),
                        rcs_m2=round(float(tracks.rcs[i]), 4),
                    )
                )
        if order is not None:  # back to the tracks' order
            back = np.empty_like(order)
            back[order] = np.arange(order.size)
            out = out[back]
        return out, new


def _weight(p: float) -> float:
    """ln(p / (1 - p)) of a per-look accuracy ``p`` (0 where not measured or no better than chance)."""
    if not (math.isfinite(p) and 0.5 < p < 1.0):
        return 0.0
    return math.log(p / (1.0 - p))
