"""The live engine: the decision pipeline driven by real sensor feeds in real time.

A live configuration is a scenario file without truth (no ``threats``, no ``civil``: they come
through the sensors) plus one ``[[feeds]]`` table per sensor feed and optional ``[publish]`` and
``[live]`` tables::

    [[feeds]]
    name = "KuRFS"               # for messages and statistics
    sensor = "C-RAM radar"       # the scenario sensor whose data this is
    format = "asterix"           # asterix (CAT048 + CAT034 for a radar, CAT021 for ADS-B) | avr | beast
    udp = "127.0.0.1:4000"       # listen here; or tcp = "host:30005" (a Mode S stream server, e.g.
                                 # dump1090), or file = "night.pcap" (a recording, paced by --speed)
    sac = 0                      # ASTERIX: keep only this source (I0xx/010)
    sic = 1

    [publish]
    cat062 = "127.0.0.1:8600"    # system tracks, after every radar scan
    dis = "127.0.0.1:3000"       # DIS PDUs (tracks, guns, fire) — wired by the CLI

Datagrams from all sockets are handled in the order the kernel received them (SO_TIMESTAMPNS on
Linux; a datagram is held ``hold_s`` so one still in flight to another socket is not overtaken), so
a recording replayed to several ports presents its data in the recorded order. CAT048 plots are
grouped into scans by time of day; a scan is complete when a CAT034 North marker from the same
radar arrives, when a plot of a later time arrives, or ``scan_flush_s`` after its last plot. Mode S
frames go through one :class:`~bastion.sense.adsb_frames.AdsbDecoder` per feed; a TCP stream carries
an incomplete trailing frame over to the next chunk.

Bad input never stops the engine: every packet that is damaged (ASTERIX blocks or records that do
not parse, Mode S frames that are malformed or fail their CRC, empty datagrams) is counted once
in its feed's :class:`FeedStats` and the rest of it skipped; plots with impossible values (a
bit-flipped float) are dropped and counted; a radar scan older than the radar's last is dropped
(stale), and one that jumps more than ``max_jump_s`` ahead is held until a second scan confirms the
new time (one corrupted time of day cannot stall a radar). Operator actions (the engine's operator
protocol) take effect before the next sensor report is processed, as in the simulation.

This package sits under ``bastion.engine`` in the layer contract: the decision pipeline, the event
log and the clock are handed in (see ``bastion.cli.live``), so io never imports the engine.

One module per job: :mod:`~bastion.io.live.config` (the configuration file),
:mod:`~bastion.io.live.decoders` (each feed's bytes to scans and reports),
:mod:`~bastion.io.live.sources` (sockets and recordings), :mod:`~bastion.io.live.publish` (CAT062
out) and :mod:`~bastion.io.live.engine` (the event loop). The names below are the public surface.
"""

from bastion.io.live.config import (
    FeedSpec,
    LiveConfig,
    LiveSettings,
    LiveSetup,
    PublishSpec,
    load_live,
    parse_live,
    strip_tables,
)
from bastion.io.live.decoders import AdsbItem, Cat021Feed, FeedStats, ModesFeed, RadarFeed, ScanItem
from bastion.io.live.engine import DecisionSink, LagStats, LiveEngine, LiveReport, PacingClock, live_summary
from bastion.io.live.publish import Cat062Publisher
from bastion.io.live.sources import FileSource, TcpSource, UdpSource, open_files

__all__ = [
    "AdsbItem",
    "Cat021Feed",
    "Cat062Publisher",
    "DecisionSink",
    "FeedSpec",
    "FeedStats",
    "FileSource",
    "LagStats",
    "LiveConfig",
    "LiveEngine",
    "LiveReport",
    "LiveSettings",
    "LiveSetup",
    "ModesFeed",
    "PacingClock",
    "PublishSpec",
    "RadarFeed",
    "ScanItem",
    "TcpSource",
    "UdpSource",
    "live_summary",
    "load_live",
    "open_files",
    "parse_live",
    "strip_tables",
]
