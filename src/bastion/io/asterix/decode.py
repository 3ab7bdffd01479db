"""Decoding: datagrams -> CAT048 plots, CAT021 ADS-B reports, CAT062 system tracks (arrays), and the
records as JSON-able dicts (``bastion decode --out``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from bastion.io.asterix.uap import (
    _DECODED,
    _I021,
    _I048,
    _I062,
    _SP_STRUCT,
    _SP_STRUCT_MD,
    FPM,
    FT,
    NM,
    SP_MAGIC,
    SP_MAGIC_MD,
    UAP,
)
from bastion.io.asterix.walk import (
    AsterixStats,
    _chars6,
    _Columns,
    _columns,
    _compound_offsets,
    _f,
    _hex24,
    _s,
    _u,
    _Walk,
    _walk_datagram,
)
from bastion.physics.geodesy import wrap_angle


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
    # (N, 7) bastion SP: range, azimuth, elevation, range rate, power, rcs, micro-Doppler class (NaN absent)
    extras: np.ndarray

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
    extras = np.full((n, 7), np.nan)
    sp = o["SP"]
    for form, magic in ((_SP_STRUCT, SP_MAGIC), (_SP_STRUCT_MD, SP_MAGIC_MD)):
        has_sp = (sp >= 0) & (_u(buf, sp, 1) == form.size) & (_u(buf, sp, 2, 1) == int.from_bytes(magic, "big"))
        if has_sp.any():
            idx = np.flatnonzero(has_sp)
            k = (form.size - 3) // 4  # the floats it holds
            raw = buf[sp[idx][:, None] + 3 + np.arange(4 * k)].copy()
            with np.errstate(invalid="ignore"):
                extras[idx, :k] = raw.view(">f4").reshape(-1, k).astype(float)
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
