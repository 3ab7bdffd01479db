"""WGS84 <-> local ENU and polar conventions, via pymap3d (or its operations written out, bit-identical).

bastion computes in a site's local east-north-up frame (metres, origin at the site's WGS84 origin)
and converts only at the edges (scenario files, ADS-B, exports). Angles at the edges follow the
navigation convention: azimuth clockwise from true north, elevation up from the horizontal plane.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from math import pi
from typing import Annotated

import numpy as np
import pymap3d
from pydantic import ConfigDict, Field
from pymap3d.ellipsoid import Ellipsoid

MIN_GROUND_M, MAX_GROUND_M = -500.0, 9_000.0  # ground elevation AMSL: Dead Sea shore -430 m, Everest 8,849 m


@dataclass(frozen=True)
class Origin:
    """WGS84 origin of a site's local ENU frame: latitude, longitude [deg] and the ground elevation
    there [m above mean sea level]. The one origin of bastion: a scenario's ``[site.origin]`` is read
    into it (keys ``lat``, ``lon``, ``elevation_m``, checked by pydantic against the bounds below as
    the schema checks every field; constructed in code, it is not checked).

    Datum: heights in bastion are above mean sea level (the scenario's elevation, the air model's
    ground altitude, ADS-B altitudes, which become site heights as ``altitude - alt_m``). pymap3d's
    conversions take ``alt_m`` as the height above the WGS84 ellipsoid: the geoid undulation (tens
    of metres, site-dependent) is neglected, so heights converted in and out stay MSL-based, and
    horizontal positions move by less than a millimetre within 10 km for an undulation of 30 m."""

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)

    lat_deg: Annotated[float, Field(ge=-90, le=90, alias="lat", description="latitude [deg]")]
    lon_deg: Annotated[float, Field(ge=-180, le=180, alias="lon", description="longitude [deg]")]
    alt_m: Annotated[
        float,
        Field(ge=MIN_GROUND_M, le=MAX_GROUND_M, alias="elevation_m", description="ground elevation AMSL [m]"),
    ] = 0.0

    def to_enu(self, lat_deg, lon_deg, alt_m) -> np.ndarray:
        """ENU coordinates [m], shape (..., 3), of WGS84 points (broadcast arrays).

        ``pymap3d.geodetic2enu`` (pymap3d 3.2: ``geodetic2ecef`` of the points minus the origin's,
        then ``uvw2enu``) written out with the same numpy operations in the same order, so the
        results are bit-identical (tested); the origin's terms come from :attr:`_frame`. pymap3d
        itself spends some 60 us per call on a handful of points (every ADS-B batch). A NaN or
        infinite coordinate gives NaN, quietly: a malformed report is refused downstream."""
        x0, y0, z0, cos_lat0, sin_lat0, cos_lon0, sin_lon0, a, b = self._frame
        with np.errstate(invalid="ignore"):
            lat, lon = np.radians(lat_deg), np.radians(lon_deg)
            cos_lat, sin_lat = np.cos(lat), np.sin(lat)
            # geodetic2ecef: N is the radius of curvature of the prime vertical section
            N = a**2 / np.hypot(a * cos_lat, b * sin_lat)
            r = (N + alt_m) * cos_lat  # (pymap3d forms it twice, the same way)
            u = r * np.cos(lon) - x0
            v = r * np.sin(lon) - y0
            w = (N * (b / a) ** 2 + alt_m) * sin_lat - z0
            # uvw2enu
            t = cos_lon0 * u + sin_lon0 * v
            out = np.empty((*np.shape(t), 3))  # (t has the inputs' broadcast shape)
            out[..., 0] = -sin_lon0 * u + cos_lon0 * v
            out[..., 1] = -sin_lat0 * t + cos_lat0 * w
            out[..., 2] = cos_lat0 * t + sin_lat0 * w
        return out

    def to_wgs84(self, enu: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Latitude, longitude [deg] and altitude [m] of ENU points (..., 3)."""
        enu = np.asarray(enu, dtype=float)
        if enu.ndim == 2:  # a batch of points (ADS-B reports, exports): the written-out path below
            out = self._enu2geodetic(enu[:, 0], enu[:, 1], enu[:, 2])
            if out is not None:
                return out
        return pymap3d.enu2geodetic(enu[..., 0], enu[..., 1], enu[..., 2], self.lat_deg, self.lon_deg, self.alt_m)

    @cached_property
    def _frame(self) -> tuple:
        """The origin's terms of pymap3d's ``enu2ecef`` (its ECEF position, sines and cosines of its
        latitude and longitude) and the WGS84 axes, computed once with pymap3d's own calls."""
        ell = Ellipsoid.from_name("wgs84")
        x0, y0, z0 = pymap3d.geodetic2ecef(self.lat_deg, self.lon_deg, self.alt_m, ell)
        lat0, lon0 = np.radians(self.lat_deg), np.radians(self.lon_deg)
        trig = (np.cos(lat0), np.sin(lat0), np.cos(lon0), np.sin(lon0))
        return x0, y0, z0, *trig, ell.semimajor_axis, ell.semiminor_axis

    def _enu2geodetic(self, e: np.ndarray, n: np.ndarray, up: np.ndarray) -> tuple | None:
        """``pymap3d.enu2geodetic`` (pymap3d 3.2: ``enu2ecef`` then You's (2000) closed-form
        ``ecef2geodetic``) for 1-D arrays, written out with the same numpy operations in the same
        order, so the results are bit-identical; the origin's terms come from :attr:`_frame`.
        pymap3d spends ~60 us per call on setup and on masks for degenerate points (the earth's
        centre, the polar axis); a batch containing such a point returns None and goes to pymap3d.
        """
        x0, y0, z0, cos_lat0, sin_lat0, cos_lon0, sin_lon0, a, b = self._frame
        # enu2uvw, then enu2ecef
        t = cos_lat0 * up - sin_lat0 * n
        w = sin_lat0 * up + cos_lat0 * n
        u = cos_lon0 * t - sin_lon0 * e
        v = sin_lon0 * t + cos_lon0 * e
        x, y, z = x0 + u, y0 + v, z0 + w
        # ecef2geodetic
        r = np.sqrt(x**2 + y**2 + z**2)
        E = np.sqrt(a**2 - b**2)
        u = np.sqrt(0.5 * (r**2 - E**2) + 0.5 * np.hypot(r**2 - E**2, 2 * E * z))
        hxy = np.hypot(x, y)
        if (np.abs(u) <= 1e-8).any() or (np.abs(hxy) <= 1e-8).any():  # pymap3d's isclose(., 0)
            return None
        huE = np.hypot(u, E)
        beta = np.arctan(huE / u * z / hxy)
        beta = beta + ((b * u - a * huE + E**2) * np.sin(beta)) / (a * huE * 1 / np.cos(beta) - E**2 * np.cos(beta))
        lat = np.arctan(a / b * np.tan(beta))
        lim_pi2 = pi / 2 - np.finfo(beta.dtype).eps
        lat = np.where(beta >= lim_pi2, pi / 2, lat)
        lat = np.where(beta <= -lim_pi2, -pi / 2, lat)
        lon = np.arctan2(y, x)
        cos_beta = np.cos(beta)
        cos_beta = np.where(beta >= lim_pi2, 0, cos_beta)
        cos_beta = np.where(beta <= -lim_pi2, 0, cos_beta)
        alt = np.hypot(z - b * np.sin(beta), hxy - a * cos_beta)
        inside = x**2 / a**2 + y**2 / a**2 + z**2 / b**2 < 1
        if inside.any():
            alt[inside] = -alt[inside]
        return np.degrees(lat), np.degrees(lon), alt


def enu_to_polar(enu: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Range [m], azimuth [rad, clockwise from north, in (-pi, pi]] and elevation [rad] of vectors (..., 3)."""
    e, n, u = enu[..., 0], enu[..., 1], enu[..., 2]
    ground = np.hypot(e, n)
    return np.hypot(ground, u), np.arctan2(e, n), np.arctan2(u, ground)


def polar_to_enu(range_m, azimuth_rad, elevation_rad) -> np.ndarray:
    """ENU vectors (..., 3) from range [m], azimuth (clockwise from north) and elevation [rad]."""
    r = np.asarray(range_m, dtype=float)
    az = np.asarray(azimuth_rad, dtype=float)
    el = np.asarray(elevation_rad, dtype=float)
    ground = r * np.cos(el)
    return np.stack(np.broadcast_arrays(ground * np.sin(az), ground * np.cos(az), r * np.sin(el)), axis=-1)


def wrap_angle(angle: np.ndarray | float) -> np.ndarray:
    """Angle wrapped to (-pi, pi]."""
    return np.pi - np.mod(np.pi - np.asarray(angle, dtype=float), 2.0 * np.pi)


def heading_vector(heading_rad: np.ndarray | float) -> np.ndarray:
    """Unit horizontal ENU vector(s) (..., 2) of a heading clockwise from north."""
    h = np.asarray(heading_rad, dtype=float)
    return np.stack([np.sin(h), np.cos(h)], axis=-1)
