"""The small defended site the live-engine tests configure feeds for."""

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
