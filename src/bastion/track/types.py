"""Track data, struct-of-arrays."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import IntEnum
from itertools import pairwise

import numpy as np


class TrackStatus(IntEnum):
    TENTATIVE = 0  # initiated, not yet confirmed (M-of-N)
    CONFIRMED = 1  # updated this scan
    COASTING = 2  # confirmed, missed this scan, predicted forward


@dataclass(frozen=True)
class Tracks:
    """All live tracks after one scan. State in site ENU: x = [e, n, u, ve, vn, vu] (m, m/s)."""

    t: float  # time of the states [s]
    id: np.ndarray  # (N,) stable track numbers
    x: np.ndarray  # (N, 6)
    P: np.ndarray  # (N, 6, 6) covariance
    status: np.ndarray  # (N,) TrackStatus
    updates: np.ndarray  # (N,) detections associated so far
    misses: np.ndarray  # (N,) consecutive scans without a detection
    last_update: np.ndarray  # (N,) time of the last associated detection [s]
    rcs: np.ndarray  # (N,) geometric-mean RCS estimate of associated plots [m^2]
    detection: np.ndarray  # (N,) index of this scan's detection used (-1: none; JPDA: the likeliest)
    score: np.ndarray | None = None  # (N,) track log-likelihood ratio (target vs false alarms)
    mode_probability: np.ndarray | None = None  # (N, M) IMM mode probabilities (None: single model)
    icao24: np.ndarray | None = None  # (N,) ICAO address of the ADS-B aircraft keyed to the track ('': none)
    adsb_updates: np.ndarray | None = None  # (N,) ADS-B reports used to update the track

    def __len__(self) -> int:
        return int(self.id.size)

    @property
    def confirmed(self) -> np.ndarray:
        """Mask of confirmed or coasting tracks."""
        return self.status != TrackStatus.TENTATIVE

    @classmethod
    def concatenate(cls, parts: list[Tracks]) -> Tracks:
        """The tracks of several pictures at one time (e.g. of nights in lock-step), in order."""
        out = {}
        for f in fields(cls):
            values = [getattr(p, f.name) for p in parts]
            out[f.name] = np.concatenate(values) if isinstance(values[0], np.ndarray) else values[0]
        return cls(**out)

    def rows(self, rows: np.ndarray | slice) -> Tracks:
        """The tracks at ``rows`` (views for a slice).

        Written straight into the new instance's ``__dict__``: the frozen dataclass's ``__init__``
        sets its fields one ``object.__setattr__`` at a time, which costs more than the slicing
        itself, and a batch of nights splits its tracks this way every scan (issue 8)."""
        out = object.__new__(Tracks)
        out.__dict__.update({k: v[rows] if isinstance(v, np.ndarray) else v for k, v in self.__dict__.items()})
        return out

    def split(self, bounds: list[int]) -> list[Tracks]:
        """The tracks of rows ``bounds[r]:bounds[r + 1]`` for each r (views), as :meth:`rows` gives them:
        each night's of a batch, every scan (the fields that are arrays found once for all)."""
        items = [(k, v, isinstance(v, np.ndarray)) for k, v in self.__dict__.items()]
        parts = []
        for a, b in pairwise(bounds):
            out = object.__new__(Tracks)
            out.__dict__.update({k: v[a:b] if array else v for k, v, array in items})
            parts.append(out)
        return parts

    def index_of(self, track_id: int) -> int | None:
        hit = np.flatnonzero(self.id == track_id)
        return int(hit[0]) if hit.size else None


@dataclass(frozen=True)
class TrackChanges:
    """Track-management decisions of one scan."""

    initiated: list[int] = field(default_factory=list)
    confirmed: list[int] = field(default_factory=list)
    deleted: list[tuple[int, str]] = field(default_factory=list)  # (id, reason)
