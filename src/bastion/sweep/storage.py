"""Storage of a sweep's rows: Parquet part files as rows arrive, compacted by DuckDB into
``results.parquet`` and ``points.parquet``, damaged files set aside (see :mod:`bastion.sweep.runner`
for the folder's layout and columns)."""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

FLUSH_ROWS = 2_000  # write a part file after this many rows...
FLUSH_S = 5.0  # ...or this many seconds, whichever comes first
LEADING = ("point", "replication", "seed", "status", "error", "point_label")
IMPACT_COLUMNS = ("impact_kind", "impact_east_m", "impact_north_m", "impact_zone")


def _arrow_table(rows: list[dict], extra: dict[int, dict[str, Any]]):
    """Rows (with the grid point's ``extra`` columns) as an Arrow table; the union of their keys."""
    import pyarrow as pa

    keys: dict[str, None] = dict.fromkeys(LEADING)
    for r in rows:
        keys.update(dict.fromkeys(extra.get(r["point"], {})))
        keys.update(dict.fromkeys(r))
    fixed = {
        "point": pa.int64(),
        "replication": pa.int64(),
        "seed": pa.int64(),
        "status": pa.string(),
        "error": pa.string(),
        "point_label": pa.string(),
        "threats": pa.string(),
        "scenario": pa.string(),
        "impact_kind": pa.list_(pa.string()),
        "impact_east_m": pa.list_(pa.float64()),
        "impact_north_m": pa.list_(pa.float64()),
        "impact_zone": pa.list_(pa.string()),
    }
    columns = {}
    for k in keys:
        values = [r.get(k, extra.get(r["point"], {}).get(k)) for r in rows]
        typ = fixed.get(k)
        if typ is None and all(v is None for v in values):
            typ = pa.float64()  # a column with no value in this part: numeric null, widened by DuckDB
        try:
            columns[k] = pa.array(values, type=typ)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # a field whose values mix kinds: keep them as text
            columns[k] = pa.array([None if v is None else json.dumps(v, default=str) for v in values], pa.string())
    return pa.table(columns)


class PartWriter:
    """Buffers rows and writes them to ``parts/`` as complete Parquet files (temp name, then rename)."""

    def __init__(self, folder: Path, extra: dict[int, dict[str, Any]]):
        self.folder = folder / "parts"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.extra = extra
        self.rows: list[dict] = []
        self.session = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}"
        self.count = 0
        self.last = time.monotonic()

    def add(self, rows: list[dict]) -> None:
        self.rows.extend(rows)
        if len(self.rows) >= FLUSH_ROWS or time.monotonic() - self.last >= FLUSH_S:
            self.flush()

    def flush(self) -> None:
        import pyarrow.parquet as pq

        self.last = time.monotonic()
        if not self.rows:
            return
        table = _arrow_table(self.rows, self.extra)
        path = self.folder / f"part-{self.session}-{self.count:05d}.parquet"
        tmp = path.with_suffix(".tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, path)
        self.count += 1
        self.rows = []


def _duckdb(folder: Path):
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("SET memory_limit = '1GB'")
    con.execute("SET preserve_insertion_order = false")
    tmp = folder / ".duckdb-tmp"
    con.execute(f"SET temp_directory = '{_sql_path(tmp)}'")
    return con


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


def _sources(folder: Path) -> list[str]:
    files = sorted(str(p) for p in (folder / "parts").glob("part-*.parquet"))
    if (folder / "results.parquet").is_file():
        files.insert(0, str(folder / "results.parquet"))
    return files


def _read_sql(files: list[str], filename: bool = False) -> str:
    listed = ", ".join(f"'{_sql_path(Path(f))}'" for f in files)
    return f"read_parquet([{listed}], union_by_name = true{', filename = true' if filename else ''})"


def set_aside_damaged(folder: Path) -> list[Path]:
    """Rename every Parquet file of the folder's rows that pyarrow cannot read whole (a part truncated
    by a full disk or a copy cut short, a damaged ``results.parquet``) to ``NAME.damaged``, so that a
    resume re-runs its runs instead of dying in DuckDB. Returns the new names (kept for inspection)."""
    import pyarrow.parquet as pq

    moved = []
    for name in _sources(folder):
        path = Path(name)
        try:  # footer, schema and every page, a row group at a time (memory stays flat)
            with pq.ParquetFile(path) as pf:
                for i in range(pf.num_row_groups):
                    pf.read_row_group(i)
        except Exception:  # any failure to read (ArrowInvalid, OSError, ...) means the file is unusable
            target = path.with_name(path.name + ".damaged")
            k = 1
            while target.exists():
                target = path.with_name(f"{path.name}.{k}.damaged")
                k += 1
            os.replace(path, target)
            moved.append(target)
    return moved


def completed(folder: Path, n_points: int, runs: int) -> np.ndarray:
    """Which (grid point, replication) runs the folder already holds: bool array (n_points, runs)."""
    done = np.zeros((n_points, runs), dtype=bool)
    files = _sources(folder)
    if not files:
        return done
    con = _duckdb(folder)
    try:
        rel = con.execute(f"SELECT DISTINCT point, replication FROM {_read_sql(files)}")
        while batch := rel.fetchmany(100_000):
            keys = np.array(batch, dtype=np.int64).reshape(-1, 2)
            keep = (keys[:, 0] < n_points) & (keys[:, 1] < runs)
            done[keys[keep, 0], keys[keep, 1]] = True
    finally:
        con.close()
    return done


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def compact(folder: Path, param_columns: list[str] | None = None) -> int:
    """Merge ``parts/`` (and an existing ``results.parquet``) into ``results.parquet``, one row per
    (grid point, replication), ordered; rewrite ``points.parquet``; delete the parts. Returns rows.

    Safe to interrupt: files are written under temporary names and renamed; a run present twice
    (parts left by an interrupted compaction) is kept once, preferring a successful row."""
    files = _sources(folder)
    if not files:
        return 0
    con = _duckdb(folder)
    try:
        src = _read_sql(files, filename=True)
        names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall() if r[0] != "filename"]
        params = [c for c in (param_columns or []) if c in names]
        params += sorted(c for c in names if c.startswith("param.") and c not in params)
        rest = sorted(c for c in names if c not in LEADING and c not in params and c not in IMPACT_COLUMNS)
        order = [c for c in LEADING if c in names] + params + rest + [c for c in IMPACT_COLUMNS if c in names]
        cols = ", ".join(_quote(c) for c in order)
        results = folder / "results.parquet"
        tmp = folder / "results.parquet.tmp"
        con.execute(
            f"COPY (SELECT {cols} FROM {src} "
            "QUALIFY row_number() OVER (PARTITION BY point, replication "
            "ORDER BY (status = 'ok') DESC, filename) = 1 "
            f"ORDER BY point, replication) TO '{_sql_path(tmp)}' (FORMAT parquet)"
        )
        os.replace(tmp, results)
        for f in files:
            if Path(f) != results:
                Path(f).unlink(missing_ok=True)
        for stray in (folder / "parts").glob("*.tmp"):  # a part half-written when the sweep was killed
            stray.unlink()
        if (folder / "parts").is_dir() and not any((folder / "parts").iterdir()):
            (folder / "parts").rmdir()
        n = con.execute(f"SELECT count(*) FROM read_parquet('{_sql_path(results)}')").fetchone()[0]
        write_points(con, folder)
    finally:
        con.close()
        shutil.rmtree(folder / ".duckdb-tmp", ignore_errors=True)
    return int(n)


def write_points(con, folder: Path) -> None:
    """``points.parquet``: one row per fall of shot or debris impact, from ``results.parquet``."""
    results = folder / "results.parquet"
    tmp = folder / "points.parquet.tmp"
    names = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{_sql_path(results)}')").fetchall()}
    if "impact_kind" in names:
        body = (
            "SELECT point, replication, seed, unnest(impact_kind) AS kind, unnest(impact_east_m) AS east_m, "
            "unnest(impact_north_m) AS north_m, unnest(impact_zone) AS zone "
            f"FROM read_parquet('{_sql_path(results)}') WHERE status = 'ok' ORDER BY point, replication"
        )
    else:  # every run failed: an empty table with the columns
        body = (
            "SELECT 0::BIGINT AS point, 0::BIGINT AS replication, 0::BIGINT AS seed, ''::VARCHAR AS kind, "
            "0.0::DOUBLE AS east_m, 0.0::DOUBLE AS north_m, ''::VARCHAR AS zone WHERE false"
        )
    con.execute(f"COPY ({body}) TO '{_sql_path(tmp)}' (FORMAT parquet)")
    os.replace(tmp, folder / "points.parquet")
