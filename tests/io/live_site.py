"""The small defended site the live-engine tests configure feeds for, and a free loopback UDP port."""

import socket

SITE = """
[scenario]
name = "site"
start = 2022-01-03T04:25:30+03:00
duration_s = 600

[site]
name = "test site"
origin = { lat = 33.2625, lon = 44.23444, elevation_m = 35.0 }

[[zones]]
name = "Base"
kind = "military"
value = 100.0
circle = { center = { east_m = 0.0, north_m = 0.0 }, radius_m = 400.0 }

[[sensors]]
kind = "radar"
name = "R1"
type = "kurfs"
position = { east_m = 0.0, north_m = 0.0, height_m = 8.0 }

[[sensors]]
kind = "adsb"
name = "A1"
position = { east_m = 0.0, north_m = 0.0, height_m = 15.0 }

[[weapons]]
name = "G1"
type = "lpws"
position = { east_m = 50.0, north_m = 0.0, height_m = 3.0 }
"""


def free_udp_port() -> int:
    """A UDP port on 127.0.0.1 that nothing holds now (bound once by the OS, then released)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
