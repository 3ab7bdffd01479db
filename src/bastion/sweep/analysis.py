"""Aggregations of a sweep's ``results.parquet`` and ``points.parquet`` with DuckDB.

Measures, per grid point, over the runs that completed (failed runs are counted apart):

* P(leak): the fraction of runs in which at least one hostile reached the ground in a defended
  zone (``leakers > 0``);
* P_RA, the probability of raid annihilation: the fraction of runs in which every hostile was
  defeated before impact (``hostiles_defeated == hostiles``: destroyed, or landed by its fail-safe
  after a jammer cut its link; ``hostiles_destroyed`` where a run has no such column), the measure in which navies state
  ship self-defence requirements (the U.S. Navy's P_RA requirement, assessed in the DOT&E annual
  reports on ship self-defence);
* P(populated fall): the fraction of runs in which a round or a piece of debris fell on a
  populated zone (``fall_of_shot_populated + debris_in_populated > 0``), the fall-of-shot risk;
* civil aircraft engaged (must be 0);
* what the defence expended (issue 19): mean rounds fired, interceptors launched, cost per night and
  median cost per kill (runs that killed nothing have no cost per kill), from summary.json's costs.

Each proportion carries a Wilson score interval (Wilson 1927, JASA 22:209; recommended over the
Wald interval by Brown, Cai & DasGupta 2001, Statist. Sci. 16:101), which stays inside [0, 1] and
keeps its coverage near 0 and 1, where a good defence's P(leak) lives.

DuckDB streams the Parquet files, so memory does not grow with the number of runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

Z95 = 1.959963984540054  # standard normal quantile at 0.975 (two-sided 95 %)


def wilson_interval(k, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``k`` successes in ``n`` trials (arrays broadcast); NaN where n = 0.

    centre = (p + z²/2n) / (1 + z²/n); half-width = z / (1 + z²/n) · sqrt(p(1-p)/n + z²/4n²)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2.0 * n)) / denom
        half = z / denom * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
        lo = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        hi = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return lo, hi


@dataclass(frozen=True)
class Proportion:
    k: int
    n: int
    lo: float
    hi: float

    @property
    def p(self) -> float:
        return self.k / self.n if self.n else float("nan")

    def text(self, digits: int = 3) -> str:
        if not self.n:
            return "n/a"
        return f"{self.p:.{digits}f} [{self.lo:.{digits}f}, {self.hi:.{digits}f}]"


def proportion(k: int, n: int) -> Proportion:
    lo, hi = wilson_interval(k, n)
    return Proportion(int(k), int(n), float(lo), float(hi))


@dataclass(frozen=True)
class PointStats:
    """What the runs of one grid point show."""

    point: int
    label: str
    runs: int  # completed runs
    failed: int
    leak: Proportion
    raid_annihilation: Proportion
    populated_fall: Proportion
    civil_engaged: int  # summed over runs
    civil_engaged_runs: int
    civil_hit: int
    mean_leakers: float
    mean_rounds_fired: float
    rounds_per_kill_median: float | None
    mean_interceptors: float = float("nan")
    mean_cost_usd: float = float("nan")
    cost_per_kill_median_usd: float | None = None


def connect(folder: Path):
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("SET memory_limit = '1GB'")
    return con


def _path(folder: Path, name: str) -> str:
    return str(Path(folder) / name).replace("'", "''")


def _columns(con, folder: Path) -> set[str]:
    rows = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{_path(folder, 'results.parquet')}')").fetchall()
    return {r[0] for r in rows}


def _col(names: set[str], name: str, default: str = "NULL") -> str:
    return f'"{name}"' if name in names else default


def point_stats(folder: Path, con=None) -> list[PointStats]:
    """Per grid point: P(leak), P_RA and P(populated fall) with Wilson 95 % intervals, and counts."""
    own = con is None
    con = con or connect(folder)
    try:
        names = _columns(con, folder)
        c = lambda n, d="NULL": _col(names, n, d)  # noqa: E731
        rows = con.execute(
            f"""
            SELECT point, any_value(point_label),
                   count(*) FILTER (WHERE status = 'ok'),
                   count(*) FILTER (WHERE status <> 'ok'),
                   count(*) FILTER (WHERE status = 'ok' AND {c("leakers", "0")} > 0),
                   count(*) FILTER (WHERE status = 'ok' AND coalesce({c("hostiles_defeated")},
                                    {c("hostiles_destroyed", "0")}) = {c("hostiles", "0")}),
                   count(*) FILTER (WHERE status = 'ok' AND coalesce({c("fall_of_shot_populated", "0")}, 0)
                                    + coalesce({c("debris_in_populated", "0")}, 0) > 0),
                   coalesce(sum({c("civil_engaged", "0")}), 0),
                   count(*) FILTER (WHERE {c("civil_engaged", "0")} > 0),
                   coalesce(sum({c("civil_hit", "0")}), 0),
                   avg({c("leakers")}) FILTER (WHERE status = 'ok'),
                   avg({c("rounds_fired")}) FILTER (WHERE status = 'ok'),
                   median({c("rounds_per_kill")}) FILTER (WHERE status = 'ok'),
                   avg({c("interceptors_launched")}) FILTER (WHERE status = 'ok'),
                   avg({c("cost_usd")}) FILTER (WHERE status = 'ok'),
                   median({c("cost_per_kill_usd")}) FILTER (WHERE status = 'ok')
            FROM read_parquet('{_path(folder, "results.parquet")}')
            GROUP BY point ORDER BY point
            """
        ).fetchall()
    finally:
        if own:
            con.close()
    out = []
    for r in rows:
        n = int(r[2])
        out.append(
            PointStats(
                point=int(r[0]),
                label=r[1] or "",
                runs=n,
                failed=int(r[3]),
                leak=proportion(r[4], n),
                raid_annihilation=proportion(r[5], n),
                populated_fall=proportion(r[6], n),
                civil_engaged=int(r[7]),
                civil_engaged_runs=int(r[8]),
                civil_hit=int(r[9]),
                mean_leakers=float("nan") if r[10] is None else float(r[10]),
                mean_rounds_fired=float("nan") if r[11] is None else float(r[11]),
                rounds_per_kill_median=None if r[12] is None else float(r[12]),
                mean_interceptors=float("nan") if r[13] is None else float(r[13]),
                mean_cost_usd=float("nan") if r[14] is None else float(r[14]),
                cost_per_kill_median_usd=None if r[15] is None else float(r[15]),
            )
        )
    return out


@dataclass(frozen=True)
class Quantiles:
    """A distribution summarised for a box plot: 5th, 25th, 50th, 75th and 95th percentiles."""

    point: int
    group: str  # zone name, or "" where there is no grouping
    n: int  # runs with a value
    of: int  # completed runs
    mean: float
    q: tuple[float, float, float, float, float]


_QS = "[0.05, 0.25, 0.5, 0.75, 0.95]"


def warning_time_quantiles(folder: Path, con=None) -> list[Quantiles]:
    """Per grid point and zone: the warning time [s] distribution over runs that warned the zone."""
    own = con is None
    con = con or connect(folder)
    try:
        names = _columns(con, folder)
        zones = sorted(n for n in names if n.startswith("warning_time_s."))
        if not zones:
            return []
        src = f"read_parquet('{_path(folder, 'results.parquet')}')"
        rows = con.execute(
            f"""
            WITH ok AS (SELECT * FROM {src} WHERE status = 'ok'),
                 total AS (SELECT point, count(*) AS n FROM ok GROUP BY point),
                 long AS (UNPIVOT (SELECT point, COLUMNS('^warning_time_s\\.') FROM ok)
                          ON COLUMNS('^warning_time_s\\.') INTO NAME zone VALUE wt)
            SELECT long.point, zone, count(wt), any_value(total.n), avg(wt), quantile_cont(wt, {_QS})
            FROM long JOIN total USING (point) GROUP BY long.point, zone ORDER BY long.point, zone
            """
        ).fetchall()
    finally:
        if own:
            con.close()
    return [
        Quantiles(int(r[0]), r[1].removeprefix("warning_time_s."), int(r[2]), int(r[3]), float(r[4]), tuple(r[5]))
        for r in rows
    ]


def rounds_per_kill_quantiles(folder: Path, con=None) -> list[Quantiles]:
    """Per grid point: the rounds-per-kill distribution over runs with at least one kill."""
    own = con is None
    con = con or connect(folder)
    try:
        names = _columns(con, folder)
        if "rounds_per_kill" not in names:
            return []
        rows = con.execute(
            f"""
            SELECT point, count(rounds_per_kill), count(*), avg(rounds_per_kill), quantile_cont(rounds_per_kill, {_QS})
            FROM read_parquet('{_path(folder, "results.parquet")}') WHERE status = 'ok'
            GROUP BY point HAVING count(rounds_per_kill) > 0 ORDER BY point
            """
        ).fetchall()
    finally:
        if own:
            con.close()
    return [Quantiles(int(r[0]), "", int(r[1]), int(r[2]), float(r[3]), tuple(r[4])) for r in rows]


def rounds_per_kill_histogram(folder: Path, bins: int = 30, con=None) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Bin edges (rounds) and, per grid point, the count of runs per bin."""
    own = con is None
    con = con or connect(folder)
    try:
        if "rounds_per_kill" not in _columns(con, folder):
            return np.zeros(0), {}
        src = f"read_parquet('{_path(folder, 'results.parquet')}')"
        lo, hi = con.execute(f"SELECT min(rounds_per_kill), max(rounds_per_kill) FROM {src}").fetchone()
        if lo is None:
            return np.zeros(0), {}
        width = max((hi - lo) / bins, 1.0)
        rows = con.execute(
            f"""
            SELECT point, least(floor((rounds_per_kill - {lo}) / {width})::BIGINT, {bins - 1}) AS b, count(*)
            FROM {src} WHERE status = 'ok' AND rounds_per_kill IS NOT NULL GROUP BY ALL ORDER BY ALL
            """
        ).fetchall()
    finally:
        if own:
            con.close()
    edges = lo + width * np.arange(bins + 1)
    counts: dict[int, np.ndarray] = {}
    for point, b, n in rows:
        counts.setdefault(int(point), np.zeros(bins, dtype=np.int64))[int(b)] = n
    return edges, counts


@dataclass(frozen=True)
class ImpactGrid:
    """Fall of shot or debris impacts binned on a square grid of ``cell_m``: cells with impacts only.

    ``per_run`` is the mean number of impacts per night in the cell."""

    point: int | None  # None: every grid point together
    kind: str
    cell_m: float
    east_m: np.ndarray  # cell centres
    north_m: np.ndarray
    per_run: np.ndarray


def impact_extent(folder: Path, con=None) -> tuple[float, float, float, float] | None:
    """(east min, east max, north min, north max) of every impact [m], or None without impacts."""
    own = con is None
    con = con or connect(folder)
    try:
        r = con.execute(
            f"SELECT min(east_m), max(east_m), min(north_m), max(north_m) "
            f"FROM read_parquet('{_path(folder, 'points.parquet')}')"
        ).fetchone()
    finally:
        if own:
            con.close()
    return None if r[0] is None else tuple(float(x) for x in r)


def impact_grids(folder: Path, cell_m: float, points: list[int] | None = None, con=None) -> list[ImpactGrid]:
    """Binned impacts per kind, for every grid point together and for each of ``points``."""
    own = con is None
    con = con or connect(folder)
    try:
        runs = dict(
            con.execute(
                f"SELECT point, count(*) FROM read_parquet('{_path(folder, 'results.parquet')}') "
                "WHERE status = 'ok' GROUP BY point"
            ).fetchall()
        )
        src = f"read_parquet('{_path(folder, 'points.parquet')}')"
        cells = f"floor(east_m / {cell_m})::BIGINT AS i, floor(north_m / {cell_m})::BIGINT AS j"
        everything = con.execute(f"SELECT kind, {cells}, count(*) FROM {src} GROUP BY ALL ORDER BY ALL").fetchall()
        chosen = [int(p) for p in points or []]
        by_point = (
            con.execute(
                f"SELECT point, kind, {cells}, count(*) FROM {src} WHERE point IN ({', '.join(map(str, chosen))}) "
                "GROUP BY ALL ORDER BY ALL"
            ).fetchall()
            if chosen
            else []
        )
    finally:
        if own:
            con.close()
    out: list[ImpactGrid] = []
    total_runs = sum(runs.values()) or 1

    def grids(point: int | None, rows: list, n_runs: int) -> None:
        for kind in ("fall_of_shot", "debris_impact"):
            sel = np.array([(i, j, n) for k, i, j, n in rows if k == kind], dtype=float).reshape(-1, 3)
            out.append(
                ImpactGrid(
                    point,
                    kind,
                    cell_m,
                    (sel[:, 0] + 0.5) * cell_m,
                    (sel[:, 1] + 0.5) * cell_m,
                    sel[:, 2] / max(n_runs, 1),
                )
            )

    grids(None, everything, total_runs)
    for p in chosen:
        grids(p, [r[1:] for r in by_point if r[0] == p], runs.get(p, 0))
    return out


@dataclass(frozen=True)
class CivilSafety:
    engaged: int  # civil aircraft engaged, summed over runs
    hit: int
    runs_with_engagement: list[tuple[int, int]]  # (grid point, seed), the first few
    runs: int


def civil_safety(folder: Path, con=None, first: int = 20) -> CivilSafety:
    own = con is None
    con = con or connect(folder)
    try:
        names = _columns(con, folder)
        src = f"read_parquet('{_path(folder, 'results.parquet')}')"
        engaged, hit, runs = con.execute(
            f"SELECT coalesce(sum({_col(names, 'civil_engaged', '0')}), 0), "
            f"coalesce(sum({_col(names, 'civil_hit', '0')}), 0), count(*) FILTER (WHERE status = 'ok') FROM {src}"
        ).fetchone()
        which = con.execute(
            f"SELECT point, seed FROM {src} WHERE {_col(names, 'civil_engaged', '0')} > 0 "
            f"ORDER BY point, replication LIMIT {int(first)}"
        ).fetchall()
    finally:
        if own:
            con.close()
    return CivilSafety(int(engaged), int(hit), [(int(a), int(b)) for a, b in which], int(runs))


def failures(folder: Path, con=None, first: int = 10) -> list[tuple[str, int, int]]:
    """The distinct errors of failed runs: (error, how many runs, first seed), most frequent first."""
    own = con is None
    con = con or connect(folder)
    try:
        return [
            (str(e), int(n), int(s))
            for e, n, s in con.execute(
                f"SELECT error, count(*), min(seed) FROM read_parquet('{_path(folder, 'results.parquet')}') "
                f"WHERE status <> 'ok' GROUP BY error ORDER BY count(*) DESC, error LIMIT {int(first)}"
            ).fetchall()
        ]
    finally:
        if own:
            con.close()
