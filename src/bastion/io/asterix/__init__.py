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

The package by job: :mod:`~bastion.io.asterix.uap` (units and the UAP tables),
:mod:`~bastion.io.asterix.walk` (the record walker and bit-field readers),
:mod:`~bastion.io.asterix.decode` (datagrams to arrays, records to dicts),
:mod:`~bastion.io.asterix.cat034` (service messages), :mod:`~bastion.io.asterix.convert` (to and from
bastion's types) and :mod:`~bastion.io.asterix.encode` (one record packer, the four encoders).
"""

from bastion.io.asterix.cat034 import ServiceMessage, read_service_messages
from bastion.io.asterix.convert import (
    elevation_from_height,
    height_from_elevation,
    to_adsb_reports,
    to_detections,
    to_tracks,
)
from bastion.io.asterix.decode import AsterixDecode, Cat021Reports, Cat048Plots, Cat062Tracks, decode, records
from bastion.io.asterix.encode import (
    CAT034_NORTH_MARKER,
    CAT034_SECTOR_CROSSING,
    MAX_DATAGRAM,
    encode_cat021,
    encode_cat048,
    encode_cat062,
    encode_north_marker,
)
from bastion.io.asterix.uap import DAY_S, EARTH_RADIUS_M, FPM, FT, NM, SP_MAGIC, SP_MAGIC_MD, UAP
from bastion.io.asterix.walk import AsterixStats

__all__ = [
    "CAT034_NORTH_MARKER",
    "CAT034_SECTOR_CROSSING",
    "DAY_S",
    "EARTH_RADIUS_M",
    "FPM",
    "FT",
    "MAX_DATAGRAM",
    "NM",
    "SP_MAGIC",
    "SP_MAGIC_MD",
    "UAP",
    "AsterixDecode",
    "AsterixStats",
    "Cat021Reports",
    "Cat048Plots",
    "Cat062Tracks",
    "ServiceMessage",
    "decode",
    "elevation_from_height",
    "encode_cat021",
    "encode_cat048",
    "encode_cat062",
    "encode_north_marker",
    "height_from_elevation",
    "read_service_messages",
    "records",
    "to_adsb_reports",
    "to_detections",
    "to_tracks",
]
