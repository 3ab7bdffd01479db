"""WGS84 <-> local ENU and polar conventions, via pymap3d.

bastion computes in a site's local east-north-up frame (metres, origin at the site's WGS84 origin)
and converts only at the edges (scenario files, ADS-B, exports). Angles at the edges follow the
navigation convention: azimuth clockwise from true north, elevation up from the horizontal plane.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pymap3d


@dataclass(frozen=True)
class Origin:
    """WGS84 origin of a local ENU frame: latitude, longitude [deg], altitude [m above ellipsoid]."""

    lat_deg: float
    lon_deg: float
    alt_m: float = 0.0

    def to_enu(self, lat_deg, lon_deg, alt_m) -> np.ndarray:
        """ENU coordinates [m], shape (..., 3), of WGS84 points (broadcast arrays)."""
        e, n, u = pymap3d.geodetic2enu(
            np.asarray(lat_deg, dtype=float),
            np.asarray(lon_deg, dtype=float),
            np.asarray(alt_m, dtype=float),
            self.lat_deg,
            self.lon_deg,
            self.alt_m,
        )
        return np.stack(np.broadcast_arrays(e, n, u), axis=-1)

    def to_wgs84(self, enu: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Latitude, longitude [deg] and altitude [m] of ENU points (..., 3)."""
        enu = np.asarray(enu, dtype=float)
        return pymap3d.enu2geodetic(enu[..., 0], enu[..., 1], enu[..., 2], self.lat_deg, self.lon_deg, self.alt_m)


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
