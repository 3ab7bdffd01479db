"""Conversions between decoded ASTERIX and bastion's types (sensor frame, ENU tracks)."""

from __future__ import annotations

import itertools

import numpy as np

from bastion.io.asterix.decode import Cat021Reports, Cat048Plots, Cat062Tracks
from bastion.io.asterix.uap import DAY_S, EARTH_RADIUS_M, FT
from bastion.physics.geodesy import Origin
from bastion.sense.types import MD_BIRD, MD_NONE, MD_NOT_BIRD, AdsbReports, Detections
from bastion.track.types import Tracks, TrackStatus


def height_from_elevation(range_m, elevation, radar_height_m: float) -> np.ndarray:
    """Height above the sphere [m] of a target at slant range and elevation from a radar at ``radar_height_m``.

    Spherical Earth of radius R, no refraction (bastion's elevations are geometric):
    h = sqrt(r^2 + (R + h0)^2 + 2 r (R + h0) sin(el)) - R.
    """
    r = np.asarray(range_m, dtype=float)
    rr = EARTH_RADIUS_M + radar_height_m
    return np.sqrt(r**2 + rr**2 + 2.0 * r * rr * np.sin(elevation)) - EARTH_RADIUS_M


def elevation_from_height(range_m, height_m, radar_height_m: float) -> np.ndarray:
    """Inverse of :func:`height_from_elevation`: elevation [rad] of a target at slant range and height."""
    r = np.asarray(range_m, dtype=float)
    rr = EARTH_RADIUS_M + radar_height_m
    rh = EARTH_RADIUS_M + np.asarray(height_m, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (rh**2 - rr**2 - r**2) / (2.0 * r * rr)
    return np.arcsin(np.clip(s, -1.0, 1.0))


def to_detections(
    plots: Cat048Plots,
    sensor: int = 0,
    start_tod_s: float = 0.0,
    radar_height_m: float = 0.0,
    source: tuple[int, int] | None = None,
) -> list[Detections]:
    """Group CAT048 plots into scans of :class:`Detections` (one per run of equal time of day).

    ``start_tod_s``: time of day [s after midnight UTC] of bastion's t = 0. ``source``: keep only
    plots of this (SAC, SIC). Plots written by :func:`encode_cat048` carry bastion's full-precision
    values in their SP field (and the micro-Doppler class of a radar that classes its plots); plots
    of a real radar give range, azimuth, elevation from the 3D height (I048/110, else the flight
    level, I048/090, as a height), range rate from the Doppler speed (I048/120), NaN power and RCS
    (CAT048 has no equivalent) and no micro-Doppler class.
    """
    keep = np.isfinite(plots.range_m) & np.isfinite(plots.time_of_day)
    if source is not None:
        keep &= (plots.sac == source[0]) & (plots.sic == source[1])
    idx = np.flatnonzero(keep)
    if not idx.size:
        return []
    ex = plots.extras[idx]
    rng = np.where(np.isfinite(ex[:, 0]), ex[:, 0], plots.range_m[idx])
    az = np.where(np.isfinite(ex[:, 1]), ex[:, 1], plots.azimuth[idx])
    h = np.where(np.isfinite(plots.height_m[idx]), plots.height_m[idx], plots.flight_level[idx] * 100.0 * FT)
    el = np.where(np.isfinite(ex[:, 2]), ex[:, 2], elevation_from_height(rng, h, radar_height_m))
    rr = np.where(np.isfinite(ex[:, 3]), ex[:, 3], plots.doppler_speed[idx])
    foe = plots.foe_fri[idx]
    t = np.mod(plots.time_of_day[idx] - start_tod_s, DAY_S)
    cut = np.flatnonzero(np.r_[True, t[1:] != t[:-1], True])
    scans = []
    for a, b in itertools.pairwise(cut):  # one object per scan, not per plot
        s = slice(a, b)
        iff = foe[s] == 1 if (foe[s] >= 0).any() else None  # no FOE/FRI: the radar has no interrogator
        md = ex[s, 6]  # no class in any plot: the radar classes none; a plot without one or with a damaged one: none
        if np.isnan(md).all():
            md = None
        else:
            md = np.where((md == MD_BIRD) | (md == MD_NOT_BIRD), md, MD_NONE).astype(np.int8)
        scans.append(
            Detections(float(t[a]), sensor, rng[s], az[s], el[s], rr[s], ex[s, 4].copy(), ex[s, 5].copy(), iff, md)
        )
    return scans


def to_adsb_reports(reports: Cat021Reports, start_tod_s: float = 0.0) -> AdsbReports:
    """CAT021 reports with a position as :class:`AdsbReports` (altitude: flight level, else geometric height).

    NACp from I021/090 when given, else from NUCp for version 0 transponders, else 0.
    """
    from bastion.sense.adsb_frames import nacp_from_nucp

    keep = np.flatnonzero(np.isfinite(reports.lat) & np.isfinite(reports.time_of_day))
    r = reports
    alt = np.where(np.isfinite(r.flight_level[keep]), r.flight_level[keep] * 100.0 * FT, r.geometric_height_m[keep])
    gs, trk = r.ground_speed[keep], r.track_angle[keep]
    vel = np.stack([gs * np.sin(trk), gs * np.cos(trk), r.vertical_rate[keep]], axis=1)
    nacp = r.nacp[keep]
    nucp = nacp_from_nucp(np.maximum(r.nucp_nic[keep], 0)) if keep.size else np.zeros(0, dtype=int)
    nacp = np.where(nacp >= 0, nacp, np.where((r.version[keep] == 0) & (r.nucp_nic[keep] >= 0), nucp, 0))
    return AdsbReports(
        t=np.mod(r.time_of_day[keep] - start_tod_s, DAY_S),
        icao24=r.icao24[keep].astype("<U6"),
        callsign=r.callsign[keep].astype("<U8"),
        lat=r.lat[keep],
        lon=r.lon[keep],
        altitude_m=alt,
        velocity=vel.reshape(-1, 3),
        nacp=nacp.astype(int),
    )


def to_tracks(tracks: Cat062Tracks, origin: Origin, start_tod_s: float = 0.0) -> Tracks:
    """CAT062 system tracks as :class:`Tracks` in the ENU frame of ``origin`` (the system reference point).

    Position from I062/105 and I062/130 through pymap3d (else I062/100 and the barometric
    altitude); velocity from I062/185 and I062/220; covariance diagonal from I062/500 (NaN where a
    system sent none); status from I062/080. ``t`` is the latest time of track. Counters the
    format does not carry (updates, misses, RCS) are 0 / NaN.
    """
    n = len(tracks)
    alt = np.where(np.isfinite(tracks.geometric_altitude_m), tracks.geometric_altitude_m, tracks.barometric_altitude_m)
    enu = origin.to_enu(tracks.lat, tracks.lon, alt).reshape(-1, 3)
    no_wgs = ~np.isfinite(tracks.lat)
    enu[no_wgs, 0] = tracks.x_m[no_wgs]
    enu[no_wgs, 1] = tracks.y_m[no_wgs]
    enu[no_wgs, 2] = alt[no_wgs] - origin.alt_m
    x = np.column_stack([enu, tracks.vx, tracks.vy, tracks.rate_of_climb])
    P = np.zeros((n, 6, 6))
    sig = np.column_stack(
        [tracks.sigma_x, tracks.sigma_y, tracks.sigma_altitude, tracks.sigma_vx, tracks.sigma_vy, np.full(n, np.nan)]
    )
    P[:, np.arange(6), np.arange(6)] = sig**2
    P[:, 0, 1] = P[:, 1, 0] = tracks.cov_xy
    status = np.where(
        tracks.tentative == 1,
        TrackStatus.TENTATIVE,
        np.where(tracks.coasting == 1, TrackStatus.COASTING, TrackStatus.CONFIRMED),
    )
    t = np.mod(tracks.time_of_track - start_tod_s, DAY_S)
    return Tracks(
        t=float(np.nanmax(t)) if n else 0.0,
        id=tracks.track_number.astype(int),
        x=x,
        P=P,
        status=status.astype(int),
        updates=np.zeros(n, dtype=int),
        misses=np.zeros(n, dtype=int),
        last_update=t,
        rcs=np.full(n, np.nan),
        detection=np.full(n, -1, dtype=int),
    )
