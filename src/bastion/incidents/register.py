"""The incident register: SQLite tables that live in any bastion database, beside a run's events.

An incident is one attack on a site: where and when, what came (threats with their type, count,
whether reported or tracked, and the outcome of each), damage and casualties, point-of-origin
estimates with their ellipses, debris with its search areas, evidence items (files by path with
their SHA-256, inscriptions), attribution, investigation status and notes, and links to the run or
live session whose events produced it.

All tables are prefixed ``incident`` and created with ``CREATE ... IF NOT EXISTS``, so they can be
added to a run's own ``events.sqlite`` (the store's ``runs`` and ``events`` tables are untouched) or
to a standalone register database. Evidence rows are append-only (triggers refuse UPDATE and
DELETE): an attached file's recorded hash can never be rewritten.

Positions are WGS84 degrees (``lat``/``lon``) with site ENU metres (``east_m``/``north_m``) where
the incident has a site frame; ellipse axes are 95 % semi-axes [m], orientations degrees clockwise
from true north of the major axis. Times are ISO 8601 local with the UTC offset.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_DB = "bastion.sqlite"
IRAQ_UTC_OFFSET = "+03:00"  # Arabia Standard Time, no daylight saving since 2008

WEAPONS = ("rocket", "mortar", "drone", "ied", "mixed", "unknown")
YES_NO_UNKNOWN = ("yes", "no", "unknown")
OUTCOMES = ("intercepted", "impacted", "ignored-open-area", "unknown")
BASES = ("reported", "tracked", "untracked")
ORIGINS = ("import", "run", "live", "manual")
STATUSES = ("open", "closed", "referred")

SCHEMA = """
CREATE TABLE IF NOT EXISTS incidents (
    incident_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    natural_key   TEXT NOT NULL UNIQUE,
    origin        TEXT NOT NULL,
    site          TEXT,
    place         TEXT NOT NULL,
    location      TEXT NOT NULL,
    lat           REAL,
    lon           REAL,
    date_local    TEXT NOT NULL,
    time_local    TEXT,
    utc_offset    TEXT NOT NULL,
    window_start  TEXT,
    window_end    TEXT,
    target        TEXT NOT NULL DEFAULT '',
    weapon        TEXT NOT NULL,
    count         INTEGER,
    intercepted   TEXT NOT NULL DEFAULT 'unknown',
    casualties    TEXT NOT NULL DEFAULT '',
    damage        TEXT NOT NULL DEFAULT '',
    claimed       TEXT NOT NULL DEFAULT 'unknown',
    claimed_by    TEXT NOT NULL DEFAULT '',
    attribution_confidence TEXT NOT NULL DEFAULT '',
    suspected     TEXT NOT NULL DEFAULT '',
    investigation_status TEXT NOT NULL DEFAULT 'open',
    notes         TEXT NOT NULL DEFAULT '',
    source_url    TEXT NOT NULL DEFAULT '',
    created_utc   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_date ON incidents(date_local);
CREATE TABLE IF NOT EXISTS incident_threats (
    incident_id   INTEGER NOT NULL REFERENCES incidents(incident_id),
    seq           INTEGER NOT NULL,
    name          TEXT NOT NULL,
    type          TEXT NOT NULL,
    count         INTEGER,
    basis         TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    tracks        TEXT NOT NULL DEFAULT '[]',
    launch_t_s    REAL, launch_east_m REAL, launch_north_m REAL, launch_lat REAL, launch_lon REAL,
    first_detection_range_m REAL,
    warning_time_s REAL,
    rounds_fired  INTEGER NOT NULL DEFAULT 0,
    predicted_east_m REAL, predicted_north_m REAL, predicted_lat REAL, predicted_lon REAL,
    predicted_semi_major_m REAL, predicted_semi_minor_m REAL, predicted_orientation_deg REAL,
    impact_east_m REAL, impact_north_m REAL, impact_lat REAL, impact_lon REAL, impact_zone TEXT,
    kill_east_m REAL, kill_north_m REAL, kill_height_m REAL, kill_lat REAL, kill_lon REAL,
    PRIMARY KEY (incident_id, seq)
);
CREATE TABLE IF NOT EXISTS incident_engagements (
    incident_id   INTEGER NOT NULL REFERENCES incidents(incident_id),
    seq           INTEGER NOT NULL,
    t_s           REAL NOT NULL,
    gun           TEXT NOT NULL,
    track         INTEGER,
    threat_seq    INTEGER,
    rounds        INTEGER NOT NULL,
    pk            REAL,
    range_m       REAL,
    result        TEXT NOT NULL DEFAULT 'unknown',
    PRIMARY KEY (incident_id, seq)
);
CREATE TABLE IF NOT EXISTS incident_damage (
    incident_id   INTEGER NOT NULL REFERENCES incidents(incident_id),
    seq           INTEGER NOT NULL,
    threat_seq    INTEGER,
    zone          TEXT NOT NULL,
    kind          TEXT NOT NULL DEFAULT '',
    distance_m    REAL,
    how           TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (incident_id, seq)
);
CREATE TABLE IF NOT EXISTS incident_origins (
    incident_id   INTEGER NOT NULL REFERENCES incidents(incident_id),
    seq           INTEGER NOT NULL,
    threat_seq    INTEGER,
    track         INTEGER,
    east_m REAL, north_m REAL, lat REAL NOT NULL, lon REAL NOT NULL,
    semi_major_m  REAL, semi_minor_m REAL, orientation_deg REAL,
    confidence    REAL,
    method        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (incident_id, seq)
);
CREATE TABLE IF NOT EXISTS incident_debris (
    incident_id   INTEGER NOT NULL REFERENCES incidents(incident_id),
    seq           INTEGER NOT NULL,
    threat_seq    INTEGER,
    piece         TEXT NOT NULL,
    east_m REAL, north_m REAL, lat REAL, lon REAL,
    zone          TEXT,
    t_s           REAL,
    description   TEXT NOT NULL DEFAULT '',
    inscription   TEXT NOT NULL DEFAULT '',
    recovered     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (incident_id, seq)
);
CREATE TABLE IF NOT EXISTS incident_search_areas (
    incident_id   INTEGER NOT NULL REFERENCES incidents(incident_id),
    seq           INTEGER NOT NULL,
    threat_seq    INTEGER,
    east_m REAL, north_m REAL, lat REAL NOT NULL, lon REAL NOT NULL,
    radius_m      REAL NOT NULL,
    basis         TEXT NOT NULL,
    PRIMARY KEY (incident_id, seq)
);
CREATE TABLE IF NOT EXISTS incident_evidence (
    evidence_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id   INTEGER NOT NULL REFERENCES incidents(incident_id),
    description   TEXT NOT NULL DEFAULT '',
    path          TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL,
    inscription   TEXT NOT NULL DEFAULT '',
    lat REAL, lon REAL,
    added_utc     TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS incident_evidence_no_update BEFORE UPDATE ON incident_evidence
BEGIN SELECT RAISE(ABORT, 'evidence records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS incident_evidence_no_delete BEFORE DELETE ON incident_evidence
BEGIN SELECT RAISE(ABORT, 'evidence records are append-only'); END;
CREATE TABLE IF NOT EXISTS incident_links (
    incident_id   INTEGER NOT NULL REFERENCES incidents(incident_id),
    kind          TEXT NOT NULL,
    ref           TEXT NOT NULL,
    db_path       TEXT NOT NULL DEFAULT '',
    scenario_sha256 TEXT NOT NULL DEFAULT '',
    events_sha256 TEXT NOT NULL DEFAULT '',
    start_local   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (incident_id, kind, ref)
);
CREATE TABLE IF NOT EXISTS incident_imports (
    import_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    file          TEXT NOT NULL,
    file_sha256   TEXT NOT NULL,
    imported_utc  TEXT NOT NULL,
    rows          INTEGER NOT NULL,
    added         INTEGER NOT NULL,
    duplicates    INTEGER NOT NULL,
    conflicts     INTEGER NOT NULL,
    rejected      INTEGER NOT NULL
);
"""

CHILD_TABLES = {
    "threats": "incident_threats",
    "engagements": "incident_engagements",
    "damage_items": "incident_damage",
    "origins": "incident_origins",
    "debris": "incident_debris",
    "search_areas": "incident_search_areas",
    "links": "incident_links",
}


@dataclass
class Incident:
    """One attack and everything recorded about it. Child lists hold one dict per table row
    (column names as in :data:`SCHEMA`, without ``incident_id``)."""

    natural_key: str
    origin: str
    location: str
    date_local: str
    weapon: str
    place: str = "other"
    site: str | None = None
    lat: float | None = None
    lon: float | None = None
    time_local: str | None = None
    utc_offset: str = IRAQ_UTC_OFFSET
    window_start: str | None = None
    window_end: str | None = None
    target: str = ""
    count: int | None = None
    intercepted: str = "unknown"
    casualties: str = ""
    damage: str = ""
    claimed: str = "unknown"
    claimed_by: str = ""
    attribution_confidence: str = ""
    suspected: str = ""
    investigation_status: str = "open"
    notes: str = ""
    source_url: str = ""
    created_utc: str = ""
    incident_id: int | None = None
    threats: list[dict] = field(default_factory=list)
    engagements: list[dict] = field(default_factory=list)
    damage_items: list[dict] = field(default_factory=list)
    origins: list[dict] = field(default_factory=list)
    debris: list[dict] = field(default_factory=list)
    search_areas: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)

    def row(self) -> dict:
        """The ``incidents`` row (scalar fields only)."""
        skip = {*CHILD_TABLES, "evidence", "incident_id"}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}

    def to_dict(self) -> dict:
        """JSON-ready record of the incident and all its children (the export's ``incident``)."""
        return asdict(self)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def default_db() -> Path:
    """``$BASTION_DB`` or ``bastion.sqlite`` in the working directory."""
    return Path(os.environ.get("BASTION_DB") or DEFAULT_DB)


class Register:
    """The incident tables of one SQLite database (created if absent)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30.0)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------------
    def insert(self, incident: Incident) -> int:
        """Insert an incident with its children in the caller's transaction; return its id."""
        row = incident.row()
        row["created_utc"] = row["created_utc"] or utc_now()
        cols = ", ".join(row)
        cur = self.db.execute(
            f"INSERT INTO incidents ({cols}) VALUES ({', '.join('?' * len(row))})", list(row.values())
        )
        iid = int(cur.lastrowid)
        for attr, table in CHILD_TABLES.items():
            for item in getattr(incident, attr):
                self._insert_child(table, iid, item)
        return iid

    def add(self, incident: Incident) -> int:
        """Insert one incident atomically; return its id."""
        with self.db:
            return self.insert(incident)

    def _insert_child(self, table: str, iid: int, item: dict) -> None:
        item = {k: (json.dumps(v) if isinstance(v, list | dict) else v) for k, v in item.items()}
        cols = ", ".join(["incident_id", *item])
        self.db.execute(
            f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * (len(item) + 1))})", [iid, *item.values()]
        )

    def add_evidence(
        self,
        incident_id: int,
        path: str,
        sha256: str,
        size_bytes: int,
        description: str = "",
        inscription: str = "",
        lat: float | None = None,
        lon: float | None = None,
    ) -> int:
        self.get(incident_id)  # KeyError if absent
        with self.db:
            cur = self.db.execute(
                "INSERT INTO incident_evidence (incident_id, description, path, sha256, size_bytes, inscription,"
                " lat, lon, added_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (incident_id, description, path, sha256, size_bytes, inscription, lat, lon, utc_now()),
            )
        return int(cur.lastrowid)

    def log_import(self, file: str, file_sha256: str, counts: dict[str, int]) -> None:
        self.db.execute(
            "INSERT INTO incident_imports (file, file_sha256, imported_utc, rows, added, duplicates, conflicts,"
            " rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                file,
                file_sha256,
                utc_now(),
                counts["rows"],
                counts["added"],
                counts["duplicates"],
                counts["conflicts"],
                counts["rejected"],
            ),
        )

    # -- reading ----------------------------------------------------------------------------------
    def id_by_key(self, natural_key: str) -> int | None:
        r = self.db.execute("SELECT incident_id FROM incidents WHERE natural_key = ?", (natural_key,)).fetchone()
        return None if r is None else int(r[0])

    def id_by_link(self, kind: str, ref: str) -> int | None:
        r = self.db.execute("SELECT incident_id FROM incident_links WHERE kind = ? AND ref = ?", (kind, ref)).fetchone()
        return None if r is None else int(r[0])

    def get(self, incident_id: int) -> Incident:
        """The incident with all its children; KeyError if there is none with this id."""
        r = self.db.execute("SELECT * FROM incidents WHERE incident_id = ?", (incident_id,)).fetchone()
        if r is None:
            raise KeyError(incident_id)
        inc = Incident(**dict(r))
        for attr, table in CHILD_TABLES.items():
            order = "kind, ref" if table == "incident_links" else "seq"
            rows = self.db.execute(f"SELECT * FROM {table} WHERE incident_id = ? ORDER BY {order}", (incident_id,))
            setattr(inc, attr, [_child(dict(x)) for x in rows])
        ev = self.db.execute(
            "SELECT * FROM incident_evidence WHERE incident_id = ? ORDER BY evidence_id", (incident_id,)
        )
        inc.evidence = [_child(dict(x)) for x in ev]
        return inc

    def query(
        self,
        site: str | None = None,
        since: str | None = None,
        until: str | None = None,
        weapon: str | None = None,
        origin: str | None = None,
    ) -> list[Incident]:
        """Incidents (without children) matching all given filters, in date order.

        ``site`` matches the catalogue id or, case-insensitively, part of the place or location."""
        sql, args = "SELECT * FROM incidents WHERE 1=1", []
        if site:
            sql += " AND (site = ? OR lower(place) LIKE ? OR lower(location) LIKE ?)"
            like = f"%{site.lower()}%"
            args += [site, like, like]
        if since:
            sql += " AND date_local >= ?"
            args.append(since)
        if until:
            sql += " AND date_local <= ?"
            args.append(until)
        if weapon:
            sql += " AND weapon = ?"
            args.append(weapon)
        if origin:
            sql += " AND origin = ?"
            args.append(origin)
        sql += " ORDER BY date_local, coalesce(time_local, ''), incident_id"
        return [Incident(**dict(r)) for r in self.db.execute(sql, args)]

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0])

    def digest(self) -> str:
        """SHA-256 over every incident table's rows in a fixed order: equal digests mean an
        unchanged register (used to prove a failed import changed nothing)."""
        import hashlib

        h = hashlib.sha256()
        for table in ("incidents", *CHILD_TABLES.values(), "incident_evidence"):
            for r in self.db.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
                h.update(json.dumps(list(r), default=str).encode())
                h.update(b"\n")
        return h.hexdigest()


def _child(d: dict) -> dict:
    d.pop("incident_id", None)
    if isinstance(d.get("tracks"), str):
        d["tracks"] = json.loads(d["tracks"])
    return d


def all_incidents(reg: Register, ids: Iterable[int] | None = None) -> list[Incident]:
    """Full records (with children) of the given ids, or of every incident."""
    if ids is None:
        ids = [i.incident_id for i in reg.query()]
    return [reg.get(i) for i in ids]
