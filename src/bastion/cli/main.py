"""``bastion`` commands. Bad input exits with code 2 and a message naming what is wrong.

Start-up cost: this module and the command modules import only typer and rich at the top; each
command imports what it runs (numpy, pydantic, scipy, ray, fastapi, …) inside its function, so
``bastion --help`` starts at once and a command pays only for what it uses
(``tests/cli/test_startup.py`` checks it, ``benchmarks/cli_start.py`` times it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bastion.cli import PLAIN_HELP

app = typer.Typer(
    **PLAIN_HELP,
    add_completion=False,
    no_args_is_help=True,
    help="bastion: counter-RAM / counter-UAS defence simulator.",
)
console = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@app.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    from bastion.scenario import builtin_names, load

    table = Table("name", "description", "start", "duration [s]")
    for name in builtin_names():
        s = load(name).model.scenario
        table.add_row(name, s.description, s.start.isoformat(), f"{s.duration_s:g}")
    console.print(table)


@app.command()
def validate(scenario: Annotated[str, typer.Argument(help="built-in name or .toml path")]) -> None:
    """Check a scenario file; print its contents in brief or every problem with its line."""
    from bastion.api import compile_named
    from bastion.scenario import ScenarioError

    try:
        c = compile_named(scenario)
    except ScenarioError as exc:
        fail("\n".join(exc.problems))
    d = c.defence
    console.print(
        f"[green]ok[/] {c.loaded.source}: {d.name} at {d.site_name}; {len(d.zones)} zones, "
        f"{len(d.radars)} radars, {len(d.adsb)} ADS-B receivers, {len(d.guns)} guns; "
        f"{len(c.raid.threats)} threats, {len(c.raid.flights) + len(c.raid.recorded)} civil aircraft"
    )


@app.command("run")
def run_cmd(
    scenario: Annotated[str, typer.Argument(help="built-in name or .toml path")],
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same night")] = 1,
    out: Annotated[Path | None, typer.Option(help="output directory (default runs/NAME-seedN)")] = None,
    report: Annotated[bool, typer.Option(help="write report.html")] = True,
    quiet: Annotated[bool, typer.Option(help="print only the output directory")] = False,
    dis: Annotated[str | None, typer.Option("--dis", help="send DIS PDUs to HOST:PORT")] = None,
    dis_in: Annotated[
        str | None, typer.Option("--dis-in", help="fly the DIS entities received on HOST:PORT (real time)")
    ] = None,
    speed: Annotated[
        float | None,
        typer.Option(help="pace the night in wall-clock time (1 = real time); default: as fast as possible"),
    ] = None,
    cot: Annotated[
        str | None,
        typer.Option(
            "--cot",
            help="publish tracks, impact/origin ellipses, warnings and engagements as Cursor on Target to a "
            "pytak COT_URL (udp://HOST:PORT, udp://239.2.3.1:6969 multicast, tcp://HOST:PORT, tls://...)",
        ),
    ] = None,
) -> None:
    """Simulate a night; write events.sqlite, summary.json and report.html."""
    from bastion.cli.extras import need

    if report:
        need("report", "report.html (or pass --no-report)")
    if dis or dis_in:
        need("dis", "--dis" if dis else "--dis-in")
    if cot:
        need("tak", "--cot")
    from bastion.api import compile_named, run_night
    from bastion.scenario import ScenarioError

    try:
        compiled = compile_named(scenario)
    except ScenarioError as exc:
        fail("\n".join(exc.problems))
    out = out or Path("runs") / f"{compiled.defence.name}-seed{seed}"
    with console.status(f"simulating {compiled.defence.name} (seed {seed})…", spinner="dots") if not quiet else _null():
        try:
            night = run_night(compiled, seed, out, report=report, dis=dis, dis_in=dis_in, speed=speed, cot=cot)
        except ValueError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"cannot open the DIS or CoT destination: {exc.strerror or exc}")
    if night.cot is not None and not quiet:
        c = night.cot
        console.print(f"CoT to {cot}: {c['sent']} sent, {c['dropped']} dropped, {c['errors']} failed")
    if quiet:
        console.print(str(out))
        return
    _print_summary(night)


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def _print_summary(night) -> None:
    s = night.summary
    r = night.result
    d = r.scenario.defence
    speed = d.duration_s / max(r.wall_seconds, 1e-9)
    console.print(
        f"[bold]{d.site_name}[/] — {d.name}, seed {r.seed}, {d.duration_s:g} s simulated in "
        f"{r.wall_seconds:.2f} s ({speed:,.0f}x real time)"
    )
    t = Table("", "", show_header=False, box=None)
    t.add_row("hostiles destroyed", f"{s['hostiles_destroyed']} / {s['hostiles']}")
    t.add_row("leakers", str(s["leakers"]))
    civil_style = "green" if s["civil_engaged"] == 0 else "bold red"
    t.add_row("civil aircraft / engaged", f"{s['civil_aircraft']} / [{civil_style}]{s['civil_engaged']}[/]")
    t.add_row("first detection range", f"{s['first_detection_range_m']} m")
    t.add_row("detection to fire", f"{s['detection_to_fire_s']} s")
    t.add_row("rounds fired (bursts)", f"{s['rounds_fired']} ({s['bursts']})")
    t.add_row("rounds per kill", str(s["rounds_per_kill"]))
    if any(p.type.ballistic for p in r.scenario.raid.threats):  # truth-side C-RAM scores (issue 15)
        t.add_row(
            "rounds at defended zones / intercepted",
            f"{s['ram_would_hit_defended']} / {s['ram_intercepted_of_those']} ({s['ram_intercept_fraction']})",
        )
        bad = "green" if s["all_clear_then_impact"] == 0 else "bold red"
        t.add_row("all-clear then impact", f"[{bad}]{s['all_clear_then_impact']}[/]")
    for zone, wt in s["warning_time_s"].items():
        t.add_row(f"warning time: {zone}", f"{wt} s")
    t.add_row("damage events", str(s["damage_events"]))
    t.add_row("debris impacts (in populated zones)", f"{s['debris_impacts']} ({s['debris_in_populated']})")
    t.add_row("fall of shot (in populated zones)", f"{s['fall_of_shot']} ({s['fall_of_shot_populated']})")
    console.print(t)
    tt = Table("threat", "outcome", "first detected at", "detection to fire")
    for th in s["threats"]:
        tt.add_row(th["name"], th["outcome"], f"{th['first_detection_range_m']} m", f"{th['detection_to_fire_s']} s")
    console.print(tt)
    if night.out:
        console.print(f"wrote {night.out}/summary.json, events.sqlite, report.html (run {night.run_id})")


@app.command()
def runs(
    root: Annotated[Path, typer.Option(help="folder searched for */events.sqlite")] = Path("runs"),
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per run")] = False,
) -> None:
    """List recorded runs."""
    from bastion.store import EventStore

    table = Table("run", "scenario", "seed", "created (UTC)", "status", "destroyed", "leakers", "civil engaged", "path")
    found = 0
    for db in sorted(root.glob("**/events.sqlite")) if root.is_dir() else []:
        with EventStore(db) as store:
            for r in store.runs():
                s = r.summary or {}
                found += 1
                if as_json:
                    print(
                        json.dumps(
                            {
                                "run": r.run_id,
                                "scenario": r.scenario,
                                "seed": r.seed,
                                "created_utc": r.created_utc,
                                "status": r.status,
                                "finished": r.finished,
                                "last_t": r.last_t,
                                "path": str(db.parent),
                                "summary": s,
                            }
                        )
                    )
                    continue
                table.add_row(
                    r.run_id,
                    r.scenario,
                    str(r.seed),
                    r.created_utc,
                    r.status if r.finished else f"[bold yellow]{r.status}[/] (last event t = {r.last_t or 0:.1f} s)",
                    f"{s.get('hostiles_destroyed', '-')}/{s.get('hostiles', '-')}",
                    str(s.get("leakers", "-")),
                    str(s.get("civil_engaged", "-")),
                    str(db.parent),
                )
    if not found:
        console.print(f"no runs under {root}/ (bastion run SCENARIO writes one)")
        return
    if not as_json:
        console.print(table)


@app.command()
def replay(
    run: Annotated[str, typer.Argument(help="run id, run directory or events.sqlite path")],
    root: Annotated[Path, typer.Option(help="folder searched for run ids")] = Path("runs"),
    kinds: Annotated[str | None, typer.Option(help="comma-separated event kinds to show")] = None,
    all_events: Annotated[bool, typer.Option("--all", help="include per-scan plots, tracks and truth")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per event")] = False,
) -> None:
    """Print a recorded run's timeline."""
    from bastion.event_types import EventSchemaError
    from bastion.report.describe import QUIET, describe
    from bastion.store import EventStore, find_run

    try:
        db, run_id = find_run(run, root)
    except LookupError as exc:
        fail(str(exc))
    wanted = set(kinds.split(",")) if kinds else None
    with EventStore(db) as store:
        info = next(r for r in store.runs() if r.run_id == run_id)
        if info.last_t is None:  # nothing at all to show: say so, not a silent success
            fail(f"{db}: {info.unfinished_note() or f'run {run_id} holds no events'}", code=1)
        try:
            for e in store.events(run_id, wanted):
                if wanted is None and not all_events and e.kind in QUIET:
                    continue
                if as_json:
                    line = {"seq": e.seq, "t": e.t, "kind": e.kind, "source": e.source, "payload": e.payload.to_dict()}
                    print(json.dumps(line))
                else:
                    colour = {"world": "dim", "decision": "cyan", "operator": "yellow", "sensor": "blue"}.get(
                        e.source, "white"
                    )
                    console.print(f"[{colour}]{e.t:8.2f}  {e.source:<8} {e.kind:<22}[/] {describe(e)}", highlight=False)
        except EventSchemaError as exc:  # a run this bastion cannot read
            fail(str(exc))
    note = info.unfinished_note()
    if note:
        err.print(f"[bold yellow]warning:[/] {note}", highlight=False, soft_wrap=True)


@app.command()
def report(
    run: Annotated[str, typer.Argument(help="run id, run directory or events.sqlite path")],
    out: Annotated[Path, typer.Option(help="HTML file to write")] = Path("report.html"),
    root: Annotated[Path, typer.Option(help="folder searched for run ids")] = Path("runs"),
) -> None:
    """(Re)write the HTML report of a recorded run."""
    from bastion.cli.extras import need

    need("report", "bastion report")
    from bastion.event_types import EventSchemaError
    from bastion.report.html import write_report
    from bastion.store import find_run

    try:
        db, run_id = find_run(run, root)
    except LookupError as exc:
        fail(str(exc))
    from bastion.store import EventStore

    with EventStore(db) as store:
        info = next(r for r in store.runs() if r.run_id == run_id)
    note = info.unfinished_note()
    if note:
        err.print(f"[bold yellow]warning:[/] {note} (the report says so)", highlight=False, soft_wrap=True)
    try:
        console.print(f"wrote {write_report(db, run_id, out)}")
    except EventSchemaError as exc:  # a run this bastion cannot read
        fail(str(exc))


# Command groups living in their own modules: each defines ``register(app)``. A module that does
# not exist (yet) is skipped; any other import error is a bug and propagates.
COMMAND_MODULES = (
    "bastion.cli.tracking",
    "bastion.cli.assignment",
    "bastion.cli.interop",
    "bastion.cli.incidents",
    "bastion.cli.console",
    "bastion.cli.sweep",
    "bastion.cli.live",
)


def _register_commands() -> None:
    import importlib

    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(app)


_register_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
