"""Build a site's line-of-sight surface (:class:`bastion.physics.terrain.Surface`) from its scenario:
a GeoTIFF digital elevation model read with rasterio, and obstacle footprints rasterised onto the
same grid. With neither, a site has no surface and everything is tested against the flat datum
(the default, and the results of a flat site do not change)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely

from bastion.physics.geodesy import Origin
from bastion.physics.terrain import Surface
from bastion.scenario import schema
from bastion.scenario.loader import ScenarioError


def ground_used(surface: Surface | None, elevation_m: float) -> str:
    """What ground the night was simulated on, for reports: the DEM file and obstacles the site's
    surface was built from, or the flat datum at the origin's elevation when the scenario names none."""
    flat = f"flat datum at {elevation_m:g} m above mean sea level"
    if surface is None:
        return f"{flat} (no DEM given)"
    ground = surface.source if surface.source.startswith("DEM ") else f"{flat} (no DEM given), {surface.source}"
    return f"{ground}; line of sight on a {surface.k_factor:.3g} earth radius"


def build_surface(s: schema.Scenario, origin: Origin, directory: Path | None, source: str) -> Surface | None:
    """The site's surface, or None when the scenario names no DEM and no obstacles."""
    spec = s.terrain
    if spec.dem is None and not s.obstacles:
        return None
    cell, half = spec.cell_m, spec.extent_m
    n = int(np.ceil(2 * half / cell)) + 1
    if n > 4_001:
        raise ScenarioError([f"{source}: terrain: extent_m / cell_m gives a {n} x {n} grid (at most 4001 a side)"])
    axis = -half + cell * np.arange(n)
    terrain = np.zeros((n, n))
    described = []
    if spec.dem is not None:
        path = Path(spec.dem) if directory is None else directory / spec.dem
        terrain = _sample_dem(path, origin, axis, source) - origin.alt_m
        described.append(f"DEM {path.name}")
    obstacles = np.zeros((n, n))
    for ob in s.obstacles:
        if ob.polygon is not None:
            lat, lon = np.array(ob.polygon).T
            xy = origin.to_enu(lat, lon, np.full(lat.shape, origin.alt_m))[:, :2]
        else:
            xy = np.array(ob.polygon_enu, dtype=float)
        _burn(obstacles, shapely.Polygon(xy), ob.height_m, axis, cell)
    if s.obstacles:
        described.append(f"{len(s.obstacles)} obstacles")
    return Surface(float(axis[0]), float(axis[0]), cell, terrain, obstacles, spec.k_factor, ", ".join(described))


def _burn(grid: np.ndarray, footprint: shapely.Polygon, top: float, axis: np.ndarray, cell: float) -> None:
    """Raise the cells whose centres fall inside ``footprint`` (or that it touches, for a footprint
    smaller than a cell) to ``top``."""
    e0, n0, e1, n1 = footprint.bounds
    j = np.flatnonzero((axis >= e0 - cell) & (axis <= e1 + cell))
    i = np.flatnonzero((axis >= n0 - cell) & (axis <= n1 + cell))
    if not (len(i) and len(j)):
        return
    ee, nn = np.meshgrid(axis[j], axis[i])
    inside = shapely.contains_xy(footprint.buffer(cell / 2), ee, nn)
    sub = grid[np.ix_(i, j)]
    grid[np.ix_(i, j)] = np.where(inside, np.maximum(sub, top), sub)


def _sample_dem(path: Path, origin: Origin, axis: np.ndarray, source: str) -> np.ndarray:
    """DEM heights [m AMSL] at the grid nodes (bilinear; no-data and outside the DEM: the origin's
    elevation, i.e. the flat datum)."""
    try:
        import rasterio
        from rasterio.warp import transform
    except ImportError:  # pragma: no cover - rasterio is a dependency
        raise ScenarioError([f"{source}: terrain.dem needs rasterio (pip install rasterio)"]) from None
    from scipy.ndimage import map_coordinates

    ee, nn = np.meshgrid(axis, axis)
    lat, lon, _ = origin.to_wgs84(np.column_stack([ee.ravel(), nn.ravel(), np.zeros(ee.size)]))
    try:
        with rasterio.open(path) as ds:
            band = ds.read(1, masked=True).astype(float)
            xs, ys = transform("EPSG:4326", ds.crs, np.asarray(lon).tolist(), np.asarray(lat).tolist())
            cols, rows = ~ds.transform @ (np.asarray(xs), np.asarray(ys))
    except (OSError, rasterio.errors.RasterioError) as exc:
        raise ScenarioError([f"{source}: terrain.dem: cannot read {path}: {exc}"]) from None
    data = np.ma.filled(band, np.nan)
    # pixel centres are at +0.5 in rasterio's (col, row) convention
    h = map_coordinates(data, [np.asarray(rows) - 0.5, np.asarray(cols) - 0.5], order=1, mode="constant", cval=np.nan)
    h = np.where(np.isfinite(h), h, origin.alt_m)
    return h.reshape(ee.shape)
