"""Identification rules track by track against the whole-array formulation they replace: the same
identities, changes (with their reasons), flags and state, scan after scan, on random pictures.

The reference below is the mask formulation bastion used before the rules ran as a Python loop
over the tracks (issue 8), with the ADS-B correlation that always called the assignment solver.
The random pictures place tracks on, near and away from ADS-B aircraft (several tracks on one
aircraft, so that pairs compete), with IFF replies, debris, small and NaN radar cross-sections,
and tracks that come and go.
"""

import copy

import numpy as np
import pymap3d
import pytest
from scipy.optimize import linear_sum_assignment

from bastion.assess import identify
from bastion.assess.identify import (
    ADSB_GATE,
    BARO_SIGMA_M,
    IFF_REPLIES,
    MIN_CIVIL_RCS_M2,
    MIN_P_REACH,
    NEAR_ADSB_M,
    AdsbAircraft,
    Identifier,
)
from bastion.assess.types import Identity, TrackClass
from bastion.event_types import AdsbImplausible
from bastion.physics.geodesy import Origin
from bastion.sense.types import AdsbReports
from bastion.track.types import Tracks

_PENDING, _UNKNOWN, _CIVIL, _FRIENDLY, _HOSTILE = (int(v) for v in Identity)
_IDENTITY = tuple(Identity)
_DRONE, _BALLISTIC = int(TrackClass.DRONE), int(TrackClass.BALLISTIC)


def reference_correlate(self, tracks, icaos, apos, asig):
    result = {}
    cand = (tracks.updates >= 2).nonzero()[0]
    if not icaos or cand.size == 0:
        self._streak = {}
        return result
    d = tracks.x[cand, None, :3] - apos[None, :, :]
    cov = tracks.P[cand, None, :3, :3] + np.zeros((1, len(icaos), 3, 3))
    s2 = asig**2
    cov[..., 0, 0] += s2
    cov[..., 1, 1] += s2
    cov[..., 2, 2] += BARO_SIGMA_M**2
    d2 = np.einsum("nai,naij,naj->na", d, np.linalg.inv(cov), d)
    cost = np.where(d2 <= ADSB_GATE, d2, 1e6)
    rows, cols = linear_sum_assignment(cost)
    streak = {}
    for r, c in zip(rows, cols, strict=True):
        if cost[r, c] >= 1e6:
            continue
        tid = int(tracks.id[cand[r]])
        icao = icaos[c]
        self.aircraft[icao].last_confirmed = tracks.t
        prev = self._streak.get(tid)
        n = prev[1] + 1 if prev and prev[0] == icao else 1
        streak[tid] = (icao, n)
        result[tid] = (icao, n)
    self._streak = streak
    return result


def reference_update(self, tracks, klass, p_reach, zone_value, iff_reply, debris):
    changes, flags = [], []
    icaos, apos, asig = self.adsb_positions(tracks.t)
    correlated = reference_correlate(self, tracks, icaos, apos, asig)
    n = len(tracks)
    near_adsb = np.zeros(n, dtype=bool)
    if apos.shape[0] and len(tracks):
        rel = tracks.x[:, None, :3] - apos[None, :, :]
        d = np.sqrt(np.add.reduce(rel * rel, axis=2))
        near_adsb = (d < NEAR_ADSB_M).any(axis=1)
    live = set(tracks.id.tolist())
    for gone in [k for k in self.identity if k not in live]:
        for store in (self.identity, self._streak, self.iff_replies):
            store.pop(gone, None)
    if iff_reply is not None and iff_reply.any():
        for tid in tracks.id[iff_reply].tolist():
            self.iff_replies[tid] = self.iff_replies.get(tid, 0) + 1
    ids = tracks.id.tolist()
    old = np.fromiter((self.identity.get(k, _PENDING) for k in ids), dtype=np.int8, count=n)
    if self.iff_replies:
        replies = np.fromiter((self.iff_replies.get(k, 0) for k in ids), dtype=np.int64, count=n)
        friendly = (replies >= IFF_REPLIES) & (old != _FRIENDLY)
    else:
        replies = np.zeros(n, dtype=np.int64)
        friendly = np.zeros(n, dtype=bool)
    new = old.copy()
    if correlated:
        sticky = (old == _CIVIL) | (old == _FRIENDLY)
        corr = np.fromiter((k in correlated and correlated[k][1] >= 2 for k in ids), dtype=bool, count=n)
        civil = corr & ~friendly & ~sticky & (tracks.rcs >= MIN_CIVIL_RCS_M2)
        spoof = corr & ~friendly & ~sticky & (tracks.rcs < MIN_CIVIL_RCS_M2)
        new[civil] = _CIVIL
    else:
        civil = spoof = np.zeros(n, dtype=bool)
    new[friendly] = _FRIENDLY
    open_ = (new != _CIVIL) & (new != _FRIENDLY) & (new != _HOSTILE)
    confirmed = tracks.status != 0
    hostile = (
        open_
        & confirmed
        & (tracks.updates >= self.min_updates_hostile)
        & ((klass == _DRONE) | (klass == _BALLISTIC))
        & (p_reach >= MIN_P_REACH)
        & (zone_value > 0)
        & ~near_adsb
    )
    new[open_ & ~confirmed] = _PENDING
    new[open_ & confirmed] = _UNKNOWN
    new[hostile] = _HOSTILE
    for i in spoof.nonzero()[0]:
        tid = ids[i]
        if tid not in self._flagged_tracks:
            self._flagged_tracks.add(tid)
            icao = correlated[tid][0]
            flags.append(
                AdsbImplausible(
                    track=tid,
                    icao24=icao,
                    callsign=self.aircraft[icao].callsign,
                    rcs_m2=round(float(tracks.rcs[i]), 4),
                    reason="ADS-B identity on a target too small for an aircraft: possible spoofing; not civil",
                )
            )
    for i in (new != old).nonzero()[0]:
        tid = ids[i]
        if friendly[i]:
            reason = f"{int(replies[i])} valid IFF Mode 5 replies"
        elif civil[i]:
            icao = correlated[tid][0]
            self.icao_of[tid] = icao
            reason = f"ADS-B correlated with {icao} {self.aircraft[icao].callsign}".strip()
        elif hostile[i]:
            v = tracks.x[i, 3:6]
            reason = (
                f"{TrackClass(klass[i]).name.lower()} kinematics ({np.hypot(v[0], v[1]):.0f} m/s, "
                f"{tracks.x[i, 2]:.0f} m, RCS {tracks.rcs[i]:.3f} m^2), no ADS-B or IFF, "
                f"inbound to a defended zone (P={p_reach[i]:.2f}), {int(tracks.updates[i])} plots"
            )
        elif new[i] == _UNKNOWN and debris is not None and debris[i]:
            reason = "debris of an engaged target"
        elif new[i] == _UNKNOWN and old[i] == _PENDING:
            reason = "confirmed; hostile criteria not met"
        elif new[i] == _UNKNOWN:
            reason = "track confirmed"
        else:
            reason = "status change"
        changes.append((tid, _IDENTITY[old[i]], _IDENTITY[new[i]], reason))
    self.identity.update(zip(ids, map(_IDENTITY.__getitem__, new.tolist()), strict=True))
    flags.extend(self._unconfirmed(tracks.t))
    return new, changes, flags


class _Counted:
    """The assignment solver, counting its calls (pairs competed for a track or an aircraft)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, cost):
        self.calls += 1
        return linear_sum_assignment(cost)


def random_scan(rng, t, ids, aircraft):
    """A random picture of the tracks ``ids`` at ``t``: some on or near the aircraft's positions."""
    n = len(ids)
    apos = np.array([a.pos + a.vel * (t - a.t) for a in aircraft.values()])
    x = np.zeros((n, 6))
    x[:, :3] = rng.normal(0.0, 3000.0, (n, 3))
    on = rng.random(n) < 0.5  # tracks on an aircraft, a few metres to a few hundred metres off
    x[on, :3] = apos[rng.integers(0, len(apos), on.sum())] + rng.normal(0.0, 1.0, (on.sum(), 3)) * rng.choice(
        [5.0, 40.0, 400.0], (on.sum(), 1)
    )
    x[:, 3:] = rng.normal(0.0, 40.0, (n, 3))
    a = rng.normal(0.0, 1.0, (n, 6, 6))
    P = np.einsum("nij,nkj->nik", a, a) * rng.choice([10.0, 100.0, 1000.0], (n, 1, 1)) + np.eye(6) * 5.0
    rcs = rng.choice([0.01, 0.1, 0.29, 0.3, 5.0, 40.0, np.nan], n)
    tracks = Tracks(
        t=t,
        id=np.array(ids, dtype=np.int64),
        x=x,
        P=P,
        status=rng.choice([0, 1, 1, 2], n),
        updates=rng.integers(0, 12, n),
        misses=np.zeros(n, dtype=np.int64),
        last_update=np.full(n, t),
        rcs=rcs,
        detection=np.full(n, -1),
    )
    klass = rng.integers(0, 5, n)
    p_reach = rng.choice([0.0, 0.01, 0.02, 0.3, np.nan], n)
    zone_value = rng.choice([0.0, 50.0, 100.0], n)
    iff = rng.random(n) < 0.15
    debris = rng.random(n) < 0.1
    return tracks, klass, p_reach, zone_value, iff, debris


@pytest.mark.parametrize("seed", range(12))
def test_rules_track_by_track_equal_the_array_formulation(seed, monkeypatch):
    solver = _Counted()
    monkeypatch.setattr(identify, "linear_sum_assignment", solver)
    rng = np.random.default_rng(seed)
    origin = Origin(33.3, 44.4, 40.0)
    new, ref = Identifier(origin, 5), Identifier(origin, 5)
    aircraft = {
        f"a{k:05x}": AdsbAircraft(
            0.0, rng.normal(0.0, 3000.0, 3), rng.normal(0.0, 100.0, 3), int(rng.integers(5, 12)), f"CS{k}", 0.0
        )
        for k in range(int(rng.integers(1, 5)))
    }
    new.aircraft, ref.aircraft = copy.deepcopy(aircraft), copy.deepcopy(aircraft)
    live, next_id = [], 1
    kinds_seen = set()
    for scan in range(60):
        t = 1.0 + scan
        live = [k for k in live if rng.random() > 0.1]
        for _ in range(int(rng.integers(0, 4))):
            live.append(next_id)
            next_id += 1
        # most aircraft report 0.5 s before the scan; the others have gone quiet for a while
        for icao in [k for k, a in new.aircraft.items() if a.t < t - 3.0 or rng.random() < 0.9]:
            for ident in (new, ref):
                a = ident.aircraft[icao]
                a.pos, a.t = a.pos + a.vel * (t - 0.5 - a.t), t - 0.5
        scan_rng = np.random.default_rng([seed, scan])
        inputs = random_scan(scan_rng, t, live, new.aircraft)
        want = reference_update(ref, *inputs)
        got = new.update(*inputs)
        assert got[0].dtype == want[0].dtype and np.array_equal(got[0], want[0])
        assert got[1] == want[1]
        assert got[2] == want[2]
        assert new.identity == ref.identity and list(new.identity) == list(ref.identity)
        assert new.icao_of == ref.icao_of and new.iff_replies == ref.iff_replies
        assert new._streak == ref._streak and new._flagged_tracks == ref._flagged_tracks
        assert {k: a.last_confirmed for k, a in new.aircraft.items()} == {
            k: a.last_confirmed for k, a in ref.aircraft.items()
        }
        kinds_seen |= {c[2] for c in got[1]} | {f.KIND for f in got[2]}
    # the picture exercised the rules: declarations both ways, and scans with and without competing pairs
    assert {Identity.UNKNOWN, Identity.FRIENDLY, Identity.HOSTILE} <= kinds_seen
    assert 0 < solver.calls < 60


def reference_on_adsb(self, reports):
    """The report-by-report loop bastion used before on_adsb kept only each aircraft's newest report,
    with pymap3d's conversion."""
    if not len(reports):
        return
    o = self.origin
    enu = np.stack(
        pymap3d.geodetic2enu(reports.lat, reports.lon, reports.altitude_m, o.lat_deg, o.lon_deg, o.alt_m), -1
    )
    enu[:, 2] = reports.altitude_m - o.alt_m
    vel = np.nan_to_num(np.array(reports.velocity, dtype=float), nan=0.0)
    for i in np.argsort(reports.t, kind="stable").tolist():
        icao, t = str(reports.icao24[i]), float(reports.t[i])
        prev = self.aircraft.get(icao)
        callsign = str(reports.callsign[i]) or (prev.callsign if prev else "")
        a = AdsbAircraft(t, enu[i], vel[i], int(reports.nacp[i]), callsign, prev.first_seen if prev else t)
        if prev:
            a.last_confirmed, a.flagged = prev.last_confirmed, prev.flagged
        self.aircraft[icao] = a


def random_reports(rng, t0):
    """A batch of ADS-B reports of a few aircraft: repeated addresses, equal and unordered times, a
    NaN time now and then, callsigns not yet received, velocities not yet received."""
    n = int(rng.integers(0, 9))
    t = t0 + rng.integers(0, 4, n) * 0.5
    if rng.random() < 0.5:
        t.sort()
    if n and rng.random() < 0.1:
        t[rng.integers(0, n)] = np.nan
    vel = rng.normal(0.0, 100.0, (n, 3))
    vel[rng.random(n) < 0.2] = np.nan
    return AdsbReports(
        t=t,
        icao24=rng.choice(["a00001", "a00002", "b00003"], n),
        callsign=rng.choice(["", "", "IAW123", "QTR8"], n),
        lat=33.3 + rng.normal(0.0, 0.3, n),
        lon=44.4 + rng.normal(0.0, 0.3, n),
        altitude_m=rng.uniform(100.0, 12_000.0, n),
        velocity=vel,
        nacp=rng.integers(5, 12, n),
    )


@pytest.mark.parametrize("seed", range(6))
def test_on_adsb_keeps_each_aircraft_as_the_report_by_report_loop(seed):
    rng = np.random.default_rng(seed)
    origin = Origin(33.3, 44.4, 40.0)
    new, ref = Identifier(origin, 5), Identifier(origin, 5)
    for batch in range(40):
        reports = random_reports(rng, 10.0 * batch)
        rows = new.on_adsb(reports)
        reference_on_adsb(ref, reports)
        assert list(new.aircraft) == list(ref.aircraft)
        for icao, a in ref.aircraft.items():
            b = new.aircraft[icao]
            assert (b.t, b.nacp, b.callsign, b.first_seen, b.last_confirmed, b.flagged) == (
                a.t,
                a.nacp,
                a.callsign,
                a.first_seen,
                a.last_confirmed,
                a.flagged,
            ) or (np.isnan(a.t) and np.isnan(b.t))
            assert b.pos.tobytes() == a.pos.tobytes() and b.vel.tobytes() == a.vel.tobytes()
        # the rows of each aircraft's newest report: those AdsbReports.latest keeps
        latest = reports.latest()
        assert np.array_equal(reports.t[rows], latest.t, equal_nan=True)
        assert reports.icao24[rows].tolist() == latest.icao24.tolist()
        assert reports.lat[rows].tobytes() == latest.lat.tobytes()
        for a in [*new.aircraft.values(), *ref.aircraft.values()]:  # as a radar track would confirm them
            a.last_confirmed = 10.0 * batch
