"""The tracking testbed's files: read detections, meta and truth, run a tracker, write and score tracks.

Formats (the team's tracking testbed, ``shared/bench/tracking/FORMAT.md``): one radar at the origin
of a local ENU frame.

* ``detections.csv``: ``time_s,range_m,azimuth_rad,elevation_rad`` (optionally ``range_rate_mps``,
  and ``power``: the detector output, signal + noise over noise, linear, as the lowsnr family writes
  it; an unreadable power leaves the plot without amplitude, NaN; other columns are ignored), rows in
  time order, all plots of a scan sharing its ``time_s``; azimuth clockwise from north.
* ``meta.json``: ``sigma_range_m``, ``sigma_azimuth_rad``, ``sigma_elevation_rad`` (required),
  ``pd``, ``clutter_per_scan``, ``scan_period_s``, ``duration_s``, ``region`` {``min_range_m``,
  ``max_range_m``, ``max_elevation_rad``}, ``pfa`` (the detector's false-alarm probability per cell,
  or ``threshold`` = -ln pfa) and ``detection_reference`` {``pd``, ``rcs_m2``, ``range_m``} (the
  radar's sensitivity: P_D of a Swerling 1 target of that RCS at that range) (optional).

With plot powers and a false-alarm probability, the track file reports only the tracks that a
sequential test of "small drone" against "bird" from their plots' powers has not rejected
(:mod:`bastion.track.rcs_class`); without either, every confirmed track as before.
* ``truth.csv``: ``time_s,target_id,east_m,north_m,up_m``.
* ``tracks.csv`` (written): ``time_s,track_id,east_m,north_m,up_m,ve_mps,vn_mps,vu_mps``, one row per
  reported track per scan.

Bad input: a file that is not UTF-8 text or not CSV, a missing column or key, or a timestamp earlier
than the row before it, raises :class:`TestbedError` naming it; rows with unparseable, NaN or
physically impossible values (range <= 0, |azimuth| > 2 pi, |elevation| > pi/2, |time_s| beyond
:data:`MAX_TIME_S`) are counted by reason and skipped.

Scans without any plot (missing from the file) are still processed when ``scan_period_s`` is known,
so tracks miss -- but at most :data:`MAX_EMPTY_SCANS` of them in a row: after a longer gap the
tracker steps straight to the next plot's time. That is what a tracker should do with a gap: the
empty scans only count misses, and after that many every track has been deleted (M-of-N after
``max_misses`` = 4; SPRT after delete_drop / -ln(1 - P_D P_G) = 9 / 0.22 = 41 misses even at
P_D = 0.2), so further empty scans change nothing but the run time; a track that somehow survives
is predicted across the gap in one step, its covariance grows as dt^3 and it is deleted as diverged
(``max_position_sigma_m``). A clock jump (one row at t = 1e7 s) therefore costs 2 x MAX_EMPTY_SCANS
scans, not one scan per missing period (1e7 scans: a hang).
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from bastion.files import parse_json, read_utf8
from bastion.sense.types import Detections
from bastion.track import rcs_class as rc
from bastion.track.rcs_class import RcsClassifier
from bastion.track.tracker import Tracker, TrackerConfig
from bastion.track.types import TrackStatus

DETECTION_COLUMNS = ("time_s", "range_m", "azimuth_rad", "elevation_rad")
TRUTH_COLUMNS = ("time_s", "target_id", "east_m", "north_m", "up_m")
TRACK_COLUMNS = ("time_s", "track_id", "east_m", "north_m", "up_m", "ve_mps", "vn_mps", "vu_mps")


MAX_EMPTY_SCANS = 50  # empty scans processed in a row before stepping to the next plot (module docstring)
MAX_TIME_S = 1e9  # |time_s| beyond this (31 years) is a clock fault, not a scan: counted and skipped


class TestbedError(ValueError):
    """Bad testbed input; the message names the file and the column, key or row."""


@dataclass(frozen=True)
class Meta:
    sigma_range_m: float
    sigma_azimuth_rad: float
    sigma_elevation_rad: float
    pd: float = 0.9
    clutter_per_scan: float = 1.0
    scan_period_s: float | None = None
    duration_s: float | None = None
    min_range_m: float = 0.0
    max_range_m: float = 10_000.0
    max_elevation_rad: float = math.pi / 2
    has_region: bool = False  # meta.json declared the surveillance region
    pfa: float | None = None  # detector false-alarm probability per cell (meta ``pfa`` or ``threshold``)
    reference_pd: float | None = None  # P_D of reference_rcs_m2 at reference_range_m (Swerling 1)
    reference_rcs_m2: float | None = None
    reference_range_m: float | None = None


@dataclass(frozen=True)
class DetectionTable:
    """Valid plots of a detections file (sorted by time as read) and what was skipped."""

    time: np.ndarray
    range: np.ndarray
    azimuth: np.ndarray
    elevation: np.ndarray
    range_rate: np.ndarray | None
    skipped: Counter = field(default_factory=Counter)  # reason -> rows
    rows: int = 0  # data rows read
    power: np.ndarray | None = None  # detector power of each plot (NaN: unreadable); None: no column


def read_meta(path: str | Path) -> Meta:
    """Read meta.json; missing or invalid keys raise :class:`TestbedError` naming them."""
    path = Path(path)
    raw = parse_json(read_utf8(path, TestbedError), str(path), TestbedError)
    if not isinstance(raw, dict):
        raise TestbedError(f"{path}: expected a JSON object")

    def number(key: str, where: dict, default=None, positive=True) -> float | None:
        if key not in where:
            if default is None:
                return None
            return default
        v = where[key]
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or (positive and v <= 0):
            raise TestbedError(f"{path}: key {key!r} must be a {'positive ' if positive else ''}number, got {v!r}")
        return float(v)

    missing = [k for k in ("sigma_range_m", "sigma_azimuth_rad", "sigma_elevation_rad") if k not in raw]
    if missing:
        raise TestbedError(f"{path}: missing key(s) {', '.join(repr(k) for k in missing)}")
    region = raw.get("region", {})
    if not isinstance(region, dict):
        raise TestbedError(f"{path}: key 'region' must be an object")
    pd = number("pd", raw, 0.9)
    if not 0 < pd < 1:
        raise TestbedError(f"{path}: key 'pd' must be in (0, 1), got {pd}")
    meta = Meta(
        sigma_range_m=number("sigma_range_m", raw),
        sigma_azimuth_rad=number("sigma_azimuth_rad", raw),
        sigma_elevation_rad=number("sigma_elevation_rad", raw),
        pd=pd,
        clutter_per_scan=number("clutter_per_scan", raw, 0.0, positive=False),
        scan_period_s=number("scan_period_s", raw),
        duration_s=number("duration_s", raw),
        min_range_m=number("min_range_m", region, 0.0, positive=False),
        max_range_m=number("max_range_m", region, 10_000.0),
        max_elevation_rad=number("max_elevation_rad", region, math.pi / 2),
        has_region="max_range_m" in region,
    )
    if meta.min_range_m >= meta.max_range_m:
        raise TestbedError(f"{path}: region min_range_m must be below max_range_m")
    pfa = number("pfa", raw)
    if pfa is None and "threshold" in raw:
        pfa = math.exp(-number("threshold", raw))
    if pfa is not None and not 0 < pfa < 1:
        raise TestbedError(f"{path}: key 'pfa' must be in (0, 1), got {pfa}")
    ref = raw.get("detection_reference", {})
    if not isinstance(ref, dict):
        raise TestbedError(f"{path}: key 'detection_reference' must be an object")
    ref_pd = number("pd", ref)
    if ref_pd is not None and not 0 < ref_pd < 1:
        raise TestbedError(f"{path}: detection_reference key 'pd' must be in (0, 1), got {ref_pd}")
    return replace(
        meta,
        pfa=pfa,
        reference_pd=ref_pd,
        reference_rcs_m2=number("rcs_m2", ref),
        reference_range_m=number("range_m", ref),
    )


@dataclass(frozen=True)
class TestbedRadarType:
    """The testbed radar's figures that the tracker reads: the fields of
    :class:`bastion.scenario.catalogue.RadarType` it uses, under the same names (a track command need
    not import the scenario package, its schema and its detection physics: most of its start-up)."""

    sigma_range_m: float
    sigma_azimuth_rad: float
    sigma_elevation_rad: float
    false_alarms_per_scan: float
    sigma_range_rate_mps: float = math.nan  # the testbed's plots carry no Doppler unless a column says so
    min_range_m: float = 0.0
    max_range_m: float = math.inf
    mask_elevation_rad: float = -math.pi / 2
    max_elevation_rad: float = math.pi / 2


@dataclass(frozen=True)
class TestbedRadar:
    """The testbed's radar site (what :class:`bastion.scenario.compiled.RadarSite` gives the tracker)."""

    type: TestbedRadarType
    position: np.ndarray  # (3,) ENU [m]
    index: int = 0
    name: str = "testbed"


def testbed_radar(meta: Meta) -> TestbedRadar:
    """The testbed's radar at the ENU origin. Its coverage for counting misses is the whole sky (the
    testbed's region bounds where targets fly and where false alarms fall, not where the radar sees)."""
    rt = TestbedRadarType(
        sigma_range_m=meta.sigma_range_m,
        sigma_azimuth_rad=meta.sigma_azimuth_rad,
        sigma_elevation_rad=meta.sigma_elevation_rad,
        false_alarms_per_scan=meta.clutter_per_scan,
    )
    return TestbedRadar(rt, np.zeros(3))


def testbed_config(meta: Meta, **choices) -> TrackerConfig:
    """Tracker settings from meta.json: P_D and the clutter density over the false-alarm region
    (range x 2 pi azimuth x elevation 0..max, where the generator spreads them uniformly)."""
    volume = (meta.max_range_m - meta.min_range_m) * 2.0 * math.pi * meta.max_elevation_rad
    base = TrackerConfig(pd=meta.pd, clutter_density=max(meta.clutter_per_scan, 1e-3) / volume)
    return replace(base, **choices)


def _open(path: Path) -> io.StringIO:
    """A CSV file's text (UTF-8), or :class:`TestbedError` saying why not."""
    return io.StringIO(read_utf8(path, TestbedError), newline="")


def _rows(path: Path, fh: io.StringIO):
    """(line, row) of a CSV file; a line that is not CSV (e.g. a field over the csv module's limit of
    131,072 characters) raises :class:`TestbedError` naming it."""
    reader = csv.reader(fh)
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise TestbedError(f"{path}: line {reader.line_num}: not CSV ({exc})") from None
        yield line, row
        line += 1


def _header(path: Path, reader, required: tuple[str, ...]) -> list[str]:
    first = next(reader, None)
    if first is None:
        raise TestbedError(f"{path}: empty file (expected a header {','.join(required)})")
    header = [h.strip() for h in first[1]]
    missing = [c for c in required if c not in header]
    if missing:
        raise TestbedError(f"{path}: missing column(s) {', '.join(repr(c) for c in missing)} in the header")
    return header


def read_detections(path: str | Path) -> DetectionTable:
    """Read a detections file; see the module docstring for what is an error and what is skipped.

    A well-formed file (every row complete, finite, physically possible and in time order: the usual
    case) is parsed in one compiled pass (``numpy.loadtxt``); any other falls back to the row-by-row
    reader that counts, skips and names what is wrong. Both give the same table (tested)."""
    path = Path(path)
    fast = _read_detections_fast(path)
    return fast if fast is not None else _read_detections_rows(path)


def _read_detections_fast(path: Path) -> DetectionTable | None:
    """The table of a well-formed detections file, or None where anything needs the row-by-row reader."""
    with _open(path) as fh:
        header = _header(path, _rows(path, io.StringIO(fh.readline())), DETECTION_COLUMNS)
        cols = [header.index(c) for c in DETECTION_COLUMNS]
        rate = "range_rate_mps" in header
        if rate:
            cols.append(header.index("range_rate_mps"))
        has_power = "power" in header
        if has_power:
            cols.append(header.index("power"))
        try:
            a = np.loadtxt(fh, delimiter=",", usecols=cols, ndmin=2, dtype=float, comments=None)
        except ValueError:
            return None
    if a.size == 0 or not np.isfinite(a).all():
        return None
    t, r, az, el = a[:, 0], a[:, 1], a[:, 2], a[:, 3]
    clock_fault = (np.abs(t) > MAX_TIME_S).any()  # counted and listed by the row-by-row reader
    if clock_fault or (np.diff(t) < 0).any() or (r <= 0).any() or (np.abs(az) > 2 * math.pi).any():
        return None
    if (np.abs(el) > math.pi / 2).any() or (has_power and (a[:, -1] <= 0).any()):
        return None
    c = [np.ascontiguousarray(a[:, j]) for j in range(a.shape[1])]
    power = c[-1] if has_power else None
    return DetectionTable(c[0], c[1], c[2], c[3], c[4] if rate else None, Counter(), a.shape[0], power)


def _read_detections_rows(path: Path) -> DetectionTable:
    """Row by row: errors name the row, bad rows are counted by reason and skipped."""
    with _open(path) as fh:
        reader = _rows(path, fh)
        header = _header(path, reader, DETECTION_COLUMNS)
        cols = [header.index(c) for c in DETECTION_COLUMNS]
        rate_col = header.index("range_rate_mps") if "range_rate_mps" in header else None
        if rate_col is not None:
            cols.append(rate_col)
        width = max(cols) + 1
        power_col = header.index("power") if "power" in header else None
        powers: list[float] = []
        out: list[list[float]] = []
        skipped: Counter = Counter()
        last_t, last_line = -math.inf, 0
        rows = 0
        for line, row in reader:  # line 1 was the header
            if not row:
                continue
            rows += 1
            if len(row) < width:
                skipped["too few fields"] += 1
                continue
            try:
                vals = [float(row[i]) for i in cols]
            except ValueError:
                skipped["not a number"] += 1
                continue
            t = vals[0]
            if not math.isfinite(t):
                skipped["time_s not finite"] += 1
                continue
            if abs(t) > MAX_TIME_S:
                skipped[f"time_s beyond +-{MAX_TIME_S:g} s (a clock fault)"] += 1
                continue
            if t < last_t:
                raise TestbedError(
                    f"{path}: row {line}: time_s {t:g} is earlier than {last_t:g} on row {last_line} "
                    "(rows must be in time order)"
                )
            last_t, last_line = t, line
            r, az, el = vals[1], vals[2], vals[3]
            if not (math.isfinite(r) and math.isfinite(az) and math.isfinite(el)) or (
                rate_col is not None and not math.isfinite(vals[4])
            ):
                skipped["NaN or infinite value"] += 1
                continue
            if r <= 0 or abs(az) > 2 * math.pi or abs(el) > math.pi / 2:
                skipped["out of range (range <= 0, |azimuth| > 2 pi or |elevation| > pi/2)"] += 1
                continue
            out.append(vals)
            if power_col is not None:
                powers.append(_power(row, power_col))
    a = np.array(out, dtype=float).reshape(-1, len(cols))
    rate = a[:, 4] if rate_col is not None else None
    power = np.array(powers, dtype=float) if power_col is not None else None
    return DetectionTable(a[:, 0], a[:, 1], a[:, 2], a[:, 3], rate, skipped, rows, power)


def _power(row: list[str], col: int) -> float:
    """A plot's power: a finite positive number, else NaN (the plot is kept, without amplitude)."""
    try:
        v = float(row[col])
    except (ValueError, IndexError):
        return math.nan
    return v if math.isfinite(v) and v > 0 else math.nan


def scan_times(table: DetectionTable, meta: Meta, max_empty: int = MAX_EMPTY_SCANS) -> np.ndarray:
    """Scan times: those of the plots, and the empty scans between and after them on the scan grid
    (at most ``max_empty`` in a row after the start or a plot; see the module docstring)."""
    times = np.unique(table.time)
    if meta.scan_period_s:
        period = meta.scan_period_s
        start = 0.0 if not times.size else min(0.0, float(times[0]))
        end = max(float(times[-1]) if times.size else 0.0, meta.duration_s or 0.0)
        # grid indices k (time start + k period): the runs from the start and after each plot up to the
        # next plot (or the end), each cut to max_empty; built without materialising the whole grid
        last = float(math.floor((end - start) / period + 1e-9))
        on = np.floor((times - start) / period + 1e-9)  # grid index at or before each plot
        run_from = np.concatenate([[0.0], on + 1.0])
        run_to = np.concatenate([on, [last]])  # inclusive
        n = np.clip(run_to - run_from + 1.0, 0.0, float(max_empty)).astype(np.int64)
        offset = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
        grid = start + period * (np.repeat(run_from, n) + offset)
        if times.size:  # grid times that are not already a scan (to the millisecond of the file)
            hi = np.clip(np.searchsorted(times, grid), 0, times.size - 1)
            lo = np.clip(hi - 1, 0, times.size - 1)
            near = np.minimum(np.abs(grid - times[hi]), np.abs(grid - times[lo]))
            grid = grid[near > 1e-3]
        times = np.unique(np.concatenate([times, grid]))
    return times


@dataclass(frozen=True)
class TrackRun:
    """Reported track rows and per-scan wall times of one run."""

    time: np.ndarray  # (R,)
    track_id: np.ndarray  # (R,)
    state: np.ndarray  # (R, 6) e, n, u, ve, vn, vu
    scan_seconds: np.ndarray  # (K,) wall time of each tracker step [s]
    confirmed: int  # tracks confirmed during the run
    scan_cpu_seconds: np.ndarray | None = None  # (K,) CPU (process) time of each tracker step [s]


def in_region(meta: Meta, pos: np.ndarray) -> np.ndarray:
    """Mask of ENU positions (K, 3) inside the surveillance region: ground range up to ``max_range_m``
    and slant range from ``min_range_m`` (the generator's definition, where targets exist in truth)."""
    if not meta.has_region:
        return np.ones(pos.shape[0], dtype=bool)
    return (np.hypot(pos[:, 0], pos[:, 1]) <= meta.max_range_m) & (np.linalg.norm(pos, axis=1) >= meta.min_range_m)


def rcs_classifier(table: DetectionTable, meta: Meta) -> RcsClassifier | None:
    """The drone-against-bird test of the track file (:mod:`bastion.track.rcs_class`) when the plots
    carry power and meta.json the false-alarm probability; its radar sensitivity from meta.json's
    ``detection_reference``, each missing figure the module's default (shared/domain/sensors.md §2).
    None otherwise (every confirmed track is reported), and where no plot's power reaches the detector's
    threshold -ln pfa (e.g. a column of ones: not a square-law detector's output)."""
    if table.power is None or meta.pfa is None:
        return None
    if not (table.power >= -math.log(meta.pfa)).any():
        return None
    ref = {
        "pd": meta.reference_pd or rc.DEFAULT_REFERENCE_PD,
        "rcs_m2": meta.reference_rcs_m2 or rc.DEFAULT_REFERENCE_RCS_M2,
        "range_m": meta.reference_range_m or rc.DEFAULT_REFERENCE_RANGE_M,
    }
    return rc.RcsClassifier(rc.Sensitivity.from_reference_pd(meta.pfa, **ref))


def run_tracker(
    table: DetectionTable,
    meta: Meta,
    config: TrackerConfig,
    report_max_misses: int = 2,
    lag: int = 0,
    classify: bool | RcsClassifier = True,
) -> TrackRun:
    """Run a tracker over the scans and report, at each scan, the confirmed tracks missed at most
    ``report_max_misses`` scans in a row whose position is inside the surveillance region (a
    coasting track is kept for association but not reported beyond that).

    ``lag`` > 0: the rows are written ``lag`` scans late, smoothed, back-filled to each confirmed
    track's first plot and trimmed after its last (:func:`bastion.track.smoothing.fixed_lag_report`,
    with the tracker's constant-velocity process noise ``config.q``).

    ``classify`` (True: when :func:`rcs_classifier` can, i.e. the plots carry power; or a classifier of
    one's own; False: never): a track is reported only while the drone-against-bird test has not
    accepted "bird" (with ``lag``, as it stood at the row's horizon, the last scan whose plots the row
    uses). The tracker itself is unchanged: bird tracks are still maintained, so they keep their plots."""
    radar = testbed_radar(meta)
    tracker = Tracker([radar], config)
    amp = (rcs_classifier(table, meta) if classify is True else classify) or None

    times = scan_times(table, meta)
    bounds = np.searchsorted(table.time, times, side="left"), np.searchsorted(table.time, times, side="right")
    out_t, out_id, out_x, wall, cpu = [], [], [], [], []
    rows: list = []  # (scan, picture) for the fixed-lag report
    confirmed = 0
    for k, t in enumerate(times):  # one tracker step per scan
        a, b = bounds[0][k], bounds[1][k]
        n = b - a
        rr = table.range_rate[a:b] if table.range_rate is not None else np.full(n, np.nan)
        det = Detections(
            float(t), 0, table.range[a:b], table.azimuth[a:b], table.elevation[a:b], rr, np.ones(n), np.ones(n)
        )
        p0, c0 = time.process_time(), time.perf_counter()
        tracks, changes = tracker.step(det)
        of_interest = None
        if amp is not None:  # each track's plot power (NaN: none this scan) and range
            got = tracks.detection >= 0
            plot = a + tracks.detection[got]
            power = np.full(got.size, np.nan)
            power[got] = table.power[plot]
            rng = np.linalg.norm(tracks.x[:, :3], axis=1)  # predicted (after a miss)
            rng[got] = table.range[plot]
            of_interest = amp.reported(amp.update(tracks.id, power, rng))
        wall.append(time.perf_counter() - c0)
        cpu.append(time.process_time() - p0)
        confirmed += len(changes.confirmed)
        if lag:
            rows.append((k, tracks, of_interest))
            continue
        show = (tracks.status != TrackStatus.TENTATIVE) & (tracks.misses <= report_max_misses)
        if of_interest is not None:
            show &= of_interest
        show &= in_region(meta, tracks.x[:, :3])
        if show.any():
            out_t.append(np.full(int(show.sum()), t))
            out_id.append(tracks.id[show])
            out_x.append(tracks.x[show])

    def cat(parts: list, shape: tuple) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(shape)

    if lag:
        from bastion.track.smoothing import TrackHistory, fixed_lag_report

        hist = TrackHistory(
            times=times,
            scan=cat([np.full(p.id.size, k) for k, p, _ in rows], (0,)).astype(np.int64),
            uid=cat([p.id for _, p, _ in rows], (0,)).astype(np.int64),
            x=cat([p.x for _, p, _ in rows], (0, 6)),
            P=cat([p.P for _, p, _ in rows], (0, 6, 6)),
            hit=cat([p.detection >= 0 for _, p, _ in rows], (0,)).astype(bool),
            misses=cat([p.misses for _, p, _ in rows], (0,)).astype(np.int64),
            confirmed=cat([p.status != TrackStatus.TENTATIVE for _, p, _ in rows], (0,)).astype(bool),
            reported=None if amp is None else cat([f for _, _, f in rows], (0,)).astype(bool),
        )
        rep = fixed_lag_report(hist, lag, config.q, report_max_misses)
        show = in_region(meta, rep.state[:, :3])
        return TrackRun(rep.time[show], rep.uid[show], rep.state[show], np.array(wall), confirmed, np.array(cpu))

    ids = cat(out_id, (0,)).astype(np.int64)
    return TrackRun(cat(out_t, (0,)), ids, cat(out_x, (0, 6)), np.array(wall), confirmed, np.array(cpu))


def write_tracks(path: str | Path, run: TrackRun) -> None:
    """Write tracks.csv (positions and velocities to the millimetre)."""
    row = "%.3f,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f\n"  # (printf formats: as f"{v:.3f}", faster in bulk)
    cols = [run.time.tolist(), run.track_id.tolist(), *run.state[:, :6].T.tolist()]
    with open(path, "w") as f:
        f.write(",".join(TRACK_COLUMNS) + "\n")
        f.write("".join(map(row.__mod__, zip(*cols, strict=True))))


def read_positions(path: str | Path, id_column: str) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Scan time (rounded to the millisecond) -> (ids, ENU positions) from a truth or tracks file.

    Rows with unparseable or non-finite values raise :class:`TestbedError` naming the row (a score
    must not silently drop what it scores)."""
    path = Path(path)
    need = ("time_s", id_column, "east_m", "north_m", "up_m")
    by_t: dict[float, list] = {}
    with _open(path) as fh:
        reader = _rows(path, fh)
        header = _header(path, reader, need)
        cols = [header.index(c) for c in need]
        for line, row in reader:
            if not row:
                continue
            try:
                t, ident, e, n, u = (row[cols[0]], row[cols[1]], row[cols[2]], row[cols[3]], row[cols[4]])
                vals = (float(t), int(float(ident)), float(e), float(n), float(u))
            except (ValueError, IndexError):
                raise TestbedError(f"{path}: row {line}: unreadable value(s) in {', '.join(need)}") from None
            if not all(math.isfinite(v) for v in vals[2:]) or not math.isfinite(vals[0]):
                raise TestbedError(f"{path}: row {line}: non-finite value")
            by_t.setdefault(round(vals[0], 3), []).append(vals[1:])
    out = {}
    for t, rows in by_t.items():
        a = np.array(rows, dtype=float)
        out[t] = (a[:, 0].astype(np.int64), a[:, 1:4])
    return out
