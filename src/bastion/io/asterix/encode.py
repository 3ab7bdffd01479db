"""Encoding: radar scans as CAT048, ADS-B reports as CAT021, North markers as CAT034, system tracks as
CAT062; one packer of records (FSPEC of the present items) into data blocks."""

from __future__ import annotations

import math

import numpy as np

from bastion.io.asterix.convert import height_from_elevation
from bastion.io.asterix.uap import _SP_STRUCT, _SP_STRUCT_MD, DAY_S, FPM, FT, NM, SP_MAGIC, SP_MAGIC_MD
from bastion.physics.geodesy import Origin
from bastion.sense.adsb_frames import icao_to_int
from bastion.sense.types import AdsbReports, Detections
from bastion.track.types import Tracks, TrackStatus

MAX_DATAGRAM = 1400  # [bytes] payload that fits an Ethernet frame with IPv4 and UDP headers
_CHARS6 = "#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######"  # ICAO 6-bit code (I021/170)
CAT034_NORTH_MARKER = 1  # I034/000 message types
CAT034_SECTOR_CROSSING = 2


def _be(values: np.ndarray, nbytes: int) -> np.ndarray:
    """Big-endian bytes (N, nbytes) of integers (two's complement for negatives)."""
    v = np.asarray(values, dtype=np.int64) & ((1 << (8 * nbytes)) - 1)
    return np.stack([(v >> (8 * (nbytes - 1 - k))) & 0xFF for k in range(nbytes)], axis=1).astype(np.uint8)


def _check_range(name: str, raw: np.ndarray, lo: int, hi: int) -> np.ndarray:
    if raw.size and (np.any(raw < lo) or np.any(raw > hi)):
        bad = np.flatnonzero((raw < lo) | (raw > hi))[0]
        raise ValueError(f"{name}: entry {bad} = {raw[bad]} LSB outside the field's range {lo}..{hi}")
    return raw


def encode_cat048(
    det: Detections,
    sac: int,
    sic: int,
    start_tod_s: float = 0.0,
    radar_height_m: float = 0.0,
    simulated: bool = True,
    extras: bool = True,
    max_datagram: int = MAX_DATAGRAM,
) -> list[bytes]:
    """One radar scan as CAT048 datagrams (each one data block of whole records, <= ``max_datagram`` bytes).

    Items: I048/010 (SAC, SIC), /140 time of day (scan time, 1/128 s), /020 (TYP 1 = single PSR
    detection, SIM set when ``simulated``), /040 (range 1/256 NM, azimuth 360/2^16 deg), /110 3D
    height (25 ft, from range and elevation on a spherical Earth above ``radar_height_m``), /120
    Doppler speed (1 m/s, where the range rate is measured) and, with ``extras``, bastion's SP
    field (length 27, magic ``b1``, six big-endian float32: range [m], azimuth, elevation [rad],
    range rate [m/s], power, RCS [m^2]; from a radar that classes its plots by micro-Doppler, length
    31, magic ``b2`` and the class as a seventh float) so a bastion reader recovers the plots without
    the format's quantisation; other readers skip SP. Raises ValueError for a value outside its field.
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
    i020 = np.full((n, 1), 0x20 | (0x10 if simulated else 0), np.uint8)  # TYP 1: single PSR detection
    if det.iff is not None:
        i020[:, 0] |= 1  # FX: the extension follows
        i020 = np.column_stack([i020, (np.where(det.iff, 0b01, 0b11) << 1).astype(np.uint8)])
    every = np.ones(n, dtype=bool)
    items = [
        (1, np.tile(np.array([sac & 0xFF, sic & 0xFF], np.uint8), (n, 1)), every),
        (2, _be(np.full(n, tod), 3), every),
        (3, i020, every),
        (4, np.concatenate([_be(rho, 2), _be(theta, 2)], axis=1), every),
        (19, _be(hq & 0x3FFF, 2), every),
        # I048/120 primary subfield 0x80 (CAL) then D = 0, spare, 10-bit CAL
        (20, np.concatenate([np.full((n, 1), 0x80, np.uint8), _be(cal & 0x3FF, 2)], axis=1), has_rr),
    ]
    if extras:
        cols = [det.range, det.azimuth, det.elevation, det.range_rate, det.power, det.rcs]
        form, magic = _SP_STRUCT, SP_MAGIC
        if det.micro_doppler is not None:
            cols.append(det.micro_doppler)
            form, magic = _SP_STRUCT_MD, SP_MAGIC_MD
        vals = np.column_stack(cols)
        sp = np.zeros((n, form.size), dtype=np.uint8)
        sp[:, 0] = form.size
        sp[:, 1:3] = np.frombuffer(magic, np.uint8)
        sp[:, 3:] = vals.astype(">f4").view(np.uint8).reshape(n, 4 * len(cols))
        items.append((27, sp, every))
    return _pack(48, items, max_datagram)


def encode_cat062(
    tracks: Tracks,
    origin: Origin,
    sac: int,
    sic: int,
    start_tod_s: float = 0.0,
    simulated: bool = True,
    max_datagram: int = MAX_DATAGRAM,
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
    tentative = tracks.status == TrackStatus.TENTATIVE
    coasting = tracks.status == TrackStatus.COASTING
    b080 = np.zeros((n, 4), dtype=np.uint8)
    b080[:, 0] = (2 << 2) | (tentative.astype(np.uint8) << 1) | 1  # SRC 2 = 3D radar, CNF, FX
    b080[:, 1] = (0x80 if simulated else 0) | 1
    b080[:, 2] = 1
    b080[:, 3] = coasting.astype(np.uint8) << 7
    every = np.ones(n, dtype=bool)
    items = [
        (1, np.tile(np.array([sac & 0xFF, sic & 0xFF], np.uint8), (n, 1)), every),
        (4, _be(np.full(n, tod), 3), every),
        (5, np.concatenate([_be(q_lat, 4), _be(q_lon, 4)], axis=1), every),
        (6, np.concatenate([_be(q_x, 3), _be(q_y, 3)], axis=1), every),
        (7, np.concatenate([_be(q_vx, 2), _be(q_vy, 2)], axis=1), every),
        (12, _be(tracks.id, 2), every),
        (13, b080, every),
        (18, _be(q_alt, 2), every),
        (20, _be(q_roc, 2), every),
        (
            27,
            np.concatenate(
                [
                    np.full((n, 1), 0x80 | 0x40 | 0x10 | 0x04, np.uint8),  # I062/500: APC, COV, AGA, ATV
                    _be(apc[:, 0], 2),
                    _be(apc[:, 1], 2),
                    _be(cov, 2),
                    _be(aga, 1),
                    _be(atv[:, 0], 1),
                    _be(atv[:, 1], 1),
                ],
                axis=1,
            ),
            every,
        ),
    ]
    return _pack(62, items, max_datagram)


def _pack(cat: int, items: list[tuple[int, np.ndarray, np.ndarray]], max_datagram: int) -> list[bytes]:
    """Data blocks of ``cat`` whose records hold ``items``: (FRN, bytes (N, w), present (N,)), FRNs ascending.

    Each record gets the FSPEC of its present items (as many octets as its highest FRN needs, FX
    set on all but the last); records are packed whole into blocks of at most ``max_datagram`` bytes.
    """
    n = items[0][1].shape[0]
    top = max(frn for frn, _, _ in items)
    n_oct = (top + 6) // 7
    fs = np.zeros((n, n_oct), dtype=np.uint8)
    last = np.zeros(n, dtype=int)  # highest present FRN per record
    for frn, _, present in items:
        k, bit = divmod(frn - 1, 7)
        fs[:, k] |= np.where(present, 0x80 >> bit, 0).astype(np.uint8)
        last = np.where(present, frn, last)
    used = (last + 6) // 7  # FSPEC octets per record
    octet = np.arange(n_oct)[None, :]
    fs |= (octet < used[:, None] - 1).astype(np.uint8)  # FX: another octet follows
    cols = [fs] + [b for _, b, _ in items]
    mask = [octet < used[:, None]] + [np.broadcast_to(p[:, None], b.shape) for _, b, p in items]
    flat = np.concatenate(cols, axis=1)[np.concatenate(mask, axis=1)]  # row-major: record after record
    lengths = np.concatenate(mask, axis=1).sum(axis=1)
    cum = np.concatenate([[0], np.cumsum(lengths)])
    blocks, start = [], 0
    while start < n:
        stop = int(np.searchsorted(cum, cum[start] + max_datagram - 3, side="right")) - 1
        stop = max(stop, start + 1)
        body = flat[cum[start] : cum[stop]].tobytes()
        blocks.append(bytes([cat]) + (3 + len(body)).to_bytes(2, "big") + body)
        start = stop
    return blocks


def _chars6(text: np.ndarray) -> np.ndarray:
    """Callsigns (N,) as the 6-byte ICAO 6-bit character code of I021/170 (8 characters, space padded)."""
    code = {c: i for i, c in enumerate(_CHARS6) if c != "#"}
    out = np.zeros((len(text), 6), dtype=np.uint8)
    for r, s in enumerate(text.tolist()):  # strings: a loop over the (few) aircraft of a batch
        v = 0
        for ch in (str(s).upper() + " " * 8)[:8]:
            v = (v << 6) | code.get(ch, 32)
        out[r] = list(v.to_bytes(6, "big"))
    return out


def encode_cat021(
    reports: AdsbReports,
    sac: int,
    sic: int,
    start_tod_s: float = 0.0,
    simulated: bool = True,
    max_datagram: int = MAX_DATAGRAM,
) -> list[bytes]:
    """ADS-B reports as CAT021 (ed. 2.x) datagrams, one data block of whole records each.

    Items: I021/010 (SAC, SIC), /040 (ATP = 24-bit ICAO address, ARC = 25 ft; first extension
    with SIM when ``simulated``), /131 high-resolution position (180/2^30 deg), /080 target address,
    /073 time of message reception of position (1/128 s), /090 quality indicators (NACp in the
    first extension), /210 MOPS version (VN 2 = DO-260B, LTT 2 = 1090 ES), /145 flight level (the
    barometric altitude, 1/4 FL = 25 ft, as a transponder reports it), /157 geometric vertical rate
    (6.25 ft/min) and /160 airborne ground vector (2^-14 NM/s, 360/2^16 deg) where the velocity is
    known, and /170 target identification where a callsign was received.
    """
    n = len(reports)
    if n == 0:
        return []
    tod = np.round(np.mod(start_tod_s + reports.t, DAY_S) * 128.0).astype(np.int64) & 0xFFFFFF
    lat = np.round(reports.lat / 180.0 * 2**30).astype(np.int64)
    lon = np.round(reports.lon / 180.0 * 2**30).astype(np.int64)
    fl = np.clip(np.round(reports.altitude_m / (25.0 * FT)), -(2**15), 2**15 - 1).astype(np.int64)
    v = reports.velocity
    has_v = np.isfinite(v[:, :2]).all(axis=1)
    gs = np.hypot(v[:, 0], v[:, 1])
    gs_raw = np.round(np.nan_to_num(gs) / (2.0**-14 * NM)).astype(np.int64)
    gs_re = gs_raw > 0x7FFF  # beyond the field: RE bit set, value saturated
    trk = np.round(np.mod(np.arctan2(np.nan_to_num(v[:, 0]), np.nan_to_num(v[:, 1])), 2 * np.pi) / (2 * np.pi) * 65536)
    has_vr = np.isfinite(v[:, 2])
    vr_raw = np.round(np.nan_to_num(v[:, 2]) / (6.25 * FPM)).astype(np.int64)
    vr_re = np.abs(vr_raw) > 2**14 - 1
    nacp = np.clip(np.asarray(reports.nacp, dtype=np.int64), 0, 15)
    has_cs = np.char.str_len(reports.callsign.astype(str)) > 0
    every = np.ones(n, dtype=bool)
    i040 = np.tile(np.array([0x20 | 0x08 | (1 if simulated else 0), 0x20 if simulated else 0], np.uint8), (n, 1))
    items = [
        (1, np.tile(np.array([sac & 0xFF, sic & 0xFF], np.uint8), (n, 1)), every),
        (2, i040 if simulated else i040[:, :1], every),
        (7, np.concatenate([_be(lat, 4), _be(lon, 4)], axis=1), every),
        (11, _be(icao_to_int(reports.icao24), 3), every),
        (12, _be(tod, 3), every),
        (17, np.column_stack([np.ones(n, np.uint8), (nacp << 1).astype(np.uint8)]), every),
        (18, np.full((n, 1), (2 << 3) | 2, np.uint8), every),
        (21, _be(fl, 2), every),
        (25, _be(np.where(vr_re, 0x8000, vr_raw & 0x7FFF), 2), has_vr),
        (26, np.concatenate([_be(np.where(gs_re, 0xFFFF, gs_raw), 2), _be(trk.astype(np.int64), 2)], axis=1), has_v),
        (29, _chars6(reports.callsign), has_cs),
    ]
    return _pack(21, items, max_datagram)


def encode_north_marker(sac: int, sic: int, tod_s: float, rotation_period_s: float | None = None) -> bytes:
    """One CAT034 North marker (I034/000 = 1) at time of day ``tod_s``: the end of a radar scan.

    Items: I034/010 (SAC, SIC), /000 message type, /030 time of day (1/128 s) and, when given,
    /041 antenna rotation period (1/128 s).
    """
    tod = round(math.fmod(tod_s, DAY_S) * 128.0) & 0xFFFFFF
    body = bytes([sac & 0xFF, sic & 0xFF, CAT034_NORTH_MARKER]) + tod.to_bytes(3, "big")
    fspec = 0xE0
    if rotation_period_s is not None:
        fspec |= 0x08
        body += (min(round(rotation_period_s * 128.0), 0xFFFF)).to_bytes(2, "big")
    record = bytes([fspec]) + body
    return bytes([34]) + (3 + len(record)).to_bytes(2, "big") + record
