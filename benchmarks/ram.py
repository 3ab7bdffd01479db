"""Evaluation kit for rockets, artillery and mortars (issue 15): a raid over N seeds, scored on truth.

For a scenario (a built-in name or a TOML path) simulated over ``--seeds`` seeds (1..N by default,
``--first-seed`` moves them), prints:

* rounds whose undisturbed impact lies in a defended zone (summary.json's ``ram_would_hit_defended``,
  pooled over the seeds) and how many of them were intercepted, with the Wilson 95 % interval of
  the fraction (scipy's ``binomtest``; the rounds are pooled as if independent, which they are not
  quite: the rounds of one night share its defence's state);
* kill assessments and false kill assessments (summary.json's ``kill_assessments`` and
  ``false_kill_assessments``; where the summary has no such keys, the kit scores the ``kill_assessment``
  events itself the same way: an assessment "destroyed" of a track whose truth — a threat, or its
  debris — was not destroyed by then is false);
* ``all_clear_then_impact`` pairs (a zone told all-clear for a round that then landed in it), and
  rounds that landed in a defended zone without any warning of that zone for them beforehand;
* rounds fired per kill (all rounds fired over all nights / all threats destroyed);
* warning times per zone: median and minimum over the nights of the first warning the zone received
  for each threat (a re-warning of the same round on a new track is not the warning people had; a
  track of no threat counts as a threat of its own), as summary.json's ``warning_time_s`` counts them.

With ``--modes open-loop,closed-loop`` the same seeds run once per fire-control mode (the scenario's
``defence.fire_control``, set through the sweep's ``--set`` machinery) and are shown side by side; a
mode ``closed-loop/earliest`` also sets ``defence.ballistic_timing`` (``best-shot``, the default, or
``earliest``: fire as soon as the envelope allows); if
the scenario schema has no such field the modes are skipped with a note and the scenario runs as given.

Nights run in lock-step batches (:func:`~bastion.engine.simulation.run_batch`, identical to single
runs) of up to ``--batch`` seeds, on ``--workers`` processes.

    PYTHONPATH=src .venv/bin/python benchmarks/ram.py mortar-barrage [--seeds 30] [--workers 2]
        [--modes open-loop,closed-loop] [--json out.json]
    PYTHONPATH=src .venv/bin/python benchmarks/ram.py --combine a.json b.json [--json pooled.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import shapely
from scipy.stats import binomtest

from bastion.scenario import LoadedScenario, ScenarioError, load, parse
from bastion.sweep.overrides import OverrideError, build_points

OPTIONAL_KEYS = ("kill_assessments", "false_kill_assessments")


@dataclass(frozen=True)
class Job:
    """What a worker process needs: the scenario's text and where it came from, and its seeds."""

    text: str
    source: str
    directory: str | None
    seeds: tuple[int, ...]


def night_record(result) -> dict:
    """The figures of one night the kit pools: the summary's, and the warnings and impacts on truth."""
    from bastion.engine.summary import defended_zones, summarise
    from bastion.world.labels import describe_label

    s = summarise(result)
    rec = result.record
    ev = result.log.events

    def threat_of(track: int) -> int | None:
        lab = rec.truth_of(track)
        if lab is None:
            return None
        kind, i = describe_label(lab)
        return i if kind == "threat" else None

    warnings = [e for e in ev if e.kind == "warning"]
    warned_before: dict[tuple[str, int], float] = {}  # (zone, threat) -> first warning time
    first_warning: dict[tuple[str, object], float] = {}  # (zone, threat or track) -> its warning time
    for e in warnings:
        i = threat_of(e.payload.track)
        if i is not None:
            warned_before.setdefault((e.payload.zone, i), e.t)
        who = ("threat", i) if i is not None else ("track", e.payload.track)
        first_warning.setdefault((e.payload.zone, who), e.payload.warning_time_s)
    defended = defended_zones(result.scenario.defence.zones)
    unwarned = 0
    for e in ev:
        if e.kind not in ("leak", "impact_open_ground"):
            continue
        pt = shapely.Point(*e.payload.position[:2])
        for z in defended:
            if z.geometry.intersects(pt):
                t_w = warned_before.get((z.name, e.payload.threat))
                if t_w is None or t_w >= e.t:
                    unwarned += 1
                    break
    if not all(k in s for k in OPTIONAL_KEYS):  # the summary does not score kill assessments yet
        kill_t: dict[int, float] = {}
        for e in ev:
            if e.kind == "kill":
                kill_t.setdefault(e.payload.threat, e.t)
        assessments = [e for e in ev if e.kind == "kill_assessment"]
        false = 0
        for e in assessments:
            lab = rec.truth_of(e.payload.track)
            kind, i = describe_label(lab) if lab is not None else ("noise", -1)
            # a track of a destroyed threat's debris: destroyed; of a threat: destroyed by then
            destroyed = kind == "debris" or (kind == "threat" and kill_t.get(i, float("inf")) <= e.t)
            if e.payload.destroyed and not destroyed and kind in ("debris", "threat"):
                false += 1
        s = {**s, "kill_assessments": len(assessments), "false_kill_assessments": false}
    return {
        "seed": result.seed,
        "would_hit": s["ram_would_hit_defended"],
        "intercepted": s["ram_intercepted_of_those"],
        "all_clear_then_impact": s["all_clear_then_impact"],
        "unwarned_impacts": unwarned,
        "rounds_fired": s["rounds_fired"],
        "destroyed": s["hostiles_destroyed"],
        "warning_times": [(z, wt) for (z, _), wt in first_warning.items()],
        **{k: s[k] for k in OPTIONAL_KEYS if k in s},
    }


def run_job(job: Job) -> list[dict]:
    """Simulate ``job``'s seeds in lock-step and return each night's record."""
    from bastion.engine.simulation import run, run_batch
    from bastion.scenario.compiled import compile_scenario

    loaded = parse(job.text, job.source, Path(job.directory) if job.directory else None)
    compiled = compile_scenario(loaded)
    t0 = time.perf_counter()
    # one night alone through run(), as the sweep runner does (run_batch of one seed fails: Tracker.step_many
    # returns early for one replication without setting picture_of_all)
    if len(job.seeds) > 1:
        try:
            results = run_batch(compiled, list(job.seeds))
            per_night = (time.perf_counter() - t0) / len(job.seeds)  # the batch's nights run together: its share
            records = [night_record(r) for r in results]
            for rec in records:
                rec["wall_s"] = per_night
            return records
        except Exception as exc:  # find the night at fault, as the sweep runner does: one by one
            print(f"note: a batch of seeds {job.seeds} raised {type(exc).__name__}: {exc}; running them one by one")
    records = []
    for seed in job.seeds:
        t0 = time.perf_counter()
        try:
            rec = night_record(run(compiled, seed, record_plots=False))
        except Exception as exc:  # a night that raises is reported and left out of the figures
            rec = {"seed": seed, "error": f"{type(exc).__name__}: {exc}"}
        rec["wall_s"] = time.perf_counter() - t0
        records.append(rec)
    return records


def wilson(k: int, n: int) -> tuple[float, float]:
    if n == 0:
        return float("nan"), float("nan")
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return float(ci.low), float(ci.high)


def aggregate(nights: list[dict]) -> dict:
    """Pooled figures of a scenario (and mode) over its nights (a night that raised is counted apart)."""
    failed = [r for r in nights if "error" in r]
    nights = [r for r in nights if "error" not in r]
    n = sum(r["would_hit"] for r in nights)
    k = sum(r["intercepted"] for r in nights)
    lo, hi = wilson(k, n)
    fired = sum(r["rounds_fired"] for r in nights)
    destroyed = sum(r["destroyed"] for r in nights)
    zones: dict[str, list[float]] = {}
    for r in nights:
        for z, wt in r["warning_times"]:
            zones.setdefault(z, []).append(wt)
    out = {
        "nights": len(nights),
        "failed_nights": {r["seed"]: r["error"] for r in failed},
        "would_hit_defended": n,
        "intercepted": k,
        "intercept_fraction": k / n if n else None,
        "intercept_wilson95": [lo, hi] if n else None,
        "all_clear_then_impact": sum(r["all_clear_then_impact"] for r in nights),
        "nights_with_all_clear_then_impact": sum(1 for r in nights if r["all_clear_then_impact"]),
        "unwarned_impacts_in_defended_zones": sum(r["unwarned_impacts"] for r in nights),
        "rounds_fired": fired,
        "rounds_per_kill": fired / destroyed if destroyed else None,
        "warning_time_s": {
            z: {"median": statistics.median(v), "min": min(v), "warnings": len(v)} for z, v in sorted(zones.items())
        },
        "wall_s_per_night_median": statistics.median(r["wall_s"] for r in nights) if nights else None,
    }
    for key in OPTIONAL_KEYS:  # (nights recorded by an older kit may lack them: pooled over those that have them)
        vals = [r[key] for r in nights if key in r]
        out[key] = sum(vals) if vals else None
    out["nights_with_kill_assessment_scores"] = sum(1 for r in nights if all(k in r for k in OPTIONAL_KEYS))
    return out


def variants(loaded: LoadedScenario, modes: list[str]) -> list[tuple[str, LoadedScenario]]:
    """(label, scenario) per fire-control mode; the scenario as given when there are no modes or the
    schema has no ``defence.fire_control`` field (said on stderr)."""
    if not modes:
        return [("as given", loaded)]
    from bastion.scenario.schema import Defence

    if "fire_control" not in Defence.model_fields:
        print("note: the scenario schema has no defence.fire_control field; modes skipped", file=sys.stderr)
        return [("as given", loaded)]
    out = []
    for mode in modes:
        control, _, timing = mode.partition("/")
        sets = [f"defence.fire_control={control}"] + ([f"defence.ballistic_timing={timing}"] if timing else [])
        try:
            (point,) = build_points(loaded, sets=sets)
        except OverrideError as exc:
            print(f"note: fire-control mode {mode!r} skipped: {'; '.join(exc.problems)}", file=sys.stderr)
            continue
        out.append((mode, point.loaded))
    return out or [("as given", loaded)]


def evaluate(loaded: LoadedScenario, seeds: list[int], workers: int, batch: int) -> list[dict]:
    """Every night of ``loaded`` over ``seeds``, in lock-step batches spread over ``workers`` processes."""
    size = max(1, min(batch, -(-len(seeds) // max(workers, 1))))
    jobs = [
        Job(loaded.text, loaded.source, str(loaded.directory) if loaded.directory else None, tuple(seeds[i : i + size]))
        for i in range(0, len(seeds), size)
    ]
    if workers <= 1 or len(jobs) == 1:
        parts = [run_job(j) for j in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(run_job, jobs))
    return [r for part in parts for r in part]


def _fmt(x, nd: int = 1) -> str:
    return "n/a" if x is None else f"{x:.{nd}f}" if isinstance(x, float) else str(x)


def print_table(name: str, results: dict[str, dict]) -> None:
    labels = list(results)
    rows: list[tuple[str, list[str]]] = []

    def row(title: str, f) -> None:
        rows.append((title, [f(results[m]) for m in labels]))

    row(
        "nights",
        lambda a: str(a["nights"]) + (f" ({len(a['failed_nights'])} failed)" if a.get("failed_nights") else ""),
    )
    row("rounds at defended zones", lambda a: str(a["would_hit_defended"]))
    row("intercepted", lambda a: str(a["intercepted"]))
    row(
        "intercept fraction [Wilson 95 %]",
        lambda a: (
            "n/a"
            if a["intercept_fraction"] is None
            else f"{a['intercept_fraction']:.3f} [{a['intercept_wilson95'][0]:.3f}, {a['intercept_wilson95'][1]:.3f}]"
        ),
    )
    row(
        "false kill assessments / assessments",
        lambda a: (
            "n/a"
            if a["kill_assessments"] is None
            else f"{a['false_kill_assessments']} / {a['kill_assessments']}"
            + (f" ({a['false_kill_assessments'] / a['kill_assessments']:.3f})" if a["kill_assessments"] else "")
            + (
                f" [{a['nights_with_kill_assessment_scores']} nights]"
                if a.get("nights_with_kill_assessment_scores", a["nights"]) != a["nights"]
                else ""
            )
        ),
    )
    row(
        "all-clear then impact (nights)",
        lambda a: f"{a['all_clear_then_impact']} ({a['nights_with_all_clear_then_impact']})",
    )
    row("unwarned impacts in defended zones", lambda a: str(a["unwarned_impacts_in_defended_zones"]))
    row("rounds fired / per kill", lambda a: f"{a['rounds_fired']} / {_fmt(a['rounds_per_kill'])}")
    zones = sorted({z for a in results.values() for z in a["warning_time_s"]})
    for z in zones:
        row(
            f"warning time {z}: median / min [s] (n)",
            lambda a, z=z: (
                "n/a"
                if z not in a["warning_time_s"]
                else f"{a['warning_time_s'][z]['median']:.1f} / {a['warning_time_s'][z]['min']:.1f} "
                f"({a['warning_time_s'][z]['warnings']})"
            ),
        )
    row("wall seconds per night (median)", lambda a: _fmt(a["wall_s_per_night_median"], 2))
    w0 = max(len(t) for t, _ in rows)
    widths = [max(len(lab), *(len(c[i]) for _, c in rows)) for i, lab in enumerate(labels)]
    print(f"\n{name}")
    print("  " + " " * w0 + "  " + "  ".join(lab.ljust(w) for lab, w in zip(labels, widths, strict=True)))
    for title, cells in rows:
        print("  " + title.ljust(w0) + "  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))


def combine(paths: list[Path], out: Path | None) -> int:
    """Pool the nights of several ``--json`` reports (e.g. seeds 1-10 and 11-30, run apart) and print them."""
    pooled: dict[str, dict[str, list[dict]]] = {}
    for path in paths:
        for scenario, labels in json.loads(path.read_text()).items():
            for label, figures in labels.items():
                pooled.setdefault(scenario, {}).setdefault(label, []).extend(figures["per_night"])
    report: dict[str, dict] = {}
    for scenario, labels in pooled.items():
        results = {}
        for label, nights in labels.items():
            nights = sorted({r["seed"]: r for r in nights}.values(), key=lambda r: r["seed"])  # a seed once
            results[label] = aggregate(nights) | {"per_night": nights}
        seeds = [r["seed"] for r in next(iter(labels.values()))]
        print_table(f"{scenario}: {len(set(seeds))} seeds {min(seeds)}..{max(seeds)}", results)
        report[scenario] = results
    if out:
        out.write_text(json.dumps(report, indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenarios", nargs="+", help="built-in names or TOML paths")
    ap.add_argument("--seeds", type=int, default=30, help="nights per scenario (default 30)")
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    ap.add_argument("--batch", type=int, default=16, help="nights per lock-step batch at most (default 16)")
    ap.add_argument(
        "--modes",
        default="",
        help="fire-control modes side by side, e.g. open-loop,closed-loop,closed-loop/earliest (/: ballistic timing)",
    )
    ap.add_argument("--json", type=Path, help="write the pooled figures (and every night's record) here")
    ap.add_argument(
        "--combine", action="store_true", help="the arguments are --json reports of runs (other seeds): pool them"
    )
    args = ap.parse_args(argv)
    if args.combine:
        return combine([Path(p) for p in args.scenarios], args.json)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    report: dict[str, dict] = {}
    for scenario in args.scenarios:
        try:
            loaded = load(scenario)
        except ScenarioError as exc:
            print("\n".join(exc.problems), file=sys.stderr)
            return 2
        results = {}
        for label, variant in variants(loaded, modes):
            t0 = time.perf_counter()
            nights = evaluate(variant, seeds, args.workers, args.batch)
            results[label] = aggregate(nights)
            results[label]["wall_s_total"] = time.perf_counter() - t0
            results[label]["per_night"] = nights
        print_table(f"{scenario}: seeds {seeds[0]}..{seeds[-1]}", results)
        report[scenario] = results
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
