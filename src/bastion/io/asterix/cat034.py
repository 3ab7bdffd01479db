"""CAT034 service messages (North markers, sector crossings) read record by record, for scan timing."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bastion.io.asterix.uap import UAP, _Bad
from bastion.io.asterix.walk import _item_end


@dataclass(frozen=True)
class ServiceMessage:
    """A CAT034 record: source, message type (1 North marker, 2 sector crossing, ...) and time of day [s]."""

    sac: int
    sic: int
    message_type: int  # -1 when I034/000 is absent
    time_of_day: float  # NaN when I034/030 is absent
    sector_deg: float  # I034/020 sector azimuth [deg], NaN when absent


def read_service_messages(datagram: bytes) -> tuple[list[ServiceMessage], int]:
    """The CAT034 records of a datagram and the number of CAT034 blocks found damaged (skipped).

    Walks only the CAT034 blocks (the other categories go to :func:`bastion.io.asterix.decode`,
    which counts their damage); item lengths come from that module's CAT034 UAP and item walker.
    """
    out: list[ServiceMessage] = []
    bad = 0
    p, n = 0, len(datagram)
    while p + 3 <= n:
        cat, length = datagram[p], int.from_bytes(datagram[p + 1 : p + 3], "big")
        if length < 3 or p + length > n:
            break  # damaged block header: asterix.decode counts it
        if cat == 34:
            q, end = p + 3, p + length
            try:
                while q < end:
                    q, message = _cat034_record(datagram, q, end)
                    out.append(message)
            except (IndexError, _Bad):  # the walker's signals of a damaged record
                bad += 1
        p += length
    return out, bad


def _cat034_record(data: bytes, q: int, end: int) -> tuple[int, ServiceMessage]:
    """One CAT034 record starting at ``q``: (offset after it, its message). IndexError when damaged."""
    uap = UAP[34]
    fs_end = q
    while data[fs_end] & 1:
        fs_end += 1
    fspec, q = data[q : fs_end + 1], fs_end + 1
    at: dict[int, int] = {}  # FRN -> offset of the item
    for k, byte in enumerate(fspec):
        for bit in range(7):
            if byte & (0x80 >> bit):
                frn = 7 * k + bit + 1
                spec = uap[frn - 1] if frn <= len(uap) else None
                if spec is None:
                    raise IndexError(f"FRN {frn} is spare or beyond the CAT034 UAP")
                at[frn] = q
                q = _item_end(data, q, *spec)
    if q > end:
        raise IndexError("item past the block")
    src = int.from_bytes(data[at[1] : at[1] + 2], "big") if 1 in at else -1
    tod = int.from_bytes(data[at[3] : at[3] + 3], "big") / 128.0 if 3 in at else math.nan
    return q, ServiceMessage(
        src >> 8 if src >= 0 else -1,
        src & 0xFF if src >= 0 else -1,
        data[at[2]] if 2 in at else -1,
        tod,
        data[at[4]] * 360.0 / 256.0 if 4 in at else math.nan,
    )
