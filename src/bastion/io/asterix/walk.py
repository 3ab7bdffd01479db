"""The record walker: FSPEC -> item offsets, block by block, damage counted (not raised); then the
offsets as columns and the bit-field helpers that read every record's field at once."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bastion.io.asterix.uap import _EXPL, _EXT, _FIXED, _FXREP, _REP, UAP, _Bad


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
