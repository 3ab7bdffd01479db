"""``bastion incidents ...``: the incident register, after-action reports, exports, trends, replays.

Every command takes ``--db PATH`` (default ``$BASTION_DB`` or ``bastion.sqlite`` in the working
directory); a run's own ``events.sqlite`` works too. Bad input exits with code 2 and a message
naming the row, field or file; ``verify`` exits with code 1 when an export fails verification.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bastion.cli import PLAIN_HELP

console = Console(soft_wrap=True)  # long lines unwrapped: messages stay greppable
err = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 2) -> None:
    """As :func:`bastion.cli.main.fail` (not imported from it: main imports this module)."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


incidents = typer.Typer(
    **PLAIN_HELP,
    no_args_is_help=True,
    help="Incident register: import reported attacks, after-action reports, exports, trends, replays.",
)

DbOption = Annotated[
    Path | None, typer.Option("--db", help="register database (default $BASTION_DB or ./bastion.sqlite)")
]


def _open(db: Path | None, must_exist: bool = True):
    import sqlite3

    from bastion.incidents.register import Register, default_db

    path = db or default_db()
    if must_exist and not path.is_file():
        fail(
            f"no register at {path} (`bastion incidents import FILE.csv` creates one; --db or BASTION_DB names another)"
        )
    if path.is_dir():
        fail(f"{path} is a directory, not a database file")
    try:
        return Register(path)
    except sqlite3.DatabaseError as exc:
        fail(f"{path}: not a bastion SQLite database ({exc})")


def _get(reg, incident_id: int):
    try:
        return reg.get(incident_id)
    except KeyError:
        fail(f"no incident {incident_id} in {reg.path} (`bastion incidents list` shows them)")


def _date(value: str | None, option: str):
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date YYYY-MM-DD")


@incidents.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV in the format of shared/data/incidents/")],
    db: DbOption = None,
) -> None:
    """Import reported incidents: bad rows named by line and field, good rows kept, re-import idempotent."""
    from bastion.incidents.importer import ImportFileError, import_csv

    with _open(db, must_exist=False) as reg:
        try:
            rep = import_csv(reg, file)
        except ImportFileError as exc:
            fail(str(exc))
        c = rep.counts()
        console.print(
            f"{file}: {c['rows']} rows: [green]{c['added']} added[/], {c['duplicates']} already in the register, "
            f"{c['conflicts']} conflicting, [{'red' if c['rejected'] else 'green'}]{c['rejected']} rejected[/] "
            f"({reg.path}: {reg.count()} incidents)",
            highlight=False,
        )
        for line, iid, what in rep.conflicts:
            err.print(
                f"line {line}: same incident as #{iid} but {what}; the register's record is kept", highlight=False
            )
        for note in rep.notes:
            console.print(f"[dim]{note}[/]", highlight=False)
        if rep.problems:
            err.print("rejected rows (nothing else in the register was changed):", highlight=False)
            for p in rep.problems:
                err.print(f"  {file}: {p}", highlight=False)
            raise typer.Exit(2)


@incidents.command("list")
def list_cmd(
    site: Annotated[str | None, typer.Option(help="catalogued site id or part of the place / location")] = None,
    since: Annotated[str | None, typer.Option(help="from this date (YYYY-MM-DD)")] = None,
    weapon: Annotated[str | None, typer.Option(help="rocket, mortar, drone, ied, mixed or unknown")] = None,
    db: DbOption = None,
) -> None:
    """List incidents, in date order."""
    from rich.table import Table

    from bastion.incidents.register import WEAPONS

    _date(since, "--since")
    if weapon is not None and weapon not in WEAPONS:
        fail(f"--weapon: {weapon!r} is not one of {', '.join(WEAPONS)}")
    with _open(db) as reg:
        rows = reg.query(site=site, since=since, weapon=weapon)
    table = Table("id", "date", "time", "site / place", "weapon", "count", "intercepted", "from")
    for i in rows:
        table.add_row(
            str(i.incident_id),
            i.date_local,
            i.time_local or "",
            i.site or (i.place if i.place != "other" else i.location)[:32],
            i.weapon,
            "" if i.count is None else str(i.count),
            i.intercepted,
            i.origin,
        )
    console.print(table)
    console.print(f"{len(rows)} incident(s)")


@incidents.command("show")
def show_cmd(
    incident_id: Annotated[int, typer.Argument(help="incident id")],
    as_json: Annotated[bool, typer.Option("--json", help="the full record as JSON")] = False,
    db: DbOption = None,
) -> None:
    """Show one incident with its threats, engagements, debris and evidence."""
    import json

    from rich.table import Table

    with _open(db) as reg:
        inc = _get(reg, incident_id)
    if as_json:
        print(json.dumps(inc.to_dict(), indent=2, ensure_ascii=False))
        return
    t = Table(show_header=False, box=None)
    for k, v in inc.row().items():
        if v not in (None, ""):
            t.add_row(k.replace("_", " "), str(v))
    console.print(f"[bold]incident {inc.incident_id}[/]")
    console.print(t)
    for title, items, cols in (
        ("threats", inc.threats, ("seq", "name", "type", "count", "basis", "outcome", "rounds_fired")),
        ("engagements", inc.engagements, ("seq", "t_s", "gun", "track", "threat_seq", "rounds", "result")),
        ("damage", inc.damage_items, ("zone", "kind", "distance_m", "how")),
        ("points of origin", inc.origins, ("seq", "lat", "lon", "semi_major_m", "semi_minor_m", "orientation_deg")),
        ("debris", inc.debris, ("seq", "threat_seq", "piece", "lat", "lon", "zone")),
        ("debris search areas", inc.search_areas, ("threat_seq", "lat", "lon", "radius_m")),
        ("evidence", inc.evidence, ("evidence_id", "description", "path", "sha256", "inscription")),
        ("links", inc.links, ("kind", "ref", "db_path", "events_sha256")),
    ):
        if items:
            tt = Table(*cols, title=title)
            for it in items:
                tt.add_row(*("" if it.get(c) is None else str(it.get(c)) for c in cols))
            console.print(tt)


@incidents.command("add-evidence")
def add_evidence_cmd(
    incident_id: Annotated[int, typer.Argument(help="incident id")],
    file: Annotated[Path, typer.Argument(help="the evidence file (photo, document, ...)")],
    note: Annotated[str, typer.Option(help="what it is")] = "",
    inscription: Annotated[str, typer.Option(help="text found on the item")] = "",
    lat: Annotated[float | None, typer.Option(help="where it was found: latitude [deg]")] = None,
    lon: Annotated[float | None, typer.Option(help="where it was found: longitude [deg]")] = None,
    db: DbOption = None,
) -> None:
    """Attach a file to an incident by path, with its SHA-256."""
    from bastion.incidents.evidence import add_evidence

    if (lat is None) != (lon is None):
        fail("--lat and --lon: give both or neither")
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        fail(f"--lat/--lon: ({lat}, {lon}) is not a WGS84 position")
    with _open(db) as reg:
        _get(reg, incident_id)
        try:
            eid = add_evidence(reg, incident_id, file, note, inscription, lat, lon)
        except (FileNotFoundError, IsADirectoryError) as exc:
            fail(str(exc))
        except PermissionError as exc:
            fail(f"{file}: cannot read ({exc.strerror})")
        e = next(x for x in reg.get(incident_id).evidence if x["evidence_id"] == eid)
    console.print(f"evidence #{eid} added to incident {incident_id}: {e['path']} sha256 {e['sha256']}", highlight=False)


@incidents.command("report")
def report_cmd(
    incident_id: Annotated[int, typer.Argument(help="incident id")],
    out: Annotated[Path, typer.Option(help="output directory")] = Path("."),
    db: DbOption = None,
) -> None:
    """Write the after-action report (self-contained HTML)."""
    from bastion.cli.extras import need

    need("report", "bastion incidents report")
    from bastion.incidents.after_action import write_after_action

    with _open(db) as reg:
        inc = _get(reg, incident_id)
    console.print(f"wrote {write_after_action(inc, out)}")


@incidents.command("export")
def export_cmd(
    incident_id: Annotated[int, typer.Argument(help="incident id")],
    out: Annotated[Path, typer.Option(help="the JSON file to write (evidence files go beside it)")],
    db: DbOption = None,
) -> None:
    """Export an incident for investigators: JSON with a manifest of SHA-256 hashes, evidence copied beside it."""
    from bastion.incidents.evidence import export_incident

    with _open(db) as reg:
        _get(reg, incident_id)
        try:
            path, digest = export_incident(reg, incident_id, out)
        except (FileNotFoundError, ValueError) as exc:
            fail(str(exc))
    console.print(f"wrote {path}")
    console.print(f"manifest sha256 {digest}  (send this digest separately: `bastion incidents verify --expect`)")


@incidents.command("verify")
def verify_cmd(
    file: Annotated[Path, typer.Argument(help="an export JSON")],
    evidence_dir: Annotated[
        Path | None, typer.Option(help="folder holding the evidence (default: beside FILE)")
    ] = None,
    expect: Annotated[str | None, typer.Option(help="the manifest digest received separately")] = None,
) -> None:
    """Verify an export: exit 0 if every hash matches, 1 naming each mismatch."""
    from bastion.incidents.evidence import verify_export

    v = verify_export(file, evidence_dir, expect)
    for c in v.checked:
        console.print(f"[green]ok[/] {c}", highlight=False)
    if not v.ok:
        for p in v.problems:
            err.print(f"[bold red]FAILED:[/] {p}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"[green]verified[/] {file}")


@incidents.command("trends")
def trends_cmd(
    out: Annotated[Path, typer.Option(help="output directory")],
    by: Annotated[str, typer.Option(help="month or week")] = "month",
    calendar: Annotated[Path | None, typer.Option(help="CSV of dates: date,label[,annual]")] = None,
    before: Annotated[
        str | None, typer.Option(help="question date (default: 1st of the latest incident's month)")
    ] = None,
    recent_weeks: Annotated[int, typer.Option(help="the recent window before --before [weeks]")] = 8,
    baseline_weeks: Annotated[int, typer.Option(help="the baseline window before that [weeks]")] = 52,
    site: Annotated[str | None, typer.Option(help="only this site / place")] = None,
    weapon: Annotated[str | None, typer.Option(help="only this weapon")] = None,
    db: DbOption = None,
) -> None:
    """Attacks per period by weapon and site, a change-point model with intervals, calendar dates."""
    from bastion.cli.extras import need

    need("report", "bastion incidents trends")
    from datetime import date

    from bastion.incidents.trends import CalendarError, analyse, read_calendar
    from bastion.incidents.trends_report import write_trends

    if by not in ("month", "week"):
        fail(f"--by: {by!r} is not month or week")
    if recent_weeks < 1 or baseline_weeks < 1:
        fail("--recent-weeks and --baseline-weeks must be at least 1")
    q = _date(before, "--before")
    cal = None
    if calendar is not None:
        try:
            cal = read_calendar(calendar)
        except CalendarError as exc:
            fail(str(exc))
    with _open(db) as reg:
        rows = reg.query(site=site, weapon=weapon)
    # simulated runs' incidents are not attacks: trends count reported (imported, manual, live) ones
    records = [(date.fromisoformat(i.date_local), i.weapon, i.place) for i in rows if i.origin != "run"]
    if not records:
        fail("no reported incidents match: nothing to analyse (simulated runs' incidents are not counted)")
    try:
        a = analyse(records, by=by, calendar=cal, before=q, recent_weeks=recent_weeks, baseline_weeks=baseline_weeks)
    except ValueError as exc:
        fail(str(exc))
    path = write_trends(a, out)
    console.print(f"[yellow]{a.caveat}[/]")
    console.print(a.model.statement, highlight=False)
    console.print(f"[bold]{a.question.statement}[/]", highlight=False)
    for c in a.calendar:
        console.print(
            f"{c.label}: {c.observed} within ±{c.window_days} d ({c.observed_per_week:.2f}/week) vs "
            f"{c.baseline_per_week:.2f}/week around them; ratio {c.ratio_median:.2f} "
            f"({c.ratio_interval[0]:.2f}-{c.ratio_interval[1]:.2f})",
            highlight=False,
        )
    console.print(f"wrote {path}, trends.json, counts.csv")


@incidents.command("scenario")
def scenario_cmd(
    incident_id: Annotated[int, typer.Argument(help="incident id")],
    out: Annotated[Path, typer.Option(help="the scenario TOML to write")],
    threat_type: Annotated[str | None, typer.Option(help="catalogue threat type instead of the default")] = None,
    layout: Annotated[Path | None, typer.Option(help="take the defence layout from this scenario file")] = None,
    db: DbOption = None,
) -> None:
    """Build a scenario replaying a recorded incident (site, weapon, count, time of day)."""
    from bastion.incidents.scenario_builder import ScenarioBuildError, build_scenario

    with _open(db) as reg:
        inc = _get(reg, incident_id)
    try:
        text, notes = build_scenario(inc, threat_type, layout)
    except ScenarioBuildError as exc:
        fail(str(exc))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    for n in notes:
        console.print(f"[dim]assumed: {n}[/]", highlight=False)
    console.print(f"wrote {out} (run it: bastion run {out})")


def register(app: typer.Typer) -> None:
    app.add_typer(incidents, name="incidents")
