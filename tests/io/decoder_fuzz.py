"""The decoders' fuzz target, shared by the coverage-guided fuzzer and the regression corpus test.

``one_input(data)`` feeds arbitrary bytes to every decoder of outside data: ASTERIX (CAT048 plots to
scans, CAT021 to ADS-B reports, CAT062 to tracks), libpcap captures, Mode S Beast and AVR streams.
Their contract: never raise on content (count and skip what is bad), except :class:`PcapError` (a
``ValueError``) for a capture that is not libpcap at all. Anything else raised is a bug the fuzzer
reports.

Coverage-guided run (atheris, libFuzzer; outside CI's time): ``make fuzz`` or
``python tests/io/decoder_fuzz.py tests/io/fuzz_corpus -max_total_time=600``. Inputs that crashed
go into ``tests/io/fuzz_corpus/`` (``crash-*``), where ``test_decoder_corpus.py`` replays every
file in the suite, so a fixed crash stays fixed.
"""

from __future__ import annotations

import contextlib
import sys
from functools import cache


@cache
def _decoders():
    """The decoder modules, imported on first use (so that the fuzzer can instrument them first)."""
    from bastion.io import asterix, modes_stream, pcap
    from bastion.physics.geodesy import Origin

    return asterix, modes_stream, pcap, Origin(33.2625, 44.23444, 35.0)


def one_input(data: bytes) -> None:
    """Every decoder on ``data``; the first byte picks how the rest is framed."""
    if not data:
        return
    asterix, modes_stream, pcap, origin = _decoders()
    mode, body = data[0] % 4, data[1:]
    if mode == 0:  # one raw ASTERIX stream
        dec = asterix.decode(body)
    elif mode == 1:  # datagrams split at every 0xFF byte (UDP payloads of any size)
        dec = asterix.decode(body.split(b"\xff"))
    else:
        dec = None
    if dec is not None:
        for det in asterix.to_detections(dec.cat048, 0, 3_600.0, 10.0):
            assert len(det.range) == len(det.azimuth)
        asterix.to_adsb_reports(dec.cat021, 3_600.0)
        asterix.to_tracks(dec.cat062, origin, 3_600.0)
        return
    if mode == 2:
        with contextlib.suppress(pcap.PcapError):  # not libpcap at all: the one error allowed
            pcap.read_udp(body)
        modes_stream.read_beast(body)
        return
    modes_stream.read_avr(body)
    modes_stream.read_avr(body.decode("latin-1"))


def main() -> None:  # pragma: no cover - the fuzzer's entry point
    import atheris

    # numba's compiled loops cannot be instrumented: load everything but the decoders first
    import bastion.physics.geodesy
    import bastion.sense.types  # noqa: F401

    with atheris.instrument_imports(include=["bastion.io.asterix", "bastion.io.modes_stream", "bastion.io.pcap"]):
        _decoders()
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
