"""Import reported incidents from CSV (the format of ``shared/data/incidents/``).

Columns: ``date`` (local YYYY-MM-DD), ``time_local`` (HH:MM), ``location``, ``latitude``,
``longitude``, ``target``, ``weapon`` (rocket | mortar | drone | ied | mixed | unknown), ``count``,
``intercepted`` (yes | no | unknown), ``casualties``, ``damage``, ``claimed`` (yes | no | unknown),
``source_url``; optionally ``site`` (a catalogued site id: biap, al-asad, erbil), ``claimed_by``,
``notes``. ``date``, ``location`` and ``weapon`` are required; an unknown column is an error (a
misspelt column must not be dropped silently).

Every row is validated before anything is written; each bad row is reported by its line number in
the file and the field at fault, and the good rows are inserted in one transaction, so a failure
(or a crash) part-way leaves the register exactly as it was. Re-importing is idempotent: a row is
identified by (date, location, weapon, source_url); a row already in the register is skipped, and
one whose other fields differ from the register's is reported as a conflict and left unchanged —
nothing in the register is ever changed by an import.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bastion.incidents.register import IRAQ_UTC_OFFSET, WEAPONS, YES_NO_UNKNOWN, Incident, Register
from bastion.incidents.sites import SITES, match_site, place_of

REQUIRED = ("date", "location", "weapon")
KNOWN = (
    "date",
    "time_local",
    "location",
    "latitude",
    "longitude",
    "target",
    "weapon",
    "count",
    "intercepted",
    "casualties",
    "damage",
    "claimed",
    "source_url",
    "site",
    "claimed_by",
    "notes",
)
COMPARED = ("time_local", "lat", "lon", "target", "count", "intercepted", "casualties", "damage", "claimed", "site")


class ImportFileError(Exception):
    """The file as a whole cannot be read (missing, not CSV, missing or unknown columns)."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass
class ImportReport:
    file: str
    rows: int = 0
    added: list[int] = field(default_factory=list)  # new incident ids
    duplicates: list[tuple[int, int]] = field(default_factory=list)  # (line, existing id)
    conflicts: list[tuple[int, int, str]] = field(default_factory=list)  # (line, existing id, what differs)
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. rows whose site was not assigned

    @property
    def rejected_lines(self) -> list[int]:
        return sorted({p.line for p in self.problems})

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "added": len(self.added),
            "duplicates": len(self.duplicates),
            "conflicts": len(self.conflicts),
            "rejected": len(self.rejected_lines),
        }


def natural_key(date_local: str, location: str, weapon: str, source_url: str) -> str:
    """Identity of a reported incident: SHA-256 of its date, location, weapon and source."""
    norm = "\x1f".join(" ".join(s.split()).lower() for s in (date_local, location, weapon, source_url))
    return hashlib.sha256(norm.encode()).hexdigest()


_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_row(line: int, raw: dict[str, str | None]) -> tuple[Incident | None, list[RowProblem]]:
    """Validate one CSV row; return the incident or the list of its problems (all of them)."""
    problems: list[RowProblem] = []

    def bad(fld: str, msg: str) -> None:
        problems.append(RowProblem(line, fld, msg))

    v = {k: (raw.get(k) or "").strip() for k in KNOWN}
    # date
    d = v["date"]
    if not d:
        bad("date", "missing (expected YYYY-MM-DD)")
    elif not _DATE.match(d):
        bad("date", f"{d!r} is not a date in the form YYYY-MM-DD")
    else:
        try:
            date.fromisoformat(d)
        except ValueError as exc:
            bad("date", f"{d!r} is not a real date ({exc})")
    # time
    t = v["time_local"] or None
    if t is not None:
        m = _TIME.match(t)
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            bad("time_local", f"{t!r} is not a time of day HH:MM (00:00-23:59)")
        else:
            t = f"{int(m.group(1)):02d}:{m.group(2)}"
    if not v["location"]:
        bad("location", "missing")
    # coordinates
    lat = lon = None
    if v["latitude"] or v["longitude"]:
        for name, lo, hi in (("latitude", -90.0, 90.0), ("longitude", -180.0, 180.0)):
            s = v[name]
            if not s:
                bad(name, f"missing while {'longitude' if name == 'latitude' else 'latitude'} is given (give both)")
                continue
            try:
                x = float(s)
            except ValueError:
                bad(name, f"{s!r} is not a number of decimal degrees")
                continue
            if not math.isfinite(x) or not lo <= x <= hi:
                bad(name, f"{s} is outside {lo:g}..{hi:g} degrees")
                continue
            if name == "latitude":
                lat = x
            else:
                lon = x
    # weapon, count, categorical fields
    w = v["weapon"].lower()
    if not w:
        bad("weapon", f"missing (one of {', '.join(WEAPONS)})")
    elif w not in WEAPONS:
        bad("weapon", f"{v['weapon']!r} is not one of {', '.join(WEAPONS)}")
    count = None
    if v["count"]:
        try:
            count = int(v["count"])
        except ValueError:
            bad("count", f"{v['count']!r} is not a whole number")
        else:
            if count < 1:
                bad("count", f"{count} is not a positive number of rockets or drones (leave empty if unknown)")
    cat = {}
    for name in ("intercepted", "claimed"):
        s = v[name].lower() or "unknown"
        if s not in YES_NO_UNKNOWN:
            bad(name, f"{v[name]!r} is not one of yes, no, unknown")
        cat[name] = s
    site = v["site"].lower() or None
    if site is not None and site not in SITES:
        bad("site", f"unknown site {v['site']!r} (catalogued sites: {', '.join(SITES)})")
    if problems:
        return None, problems
    if site is None:
        site = match_site(v["location"], lat, lon)
    return (
        Incident(
            natural_key=natural_key(d, v["location"], w, v["source_url"]),
            origin="import",
            location=v["location"],
            date_local=d,
            weapon=w,
            place=place_of(v["location"], site, lat, lon),
            site=site,
            lat=lat,
            lon=lon,
            time_local=t,
            utc_offset=IRAQ_UTC_OFFSET,
            target=v["target"],
            count=count,
            intercepted=cat["intercepted"],
            casualties=v["casualties"],
            damage=v["damage"],
            claimed=cat["claimed"],
            claimed_by=v["claimed_by"],
            notes=v["notes"],
            source_url=v["source_url"],
            threats=[
                {
                    "seq": 0,
                    "name": w,
                    "type": w,
                    "count": count,
                    "basis": "reported",
                    "outcome": "intercepted" if cat["intercepted"] == "yes" else "unknown",
                }
            ],
        ),
        [],
    )


def read_rows(text: str, source: str) -> list[tuple[int, dict[str, str | None]]]:
    """(line number, row) of every data row of a CSV text; ImportFileError if the header is bad."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(f"{source}: empty file (expected a header line: {', '.join(KNOWN[:13])})") from None
    except csv.Error as exc:
        raise ImportFileError(f"{source}: line 1: not readable as CSV ({exc})") from None
    header = [h.strip().lstrip("\ufeff").lower() for h in header]
    unknown = [h for h in header if h not in KNOWN]
    missing = [h for h in REQUIRED if h not in header]
    if unknown or missing:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(repr(u) for u in unknown)}")
        raise ImportFileError(f"{source}: line 1: {'; '.join(parts)} (known columns: {', '.join(KNOWN)})")
    rows = []
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows.append((start, {"__error__": f"not readable as CSV ({exc})"}))
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue  # blank line
        if len(cells) != len(header):
            rows.append((line, {"__error__": f"has {len(cells)} fields, the header has {len(header)}"}))
            continue
        rows.append((line, dict(zip(header, cells, strict=True))))
    return rows


def import_csv(reg: Register, path: str | Path) -> ImportReport:
    """Validate every row of ``path``, then add the good, new rows in one transaction."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    report = ImportReport(str(path))
    rows = read_rows(text, str(path))
    report.rows = len(rows)
    good: list[tuple[int, Incident]] = []
    seen: dict[str, int] = {}
    for line, raw in rows:
        if "__error__" in raw:
            report.problems.append(RowProblem(line, "row", raw["__error__"]))  # type: ignore[arg-type]
            continue
        inc, problems = parse_row(line, raw)
        if problems:
            report.problems.extend(problems)
            continue
        assert inc is not None
        if inc.natural_key in seen:
            report.problems.append(
                RowProblem(line, "row", f"repeats line {seen[inc.natural_key]} (same date, location, weapon, source)")
            )
            continue
        seen[inc.natural_key] = line
        good.append((line, inc))
    with reg.db:  # one transaction: all good rows or none
        for line, inc in good:
            existing = reg.id_by_key(inc.natural_key)
            if existing is not None:
                diff = _differences(reg, existing, inc)
                if diff:
                    report.conflicts.append((line, existing, diff))
                else:
                    report.duplicates.append((line, existing))
                continue
            iid = reg.insert(inc)
            report.added.append(iid)
            if inc.site is None and inc.lat is not None:
                report.notes.append(f"line {line}: position not within 5 km of a catalogued site (place {inc.place})")
        reg.log_import(str(path.resolve()), hashlib.sha256(data).hexdigest(), report.counts())
    return report


def _differences(reg: Register, iid: int, inc: Incident) -> str:
    old = reg.get(iid)
    out = []
    for f in COMPARED:
        a, b = getattr(old, f), getattr(inc, f)
        if a != b:
            out.append(f"{f} {a!r} in the register, {b!r} in the file")
    return "; ".join(out)
