"""The tracker's state: one row per track, its columns parallel arrays (struct of arrays).

Every per-scan operation of :class:`~bastion.track.tracker.Tracker` works on whole columns (predict,
gate, update, manage), so the state is a table of columns rather than a list of track objects; what
changes its rows (tracks started, deleted, regrouped by replication) goes through the few methods
here, which treat every column alike. Rows of a tracker holding several replications are grouped by
replication (see :meth:`TrackTable.replica_rows`); within a replication they keep their order of
initiation.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from bastion.track.types import TrackStatus


@dataclass(slots=True, eq=False)
class TrackTable:
    """Live tracks: IMM mode-conditioned states and the bookkeeping of track management, by row.

    States in site ENU (m, m/s, then the motion model's extra components); ``M`` modes of dimension
    ``n``: a single-model filter has M = 1."""

    id: np.ndarray  # (N,) int64 track number within its replication (what events carry)
    uid: np.ndarray  # (N,) int64 unique over all replications, increasing within each (internal)
    replica: np.ndarray  # (N,) int64 the replication a track belongs to (rows grouped by it)
    xs: np.ndarray  # (N, M, n) mode-conditioned states
    Ps: np.ndarray  # (N, M, n, n) their covariances
    mu: np.ndarray  # (N, M) mode probabilities
    t_state: np.ndarray  # (N,) time of each track's state [s]
    status: np.ndarray  # (N,) int8 TrackStatus
    history: np.ndarray  # (N,) int64 hit bits of the first scans (bit k: scan k)
    scans: np.ndarray  # (N,) int64 scans since initiation (in coverage)
    updates: np.ndarray  # (N,) int64 plots associated so far
    misses: np.ndarray  # (N,) int64 consecutive scans without a plot
    last_update: np.ndarray  # (N,) time of the last associated plot [s]
    log_rcs_sum: np.ndarray  # (N,) sum of ln RCS of the associated plots [ln m^2]
    detection: np.ndarray  # (N,) intp index of this scan's plot used (-1: none)
    score: np.ndarray  # (N,) track log-likelihood ratio
    score_max: np.ndarray  # (N,) its highest value since confirmation
    adsb_updates: np.ndarray  # (N,) int64 ADS-B reports used to update the track
    icao24: np.ndarray  # (N,) <U6 ICAO address of the ADS-B aircraft keyed to the track ('': none)

    @classmethod
    def empty(cls, n_modes: int, dim: int) -> TrackTable:
        """No tracks, for states of ``n_modes`` modes of dimension ``dim``."""
        return cls(
            id=np.zeros(0, dtype=np.int64),
            uid=np.zeros(0, dtype=np.int64),
            replica=np.zeros(0, dtype=np.int64),
            xs=np.zeros((0, n_modes, dim)),
            Ps=np.zeros((0, n_modes, dim, dim)),
            mu=np.zeros((0, n_modes)),
            t_state=np.zeros(0),
            status=np.zeros(0, dtype=np.int8),
            history=np.zeros(0, dtype=np.int64),
            scans=np.zeros(0, dtype=np.int64),
            updates=np.zeros(0, dtype=np.int64),
            misses=np.zeros(0, dtype=np.int64),
            last_update=np.zeros(0),
            log_rcs_sum=np.zeros(0),
            detection=np.zeros(0, dtype=np.intp),
            score=np.zeros(0),
            score_max=np.zeros(0),
            adsb_updates=np.zeros(0, dtype=np.int64),
            icao24=np.zeros(0, dtype="<U6"),
        )

    @classmethod
    def tentative(
        cls,
        ids: np.ndarray,
        uids: np.ndarray,
        replica: np.ndarray,
        xs: np.ndarray,
        Ps: np.ndarray,
        mu: np.ndarray,
        t: float,
        log_rcs: np.ndarray,
        detection: np.ndarray,
        initial_score: float,
    ) -> TrackTable:
        """New tentative tracks (K rows) started at time ``t`` [s] on one plot each (``detection``, of
        log RCS ``log_rcs``): one hit in one scan, none from ADS-B, track score ``initial_score``."""
        k = ids.size
        return cls(
            id=ids,
            uid=uids,
            replica=replica.astype(np.int64),
            xs=xs,
            Ps=Ps,
            mu=mu,
            t_state=np.full(k, t),
            status=np.full(k, TrackStatus.TENTATIVE, dtype=np.int8),
            history=np.ones(k, dtype=np.int64),
            scans=np.ones(k, dtype=np.int64),
            updates=np.ones(k, dtype=np.int64),
            misses=np.zeros(k, dtype=np.int64),
            last_update=np.full(k, t),
            log_rcs_sum=log_rcs,
            detection=detection.astype(np.intp),
            score=np.full(k, initial_score),
            score_max=np.full(k, initial_score),
            adsb_updates=np.zeros(k, dtype=np.int64),
            icao24=np.full(k, "", dtype="<U6"),
        )

    def __len__(self) -> int:
        return int(self.id.size)

    # -- new tables ---------------------------------------------------------------------------
    def select(self, rows: np.ndarray | slice) -> TrackTable:
        """The rows ``rows`` (a mask, indices in any order, or a slice: then views) as a new table."""
        return TrackTable(**{name: getattr(self, name)[rows] for name in COLUMNS})

    @staticmethod
    def concat(parts: list[TrackTable]) -> TrackTable:
        """The rows of several tables, in order, as a new table."""
        return TrackTable(**{name: np.concatenate([getattr(p, name) for p in parts]) for name in COLUMNS})

    # -- in place (the tracker's own table: its identity is kept) -------------------------------
    def keep(self, rows: np.ndarray) -> None:
        """Keep the rows ``rows`` only (a mask or indices): delete the others."""
        for name in COLUMNS:
            setattr(self, name, getattr(self, name)[rows])

    def reorder(self, order: np.ndarray) -> None:
        """Put the rows in the order ``order`` (a permutation of the row indices)."""
        self.keep(order)

    def append(self, new: TrackTable) -> None:
        """Add the rows of ``new`` after the others."""
        for name in COLUMNS:
            setattr(self, name, np.concatenate([getattr(self, name), getattr(new, name)]))

    def group_by_replica(self) -> None:
        """Regroup the rows by replication where new rows have broken the grouping (each replication's
        rows keep their order), so that every replication's rows are one slice."""
        if (self.replica[1:] < self.replica[:-1]).any():
            self.reorder(np.argsort(self.replica, kind="stable"))

    def replica_rows(self, replica: int) -> slice:
        """The rows of one replication (the rows grouped by replication)."""
        lo, hi = np.searchsorted(self.replica, [replica, replica + 1]).tolist()
        return slice(lo, hi)

    def replica_bounds(self, replications: int) -> np.ndarray:
        """Row bounds of every replication (R + 1,): replication r holds rows ``bounds[r]:bounds[r + 1]``."""
        return np.r_[0, np.cumsum(np.bincount(self.replica, minlength=replications))]


COLUMNS = tuple(f.name for f in fields(TrackTable))
"""The names of the columns, in order."""
