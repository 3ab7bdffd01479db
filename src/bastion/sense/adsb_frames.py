"""1090 MHz extended squitter (ADS-B, DF17/18) frames: decoded with pyModeS, encoded by bastion.

Decoding goes through pyModeS 3 (``pyModeS.decode`` for one frame, ``pyModeS.PipeDecoder`` for a
stream): CRC check, identification (TC 1-4), surface (TC 5-8) and airborne position (TC 9-18,
20-22; CPR global decoding from even/odd pairs and local decoding from a reference), airborne
velocity (TC 19) and operational status (TC 31, NACp). :class:`AdsbDecoder` turns a stream of
frames into :class:`~bastion.sense.types.AdsbReports` (one report per resolved position), and
drops and counts frames with a bad CRC and positions that cannot be true (outside the receiver's
radio range, or inconsistent with the aircraft's earlier positions).

pyModeS does not encode, so the encoder here is bastion's own: DF17 identification, airborne
position (CPR even/odd, 25 ft altitude code), airborne velocity (ground-speed subtypes 1 and 2)
and operational status (TC 31 with NACp), vectorised over arrays of aircraft, with the Mode S
CRC-24 parity. A simulator can broadcast real frames that the decision side decodes with pyModeS.

Sources: ICAO Annex 10 Vol IV §3.1.2 (frame layout, CRC polynomial 0xFFF409); RTCA DO-260B
(ME field layouts, §2.2.3.2; CPR, appendix A.1.7; NUCp and NACp tables 2-14 and 2-70); J. Sun,
*The 1090 MHz Riddle* (2021), chapters 3-7, which gives the same formulas with worked examples.
Units at this edge are the wire's: feet, knots, ft/min; the batch API takes and gives SI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bastion.sense.types import NACP_EPU_M, AdsbReports

FT = 0.3048  # [m] international foot
KT = 1852.0 / 3600.0  # [m/s] knot
FPM = FT / 60.0  # [m/s] foot per minute
NM = 1852.0  # [m] nautical mile

CRC_POLY = 0xFFF409
"""Mode S CRC-24 generator polynomial without its x^24 term (ICAO Annex 10 Vol IV §3.1.2.3.3)."""

_CALLSIGN_ALPHABET = "#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######"
"""6-bit ICAO character set (Annex 10 Vol IV table 3-9): index = code, '#' = not a valid character."""

SURFACE_REFERENCE_RANGE_M = 45.0 * 1852.0
"""A surface CPR position is unambiguous only within 45 NM of its reference (DO-260B A.1.7.6)."""

NUCP_MU_M = np.array([np.inf, 18_520.0, 9_260.0, 1_852.0, 926.0, 463.0, 185.2, 92.6, 10.0, 3.0])
"""95 % horizontal error bound mu of NUCp 0..9 [m] (DO-260A table 2-14 / DO-260 version 0)."""


def _crc_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint32)
    for i in range(256):
        c = i << 16
        for _ in range(8):
            c = ((c << 1) ^ CRC_POLY) if c & 0x800000 else (c << 1)
        table[i] = c & 0xFFFFFF
    return table


_CRC_TABLE = _crc_table()


def crc24(frames: np.ndarray) -> np.ndarray:
    """CRC-24 remainder of frames, shape (N, 7) or (N, 14) uint8, over all bytes (parity included).

    The remainder is 0 for an intact DF17/18 frame. Byte-at-a-time table division (Sarwate 1988),
    vectorised over the N frames; the same generator as pyModeS's ``crc_remainder``.
    """
    frames = np.atleast_2d(np.asarray(frames, dtype=np.uint8))
    crc = np.zeros(frames.shape[0], dtype=np.uint32)
    for k in range(frames.shape[1] - 3):
        crc = ((crc << 8) & 0xFFFFFF) ^ _CRC_TABLE[((crc >> 16) ^ frames[:, k]) & 0xFF]
    parity = (
        (frames[:, -3].astype(np.uint32) << 16)
        | (frames[:, -2].astype(np.uint32) << 8)
        | frames[:, -1].astype(np.uint32)
    )
    return (crc ^ parity) & 0xFFFFFF


def to_hex(frames: np.ndarray) -> list[str]:
    """Upper-case hex strings (28 characters for a 112-bit frame) of frames, shape (N, 14) uint8."""
    return [bytes(row).hex().upper() for row in np.atleast_2d(frames)]


def from_hex(frames: Sequence[str]) -> np.ndarray:
    """Frames (N, 14) uint8 from 28-character hex strings; raises ValueError naming the bad entry."""
    out = np.zeros((len(frames), 14), dtype=np.uint8)
    for i, h in enumerate(frames):
        try:
            b = bytes.fromhex(h)
        except ValueError:
            raise ValueError(f"frame {i}: {h!r} is not hexadecimal") from None
        if len(b) != 14:
            raise ValueError(f"frame {i}: {len(b)} bytes, a 1090 ES frame has 14")
        out[i] = np.frombuffer(b, dtype=np.uint8)
    return out


def icao_to_int(icao24) -> np.ndarray:
    """24-bit addresses (uint32) from 6-character hex strings or integers."""
    arr = np.atleast_1d(np.asarray(icao24))
    if arr.dtype.kind in "US":
        return np.array([int(str(s), 16) for s in arr], dtype=np.uint32)
    return arr.astype(np.uint32)


def _assemble(icao: np.ndarray, me: np.ndarray, df: int = 17, ca: int = 5) -> np.ndarray:
    """Frames (N, 14): DF(5) CA(3) AA(24) ME(56) PI(24), parity computed so the CRC remainder is 0."""
    n = me.size
    frames = np.zeros((n, 14), dtype=np.uint8)
    frames[:, 0] = ((df & 0x1F) << 3) | (ca & 0x7)
    for k in range(3):
        frames[:, 1 + k] = (icao >> np.uint32(16 - 8 * k)) & 0xFF
    me = me.astype(np.uint64)
    for k in range(7):
        frames[:, 4 + k] = (me >> np.uint64(48 - 8 * k)) & np.uint64(0xFF)
    parity = crc24(frames)  # remainder of the frame with zero parity = the parity to send
    for k in range(3):
        frames[:, 11 + k] = (parity >> np.uint32(16 - 8 * k)) & 0xFF
    return frames


def _bcast(n: int, *arrays):
    return [np.broadcast_to(np.asarray(a), (n,)) for a in arrays]


def encode_identification(icao24, callsign, category: int | np.ndarray = 0, tc: int = 4) -> np.ndarray:
    """DF17 aircraft identification frames (TC 1-4, BDS 0,8), shape (N, 14).

    ``callsign``: up to 8 characters of A-Z, 0-9 and space (right-padded with spaces);
    ``category``: emitter category 0-7 of set ``tc`` (TC 4, set A: 1 light ... 5 heavy, 7 rotorcraft;
    TC 3, set B: 6 UAV). Raises ValueError naming a callsign with a character outside the set.
    """
    icao = icao_to_int(icao24)
    n = icao.size
    calls = np.broadcast_to(np.asarray(callsign, dtype=str), (n,))
    (cat,) = _bcast(n, category)
    me = np.zeros(n, dtype=np.uint64)
    for i in range(n):  # eight characters each; strings have no vector form
        text = str(calls[i]).upper().ljust(8)
        if len(text) > 8:
            raise ValueError(f"callsign {calls[i]!r}: more than 8 characters")
        word = 0
        for ch in text:
            code = _CALLSIGN_ALPHABET.find(ch) if ch != "#" else -1
            if code < 0:
                raise ValueError(f"callsign {calls[i]!r}: {ch!r} is not in the ICAO 6-bit character set")
            word = (word << 6) | code
        me[i] = (tc << 51) | ((int(cat[i]) & 0x7) << 48) | word
    return _assemble(icao, me)


def altitude_code_25ft(altitude_ft) -> np.ndarray:
    """12-bit altitude field of an airborne position (Q = 1, 25 ft steps, -1000 ft to 50175 ft).

    N = round((h + 1000 ft) / 25 ft) over 11 bits, with the Q bit inserted as bit 4 (DO-260B
    §2.2.3.2.3.4). Raises ValueError for altitudes outside the coded range.
    """
    h = np.asarray(altitude_ft, dtype=float)
    n = np.round((h + 1000.0) / 25.0)
    if np.any(~np.isfinite(n)) or np.any((n < 0) | (n > 2047)):
        raise ValueError("altitude outside the 25 ft code range -1000 ft .. 50175 ft")
    n = n.astype(np.uint64)
    return ((n >> np.uint64(4)) << np.uint64(5)) | np.uint64(0x10) | (n & np.uint64(0xF))


def cpr_nl(lat_deg) -> np.ndarray:
    """Number of longitude zones NL(lat), 1..59 (DO-260B A.1.7.2, NZ = 15), vectorised."""
    lat = np.abs(np.asarray(lat_deg, dtype=float))
    a = 1.0 - np.cos(np.pi / 30.0)  # 1 - cos(pi / (2 NZ))
    with np.errstate(invalid="ignore", divide="ignore"):
        c = 1.0 - a / np.cos(np.radians(lat)) ** 2
        nl = np.floor(2.0 * np.pi / np.arccos(c))
    nl = np.where(lat < 1e-9, 59.0, nl)
    nl = np.where(lat >= 87.0, np.where(lat > 87.0, 1.0, 2.0), nl)
    return np.nan_to_num(nl, nan=1.0).astype(int)


def cpr_encode(lat_deg, lon_deg, odd) -> tuple[np.ndarray, np.ndarray]:
    """17-bit airborne CPR latitude and longitude (YZ, XZ) of positions, even (odd=0) or odd format.

    DO-260B A.1.7.3: Dlat = 360 / (60 - i); YZ = floor(2^17 mod(lat, Dlat) / Dlat + 1/2); Rlat =
    Dlat (YZ / 2^17 + floor(lat / Dlat)); Dlon = 360 / max(NL(Rlat) - i, 1); XZ likewise; both mod 2^17.
    """
    lat = np.asarray(lat_deg, dtype=float)
    lon = np.asarray(lon_deg, dtype=float)
    i = np.asarray(odd, dtype=int)
    nb = 2.0**17
    dlat = 360.0 / (60.0 - i)
    yz = np.floor(nb * np.mod(lat, dlat) / dlat + 0.5)
    rlat = dlat * (yz / nb + np.floor(lat / dlat))
    dlon = 360.0 / np.maximum(cpr_nl(rlat) - i, 1)
    xz = np.floor(nb * np.mod(lon, dlon) / dlon + 0.5)
    return (np.mod(yz, nb)).astype(np.uint64), (np.mod(xz, nb)).astype(np.uint64)


def encode_airborne_position(icao24, lat_deg, lon_deg, altitude_ft, odd, tc: int = 11) -> np.ndarray:
    """DF17 airborne position frames (BDS 0,5) with barometric altitude, shape (N, 14).

    ``tc`` 9-18 also states NUCp / NIC (9: NUCp 9, best; 11: NUCp 7, mu < 92.6 m). Surveillance
    status 0, single-antenna flag 0, time bit 0. ``odd``: CPR format, 0 even, 1 odd (a receiver
    needs one of each within 10 s for a global decode).
    """
    if not 9 <= tc <= 18:
        raise ValueError(f"airborne position with barometric altitude has TC 9-18, not {tc}")
    icao = icao_to_int(icao24)
    n = icao.size
    lat, lon, alt, f = _bcast(n, lat_deg, lon_deg, altitude_ft, odd)
    if np.any(np.abs(lat) > 90.0) or np.any(~np.isfinite(lat)) or np.any(~np.isfinite(lon)):
        raise ValueError("latitude must be within -90..90 deg and longitude finite")
    yz, xz = cpr_encode(lat, lon, f)
    ac = altitude_code_25ft(alt)
    me = (
        (np.uint64(tc) << np.uint64(51))
        | (ac << np.uint64(36))
        | (f.astype(np.uint64) << np.uint64(34))
        | (yz << np.uint64(17))
        | xz
    )
    return _assemble(icao, me)


def encode_airborne_velocity(
    icao24, v_east_kt, v_north_kt, vertical_rate_fpm, nac_v: int = 1, baro_vertical_rate: bool = True
) -> np.ndarray:
    """DF17 airborne velocity frames (TC 19, ground-speed subtype 1, or 2 above 1022 kt), shape (N, 14).

    Components are signed ground speed east and north [kt] (1 kt steps, 4 kt supersonic) and the
    vertical rate [ft/min] (64 ft/min steps, up positive), DO-260B §2.2.3.2.6.1. GNSS-minus-baro
    difference not available (0).
    """
    icao = icao_to_int(icao24)
    n = icao.size
    ve, vn, vr = (a.astype(float) for a in _bcast(n, v_east_kt, v_north_kt, vertical_rate_fpm))
    if not (np.all(np.isfinite(ve)) and np.all(np.isfinite(vn))):
        raise ValueError("velocity components must be finite")
    supersonic = np.maximum(np.abs(ve), np.abs(vn)) > 1021.5
    scale = np.where(supersonic, 4.0, 1.0)
    mag_e = np.minimum(np.round(np.abs(ve) / scale) + 1, 1023).astype(np.uint64)
    mag_n = np.minimum(np.round(np.abs(vn) / scale) + 1, 1023).astype(np.uint64)
    vr_known = np.isfinite(vr)
    mag_v = np.where(vr_known, np.minimum(np.round(np.abs(np.nan_to_num(vr)) / 64.0) + 1, 511), 0).astype(np.uint64)
    subtype = np.where(supersonic, 2, 1).astype(np.uint64)
    me = (
        (np.uint64(19) << np.uint64(51))
        | (subtype << np.uint64(48))
        | (np.uint64(nac_v & 0x7) << np.uint64(43))
        | ((ve < 0).astype(np.uint64) << np.uint64(42))
        | (mag_e << np.uint64(32))
        | ((vn < 0).astype(np.uint64) << np.uint64(31))
        | (mag_n << np.uint64(21))
        | (np.uint64(1 if baro_vertical_rate else 0) << np.uint64(20))
        | ((np.nan_to_num(vr) < 0).astype(np.uint64) << np.uint64(19))
        | (mag_v << np.uint64(10))
    )
    return _assemble(icao, me)


def encode_operational_status(icao24, nacp, version: int = 2, sil: int = 3, nic_supplement_a: int = 0) -> np.ndarray:
    """DF17 aircraft operational status frames (TC 31, subtype 0 airborne, BDS 6,5), shape (N, 14).

    Carries the ADS-B version (2 = DO-260B), NACp 0-11 (bits 45-48 of ME) and SIL; capability
    and operational mode codes 0 (DO-260B §2.2.3.2.7.2).
    """
    icao = icao_to_int(icao24)
    n = icao.size
    (nac,) = _bcast(n, nacp)
    nac = nac.astype(np.int64)
    if np.any((nac < 0) | (nac > 11)):
        raise ValueError("NACp is 0..11")
    me = (
        (np.uint64(31) << np.uint64(51))
        | (np.uint64(version & 0x7) << np.uint64(13))
        | (np.uint64(nic_supplement_a & 1) << np.uint64(12))
        | (nac.astype(np.uint64) << np.uint64(8))
        | (np.uint64(sil & 0x3) << np.uint64(4))
    )
    return _assemble(icao, me)


def nacp_from_nucp(nucp) -> np.ndarray:
    """Largest NACp whose 95 % bound is no tighter than NUCp's mu (for version 0 transponders).

    A conservative mapping between DO-260 NUCp (table 2-14) and DO-260B NACp (table 2-70):
    NACp = max{k : EPU(k) >= mu(NUCp)}; NUCp 0 (unknown) gives NACp 0.
    """
    mu = NUCP_MU_M[np.clip(np.asarray(nucp, dtype=int), 0, 9)]
    ok = NACP_EPU_M[None, :] >= np.atleast_1d(mu)[:, None]
    return (ok.shape[1] - 1 - np.argmax(ok[:, ::-1], axis=1)).astype(int)


def decode_frame(frame: str, reference: tuple[float, float] | None = None) -> dict:
    """One Mode S frame decoded by pyModeS (a plain dict; ``crc_valid`` False for a damaged DF17/18).

    With ``reference`` (lat, lon in degrees, within 180 NM of the aircraft) an airborne position
    frame is resolved locally, alone. Raises ValueError for text that is not a 14 or 28 hex-digit frame.
    """
    import pyModeS

    try:
        return dict(pyModeS.decode(frame, reference=reference))
    except (pyModeS.InvalidHexError, pyModeS.InvalidLengthError) as exc:
        raise ValueError(f"{frame!r}: {exc}") from None


@dataclass
class AdsbStats:
    """What a decoder did with its frames; every dropped frame is counted under one reason."""

    frames: int = 0  # frames offered
    malformed: int = 0  # not a 56/112-bit hex frame
    not_adsb: int = 0  # DF other than 17/18 (surveillance replies, Comm-B, all-call)
    crc_fail: int = 0  # DF17/18 with a non-zero CRC remainder: dropped
    identification: int = 0
    velocity: int = 0
    operational_status: int = 0
    positions: int = 0  # position frames with a CRC-valid payload
    positions_reported: int = 0  # ... resolved and reported
    positions_pending: int = 0  # ... not resolved yet (waiting for a CPR pair or bootstrap)
    impossible_positions: int = 0  # ... resolved but out of range or inconsistent with the track: dropped
    by_typecode: dict[int, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {k: (dict(v) if isinstance(v, dict) else v) for k, v in self.__dict__.items()}


@dataclass
class _Aircraft:
    callsign: str = ""
    velocity: np.ndarray = field(default_factory=lambda: np.full(3, np.nan))
    nacp: int = -1  # from TC 31; -1 until received


class AdsbDecoder:
    """Streaming ADS-B decoder: frames in, :class:`AdsbReports` out (one report per resolved position).

    Wraps ``pyModeS.PipeDecoder``, which pairs even/odd CPR frames (global decoding, pairs at most
    ``pair_window_s`` apart), holds an aircraft's first positions until three agree, then decodes
    single frames locally from the last accepted position and rejects positions the aircraft could
    not have reached (faster than 1500 kt). With a receiver ``reference`` (lat, lon in degrees),
    surface positions are resolved too, and every position farther than ``max_range_m`` from the
    receiver (beyond its radio horizon) is dropped as impossible. Callsign, velocity and NACp are
    the latest received for the aircraft (velocity NaN until a TC 19 frame has been heard; NACp
    from TC 31, or from the position's NUCp for version 0 transponders).
    """

    def __init__(
        self,
        reference: tuple[float, float] | None = None,
        max_range_m: float = 450_000.0,
        pair_window_s: float = 10.0,
    ) -> None:
        import pyModeS

        self.reference = reference
        self.max_range_m = max_range_m
        self._pipe = pyModeS.PipeDecoder(surface_ref=reference, pair_window=pair_window_s)
        self._aircraft: dict[str, _Aircraft] = {}
        self._rejected_before = 0
        self.stats = AdsbStats()

    def decode(self, frames: Sequence[str], t: np.ndarray) -> AdsbReports:
        """Decode frames received at times ``t`` [s, any consistent clock, non-decreasing]."""
        t = np.asarray(t, dtype=float)
        if t.shape != (len(frames),):
            raise ValueError(f"{len(frames)} frames but {t.size} reception times")
        st = self.stats
        rows: list[tuple] = []
        pipe = self._pipe
        # pyModeS decodes one frame at a time (Python ints, per-aircraft CPR state): a loop per frame
        # is the library's own granularity, there is no array form of CPR pairing.
        for k, frame in enumerate(frames):
            st.frames += 1
            res = pipe.decode(frame, timestamp=float(t[k]))
            if "error" in res:
                st.malformed += 1
                continue
            df = res.get("df")
            if df not in (17, 18):
                st.not_adsb += 1
                continue
            if res.get("crc_valid") is not True:
                st.crc_fail += 1
                continue
            tc = int(res.get("typecode") or 0)
            st.by_typecode[tc] = st.by_typecode.get(tc, 0) + 1
            icao = str(res["icao"]).lower()
            ac = self._aircraft.get(icao)
            if ac is None:
                ac = self._aircraft[icao] = _Aircraft()
            bds = res.get("bds")
            if bds == "0,8":
                st.identification += 1
                ac.callsign = str(res.get("callsign") or "").replace("#", "").strip()
            elif bds == "0,9":
                st.velocity += 1
                gs, trk, vr = res.get("groundspeed"), res.get("track"), res.get("vertical_rate")
                if gs is not None and trk is not None:
                    a = np.radians(trk)
                    up = vr * FPM if vr is not None else np.nan
                    ac.velocity = np.array([gs * KT * np.sin(a), gs * KT * np.cos(a), up])
            elif bds == "6,5":
                st.operational_status += 1
                if res.get("nac_p") is not None:
                    ac.nacp = int(res["nac_p"])
            elif bds in ("0,5", "0,6"):
                st.positions += 1
                lat, lon = res.get("latitude"), res.get("longitude")
                if lat is None or lon is None:
                    st.positions_pending += 1
                    continue
                if not self._possible(lat, lon, surface=bds == "0,6"):
                    st.impossible_positions += 1
                    continue
                alt_ft = res.get("altitude")
                alt_m = alt_ft * FT if alt_ft is not None else np.nan
                vel = ac.velocity
                if bds == "0,6":  # surface movement carries its own ground speed and track
                    alt_m = np.nan
                    gs, trk = res.get("groundspeed"), res.get("track")
                    if gs is not None and trk is not None:
                        a = np.radians(trk)
                        vel = np.array([gs * KT * np.sin(a), gs * KT * np.cos(a), 0.0])
                nucp = res.get("nuc_p")
                if nucp is None:
                    nucp = {5: 9, 6: 8, 7: 7, 8: 6}.get(tc, 0)
                nacp = ac.nacp if ac.nacp >= 0 else int(nacp_from_nucp(nucp)[0])
                rows.append((t[k], icao, ac.callsign, lat, lon, alt_m, vel, nacp))
                st.positions_reported += 1
        rejected = pipe.stats.get("position_rejected", 0)
        st.impossible_positions += rejected - self._rejected_before
        self._rejected_before = rejected
        return _reports(rows)

    def _possible(self, lat: float, lon: float, surface: bool) -> bool:
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            return False
        if self.reference is None:
            return True
        limit = SURFACE_REFERENCE_RANGE_M if surface else self.max_range_m
        return _haversine_m(self.reference[0], self.reference[1], lat, lon) <= limit


def _haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance [m] on the mean Earth sphere (R = 6371.0088 km, IUGG)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return float(2.0 * 6_371_008.8 * np.arcsin(np.sqrt(a)))


def _reports(rows: list[tuple]) -> AdsbReports:
    if not rows:
        return AdsbReports.empty()
    t, icao, call, lat, lon, alt, vel, nacp = zip(*rows, strict=True)
    return AdsbReports(
        t=np.array(t, dtype=float),
        icao24=np.array(icao, dtype="<U6"),
        callsign=np.array(call, dtype="<U8"),
        lat=np.array(lat, dtype=float),
        lon=np.array(lon, dtype=float),
        altitude_m=np.array(alt, dtype=float),
        velocity=np.array(vel, dtype=float).reshape(-1, 3),
        nacp=np.array(nacp, dtype=int),
    )


def decode_adsb(
    frames: Sequence[str],
    t: np.ndarray,
    reference: tuple[float, float] | None = None,
    max_range_m: float = 450_000.0,
) -> tuple[AdsbReports, AdsbStats]:
    """Decode a batch of frames (hex strings) received at times ``t`` [s]; see :class:`AdsbDecoder`."""
    dec = AdsbDecoder(reference=reference, max_range_m=max_range_m)
    reports = dec.decode(frames, t)
    return reports, dec.stats


def encode_reports(reports: AdsbReports, tc: int = 11) -> tuple[np.ndarray, np.ndarray]:
    """Frames that broadcast ``reports`` (e.g. simulated), and their transmit times [s].

    For each report: an airborne position (even or odd format alternating per aircraft, by the
    order of its reports) and an airborne velocity frame at the report's time; plus, at each
    aircraft's first report, an identification and an operational status (NACp) frame. Altitudes
    are barometric [m] -> 25 ft code; velocity (E, N, U) [m/s] -> kt and ft/min.
    """
    n = len(reports)
    if n == 0:
        return np.zeros((0, 14), dtype=np.uint8), np.zeros(0)
    icao = icao_to_int(reports.icao24)
    order = np.lexsort((reports.t, icao))
    rank = np.empty(n, dtype=int)
    first = np.r_[True, icao[order][1:] != icao[order][:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    rank[order] = np.arange(n) - start
    odd = rank % 2
    pos = encode_airborne_position(icao, reports.lat, reports.lon, reports.altitude_m / FT, odd, tc=tc)
    v = np.nan_to_num(reports.velocity, nan=0.0)
    vel = encode_airborne_velocity(icao, v[:, 0] / KT, v[:, 1] / KT, reports.velocity[:, 2] / FPM)
    new = order[first]
    ident = encode_identification(icao[new], np.where(reports.callsign[new] == "", "", reports.callsign[new]))
    status = encode_operational_status(icao[new], reports.nacp[new])
    frames = np.concatenate([ident, status, pos, vel])
    times = np.concatenate([reports.t[new], reports.t[new], reports.t, reports.t])
    k = np.argsort(times, kind="stable")
    return frames[k], times[k]
