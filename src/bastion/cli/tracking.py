"""``bastion track`` and ``bastion score``: the tracking testbed (shared/bench/tracking/FORMAT.md) from the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DEFAULT_LAG = 5  # scans: the track file's rows are fixed-lag smoothed over the next five scans (--lag)


def register(app: typer.Typer) -> None:
    app.command("track")(track)
    app.command("score")(score)


def track(
    detections: Annotated[Path, typer.Argument(help="detections.csv: time_s,range_m,azimuth_rad,elevation_rad")],
    meta: Annotated[Path, typer.Option(help="meta.json: noise sigmas, pd, clutter_per_scan, scan period, region")],
    out: Annotated[Path, typer.Option(help="tracks.csv to write")],
    filter: Annotated[str, typer.Option("--filter", help="ekf | ukf | imm (CV + coordinated turn)")] = "ekf",
    associator: Annotated[str, typer.Option(help="gnn | jpda")] = "gnn",
    management: Annotated[str, typer.Option(help="mofn (3 of 4) | sprt (track score)")] = "mofn",
    q: Annotated[float | None, typer.Option(help="CV process-noise density [m^2/s^3] (default 8)")] = None,
    lag: Annotated[
        int,
        typer.Option(
            help="write each row this many scans late: fixed-lag RTS smoothed, back-filled to a confirmed "
            "track's first plot, trimmed after its last (0: the live picture as it was at each scan)"
        ),
    ] = DEFAULT_LAG,
    classify: Annotated[
        bool,
        typer.Option(
            help="when the plots carry power (and meta.json pfa): report only the tracks a drone-against-bird "
            "test of their plots' powers has not rejected (bastion.track.rcs_class); bird tracks are still tracked"
        ),
    ] = True,
) -> None:
    """Track a testbed scenario: plots in, confirmed tracks per scan out (bad rows counted and skipped)."""
    import numpy as np

    from bastion.cli.main import console, fail
    from bastion.track import testbed as tb
    from bastion.track.tracker import ASSOCIATORS, FILTERS, MANAGEMENTS

    for name, value, allowed in (
        ("--filter", filter, FILTERS),
        ("--associator", associator, ASSOCIATORS),
        ("--management", management, MANAGEMENTS),
    ):
        if value not in allowed:
            fail(f"{name} {value!r}: choose {', '.join(allowed)}")
    if q is not None and not (np.isfinite(q) and q > 0):
        fail(f"--q {q}: must be a positive number")
    if lag < 0:
        fail(f"--lag {lag}: must be 0 or more scans")
    try:
        m = tb.read_meta(meta)
        table = tb.read_detections(detections)
    except tb.TestbedError as exc:
        fail(str(exc))
    choices = {"filter": filter, "associator": associator, "management": management}
    if q is not None:
        choices["q"] = q
    amp = tb.rcs_classifier(table, m) if classify else None
    run = tb.run_tracker(table, m, tb.testbed_config(m, **choices), lag=lag, classify=amp or False)
    try:
        tb.write_tracks(out, run)
    except OSError as exc:
        fail(f"{out}: cannot write ({exc.strerror})")
    ms = run.scan_seconds * 1e3
    n_skipped = sum(table.skipped.values())
    console.print(
        f"{run.scan_seconds.size} scans, {table.time.size} plots used of {table.rows} rows; "
        f"{run.confirmed} tracks confirmed; {run.time.size} track rows -> {out}",
        highlight=False,
    )
    if ms.size:
        console.print(
            f"tracker ({filter}, {associator}, {management}, lag {lag}): "
            f"median {np.median(ms):.2f} ms/scan, max {ms.max():.2f} ms",
            highlight=False,
        )
    if amp is not None:
        console.print(
            f"reported: tracks not rejected as birds by their plots' powers (alpha {amp.false_report}, "
            f"beta {amp.missed_report}; --no-classify: every confirmed track)",
            highlight=False,
        )
    if n_skipped:
        console.print(f"[yellow]skipped {n_skipped} rows:[/]", highlight=False)
        for reason, count in sorted(table.skipped.items()):
            console.print(f"  {count:8d}  {reason}", highlight=False)


def score(
    tracks: Annotated[Path, typer.Argument(help="tracks.csv: time_s,track_id,east_m,north_m,up_m,...")],
    truth: Annotated[Path, typer.Argument(help="truth.csv: time_s,target_id,east_m,north_m,up_m")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    c: Annotated[float, typer.Option(help="GOSPA/OSPA cut-off distance [m]")] = 100.0,
    p: Annotated[float, typer.Option(help="GOSPA/OSPA order p >= 1")] = 1.0,
) -> None:
    """Mean GOSPA per scan (alpha = 2) with its localisation / missed / false parts, OSPA and track continuity."""
    import json

    from bastion.cli.main import console, fail
    from bastion.track import testbed as tb
    from bastion.track.metrics import score_sequence

    if not c > 0 or not p >= 1:
        fail(f"--c {c} / --p {p}: need c > 0 and p >= 1")
    try:
        est = tb.read_positions(tracks, "track_id")
        ref = tb.read_positions(truth, "target_id")
    except tb.TestbedError as exc:
        fail(str(exc))
    summary = score_sequence(ref, est, c, p).summary()
    if as_json:
        print(json.dumps(summary))
        return
    console.print(
        " ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in summary.items()), highlight=False
    )
