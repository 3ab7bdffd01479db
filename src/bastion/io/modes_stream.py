"""Raw Mode S receiver streams: AVR text lines and Beast binary frames (dump1090, readsb, Radarcape).

AVR: one frame per line, ``*<hex>;`` (14 or 28 hex digits), or ``@<12 hex digits of 12 MHz
timestamp><hex>;`` with a receiver timestamp; ``:`` and blank lines are skipped. Beast: each frame
is ``0x1A <type> <timestamp: 6 bytes> <signal: 1 byte> <payload>``, type ``'1'`` Mode A/C (2 bytes),
``'2'`` Mode S short (7 bytes), ``'3'`` Mode S long (14 bytes), with every 0x1A byte of the body
sent twice (the Beast wire protocol as implemented in dump1090's ``net_io.c``). The timestamp is a
48-bit counter, 12 MHz on dump1090 (``BEAST_CLOCK_HZ``).

Both readers count what they skip (:class:`StreamStats`) and never raise on bad bytes. pyModeS 3
has a Beast parser, but it is private (``pyModeS.cli._source``), drops the signal level and does not
count bad frames: this one is bastion's, and the tests check it against pyModeS's on a real capture.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

BEAST_CLOCK_HZ = 12_000_000.0
"""Beast timestamp rate of dump1090 / readsb [Hz] (Radarcape GPS-timestamped receivers differ)."""

_BEAST_PAYLOAD = {0x31: 2, 0x32: 7, 0x33: 14}  # frame type -> payload bytes (Mode A/C, Mode S short, long)
_BEAST_TYPE = {n: kind for kind, n in _BEAST_PAYLOAD.items()}
_HEX = frozenset("0123456789abcdefABCDEF")


@dataclass
class StreamStats:
    """Counts of a Mode S stream: frames found, by kind, and what was skipped."""

    frames: int = 0  # Mode S frames returned
    mode_ac: int = 0  # Beast Mode A/C replies (returned as-is in ``mode_ac`` count only)
    status: int = 0  # Beast status / other type frames skipped
    malformed: int = 0  # lines or frames that are not valid (counted, skipped)
    bytes_skipped: int = 0  # Beast bytes outside any frame (resynchronisation)
    errors: list[str] = field(default_factory=list)  # first few problems, for the user

    def note(self, message: str) -> None:
        self.malformed += 1
        if len(self.errors) < 20:
            self.errors.append(message)


@dataclass(frozen=True)
class ModesFrames:
    """Mode S frames read from a stream, in order. Arrays of shape (N,)."""

    frame: np.ndarray  # hex strings, upper case, 14 or 28 characters
    timestamp: np.ndarray  # receiver timestamp [s] (counter / 12 MHz; NaN for plain AVR lines)
    signal: np.ndarray  # Beast signal level byte 0..255 (-1 for AVR)

    def __len__(self) -> int:
        return int(self.frame.size)


def _frames(rows: list[tuple[str, float, int]]) -> ModesFrames:
    if not rows:
        return ModesFrames(np.zeros(0, dtype="<U28"), np.zeros(0), np.zeros(0, dtype=int))
    f, t, s = zip(*rows, strict=True)
    return ModesFrames(np.array(f, dtype="<U28"), np.array(t, dtype=float), np.array(s, dtype=int))


def read_avr(text: str | bytes) -> tuple[ModesFrames, StreamStats]:
    """Frames of AVR text (``*8D...;`` or ``@TTTTTTTTTTTT8D...;`` lines)."""
    if isinstance(text, bytes):
        text = text.decode("ascii", errors="replace")
    st = StreamStats()
    rows: list[tuple[str, float, int]] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(":"):
            continue
        if line[0] not in "*@" or not line.endswith(";"):
            st.note(f"line {lineno}: not an AVR frame ({line[:40]!r})")
            continue
        body = line[1:-1]
        ts = np.nan
        if line[0] == "@":
            if len(body) < 12 or not set(body[:12]) <= _HEX:
                st.note(f"line {lineno}: bad timestamp")
                continue
            ts = int(body[:12], 16) / BEAST_CLOCK_HZ
            body = body[12:]
        if len(body) not in (14, 28) or not set(body) <= _HEX:
            st.note(f"line {lineno}: {len(body)} characters, a Mode S frame has 14 or 28 hex digits")
            continue
        rows.append((body.upper(), ts, -1))
    st.frames = len(rows)
    return _frames(rows), st


def read_beast(data: bytes) -> tuple[ModesFrames, StreamStats]:
    """Mode S frames of a Beast binary stream; Mode A/C and status frames are counted and skipped."""
    frames, st, _ = _walk_beast(data, stream=False)
    return frames, st


def read_beast_stream(data: bytes) -> tuple[ModesFrames, StreamStats, bytes]:
    """As :func:`read_beast` for a stream cut anywhere (e.g. a TCP chunk), plus the incomplete tail.

    The tail starts at the frame marker (0x1A and a Mode A/C or Mode S frame type) whose escaped
    body runs past the end of ``data``, or at a final 0x1A whose meaning the next byte decides; it
    is to be put before the next chunk (pyModeS's stream parser keeps the same remainder; the tests
    compare them at every cut). A frame cut short on the wire (an unescaped marker inside its body)
    is not a tail: it is counted malformed, as :func:`read_beast` does.
    """
    return _walk_beast(data, stream=True)


def _walk_beast(data: bytes, stream: bool) -> tuple[ModesFrames, StreamStats, bytes]:
    """The one Beast framer: frames, counts and (``stream``) the incomplete tail of ``data``."""
    st = StreamStats()
    rows: list[tuple[str, float, int]] = []
    n = len(data)
    i = 0
    tail = b""
    # Byte-stuffed framing: each frame's length is known only after un-escaping it, so the walk is
    # sequential by nature (no array form); frames are ~20 bytes, a capture of 1e6 frames takes ~2 s.
    while i < n:
        if data[i] != 0x1A:
            j = data.find(b"\x1a", i)
            j = n if j < 0 else j
            st.bytes_skipped += j - i
            i = j
            continue
        if i + 1 >= n:
            if stream:  # the next chunk's first byte says what this 0x1A is
                tail = data[i:]
                break
            st.note(f"byte {i}: stream ends inside a frame")
            break
        kind = data[i + 1]
        if kind == 0x1A:  # an escaped 0x1A outside a frame: noise
            st.bytes_skipped += 2
            i += 2
            continue
        plen = _BEAST_PAYLOAD.get(kind)
        body_len = 7 + (plen or 0)
        body = bytearray()
        j = i + 2
        cut = False
        while len(body) < body_len and j < n:
            b = data[j]
            if b == 0x1A:
                if j + 1 < n and data[j + 1] == 0x1A:
                    body.append(0x1A)
                    j += 2
                    continue
                cut = True  # an unescaped marker: this frame was truncated, the next one starts here
                break
            body.append(b)
            j += 1
        if plen is None:
            st.status += 1
            # skip to the next frame marker (status frames have no fixed length on every receiver)
            k = j
            while k < n:
                if data[k] == 0x1A:
                    if k + 1 < n and data[k + 1] == 0x1A:
                        k += 2
                        continue
                    break
                k += 1
            i = k
            continue
        if len(body) < body_len:
            if stream and (not cut or j + 1 >= n):  # the body runs past the chunk: the rest is to come
                tail = data[i:]
                break
            st.note(f"byte {i}: frame of type {chr(kind)!r} truncated ({len(body)} of {body_len} bytes)")
            i = j if cut else n
            continue
        i = j
        if kind == 0x31:
            st.mode_ac += 1
            continue
        ts = int.from_bytes(body[:6], "big") / BEAST_CLOCK_HZ
        rows.append((bytes(body[7:]).hex().upper(), ts, body[6]))
    st.frames = len(rows)
    return _frames(rows), st, tail


def write_avr(frames, timestamps=None) -> str:
    """AVR text of hex frames; with ``timestamps`` [s] the ``@`` form with a 12 MHz counter."""
    lines = []
    for k, f in enumerate(frames):
        if timestamps is None:
            lines.append(f"*{f};")
        else:
            tick = round(float(timestamps[k]) * BEAST_CLOCK_HZ) & 0xFFFFFFFFFFFF
            lines.append(f"@{tick:012X}{f};")
    return "\n".join(lines) + ("\n" if lines else "")


def write_beast(frames, timestamps, signal=None) -> bytes:
    """Beast binary of hex frames (14 or 28 digits) at receiver times [s] (12 MHz counter)."""
    out = bytearray()
    for k, f in enumerate(frames):
        payload = bytes.fromhex(str(f))
        kind = _BEAST_TYPE.get(len(payload))
        if kind is None:
            raise ValueError(f"frame {k}: {len(payload)} bytes, not a Mode S or Mode A/C frame")
        tick = round(float(timestamps[k]) * BEAST_CLOCK_HZ) & 0xFFFFFFFFFFFF
        level = 0 if signal is None else int(signal[k]) & 0xFF
        body = tick.to_bytes(6, "big") + bytes([level]) + payload
        out += bytes([0x1A, kind]) + body.replace(b"\x1a", b"\x1a\x1a")
    return bytes(out)
