"""EUROCONTROL ASTERIX: decode CAT048 plots and CAT021 ADS-B reports, encode CAT048 and CAT062.

A datagram holds data blocks ``CAT (1 byte) | LEN (2 bytes, block length) | records``; a record
is a field specification (FSPEC: bit k set = item of field reference number k present; the low bit
of each FSPEC octet says another follows) then the present items in UAP order (EUROCONTROL
ASTERIX Part 1, SUR.ET1.ST05.2000-STD-01, §4). The user application profiles (UAPs) below are
those of CAT048 1.21-1.32 (monoradar target reports), CAT021 2.1-2.7 (ADS-B target reports),
CAT062 1.16-1.21 (SDPS system tracks; the same record layout in all these editions), CAT034 1.27-1.29
and CAT065 1.4-1.6 (service messages, walked and counted, not decoded).

Why written here rather than with a library: the two maintained Python decoders are
``libasterix`` (MIT, pure Python, encodes too; about 6,000-9,000 records/s measured here, below
the 100,000/s target) and ``asterix-decoder`` (a C++ extension, GPL, which bastion's Apache-2.0
licence cannot take as a run-time dependency; it also installs a top-level ``asterix`` package
that collides with libasterix's). This decoder walks each record once in Python (FSPEC -> a cached
plan of item lengths) and then decodes every field of every record at once with numpy. The tests
check its walk and its values against libasterix on real recordings and its encoders by decoding
their output with libasterix.

Malformed input (a block length past the datagram, an FSPEC naming a spare or unknown item, an
item running past its block, an FSPEC with no item) is counted in :class:`AsterixStats` and the
rest of that block skipped; the decoder never raises on packet content.
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from bastion.physics.geodesy import Origin, wrap_angle
from bastion.sense.types import AdsbReports, Detections
from bastion.track.types import Tracks, TrackStatus

FT = 0.3048  # [m]
NM = 1852.0  # [m]
FPM = FT / 60.0  # [m/s]
DAY_S = 86_400.0
EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG) for height <-> elevation of CAT048 plots (geometric, no refraction)."""

# Item kinds
_FIXED, _EXT, _REP, _FXREP, _EXPL, _COMP = range(6)


def _c(*subs):
    return (_COMP, tuple(subs))


_F = {n: (_FIXED, n) for n in range(1, 9)}
_E = (_EXT, 1)
_X = (_EXPL, 0)

# UAPs: index FRN-1 -> (kind, arg) or None for a spare FRN. Compound subfields: (kind, arg) or None.
UAP: dict[int, tuple] = {
    48: (
        _F[2], _F[3], _E, _F[4], _F[2], _F[2],  # 010 140 020 040 070 090
        _c(*[_F[1]] * 7),  # 130 radar plot characteristics
        _F[3], _F[6], (_REP, 8), _F[2], _F[4], _F[4], _E,  # 220 240 250 161 042 200 170
        _F[4], (_FXREP, 1), _F[2], _F[4], _F[2],  # 210 030 080 100 110
        _c(_F[2], (_REP, 6)),  # 120 radial doppler speed
        _F[2], _F[7], _F[1], _F[2], _F[1], _F[2], _X, _X,  # 230 260 055 050 065 060 SP RE
    ),
    21: (
        _F[2], _E, _F[2], _F[1], _F[3], _F[6], _F[8], _F[3], _F[2], _F[2], _F[3], _F[3], _F[4], _F[3],
        _F[4], _F[2], _E, _F[1], _F[2], _F[2], _F[2], _F[2], _F[1], _F[2], _F[2], _F[4], _F[2], _F[3],
        _F[6], _F[1],  # 010 .. 020 (FRN 1-30)
        _c(_F[2], _F[2], _F[2], _F[1]),  # 220 met information
        _F[2], _F[2],  # 146 148
        _c(_E, (_REP, 15)),  # 110 trajectory intent
        _F[1], _F[1], _E, _F[1], (_REP, 8), _F[7], _F[1],  # 016 008 271 132 250 260 400
        _c(*[_F[1]] * 23),  # 295 data ages
        None, None, None, None, None, _X, _X,  # FRN 43-47 spare, RE, SP
    ),
    62: (
        _F[2], None, _F[1], _F[3], _F[8], _F[6], _F[4], _F[2], _F[2], _F[7],  # 010 - 015 070 105 100 185 210 060 245
        _c(_F[3], _F[6], _F[2], _F[2], _F[2], _F[2], _F[2], _E, (_REP, 15), _F[2], _F[2], _F[7], _F[2], _F[2],
           _F[2], _F[2], _F[2], _F[2], _F[1], _F[8], _F[1], _F[6], _F[2], _F[1], (_REP, 8), _F[2], _F[2], _F[2]),
        _F[2], _E,  # 040 080
        _c(_F[1], _F[1], _F[1], _F[1], _F[2], _F[1], _F[1], _F[1], _F[1], _F[1]),  # 290
        _F[1],  # 200
        _c(*[_F[1]] * 31),  # 295
        _F[2], _F[2], _F[2], _F[2],  # 136 130 135 220
        _c(_F[2], _F[7], _F[4], _F[1], _F[4], _F[1], _F[4], _F[4], _F[3], _F[2], _F[2], (_REP, 4), _F[6],
           _F[1], _F[7], _F[7], _F[2], _F[7]),  # 390 flight plan data
        _E, _F[1],  # 270 300
        _c(_F[1], _F[4], _F[6], _F[2], _F[2], _F[1], _F[1]),  # 110 mode 5
        _F[2], (_FXREP, 3),  # 120 510
        _c(_F[4], _F[2], _F[4], _F[1], _F[1], _F[2], _F[2], _F[1]),  # 500 estimated accuracies
        _c(_F[2], _F[4], _F[2], _F[2], _F[2], _F[1]),  # 340 measured information
        None, None, None, None, None, _X, _X,  # FRN 29-33 spare, RE, SP
    ),
    34: (
        _F[2], _F[1], _F[3], _F[1], _F[2],
        _c(_F[1], None, None, _F[1], _F[1], _F[2]),  # 050 system configuration
        _c(_F[1], None, None, _F[1], _F[1], _F[1]),  # 060 system processing mode
        (_REP, 2), _F[8], _F[1], _F[8], _F[2], _X, _X,
    ),
    65: (_F[2], _F[1], _F[1], _F[3], _F[1], _F[1], _F[1], None, None, None, None, None, _X, _X),
}  # fmt: skip

# FRN (1-based) of the items decoded
_I048 = {"010": 1, "140": 2, "020": 3, "040": 4, "070": 5, "090": 6, "130": 7, "220": 8, "240": 9, "161": 11,
         "042": 12, "200": 13, "170": 14, "110": 19, "120": 20, "SP": 27}  # fmt: skip
_I021 = {"010": 1, "040": 2, "161": 3, "071": 5, "130": 6, "131": 7, "080": 11, "073": 12, "140": 16, "090": 17,
         "210": 18, "070": 19, "145": 21, "155": 24, "157": 25, "160": 26, "077": 28, "170": 29}  # fmt: skip
_I062 = {"010": 1, "070": 4, "105": 5, "100": 6, "185": 7, "060": 9, "245": 10, "380": 11, "040": 12, "080": 13,
         "136": 17, "130": 18, "135": 19, "220": 20, "390": 21, "500": 27}  # fmt: skip
_DECODED = {48: _I048, 21: _I021, 62: _I062, 34: {"010": 1}, 65: {"010": 1}}

SP_MAGIC = b"b1"
"""Marks bastion's own CAT048 special-purpose field: full-precision plot values (see :func:`encode_cat048`)."""
_SP_STRUCT = struct.Struct(">B2s6f")


class _Bad(Exception):
    pass


@dataclass
class AsterixStats:
    """What a decode found. Every malformed block or record is counted under ``malformed``."""

    datagrams: int = 0
    blocks: int = 0
    records: dict[int, int] = field(default_factory=dict)  # decoded records per category
    unknown_blocks: dict[int, int] = field(default_factory=dict)  # blocks of categories without a UAP here
    malformed_blocks: int = 0  # block header damaged: rest of the datagram skipped
    malformed_records: int = 0  # record damaged: rest of its block skipped
    bytes_skipped: int = 0
    errors: list[str] = field(default_factory=list)  # the first problems found, for the user

    def note(self, message: str) -> None:
        if len(self.errors) < 20:
            self.errors.append(message)

    @property
    def malformed(self) -> int:
        return self.malformed_blocks + self.malformed_records


class _Walk:
    """Item offsets of every record of one category, grouped by FSPEC (same FSPEC = same plan)."""

    def __init__(self, cat: int) -> None:
        self.cat = cat
        self.uap = UAP[cat]
        self.plans: dict[bytes, tuple[int, tuple, tuple]] = {}  # fspec -> (plan id, FRNs, specs)
        self.rows: list[list[list[int]]] = []  # per plan: [seq, datagram, offsets...] per record
        self.count = 0

    def plan(self, fspec: bytes):
        frns = []
        for k, byte in enumerate(fspec):
            for bit in range(7):
                if byte & (0x80 >> bit):
                    frns.append(7 * k + bit + 1)
        if not frns:
            raise _Bad("FSPEC names no item")
        specs = []
        for frn in frns:
            if frn > len(self.uap) or self.uap[frn - 1] is None:
                raise _Bad(f"FSPEC names FRN {frn}, spare or beyond the CAT{self.cat:03d} UAP")
            specs.append(self.uap[frn - 1])
        p = (len(self.rows), tuple(frns), tuple(specs))
        self.plans[fspec] = p
        self.rows.append([])
        return p


def _item_end(data: bytes, q: int, kind: int, arg) -> int:
    """Offset after an item of ``kind`` starting at ``q`` (IndexError past the buffer)."""
    if kind == _FIXED:
        return q + arg
    if kind == _EXT:
        while data[q] & 1:
            q += 1
        return q + 1
    if kind == _REP:
        return q + 1 + data[q] * arg
    if kind == _FXREP:
        q += arg
        while data[q - 1] & 1:
            q += arg
        return q
    if kind == _EXPL:
        if data[q] == 0:
            raise _Bad("explicit item of length 0")
        return q + data[q]
    subs = arg  # compound: primary subfield (FX-extended) then the present subfields
    p = q
    present = []
    while True:
        byte = data[p]
        base = 7 * (p - q)
        for bit in range(7):
            if byte & (0x80 >> bit):
                present.append(base + bit)
        p += 1
        if not byte & 1:
            break
    for j in present:
        if j >= len(subs) or subs[j] is None:
            raise _Bad(f"compound item names spare subfield {j + 1}")
        k, a = subs[j]
        p = _item_end(data, p, k, a)
    return p


def _walk_datagram(data: bytes, dg: int, walks: dict[int, _Walk], st: AsterixStats, seq: list[int]) -> None:
    n = len(data)
    p = 0
    while p < n:
        if p + 3 > n:
            st.malformed_blocks += 1
            st.bytes_skipped += n - p
            st.note(f"datagram {dg}: {n - p} trailing bytes, too short for a data block")
            return
        cat = data[p]
        end = p + ((data[p + 1] << 8) | data[p + 2])
        if end <= p + 3 or end > n:
            st.malformed_blocks += 1
            st.bytes_skipped += n - p
            st.note(f"datagram {dg}: block at byte {p} has length {end - p}, {n - p} bytes left")
            return
        st.blocks += 1
        walk = walks.get(cat)
        if walk is None:
            if cat not in UAP:
                st.unknown_blocks[cat] = st.unknown_blocks.get(cat, 0) + 1
                p = end
                continue
            walk = walks[cat] = _Walk(cat)
        q = p + 3
        try:
            q = _walk_records(data, q, end, walk, dg, seq)
        except (_Bad, IndexError) as exc:
            st.malformed_records += 1
            st.bytes_skipped += end - q
            why = str(exc) if isinstance(exc, _Bad) else "item runs past the data"
            st.note(f"datagram {dg}: CAT{cat:03d} record at byte {q}: {why}")
        p = end


def _walk_records(data: bytes, q: int, end: int, walk: _Walk, dg: int, seq: list[int]) -> int:
    """Walk the records of one block; return the offset reached (== end when all were good).

    The hot loop of the decoder: one pass per record over its present items, fixed lengths
    inline. A record's items can only be found after the previous record's lengths are known,
    so this walk is sequential; everything after it is vectorised.
    """
    plans = walk.plans
    rows = walk.rows
    while q < end:
        r = q
        while data[r] & 1:
            r += 1
        r += 1
        if r > end:
            raise _Bad("FSPEC runs past the block")
        fspec = data[q:r]
        plan = plans.get(fspec)
        if plan is None:
            plan = walk.plan(fspec)
        row = [seq[0], dg]
        for kind, arg in plan[2]:
            row.append(r)
            if kind == _FIXED:
                r += arg
            elif kind == _EXT and not data[r] & 1:
                r += 1
            else:
                r = _item_end(data, r, kind, arg)
        if r > end:
            raise _Bad("record runs past the block")
        rows[plan[0]].append(row)
        seq[0] += 1
        walk.count += 1
        q = r
    return q


@dataclass(frozen=True)
class _Columns:
    """Per-record arrays of one category: order, datagram, and the offset of each decoded item."""

    seq: np.ndarray  # position of the record in the whole input
    datagram: np.ndarray  # index of its datagram
    offset: dict[str, np.ndarray]  # item name -> byte offset into the buffer (-1 absent)

    def __len__(self) -> int:
        return int(self.seq.size)


def _columns(walk: _Walk, base: np.ndarray, wanted: dict[str, int]) -> _Columns:
    seqs, dgs = [], []
    offs = {name: [] for name in wanted}
    for (_pid, frns, _), rows in zip(sorted(walk.plans.values()), walk.rows, strict=True):
        if not rows:
            continue
        a = np.array(rows, dtype=np.int64)
        a[:, 2:] += base[a[:, 1]][:, None]
        seqs.append(a[:, 0])
        dgs.append(a[:, 1])
        col = {frn: j + 2 for j, frn in enumerate(frns)}
        for name, frn in wanted.items():
            j = col.get(frn)
            offs[name].append(a[:, j] if j is not None else np.full(len(rows), -1, dtype=np.int64))
    if not seqs:
        z = np.zeros(0, dtype=np.int64)
        return _Columns(z, z, {name: z for name in wanted})
    seq = np.concatenate(seqs)
    order = np.argsort(seq, kind="stable")
    return _Columns(seq[order], np.concatenate(dgs)[order], {k: np.concatenate(v)[order] for k, v in offs.items()})


def _u(buf: np.ndarray, off: np.ndarray, n: int, skip: int = 0) -> np.ndarray:
    """Unsigned big-endian integers of ``n`` bytes at ``off + skip`` (0 where ``off`` is -1)."""
    o = np.where(off >= 0, off + skip, 0)
    v = np.zeros(off.shape, dtype=np.int64)
    for k in range(n):
        v = (v << 8) | buf[o + k]
    return v


def _s(value: np.ndarray, bits: int) -> np.ndarray:
    """Two's complement of the low ``bits`` bits."""
    value = value & ((1 << bits) - 1)
    return np.where(value >= 1 << (bits - 1), value - (1 << bits), value)


def _f(mask: np.ndarray, value: np.ndarray) -> np.ndarray:
    return np.where(mask, value, np.nan)


_ICAO6 = np.array(list(" ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######"))
"""6-bit ICAO characters (Annex 10 Vol IV table 3-9); code 0 (unused) read as a blank, as libasterix does."""


def _chars6(buf: np.ndarray, off: np.ndarray) -> np.ndarray:
    """Eight 6-bit ICAO characters (48 bits) at ``off`` -> strings ('' where absent), spaces stripped."""
    v = _u(buf, off, 6)
    codes = np.stack([(v >> (42 - 6 * k)) & 0x3F for k in range(8)], axis=1)
    text = _ICAO6[codes] if len(v) else np.zeros((0, 8), dtype="<U1")
    out = np.array(["".join(row).strip() for row in text], dtype="<U8") if len(v) else np.zeros(0, dtype="<U8")
    return np.where(off >= 0, out, "")


def _hex24(v: np.ndarray, present: np.ndarray) -> np.ndarray:
    if not len(v):
        return np.zeros(0, dtype="<U6")
    return np.where(present, np.char.mod("%06x", v), "")


def _compound_offsets(buf: np.ndarray, off: np.ndarray, subs: tuple, wanted: dict[str, int]) -> dict[str, np.ndarray]:
    """Offsets of subfields (0-based index in ``subs``) of compound items at ``off``, vectorised.

    A subfield following a present variable-length subfield is reported absent (-1); none of
    the subfields decoded here follows one.
    """
    n = off.size
    has = off >= 0
    nbits = 7 * 4
    present = np.zeros((n, nbits), dtype=bool)
    p = np.where(has, off, 0)
    go = has.copy()
    k = 0
    while go.any() and k < 4:
        byte = buf[p]
        for bit in range(7):
            present[:, 7 * k + bit] = go & ((byte & (0x80 >> bit)) != 0)
        go = go & ((byte & 1) == 1)
        p = np.where(go, p + 1, p)
        k += 1
    pos = p + 1  # first byte after the primary subfield
    out = {}
    blocked = np.zeros(n, dtype=bool)
    last = max(wanted.values())
    for j in range(min(last + 1, len(subs))):
        spec = subs[j]
        here = present[:, j] & has & ~blocked
        for name, idx in wanted.items():
            if idx == j:
                out[name] = np.where(here, pos, -1)
        if spec is None:
            continue
        kind, arg = spec
        if kind == _FIXED:
            pos = np.where(here, pos + arg, pos)
        else:
            blocked |= here
    return out


@dataclass(frozen=True)
class Cat048Plots:
    """CAT048 monoradar target reports, struct of arrays (N,). NaN / -1 / '' where the item is absent."""

    datagram: np.ndarray  # index of the datagram that carried each record
    sac: np.ndarray
    sic: np.ndarray
    time_of_day: np.ndarray  # I048/140 [s since midnight UTC]
    typ: np.ndarray  # I048/020 TYP: 1 PSR, 2 SSR, 3 SSR+PSR, 4-7 Mode S, ... (-1 absent)
    simulated: np.ndarray  # I048/020 SIM
    foe_fri: np.ndarray  # I048/020 FOE/FRI: 0 no Mode 4 interrogation, 1 friendly, 2 unknown, 3 no reply (-1 absent)
    range_m: np.ndarray  # I048/040 RHO [m]
    azimuth: np.ndarray  # I048/040 THETA [rad, clockwise from north, (-pi, pi]]
    mode3a: np.ndarray  # I048/070 octal code as an int (-1 absent)
    flight_level: np.ndarray  # I048/090 [FL, 100 ft]
    height_m: np.ndarray  # I048/110 3D-radar height above mean sea level [m]
    doppler_speed: np.ndarray  # I048/120 CAL [m/s]
    amplitude_dbm: np.ndarray  # I048/130 PAM, primary plot amplitude [dBm]
    icao24: np.ndarray  # I048/220 aircraft address ('' absent)
    callsign: np.ndarray  # I048/240
    track_number: np.ndarray  # I048/161 (-1 absent)
    x_m: np.ndarray  # I048/042 [m east of the radar]
    y_m: np.ndarray  # I048/042 [m north]
    ground_speed: np.ndarray  # I048/200 [m/s]
    heading: np.ndarray  # I048/200 [rad, clockwise from north]
    extras: np.ndarray  # (N, 6) bastion SP: range, azimuth, elevation, range rate, power, rcs (NaN absent)

    def __len__(self) -> int:
        return int(self.sac.size)


@dataclass(frozen=True)
class Cat021Reports:
    """CAT021 ADS-B target reports, struct of arrays (N,). NaN / -1 / '' where the item is absent."""

    datagram: np.ndarray
    sac: np.ndarray
    sic: np.ndarray
    time_of_day: np.ndarray  # I021/073 (else 071, else 077) [s since midnight UTC]
    icao24: np.ndarray  # I021/080
    callsign: np.ndarray  # I021/170
    lat: np.ndarray  # I021/131 (else 130) [deg]
    lon: np.ndarray  # [deg]
    flight_level: np.ndarray  # I021/145 [FL]
    geometric_height_m: np.ndarray  # I021/140 [m]
    ground_speed: np.ndarray  # I021/160 [m/s]
    track_angle: np.ndarray  # I021/160 [rad clockwise from north]
    vertical_rate: np.ndarray  # I021/157 geometric (else 155 barometric) [m/s, up]
    nucp_nic: np.ndarray  # I021/090 NUCp or NIC (-1 absent)
    nacp: np.ndarray  # I021/090 NACp (-1 absent)
    version: np.ndarray  # I021/210 VN: 0 DO-260, 1 DO-260A, 2 DO-260B (-1 absent)
    track_number: np.ndarray  # I021/161
    mode3a: np.ndarray  # I021/070

    def __len__(self) -> int:
        return int(self.sac.size)


@dataclass(frozen=True)
class Cat062Tracks:
    """CAT062 system tracks, struct of arrays (N,). NaN / -1 / '' where the item is absent."""

    datagram: np.ndarray
    sac: np.ndarray
    sic: np.ndarray
    time_of_track: np.ndarray  # I062/070 [s since midnight UTC]
    track_number: np.ndarray  # I062/040
    lat: np.ndarray  # I062/105 [deg]
    lon: np.ndarray
    x_m: np.ndarray  # I062/100, from the system reference point [m]
    y_m: np.ndarray
    vx: np.ndarray  # I062/185 [m/s]
    vy: np.ndarray
    geometric_altitude_m: np.ndarray  # I062/130 [m]
    barometric_altitude_m: np.ndarray  # I062/135 [m]
    flight_level: np.ndarray  # I062/136 [FL]
    rate_of_climb: np.ndarray  # I062/220 [m/s]
    mode3a: np.ndarray  # I062/060
    icao24: np.ndarray  # I062/380 ADR
    callsign: np.ndarray  # I062/245 (else I062/390 CSN)
    tentative: np.ndarray  # I062/080 CNF
    coasting: np.ndarray  # I062/080 CST (-1 when the fourth octet is absent)
    simulated: np.ndarray  # I062/080 SIM (-1 when absent)
    sigma_x: np.ndarray  # I062/500 APC [m]
    sigma_y: np.ndarray
    cov_xy: np.ndarray  # I062/500 COV [m^2]
    sigma_vx: np.ndarray  # I062/500 ATV [m/s]
    sigma_vy: np.ndarray
    sigma_altitude: np.ndarray  # I062/500 AGA [m]

    def __len__(self) -> int:
        return int(self.sac.size)


@dataclass(frozen=True)
class AsterixDecode:
    """All records of an input: decoded categories, and every record's category in input order."""

    stats: AsterixStats
    datagram_time: np.ndarray  # capture time of each datagram [s] (NaN for a raw stream)
    category: np.ndarray  # (R,) category of every walked record, in input order
    cat048: Cat048Plots
    cat021: Cat021Reports
    cat062: Cat062Tracks
    sac_sic: dict[int, tuple[np.ndarray, np.ndarray]]  # other walked categories: I0xx/010 SAC, SIC

    CATEGORIES: ClassVar[tuple[int, ...]] = tuple(UAP)


def decode(datagrams: list[bytes] | bytes, times: np.ndarray | None = None) -> AsterixDecode:
    """Decode ASTERIX datagrams (a list of UDP payloads, or one raw stream of data blocks).

    ``times``: capture time of each datagram [s] (from a pcap), carried to ``datagram_time``.
    Never raises on packet content; see :class:`AsterixStats` for what was skipped.
    """
    if isinstance(datagrams, bytes | bytearray | memoryview):
        datagrams = [bytes(datagrams)]
    st = AsterixStats(datagrams=len(datagrams))
    walks: dict[int, _Walk] = {}
    seq = [0]
    base = np.zeros(len(datagrams) + 1, dtype=np.int64)
    for dg, data in enumerate(datagrams):
        _walk_datagram(data, dg, walks, st, seq)
        base[dg + 1] = base[dg] + len(data)
    buf = np.frombuffer(b"".join(datagrams) + bytes(64), dtype=np.uint8)
    category = np.zeros(seq[0], dtype=np.int64)
    cols: dict[int, _Columns] = {}
    for cat, walk in walks.items():
        c = _columns(walk, base, _DECODED[cat])
        category[c.seq] = cat
        cols[cat] = c
        if len(c):
            st.records[cat] = len(c)
    empty = _Columns(np.zeros(0, np.int64), np.zeros(0, np.int64), {})
    dtime = np.full(len(datagrams), np.nan) if times is None else np.asarray(times, dtype=float)
    other = {cat: _sac_sic(buf, c.offset["010"]) for cat, c in cols.items() if cat not in (21, 48, 62) and len(c)}
    return AsterixDecode(
        stats=st,
        datagram_time=dtime,
        category=category,
        cat048=_cat048(buf, cols.get(48, empty)),
        cat021=_cat021(buf, cols.get(21, empty)),
        cat062=_cat062(buf, cols.get(62, empty)),
        sac_sic=other,
    )


def _offsets(c: _Columns, names: dict[str, int]) -> dict[str, np.ndarray]:
    n = len(c)
    return {k: c.offset.get(k, np.full(n, -1, dtype=np.int64)) for k in names}


def _sac_sic(buf: np.ndarray, off: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    v = _u(buf, off, 2)
    has = off >= 0
    return np.where(has, v >> 8, -1), np.where(has, v & 0xFF, -1)


def _mode3a(buf: np.ndarray, off: np.ndarray) -> np.ndarray:
    v = _u(buf, off, 2) & 0x0FFF
    return np.where(off >= 0, v, -1)


def _cat048(buf: np.ndarray, c: _Columns) -> Cat048Plots:
    o = _offsets(c, _I048)
    n = len(c)
    sac, sic = _sac_sic(buf, o["010"])
    h140 = o["140"] >= 0
    tod = _f(h140, _u(buf, o["140"], 3) / 128.0)
    b020 = _u(buf, o["020"], 1)
    h020 = o["020"] >= 0
    ext020 = h020 & ((b020 & 1) == 1)
    foe_fri = np.where(ext020, (_u(buf, np.where(ext020, o["020"] + 1, -1), 1) >> 1) & 0b11, -1)
    h040 = o["040"] >= 0
    rho = _f(h040, _u(buf, o["040"], 2) * (NM / 256.0))
    theta = _f(h040, wrap_angle(_u(buf, o["040"], 2, 2) * (2.0 * np.pi / 65536.0)))
    fl = _f(o["090"] >= 0, _s(_u(buf, o["090"], 2), 14) / 4.0)
    height = _f(o["110"] >= 0, _s(_u(buf, o["110"], 2), 14) * 25.0 * FT)
    sub120 = _compound_offsets(buf, o["120"], UAP[48][19][1], {"CAL": 0})["CAL"]
    cal = _f(sub120 >= 0, _s(_u(buf, sub120, 2), 10).astype(float))
    sub130 = _compound_offsets(buf, o["130"], UAP[48][6][1], {"PAM": 4})["PAM"]
    pam = _f(sub130 >= 0, _s(_u(buf, sub130, 1), 8).astype(float))
    h220 = o["220"] >= 0
    h042 = o["042"] >= 0
    h200 = o["200"] >= 0
    extras = np.full((n, 6), np.nan)
    sp = o["SP"]
    has_sp = (sp >= 0) & (_u(buf, sp, 1) == _SP_STRUCT.size) & (_u(buf, sp, 2, 1) == int.from_bytes(SP_MAGIC, "big"))
    if has_sp.any():
        idx = np.flatnonzero(has_sp)
        raw = buf[sp[idx][:, None] + 3 + np.arange(24)].copy()
        with np.errstate(invalid="ignore"):
            extras[idx] = raw.view(">f4").reshape(-1, 6).astype(float)
    return Cat048Plots(
        datagram=c.datagram,
        sac=sac,
        sic=sic,
        time_of_day=tod,
        typ=np.where(h020, b020 >> 5, -1),
        simulated=np.where(h020, (b020 >> 4) & 1, -1),
        foe_fri=foe_fri,
        range_m=rho,
        azimuth=theta,
        mode3a=_mode3a(buf, o["070"]),
        flight_level=fl,
        height_m=height,
        doppler_speed=cal,
        amplitude_dbm=pam,
        icao24=_hex24(_u(buf, o["220"], 3), h220),
        callsign=_chars6(buf, o["240"]),
        track_number=np.where(o["161"] >= 0, _u(buf, o["161"], 2) & 0x0FFF, -1),
        x_m=_f(h042, _s(_u(buf, o["042"], 2), 16) * (NM / 128.0)),
        y_m=_f(h042, _s(_u(buf, o["042"], 2, 2), 16) * (NM / 128.0)),
        ground_speed=_f(h200, _u(buf, o["200"], 2) * (2.0**-14 * NM)),
        heading=_f(h200, _u(buf, o["200"], 2, 2) * (2.0 * np.pi / 65536.0)),
        extras=extras,
    )


def _cat021(buf: np.ndarray, c: _Columns) -> Cat021Reports:
    o = _offsets(c, _I021)
    sac, sic = _sac_sic(buf, o["010"])
    tod = np.full(len(c), np.nan)
    for name in ("077", "071", "073"):  # later assignments take precedence
        h = o[name] >= 0
        tod = np.where(h, _u(buf, o[name], 3) / 128.0, tod)
    h130, h131 = o["130"] >= 0, o["131"] >= 0
    lat = np.where(h131, _s(_u(buf, o["131"], 4), 32) * (180.0 / 2**30), _s(_u(buf, o["130"], 3), 24) * (180.0 / 2**23))
    lon = np.where(
        h131, _s(_u(buf, o["131"], 4, 4), 32) * (180.0 / 2**30), _s(_u(buf, o["130"], 3, 3), 24) * (180.0 / 2**23)
    )
    has_pos = h130 | h131
    h160 = o["160"] >= 0
    gs_raw = _u(buf, o["160"], 2)
    vr = np.full(len(c), np.nan)
    for name in ("155", "157"):
        h = (o[name] >= 0) & ((_u(buf, o[name], 1) & 0x80) == 0)  # RE bit: value exceeds the range
        vr = np.where(h, _s(_u(buf, o[name], 2), 15) * 6.25 * FPM, vr)
    o090 = o["090"]
    b1 = _u(buf, o090, 1)
    has2 = (o090 >= 0) & ((b1 & 1) == 1)
    b2 = _u(buf, o090, 1, 1)
    h210 = o["210"] >= 0
    return Cat021Reports(
        datagram=c.datagram,
        sac=sac,
        sic=sic,
        time_of_day=tod,
        icao24=_hex24(_u(buf, o["080"], 3), o["080"] >= 0),
        callsign=_chars6(buf, o["170"]),
        lat=_f(has_pos, lat),
        lon=_f(has_pos, lon),
        flight_level=_f(o["145"] >= 0, _s(_u(buf, o["145"], 2), 16) / 4.0),
        geometric_height_m=_f(o["140"] >= 0, _s(_u(buf, o["140"], 2), 16) * 6.25 * FT),
        ground_speed=_f(h160 & ((gs_raw & 0x8000) == 0), (gs_raw & 0x7FFF) * (2.0**-14 * NM)),
        track_angle=_f(h160, _u(buf, o["160"], 2, 2) * (2.0 * np.pi / 65536.0)),
        vertical_rate=vr,
        nucp_nic=np.where(o090 >= 0, (b1 >> 1) & 0xF, -1),
        nacp=np.where(has2, (b2 >> 1) & 0xF, -1),
        version=np.where(h210, (_u(buf, o["210"], 1) >> 3) & 0x7, -1),
        track_number=np.where(o["161"] >= 0, _u(buf, o["161"], 2) & 0x0FFF, -1),
        mode3a=_mode3a(buf, o["070"]),
    )


def _cat062(buf: np.ndarray, c: _Columns) -> Cat062Tracks:
    o = _offsets(c, _I062)
    sac, sic = _sac_sic(buf, o["010"])
    h105, h100, h185, h500 = (o[k] >= 0 for k in ("105", "100", "185", "500"))
    s380 = _compound_offsets(buf, o["380"], UAP[62][10][1], {"ADR": 0})
    s390 = _compound_offsets(buf, o["390"], UAP[62][20][1], {"CSN": 1})
    s500 = _compound_offsets(buf, o["500"], UAP[62][26][1], {"APC": 0, "COV": 1, "ATV": 5, "AGA": 3})
    apc, cov, atv, aga = s500["APC"], s500["COV"], s500["ATV"], s500["AGA"]
    call245 = _chars6(buf, np.where(o["245"] >= 0, o["245"] + 1, -1))
    csn = s390["CSN"]
    call390 = np.array([bytes(buf[k : k + 7]).decode("ascii", "replace").strip() if k >= 0 else "" for k in csn])
    callsign = np.where(o["245"] >= 0, call245, call390.astype("<U8") if len(csn) else call245)
    o080 = o["080"]
    b = [_u(buf, o080, 1, k) for k in range(4)]
    ext = [o080 >= 0]
    for k in range(3):
        ext.append(ext[-1] & ((b[k] & 1) == 1))
    cov_raw = _s(_u(buf, cov, 2), 16) * 0.5
    return Cat062Tracks(
        datagram=c.datagram,
        sac=sac,
        sic=sic,
        time_of_track=_f(o["070"] >= 0, _u(buf, o["070"], 3) / 128.0),
        track_number=np.where(o["040"] >= 0, _u(buf, o["040"], 2), -1),
        lat=_f(h105, _s(_u(buf, o["105"], 4), 32) * (180.0 / 2**25)),
        lon=_f(h105, _s(_u(buf, o["105"], 4, 4), 32) * (180.0 / 2**25)),
        x_m=_f(h100, _s(_u(buf, o["100"], 3), 24) * 0.5),
        y_m=_f(h100, _s(_u(buf, o["100"], 3, 3), 24) * 0.5),
        vx=_f(h185, _s(_u(buf, o["185"], 2), 16) * 0.25),
        vy=_f(h185, _s(_u(buf, o["185"], 2, 2), 16) * 0.25),
        geometric_altitude_m=_f(o["130"] >= 0, _s(_u(buf, o["130"], 2), 16) * 6.25 * FT),
        barometric_altitude_m=_f(o["135"] >= 0, _s(_u(buf, o["135"], 2), 15) * 25.0 * FT),
        flight_level=_f(o["136"] >= 0, _s(_u(buf, o["136"], 2), 16) / 4.0),
        rate_of_climb=_f(o["220"] >= 0, _s(_u(buf, o["220"], 2), 16) * 6.25 * FPM),
        mode3a=_mode3a(buf, o["060"]),
        icao24=_hex24(_u(buf, s380["ADR"], 3), s380["ADR"] >= 0),
        callsign=callsign,
        tentative=np.where(ext[0], (b[0] >> 1) & 1, -1),
        coasting=np.where(ext[3], (b[3] >> 7) & 1, -1),
        simulated=np.where(ext[1], (b[1] >> 7) & 1, -1),
        sigma_x=_f(apc >= 0, _u(buf, apc, 2) * 0.5),
        sigma_y=_f(apc >= 0, _u(buf, apc, 2, 2) * 0.5),
        cov_xy=_f(cov >= 0, np.sign(cov_raw) * cov_raw**2),
        sigma_vx=_f(atv >= 0, _u(buf, atv, 1) * 0.25),
        sigma_vy=_f(atv >= 0, _u(buf, atv, 1, 1) * 0.25),
        sigma_altitude=_f((aga >= 0) & h500, _u(buf, aga, 1) * 6.25 * FT),
    )


# ----------------------------------------------------------------------------------------------
# Conversions to bastion's sensor types


def height_from_elevation(range_m, elevation, radar_height_m: float) -> np.ndarray:
    """Height above the sphere [m] of a target at slant range and elevation from a radar at ``radar_height_m``.

    Spherical Earth of radius R, no refraction (bastion's elevations are geometric):
    h = sqrt(r^2 + (R + h0)^2 + 2 r (R + h0) sin(el)) - R.
    """
    r = np.asarray(range_m, dtype=float)
    rr = EARTH_RADIUS_M + radar_height_m
    return np.sqrt(r**2 + rr**2 + 2.0 * r * rr * np.sin(elevation)) - EARTH_RADIUS_M


def elevation_from_height(range_m, height_m, radar_height_m: float) -> np.ndarray:
    """Inverse of :func:`height_from_elevation`: elevation [rad] of a target at slant range and height."""
    r = np.asarray(range_m, dtype=float)
    rr = EARTH_RADIUS_M + radar_height_m
    rh = EARTH_RADIUS_M + np.asarray(height_m, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (rh**2 - rr**2 - r**2) / (2.0 * r * rr)
    return np.arcsin(np.clip(s, -1.0, 1.0))


def to_detections(
    plots: Cat048Plots,
    sensor: int = 0,
    start_tod_s: float = 0.0,
    radar_height_m: float = 0.0,
    source: tuple[int, int] | None = None,
) -> list[Detections]:
    """Group CAT048 plots into scans of :class:`Detections` (one per run of equal time of day).

    ``start_tod_s``: time of day [s after midnight UTC] of bastion's t = 0. ``source``: keep only
    plots of this (SAC, SIC). Plots written by :func:`encode_cat048` carry bastion's full-precision
    values in their SP field; plots of a real radar give range, azimuth, elevation from the 3D
    height (I048/110, else the flight level, I048/090, as a height), range rate from the Doppler
    speed (I048/120) and NaN power and RCS (CAT048 has no equivalent).
    """
    keep = np.isfinite(plots.range_m) & np.isfinite(plots.time_of_day)
    if source is not None:
        keep &= (plots.sac == source[0]) & (plots.sic == source[1])
    idx = np.flatnonzero(keep)
    if not idx.size:
        return []
    ex = plots.extras[idx]
    rng = np.where(np.isfinite(ex[:, 0]), ex[:, 0], plots.range_m[idx])
    az = np.where(np.isfinite(ex[:, 1]), ex[:, 1], plots.azimuth[idx])
    h = np.where(np.isfinite(plots.height_m[idx]), plots.height_m[idx], plots.flight_level[idx] * 100.0 * FT)
    el = np.where(np.isfinite(ex[:, 2]), ex[:, 2], elevation_from_height(rng, h, radar_height_m))
    rr = np.where(np.isfinite(ex[:, 3]), ex[:, 3], plots.doppler_speed[idx])
    foe = plots.foe_fri[idx]
    t = np.mod(plots.time_of_day[idx] - start_tod_s, DAY_S)
    cut = np.flatnonzero(np.r_[True, t[1:] != t[:-1], True])
    scans = []
    for a, b in itertools.pairwise(cut):  # one object per scan, not per plot
        s = slice(a, b)
        iff = foe[s] == 1 if (foe[s] >= 0).any() else None  # no FOE/FRI: the radar has no interrogator
        scans.append(
            Detections(float(t[a]), sensor, rng[s], az[s], el[s], rr[s], ex[s, 4].copy(), ex[s, 5].copy(), iff)
        )
    return scans


def to_adsb_reports(reports: Cat021Reports, start_tod_s: float = 0.0) -> AdsbReports:
    """CAT021 reports with a position as :class:`AdsbReports` (altitude: flight level, else geometric height).

    NACp from I021/090 when given, else from NUCp for version 0 transponders, else 0.
    """
    from bastion.sense.adsb_frames import nacp_from_nucp

    keep = np.flatnonzero(np.isfinite(reports.lat) & np.isfinite(reports.time_of_day))
    r = reports
    alt = np.where(np.isfinite(r.flight_level[keep]), r.flight_level[keep] * 100.0 * FT, r.geometric_height_m[keep])
    gs, trk = r.ground_speed[keep], r.track_angle[keep]
    vel = np.stack([gs * np.sin(trk), gs * np.cos(trk), r.vertical_rate[keep]], axis=1)
    nacp = r.nacp[keep]
    nucp = nacp_from_nucp(np.maximum(r.nucp_nic[keep], 0)) if keep.size else np.zeros(0, dtype=int)
    nacp = np.where(nacp >= 0, nacp, np.where((r.version[keep] == 0) & (r.nucp_nic[keep] >= 0), nucp, 0))
    return AdsbReports(
        t=np.mod(r.time_of_day[keep] - start_tod_s, DAY_S),
        icao24=r.icao24[keep].astype("<U6"),
        callsign=r.callsign[keep].astype("<U8"),
        lat=r.lat[keep],
        lon=r.lon[keep],
        altitude_m=alt,
        velocity=vel.reshape(-1, 3),
        nacp=nacp.astype(int),
    )


def to_tracks(tracks: Cat062Tracks, origin: Origin, start_tod_s: float = 0.0) -> Tracks:
    """CAT062 system tracks as :class:`Tracks` in the ENU frame of ``origin`` (the system reference point).

    Position from I062/105 and I062/130 through pymap3d (else I062/100 and the barometric
    altitude); velocity from I062/185 and I062/220; covariance diagonal from I062/500 (NaN where a
    system sent none); status from I062/080. ``t`` is the latest time of track. Counters the
    format does not carry (updates, misses, RCS) are 0 / NaN.
    """
    n = len(tracks)
    alt = np.where(np.isfinite(tracks.geometric_altitude_m), tracks.geometric_altitude_m, tracks.barometric_altitude_m)
    enu = origin.to_enu(tracks.lat, tracks.lon, alt).reshape(-1, 3)
    no_wgs = ~np.isfinite(tracks.lat)
    enu[no_wgs, 0] = tracks.x_m[no_wgs]
    enu[no_wgs, 1] = tracks.y_m[no_wgs]
    enu[no_wgs, 2] = alt[no_wgs] - origin.alt_m
    x = np.column_stack([enu, tracks.vx, tracks.vy, tracks.rate_of_climb])
    P = np.zeros((n, 6, 6))
    sig = np.column_stack(
        [tracks.sigma_x, tracks.sigma_y, tracks.sigma_altitude, tracks.sigma_vx, tracks.sigma_vy, np.full(n, np.nan)]
    )
    P[:, np.arange(6), np.arange(6)] = sig**2
    P[:, 0, 1] = P[:, 1, 0] = tracks.cov_xy
    status = np.where(
        tracks.tentative == 1,
        TrackStatus.TENTATIVE,
        np.where(tracks.coasting == 1, TrackStatus.COASTING, TrackStatus.CONFIRMED),
    )
    t = np.mod(tracks.time_of_track - start_tod_s, DAY_S)
    return Tracks(
        t=float(np.nanmax(t)) if n else 0.0,
        id=tracks.track_number.astype(int),
        x=x,
        P=P,
        status=status.astype(int),
        updates=np.zeros(n, dtype=int),
        misses=np.zeros(n, dtype=int),
        last_update=t,
        rcs=np.full(n, np.nan),
        detection=np.full(n, -1, dtype=int),
    )


# ----------------------------------------------------------------------------------------------
# Encoders


def _be(values: np.ndarray, nbytes: int) -> np.ndarray:
    """Big-endian bytes (N, nbytes) of integers (two's complement for negatives)."""
    v = np.asarray(values, dtype=np.int64) & ((1 << (8 * nbytes)) - 1)
    return np.stack([(v >> (8 * (nbytes - 1 - k))) & 0xFF for k in range(nbytes)], axis=1).astype(np.uint8)


def _check_range(name: str, raw: np.ndarray, lo: int, hi: int) -> np.ndarray:
    if raw.size and (np.any(raw < lo) or np.any(raw > hi)):
        bad = np.flatnonzero((raw < lo) | (raw > hi))[0]
        raise ValueError(f"{name}: entry {bad} = {raw[bad]} LSB outside the field's range {lo}..{hi}")
    return raw


def _fspec(frns: list[int]) -> bytes:
    octets = (max(frns) + 6) // 7
    fs = bytearray(octets)
    for frn in frns:
        k, bit = divmod(frn - 1, 7)
        fs[k] |= 0x80 >> bit
    for k in range(octets - 1):
        fs[k] |= 1
    return bytes(fs)


def _block(cat: int, records: np.ndarray, lengths: np.ndarray, max_block: int) -> list[bytes]:
    """Data blocks of ``cat`` holding the records (rows of ``records``, valid bytes ``lengths``)."""
    mask = np.arange(records.shape[1])[None, :] < lengths[:, None]
    blocks = []
    start = 0
    n = len(lengths)
    cum = np.concatenate([[0], np.cumsum(lengths)])
    while start < n:
        # as many whole records as fit in one block (LEN is 16 bits; a datagram of max_block bytes)
        stop = int(np.searchsorted(cum, cum[start] + max_block - 3, side="right")) - 1
        stop = max(stop, start + 1)
        body = records[start:stop][mask[start:stop]].tobytes()
        blocks.append(bytes([cat]) + (3 + len(body)).to_bytes(2, "big") + body)
        start = stop
    return blocks


def encode_cat048(
    det: Detections,
    sac: int,
    sic: int,
    start_tod_s: float = 0.0,
    radar_height_m: float = 0.0,
    simulated: bool = True,
    extras: bool = True,
    max_datagram: int = 1400,
) -> list[bytes]:
    """One radar scan as CAT048 datagrams (each one data block of whole records, <= ``max_datagram`` bytes).

    Items: I048/010 (SAC, SIC), /140 time of day (scan time, 1/128 s), /020 (TYP 1 = single PSR
    detection, SIM set when ``simulated``), /040 (range 1/256 NM, azimuth 360/2^16 deg), /110 3D
    height (25 ft, from range and elevation on a spherical Earth above ``radar_height_m``), /120
    Doppler speed (1 m/s, where the range rate is measured) and, with ``extras``, bastion's SP
    field (length 27, magic ``b1``, six big-endian float32: range [m], azimuth, elevation [rad],
    range rate [m/s], power, RCS [m^2]) so a bastion reader recovers the plots without the
    format's quantisation; other readers skip SP. Raises ValueError for a value outside its field.
    """
    n = len(det)
    if n == 0:
        return []
    tod = round(np.mod(start_tod_s + det.t, DAY_S) * 128.0) & 0xFFFFFF
    rho = _check_range("range", np.round(det.range / NM * 256.0).astype(np.int64), 0, 65535)
    theta = np.round(np.mod(det.azimuth, 2 * np.pi) / (2 * np.pi) * 65536.0).astype(np.int64) & 0xFFFF
    h = height_from_elevation(det.range, det.elevation, radar_height_m)
    hq = _check_range("height", np.round(h / (25.0 * FT)).astype(np.int64), -8192, 8191)
    # I048/120 holds -512..511 m/s: faster range rates (rockets) travel only in the SP field
    has_rr = np.isfinite(det.range_rate) & (np.abs(np.nan_to_num(det.range_rate)) <= 511.4)
    cal = np.round(np.where(has_rr, det.range_rate, 0.0)).astype(np.int64)
    # IFF: the first extension of I048/020, FOE/FRI = 01 friendly, 11 no reply (only where interrogated)
    iff = det.iff is not None
    e = 1 if iff else 0
    frns = [1, 2, 3, 4, 19, 20] + ([27] if extras else [])
    fs_with = np.frombuffer(_fspec(frns), np.uint8)
    fs_without = np.frombuffer(_fspec([f for f in frns if f != 20]), np.uint8)
    k = fs_with.size  # FRN 19 and 27 set the FSPEC length; FRN 20 does not change it
    width = k + 2 + 3 + 1 + e + 4 + 2 + 3 + (_SP_STRUCT.size if extras else 0)
    rec = np.zeros((n, width), dtype=np.uint8)
    rec[:, :k] = np.where(has_rr[:, None], fs_with, fs_without)
    rec[:, k : k + 2] = [sac & 0xFF, sic & 0xFF]
    rec[:, k + 2 : k + 5] = _be(np.full(n, tod), 3)
    rec[:, k + 5] = 0x20 | (0x10 if simulated else 0) | e  # FX: the extension follows
    if iff:
        rec[:, k + 6] = np.where(det.iff, 0b01, 0b11) << 1
    k += e
    rec[:, k + 6 : k + 8] = _be(rho, 2)
    rec[:, k + 8 : k + 10] = _be(theta, 2)
    rec[:, k + 10 : k + 12] = _be(hq & 0x3FFF, 2)
    # I048/120 present: primary 0x80 (CAL) then D = 0, spare, 10-bit CAL; absent: shift SP left
    cal_bytes = np.concatenate([np.full((n, 1), 0x80, np.uint8), _be(cal & 0x3FF, 2)], axis=1)
    tail = [cal_bytes]
    if extras:
        vals = np.column_stack([det.range, det.azimuth, det.elevation, det.range_rate, det.power, det.rcs])
        sp = np.zeros((n, _SP_STRUCT.size), dtype=np.uint8)
        sp[:, 0] = _SP_STRUCT.size
        sp[:, 1:3] = np.frombuffer(SP_MAGIC, np.uint8)
        sp[:, 3:] = vals.astype(">f4").view(np.uint8).reshape(n, 24)
        tail.append(sp)
    tail = np.concatenate(tail, axis=1)
    # records without I048/120 lose its 3 bytes: move the SP field forward
    tail = np.where(has_rr[:, None], tail, np.roll(tail, -3, axis=1))
    rec[:, k + 12 :] = tail
    lengths = np.where(has_rr, width, width - 3)
    return _block(48, rec, lengths, max_datagram)


def encode_cat062(
    tracks: Tracks,
    origin: Origin,
    sac: int,
    sic: int,
    start_tod_s: float = 0.0,
    simulated: bool = True,
    max_datagram: int = 1400,
) -> list[bytes]:
    """System tracks as CAT062 datagrams (each one data block of whole records).

    Items: I062/010, /070 time of track (1/128 s), /105 WGS84 position (180/2^25 deg, via
    pymap3d from the ENU state and ``origin``), /100 Cartesian position (0.5 m; x east, y north of
    ``origin`` taken as the system reference point: the local tangent plane stands in for the
    stereographic plane, a difference under 1 m within 50 km), /185 velocity (0.25 m/s), /040 track
    number, /080 status (CNF = tentative, CST = coasting, SIM = ``simulated``, SRC = 3D radar),
    /130 geometric altitude (6.25 ft), /220 rate of climb (6.25 ft/min) and /500 accuracies (APC
    and COV 0.5 m, AGA 6.25 ft, ATV 0.25 m/s; COV = sign(Pxy) sqrt|Pxy|, saturating at the
    field's maximum). Raises ValueError for a value outside its field.
    """
    n = len(tracks)
    if n == 0:
        return []
    x = tracks.x
    lat, lon, alt = origin.to_wgs84(x[:, :3])
    tod = round(np.mod(start_tod_s + tracks.t, DAY_S) * 128.0) & 0xFFFFFF
    q_lat = np.round(np.asarray(lat) / 180.0 * 2**25).astype(np.int64)
    q_lon = np.round(np.asarray(lon) / 180.0 * 2**25).astype(np.int64)
    q_x = _check_range("x", np.round(x[:, 0] / 0.5).astype(np.int64), -(2**23), 2**23 - 1)
    q_y = _check_range("y", np.round(x[:, 1] / 0.5).astype(np.int64), -(2**23), 2**23 - 1)
    q_vx = _check_range("vx", np.round(x[:, 3] / 0.25).astype(np.int64), -(2**15), 2**15 - 1)
    q_vy = _check_range("vy", np.round(x[:, 4] / 0.25).astype(np.int64), -(2**15), 2**15 - 1)
    q_alt = _check_range("altitude", np.round(np.asarray(alt) / (6.25 * FT)).astype(np.int64), -(2**15), 2**15 - 1)
    q_roc = _check_range("rate of climb", np.round(x[:, 5] / (6.25 * FPM)).astype(np.int64), -(2**15), 2**15 - 1)
    P = tracks.P
    sd = np.sqrt(np.maximum(np.diagonal(P, axis1=1, axis2=2), 0.0))
    apc = np.clip(np.round(sd[:, :2] / 0.5), 0, 65535).astype(np.int64)
    cov = np.clip(np.round(np.sign(P[:, 0, 1]) * np.sqrt(np.abs(P[:, 0, 1])) / 0.5), -32768, 32767).astype(np.int64)
    aga = np.clip(np.round(sd[:, 2] / (6.25 * FT)), 0, 255).astype(np.int64)
    atv = np.clip(np.round(sd[:, 3:5] / 0.25), 0, 255).astype(np.int64)
    frns = [1, 4, 5, 6, 7, 12, 13, 18, 20, 27]
    fs = np.frombuffer(_fspec(frns), np.uint8)
    tentative = tracks.status == TrackStatus.TENTATIVE
    coasting = tracks.status == TrackStatus.COASTING
    b080 = np.zeros((n, 4), dtype=np.uint8)
    b080[:, 0] = (2 << 2) | (tentative.astype(np.uint8) << 1) | 1  # SRC 2 = 3D radar, CNF, FX
    b080[:, 1] = (0x80 if simulated else 0) | 1
    b080[:, 2] = 1
    b080[:, 3] = coasting.astype(np.uint8) << 7
    parts = [
        np.broadcast_to(fs, (n, fs.size)),
        np.tile(np.array([sac & 0xFF, sic & 0xFF], np.uint8), (n, 1)),
        _be(np.full(n, tod), 3),
        _be(q_lat, 4),
        _be(q_lon, 4),
        _be(q_x, 3),
        _be(q_y, 3),
        _be(q_vx, 2),
        _be(q_vy, 2),
        _be(tracks.id, 2),
        b080,
        _be(q_alt, 2),
        _be(q_roc, 2),
        np.full((n, 1), 0x80 | 0x40 | 0x10 | 0x04, np.uint8),  # I062/500: APC, COV, AGA, ATV
        _be(apc[:, 0], 2),
        _be(apc[:, 1], 2),
        _be(cov, 2),
        _be(aga, 1),
        _be(atv[:, 0], 1),
        _be(atv[:, 1], 1),
    ]
    rec = np.concatenate(parts, axis=1)
    return _block(62, rec, np.full(n, rec.shape[1]), max_datagram)


# ----------------------------------------------------------------------------------------------
# Records as JSON-able dicts (for ``bastion decode --out``)


def records(dec: AsterixDecode) -> list[dict]:
    """One dict per walked record, in input order: ``category``, ``sac``, ``sic`` and the decoded fields."""
    out: list[dict | None] = [None] * dec.category.size
    cols = {
        48: (dec.cat048, ("time_of_day", "typ", "simulated", "range_m", "azimuth", "mode3a", "flight_level",
                          "height_m", "doppler_speed", "amplitude_dbm", "icao24", "callsign", "track_number")),
        21: (dec.cat021, ("time_of_day", "icao24", "callsign", "lat", "lon", "flight_level", "geometric_height_m",
                          "ground_speed", "track_angle", "vertical_rate", "nucp_nic", "nacp", "version")),
        62: (dec.cat062, ("time_of_track", "track_number", "lat", "lon", "x_m", "y_m", "vx", "vy",
                          "geometric_altitude_m", "flight_level", "rate_of_climb", "mode3a", "icao24", "callsign",
                          "tentative", "coasting")),
    }  # fmt: skip
    for cat, (batch, names) in cols.items():
        where = np.flatnonzero(dec.category == cat)
        arrays = {k: getattr(batch, k).tolist() for k in ("sac", "sic", *names)}
        dtimes = dec.datagram_time[batch.datagram].tolist() if len(batch) else []
        for i, r in enumerate(where.tolist()):  # building dicts for JSON: one per record by nature
            d = {"category": cat, "time": _clean(dtimes[i])}
            for k, v in arrays.items():
                d[k] = _clean(v[i])
            if d.get("mode3a") is not None:
                d["mode3a"] = f"{d['mode3a']:04o}"  # Mode 3/A codes are written in octal
            out[r] = d
    for cat, (sac, sic) in dec.sac_sic.items():
        where = np.flatnonzero(dec.category == cat)
        for i, r in enumerate(where.tolist()):
            out[r] = {"category": cat, "sac": int(sac[i]), "sic": int(sic[i])}
    return [d for d in out if d is not None]


def _clean(v):
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, str) and v == "":
        return None
    if isinstance(v, int) and v == -1:
        return None
    return v
