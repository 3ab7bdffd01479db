"""``bastion sweep`` (seeded Monte Carlo over a parameter grid, on Ray) and ``bastion plan`` (gun siting)."""

from __future__ import annotations

import signal
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

SET_HELP = (
    "PATH=VALUE: set a scenario field by its dotted path, e.g. weapons.0.position.east_m=2500, "
    "weapons.LPWS-2.ammunition=600, threats.*.speed_mps=45, threats.0.count=4 (copies of a threat, "
    "launched threats.0.interval_s apart). Repeatable."
)
GRID_HELP = (
    "PATH=V1,V2,...: a grid axis (commas inside [] {} or quotes do not split). Repeatable: the grid is the "
    "product of the axes, the last varying fastest."
)


def _num(x: float, digits: int) -> str:
    return f"{x:,.{digits}f}" if x == x else "-"  # NaN: no run had it


def register(app: typer.Typer) -> None:
    app.command("sweep")(sweep)
    app.command("plan")(plan_cmd)


class _Bar:
    """A Rich progress bar fed by the runner's (done, total, failed) callback."""

    def __init__(self, console):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task) -> Text:
                return Text(f"{task.speed:.2f} runs/s" if task.speed else "… runs/s", style="cyan")

        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            Rate(),
            TextColumn("[red]{task.fields[failed]} failed"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            speed_estimate_period=60.0,
        )
        self.task = None
        self.description = "runs"

    def new(self, description: str) -> None:
        self.task, self.description = None, description

    def __call__(self, done: int, total: int, failed: int) -> None:
        if self.task is None:
            self.task = self.progress.add_task(self.description, total=total, completed=done, failed=failed)
        else:
            self.progress.update(self.task, completed=done, total=total, failed=failed)


@contextmanager
def _sigterm_interrupts():
    """Turn SIGTERM (and SIGHUP: the terminal closed) into KeyboardInterrupt, as Ctrl-C is, so a killed
    sweep keeps what finished and shuts its Ray down (SIGKILL cannot be caught: see
    :mod:`bastion.sweep.runner` on Ray processes left behind, and ``ray stop``)."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    caught = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {s: signal.signal(s, handler) for s in caught}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _points_or_fail(scenario: str, sets: list[str], grids: list[str], mixes=None):
    from bastion.cli.main import fail
    from bastion.scenario import ScenarioError, load
    from bastion.scenario.compiled import compile_scenario
    from bastion.sweep.mixes import mix_points
    from bastion.sweep.overrides import build_points

    try:
        loaded = load(scenario)
        points = mix_points(loaded, mixes, sets, grids) if mixes else build_points(loaded, sets, grids)
    except ScenarioError as exc:  # OverrideError is one
        fail("\n".join(exc.problems))
    for p in points:  # compile every grid point before any run starts (recorded traffic read once)
        try:
            compile_scenario(p.loaded, read_traffic=p.index == 0)
        except ScenarioError as exc:
            fail("\n".join(f"grid point {p.index} ({p.label}): {m}" for m in exc.problems))
    return loaded, points


def _check_request(runs: int, workers: int | None, address: str | None) -> None:
    from bastion.cli.main import fail
    from bastion.sweep.runner import check_address

    if runs < 1:
        fail(f"--runs {runs}: give at least 1 run")
    if workers is not None and workers < 1:
        fail(f"--workers {workers}: give at least 1 worker")
    if address:
        try:
            check_address(address)
        except (ValueError, ConnectionError) as exc:
            fail(f"--address {address}: {exc}")


def sweep(
    scenario: Annotated[str, typer.Argument(help="built-in name or .toml path")],
    runs: Annotated[int, typer.Option("--runs", help="seeded replications per grid point")],
    out: Annotated[Path, typer.Option("--out", help="sweep folder (results.parquet, report.html, sweep.json)")],
    set_: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
    grid: Annotated[list[str] | None, typer.Option("--grid", help=GRID_HELP)] = None,
    workers: Annotated[
        int | None, typer.Option(help="Ray workers (default: the CPUs of this machine or cluster)")
    ] = None,
    address: Annotated[
        str | None, typer.Option(help="address of an existing Ray cluster (default: a local Ray)")
    ] = None,
    seed: Annotated[int, typer.Option(help="replication r of every grid point uses seed SEED + r")] = 1,
    resume: Annotated[
        bool,
        typer.Option(
            help="complete the sweep already in --out (unreadable part files are set aside as *.damaged and re-run)"
        ),
    ] = False,
    report: Annotated[bool, typer.Option(help="write report.html")] = True,
    mix: Annotated[
        Path | None,
        typer.Option(
            "--mix",
            help="a mix file: [[mix]] tables (name, set = [PATH=VALUE, ...]), one grid point each, e.g. the "
            "effector mixes to compare side by side (examples/effector-mix.toml)",
        ),
    ] = None,
) -> None:
    """Seeded replications of a scenario over a parameter grid, on Ray; results stream to Parquet."""
    from bastion.cli.extras import need

    need("sweep", "bastion sweep")
    if report:
        need("report", "bastion sweep's report.html (or pass --no-report)")
    from rich.table import Table

    from bastion.cli.main import console, err, fail
    from bastion.sweep.runner import SweepError, SweepSpec, WorkersLost, run_sweep

    _check_request(runs, workers, address)
    sets, grids = list(set_ or []), list(grid or [])
    mixes = None
    if mix is not None:
        from bastion.sweep.mixes import read_mixes, spec_sets
        from bastion.sweep.overrides import OverrideError

        try:
            mixes = read_mixes(mix)
        except OverrideError as exc:
            fail("\n".join(exc.problems))
    loaded, points = _points_or_fail(scenario, sets, grids, mixes)
    spec_set = spec_sets(sets, mixes) if mixes else tuple(sets)
    spec = SweepSpec(loaded.source, loaded.sha256, spec_set, tuple(grids), seed)
    bar = _Bar(console)
    console.print(
        f"sweep of [bold]{loaded.model.scenario.name}[/]: {len(points)} grid point(s) x {runs} runs "
        f"(seeds {seed}..{seed + runs - 1}) -> {out}",
        highlight=False,
    )
    try:
        with _sigterm_interrupts(), bar.progress:
            outcome = run_sweep(
                points,
                spec,
                runs,
                out,
                workers,
                address,
                resume,
                progress=bar,
                warn=lambda m: err.print(f"[yellow]warning:[/] {m}", highlight=False, soft_wrap=True),
            )
    except SweepError as exc:
        fail(str(exc))
    except WorkersLost as exc:
        fail(str(exc), code=1)
    except KeyboardInterrupt:
        err.print(
            f"[yellow]interrupted:[/] the finished runs are in {out}/results.parquet; "
            f"run the same command with --resume to complete the sweep",
            highlight=False,
        )
        raise typer.Exit(130) from None
    s = outcome.session
    if s.runs:
        console.print(
            f"{s.runs} runs in {s.wall_s:.1f} s on {s.workers} workers: {s.runs_per_minute:,.0f} runs/min; "
            f"{s.seconds_per_run:.3f} s per night in a worker; Ray overhead {1000 * s.overhead_per_task_s:.1f} ms "
            f"per task of ~{s.runs / max(s.tasks, 1):.1f} runs; Ray start {s.ray_start_s:.1f} s",
            highlight=False,
        )
    else:
        console.print("nothing left to run: the folder already holds every run", highlight=False)
    from bastion.sweep import analysis

    stats = analysis.point_stats(outcome.folder)
    table = Table("point", "parameters", "runs", "failed", "P(leak) [95 % CI]", "P_RA [95 % CI]", "civil engaged")
    spent = Table("point", "mean leakers", "mean rounds", "mean interceptors", "mean cost [$]", "median cost/kill [$]")
    for st in stats:
        civil = f"[green]{st.civil_engaged}[/]" if st.civil_engaged == 0 else f"[bold red]{st.civil_engaged}[/]"
        table.add_row(
            str(st.point),
            st.label,
            str(st.runs),
            str(st.failed),
            st.leak.text(),
            st.raid_annihilation.text(),
            civil,
        )
        spent.add_row(
            str(st.point),
            _num(st.mean_leakers, 2),
            _num(st.mean_rounds_fired, 0),
            _num(st.mean_interceptors, 2),
            _num(st.mean_cost_usd, 0),
            "-" if st.cost_per_kill_median_usd is None else f"{st.cost_per_kill_median_usd:,.0f}",
        )
    console.print(table)
    console.print(spent)
    if report:
        from bastion.sweep.report import write_report

        console.print(f"wrote {outcome.folder}/results.parquet ({outcome.rows} rows), {write_report(outcome.folder)}")
    else:
        console.print(f"wrote {outcome.folder}/results.parquet ({outcome.rows} rows)")


def plan_cmd(
    scenario: Annotated[str, typer.Argument(help="built-in name or .toml path")],
    guns: Annotated[int, typer.Option("--guns", help="how many guns to site")],
    candidates: Annotated[Path, typer.Option("--candidates", help="candidate sites: CSV or TOML")],
    runs: Annotated[int, typer.Option("--runs", help="seeded nights per configuration (common to all)")],
    out: Annotated[Path | None, typer.Option(help="plan folder (default plans/NAME-gunsK)")] = None,
    risk_limit: Annotated[
        float, typer.Option(help="largest acceptable P(a round or debris falls on a populated zone in a night)")
    ] = 0.05,
    method: Annotated[str, typer.Option(help="greedy (forward selection) or exhaustive")] = "greedy",
    keep_guns: Annotated[bool, typer.Option(help="keep the scenario's own guns and add the chosen ones")] = False,
    set_: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
    workers: Annotated[int | None, typer.Option(help="Ray workers (default: the CPUs)")] = None,
    address: Annotated[str | None, typer.Option(help="address of an existing Ray cluster")] = None,
    seed: Annotated[int, typer.Option(help="night r uses seed SEED + r in every configuration")] = 1,
    resume: Annotated[bool, typer.Option(help="complete the plan already in --out")] = False,
) -> None:
    """Choose gun positions among candidate sites: minimise P(leak) within a fall-of-shot risk limit."""
    from bastion.cli.extras import need

    need("sweep", "bastion plan")
    need("report", "bastion plan (its report.html)")
    from rich.table import Table

    from bastion.cli.main import console, err, fail
    from bastion.scenario import ScenarioError
    from bastion.sweep.plan import plan, read_candidates
    from bastion.sweep.runner import SweepError, WorkersLost

    _check_request(runs, workers, address)
    if not 0.0 <= risk_limit <= 1.0:
        fail(f"--risk-limit {risk_limit}: a probability between 0 and 1")
    sets = list(set_ or [])
    loaded, _ = _points_or_fail(scenario, sets, [])
    try:
        cands = read_candidates(candidates, loaded)
    except ScenarioError as exc:
        fail("\n".join(exc.problems))
    out = out or Path("plans") / f"{loaded.model.scenario.name}-guns{guns}"
    bar = _Bar(console)
    bar.new("step 1")

    def on_step(k: int, step) -> None:
        t = Table(f"step {k}: guns", "P(leak) [95 % CI]", "P(populated fall)", "civil", "feasible", "McNemar vs chosen")
        for i, c in enumerate(step.configs):
            mark = "[bold green]chosen[/]" if i == step.chosen else ""
            vs = "" if c.vs_chosen is None else f"{c.vs_chosen[0]}:{c.vs_chosen[1]} nights, p={c.vs_chosen[2]:.3f}"
            t.add_row(
                "+".join(c.guns),
                c.leak.text(),
                c.populated_fall.text(),
                str(c.civil_engaged),
                "yes" if c.feasible else "[red]no[/]",
                vs or mark,
            )
        bar.progress.console.print(t)
        bar.new(f"step {k + 1}")

    try:
        with _sigterm_interrupts(), bar.progress:
            result = plan(
                loaded, cands, guns, runs, out, seed, risk_limit, method, keep_guns, sets, workers, address,
                resume, progress=bar, on_step=on_step,
            )  # fmt: skip
    except ScenarioError as exc:  # PlanError, OverrideError
        fail("\n".join(exc.problems))
    except SweepError as exc:
        fail(f"{exc} (plans resume step by step with --resume)")
    except WorkersLost as exc:
        fail(str(exc), code=1)
    except KeyboardInterrupt:
        err.print(f"[yellow]interrupted:[/] finished runs are in {out}/step-*/; --resume completes the plan")
        raise typer.Exit(130) from None
    if result.chosen_config is None:
        console.print(f"[bold red]no plan:[/] {result.note}", highlight=False)
        raise typer.Exit(1)
    c = result.chosen_config
    console.print(
        f"[bold]chosen ({result.method}, {runs} common-seed nights per configuration):[/] {' + '.join(result.chosen)}\n"
        f"  P(leak) {c.leak.text()}, P_RA {c.raid_annihilation.text()}, "
        f"P(populated fall) {c.populated_fall.text()} (limit {risk_limit:g}), civil engaged {c.civil_engaged}\n"
        f"  probability of correct selection (bootstrap over nights, last step): "
        f"{result.probability_correct_selection:.2f}",
        highlight=False,
    )
    last = result.steps[-1]
    if last.runner_up is not None:
        ru = last.configs[last.runner_up]
        only_ru, only_chosen, p = ru.vs_chosen
        console.print(
            f"  runner-up {'+'.join(ru.guns)}: P(leak) {ru.leak.text()}; on common nights it leaked alone {only_ru} "
            f"times and the choice alone {only_chosen} times (exact McNemar p = {p:.3f}"
            f"{': not distinguishable at 5 %, add --runs' if p >= 0.05 else ''}); chosen over it on "
            f"{last.decided_by}",
            highlight=False,
        )
    from bastion.sweep.report import write_report

    for step in result.steps:
        write_report(Path(step.folder))
    console.print(f"wrote {out}/plan.json and a sweep per step ({out}/step-*/results.parquet, report.html)")
