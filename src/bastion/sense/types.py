"""Data types of sensor reports, struct-of-arrays, defined once for the whole kill chain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MD_NONE, MD_BIRD, MD_NOT_BIRD = 0, 1, 2
"""A plot's micro-Doppler class: none measured, wing-beat modulation (a bird), or blade lines or a
rigid body (not a bird)."""


def _no_class(n: int) -> np.ndarray:
    return np.zeros(n, dtype=np.int8)


@dataclass(frozen=True)
class Detections:
    """One radar scan's plots (targets and false alarms, unlabelled, in no particular order).

    Polar coordinates relative to the radar ``sensor`` (index into the site's radars): azimuth
    clockwise from north, elevation up from the horizontal, radians. All arrays have shape (N,).
    """

    t: float  # scan time [s since scenario start]
    sensor: int  # radar index
    range: np.ndarray  # slant range [m]
    azimuth: np.ndarray  # [rad], in (-pi, pi]
    elevation: np.ndarray  # [rad]
    range_rate: np.ndarray  # radial velocity [m/s], NaN where the radar measures none
    power: np.ndarray  # detector output, signal + noise in noise units [linear]
    rcs: np.ndarray  # radar cross-section estimated from power and range [m^2]
    iff: np.ndarray | None = None  # a valid friendly IFF (Mode 5) reply came with the plot; None: no interrogator
    # the radar's micro-Doppler class of each plot (int8: MD_NONE, MD_BIRD, MD_NOT_BIRD); None: not measured
    micro_doppler: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.range.size)

    @property
    def iff_reply(self) -> np.ndarray:
        """IFF replies (N,) as booleans (all False when the radar has no interrogator)."""
        return np.zeros(len(self), dtype=bool) if self.iff is None else self.iff

    @classmethod
    def concatenate(cls, scans: Sequence[Detections]) -> Detections:
        """One radar's plots of one time given in parts (a scan's datagrams, the replications' scans of a
        batch), as one set of plots in the parts' order; time and sensor are the first part's.

        IFF: None (no interrogator) only when no part has IFF data; otherwise every part's replies,
        with False ("no reply") for the plots of a part without them. Keeping the parts that have
        replies is what safety needs: a valid friendly reply must never be dropped because another
        part of the scan carried no IFF field (the live engine's own copy of this did drop them).
        """
        if len(scans) == 1:
            return scans[0]
        d0 = scans[0]
        iff = None if all(d.iff is None for d in scans) else np.concatenate([d.iff_reply for d in scans])
        md = None
        if any(d.micro_doppler is not None for d in scans):  # MD_NONE for the plots of a part without
            md = np.concatenate([d.micro_doppler if d.micro_doppler is not None else _no_class(len(d)) for d in scans])
        cols = ("range", "azimuth", "elevation", "range_rate", "power", "rcs")
        return cls(d0.t, d0.sensor, *(np.concatenate([getattr(d, c) for d in scans]) for c in cols), iff, md)

    @classmethod
    def empty(cls, t: float, sensor: int, iff: bool = True) -> Detections:
        """No plots, from a radar with (``iff``) or without an IFF interrogator."""
        z = np.zeros(0)
        return cls(t, sensor, z, z, z, z, z, z, np.zeros(0, dtype=bool) if iff else None)


@dataclass(frozen=True)
class AdsbReports:
    """Decoded ADS-B (1090 ES) position and velocity reports received since the last batch.

    WGS84 as broadcast; convert to the site frame at the edge. All arrays have shape (N,).
    """

    t: np.ndarray  # reception time [s since scenario start]
    icao24: np.ndarray  # 24-bit ICAO address, 6 lowercase hex characters
    callsign: np.ndarray  # flight identification ('' until received)
    lat: np.ndarray  # [deg]
    lon: np.ndarray  # [deg]
    altitude_m: np.ndarray  # barometric altitude above mean sea level [m]
    velocity: np.ndarray  # (N, 3) east, north, up ground velocity [m/s]
    nacp: np.ndarray  # navigation accuracy category for position, 0..11

    def __len__(self) -> int:
        return int(self.t.size)

    def latest(self) -> AdsbReports:
        """The newest report of each aircraft in the batch."""
        if len(self) <= 1:
            return self
        order = np.lexsort((self.t, self.icao24))
        last = np.r_[self.icao24[order][1:] != self.icao24[order][:-1], True]
        return self.rows(np.sort(order[last]))

    def rows(self, keep: np.ndarray) -> AdsbReports:
        """The reports at ``keep`` (indices or a mask), in that order."""
        return AdsbReports(
            self.t[keep],
            self.icao24[keep],
            self.callsign[keep],
            self.lat[keep],
            self.lon[keep],
            self.altitude_m[keep],
            self.velocity[keep],
            self.nacp[keep],
        )

    @classmethod
    def empty(cls) -> AdsbReports:
        z = np.zeros(0)
        s = np.zeros(0, dtype="<U8")
        return cls(z, s, s, z, z, z, np.zeros((0, 3)), np.zeros(0, dtype=int))


NACP_EPU_M = np.array([np.inf, 18_520.0, 7_408.0, 3_704.0, 1_852.0, 926.0, 555.6, 185.2, 92.6, 30.0, 10.0, 3.0])
"""95 % horizontal position bound (estimated position uncertainty) by NACp 0..11 [m].

RTCA DO-260B / MASPS table 3.2.11a (shared/domain/sensors.md §3): 0: >= 10 NM, 1: < 10 NM, ...
8: < 0.05 NM, 9: < 30 m, 10: < 10 m, 11: < 3 m."""


@dataclass(frozen=True)
class FireControlReport:
    """One update of a gun mount's own fire-control radar (closed-loop fire control).

    The radar, cued by the C2 track, reports the engaged target's position in polar coordinates from
    the mount (NaN while it has not acquired it or misses it this update), and, for each of the
    mount's rounds that passed the target since the last update, the round's angular offset from the
    target at its closest approach as the radar sees it: across the line of sight, horizontally
    (``miss_across`` = azimuth offset x cos(elevation), positive clockwise) and vertically
    (``miss_up``, positive up), with the fire time of that round. Round arrays have shape (M,).
    """

    t: float  # [s since scenario start]
    gun: int  # gun index in the site's guns
    order_id: int  # the fire order whose burst the radar follows
    detected: bool
    range: float  # [m]
    azimuth: float  # [rad] clockwise from north
    elevation: float  # [rad]
    miss_t_fire: np.ndarray  # (M,) fire time of each round measured [s]
    miss_across: np.ndarray  # (M,) [rad]
    miss_up: np.ndarray  # (M,) [rad]
    final: bool = False  # the burst is over: the radar stops following it after this report

    @property
    def n_misses(self) -> int:
        return int(self.miss_t_fire.size)
