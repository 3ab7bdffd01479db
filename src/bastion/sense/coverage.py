"""Radar coverage: how far each radar sees a reference target at a given height above the ground.

For a radar and a height above ground level (AGL) the coverage is computed along ``n_azimuth``
radials from the radar, sampled every ``step_m`` of ground range (at most half the surface's
cell, so every obstacle cell is sampled, as :meth:`Surface.clear` samples its rays). A target at
that height above the terrain is *covered* at a sample when all of these hold:

* **line of sight** over the terrain and obstacles of the site's surface on a 4/3 earth: in the
  radar's tangent plane the ground at range ``s`` lies ``s^2 / (2 k R)`` lower, and the target is
  seen when its elevation angle from the antenna, so lowered, is at least the highest elevation
  angle of the surface at any nearer sample (the running maximum along the radial: the same test
  as :meth:`~bastion.physics.terrain.Surface.clear`, whose bulge ``s (d - s) / (2 k R)`` is this
  written about the chord; tested against it);
* the radar's own limits: minimum and maximum slant range, the masking elevation (site clutter
  fence) and the maximum elevation, computed as the sensor model computes them (flat ENU);
* **detection**: the single-look probability of detection of a Swerling 1 target of RCS
  ``rcs_m2`` is at least ``pd`` (radar equation scaled from the radar's reference point, times the
  ground's multipath factor F^4: :mod:`bastion.physics.detection`, :mod:`bastion.physics.multipath`).

The default reference target is 0.05 m^2 at Pd 0.9: the one-way-attack drone of the catalogue (-13
dBsm, shared/domain/ram-and-layers.md §7: small UAVs -20 to -8 dBsm), at the probability the
catalogue's radars are specified at. The *coverage range* along a radial is the far end of the
first unbroken run of covered samples: how far the radar sees the target coming straight in
without a gap (ground beyond a ridge that is visible again further out is not counted).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bastion.physics import detection, multipath
from bastion.physics.terrain import EARTH_RADIUS_M, STANDARD_K, Surface
from bastion.scenario.compiled import RadarSite

HEIGHTS_AGL_M = (50.0, 150.0, 500.0)  # the heights the issue names (issue 20, item 1)
REFERENCE_RCS_M2 = 0.05
REFERENCE_PD = 0.9


@dataclass(frozen=True)
class Coverage:
    """One radar's coverage of the reference target at one height above ground."""

    radar: str
    height_agl_m: float
    rcs_m2: float
    pd: float
    origin: np.ndarray  # (2,) the radar's east, north [m]
    azimuth: np.ndarray  # (A,) radials, clockwise from north [rad]
    range_m: np.ndarray  # (A,) coverage range along each radial [m]; 0 where nothing is covered

    def ring(self) -> np.ndarray:
        """(A + 1, 2) ENU points of the coverage boundary, closed."""
        pts = self.origin + self.range_m[:, None] * np.column_stack([np.sin(self.azimuth), np.cos(self.azimuth)])
        return np.vstack([pts, pts[:1]])

    @property
    def area_km2(self) -> float:
        """Area [km^2] inside the boundary (the radials' sectors)."""
        return float(np.sum(self.range_m**2) * np.pi / self.azimuth.size / 1e6)


def radar_coverage(
    site: RadarSite,
    surface: Surface | None = None,
    roughness_m: float = multipath.DEFAULT_ROUGHNESS_M,
    heights_agl_m: tuple[float, ...] = HEIGHTS_AGL_M,
    rcs_m2: float = REFERENCE_RCS_M2,
    pd: float = REFERENCE_PD,
    n_azimuth: int = 360,
    step_m: float = 50.0,
) -> list[Coverage]:
    """The coverage of ``site``'s radar at each of ``heights_agl_m`` (see the module docstring)."""
    rt = site.type
    if surface is not None:
        step_m = min(step_m, surface.cell_m / 2)
    az = np.arange(n_azimuth) * (2 * np.pi / n_azimuth)
    snr_needed = detection.snr_for_pd(pd, rt.pfa)
    # no sample beyond the range where even the best multipath lobe (F^4 = 16) gives the SNR needed
    reach = rt.ref_range_m * (16.0 * rt.ref_snr * rcs_m2 / (rt.ref_rcs_m2 * snr_needed)) ** 0.25
    r = step_m * np.arange(1, int(np.ceil(min(rt.max_range_m, reach) / step_m)) + 1)  # ground ranges [m]
    x0, y0, z0 = (float(v) for v in site.position)
    east = x0 + np.sin(az)[:, None] * r[None, :]
    north = y0 + np.cos(az)[:, None] * r[None, :]
    k = surface.k_factor if surface is not None else STANDARD_K
    drop = r * r / (2 * k * EARTH_RADIUS_M)  # the 4/3 earth below the radar's tangent plane [m]
    if surface is not None:
        ground = surface.ground_at(east, north)
        top = surface.height_at(east, north)  # terrain or obstacle, what hides
        h_radar = z0 - float(surface.ground_at(np.array([x0]), np.array([y0]))[0])
    else:
        ground = top = np.zeros_like(east)
        h_radar = z0
    # the highest elevation angle (tangent) of the surface at any nearer sample along each radial
    horizon = np.maximum.accumulate((top - drop - z0) / r, axis=1)
    horizon = np.concatenate([np.full((n_azimuth, 1), -np.inf), horizon[:, :-1]], axis=1)
    out = []
    for h in heights_agl_m:
        z = ground + h
        seen = (z - drop - z0) / r >= horizon
        slant = np.hypot(r, z - z0)
        el = np.arctan2(z - z0, r)
        seen &= (slant >= rt.min_range_m) & (slant <= rt.max_range_m)
        seen &= (el >= rt.mask_elevation_rad) & (el <= rt.max_elevation_rad)
        i, j = seen.nonzero()  # the radar equation and multipath where the target can be seen at all
        snr = detection.snr(rcs_m2, slant[i, j], rt.ref_snr, rt.ref_rcs_m2, rt.ref_range_m)
        snr = snr * multipath.snr_factor(h_radar, np.full(i.size, h), r[j], rt.frequency_ghz * 1e9, roughness_m)
        seen[i, j] = snr >= snr_needed
        out.append(Coverage(site.name, h, rcs_m2, pd, np.array([x0, y0]), az, _first_run_end(seen, r)))
    return out


def _first_run_end(covered: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Per row, the range of the last sample of the first run of covered samples (0: none)."""
    n = covered.shape[1]
    first = np.where(covered.any(axis=1), covered.argmax(axis=1), n)
    after = np.arange(n)[None, :] >= first[:, None]
    gap = after & ~covered
    end = np.where(gap.any(axis=1), gap.argmax(axis=1), n) - 1  # the last covered sample of the run
    return np.where(first < n, r[np.clip(end, 0, n - 1)], 0.0)
