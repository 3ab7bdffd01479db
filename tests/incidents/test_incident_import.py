"""The register and the CSV import: the real register imports completely, bad rows are named by line
and field, good rows are kept, re-import is idempotent, and a failed import changes nothing."""

import csv
import re

import pytest

from bastion.incidents.importer import ImportFileError, import_csv
from bastion.incidents.register import Register

HEADER = (
    "date,time_local,location,latitude,longitude,target,weapon,count,intercepted,casualties,damage,claimed,source_url"
)
GOOD = "2021-06-14,,Baghdad International Airport,33.263,44.234,facility,drone,1,no,,,unknown,https://example.org/a"


@pytest.fixture()
def real_csv(shared):
    return shared / "data" / "incidents" / "iraq_attacks_2019_2022.csv"


def _write(tmp_path, name, lines):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_the_real_register_imports_completely(tmp_path, real_csv):
    with real_csv.open(newline="", encoding="utf-8") as f:
        expected = list(csv.DictReader(f))
    with Register(tmp_path / "r.sqlite") as reg:
        rep = import_csv(reg, real_csv)
        assert rep.problems == [], [str(p) for p in rep.problems]
        assert rep.counts() == {"rows": 61, "added": 61, "duplicates": 0, "conflicts": 0, "rejected": 0}
        assert len(expected) == 61 and reg.count() == 61
        # every row is there, field for field (no row lost or altered silently)
        got = sorted((i.date_local, i.location, i.weapon, i.count, i.source_url) for i in reg.query())
        want = sorted(
            (r["date"], r["location"], r["weapon"], int(r["count"]) if r["count"] else None, r["source_url"])
            for r in expected
        )
        assert got == want
        by_site = {s: len(reg.query(site=s)) for s in ("biap", "al-asad", "erbil")}
        # rows with the BIAP / Ain al-Asad / Erbil airport coordinates or names
        assert by_site["biap"] >= 12 and by_site["al-asad"] >= 9 and by_site["erbil"] >= 5
        seed = [i for i in reg.query(site="biap", since="2022-01-03") if i.date_local == "2022-01-03"]
        assert len(seed) == 1 and seed[0].count == 2 and seed[0].intercepted == "yes" and seed[0].time_local == "04:30"


def test_reimport_is_idempotent(tmp_path, real_csv):
    with Register(tmp_path / "r.sqlite") as reg:
        import_csv(reg, real_csv)
        before = reg.digest()
        rep = import_csv(reg, real_csv)
        assert rep.counts()["added"] == 0 and rep.counts()["duplicates"] == 61
        assert reg.count() == 61 and reg.digest() == before


@pytest.mark.parametrize(
    ("row", "field", "says"),
    [
        ("2021-06-14,,Somewhere,,,x,drone,1,no,,,unknown,u,nowhere-base", "site", "unknown site"),
        ("2021-02-30,,Baghdad airport,,,x,rocket,2,unknown,,,unknown,u", "date", "not a real date"),
        ("2021-13-01,,Baghdad airport,,,x,rocket,2,unknown,,,unknown,u", "date", "not a real date"),
        ("14/06/2021,,Baghdad airport,,,x,rocket,2,unknown,,,unknown,u", "date", "YYYY-MM-DD"),
        ("2021-06-14,,Baghdad airport,,,x,rocket,-3,unknown,,,unknown,u", "count", "-3 is not a positive"),
        ("2021-06-14,,Baghdad airport,,,x,rocket,three,unknown,,,unknown,u", "count", "not a whole number"),
        ("2021-06-14,,Baghdad airport,33.2x,44.2,x,rocket,2,unknown,,,unknown,u", "latitude", "not a number"),
        ("2021-06-14,,Baghdad airport,33.2,544.2,x,rocket,2,unknown,,,unknown,u", "longitude", "outside"),
        ("2021-06-14,,Baghdad airport,33.2,,x,rocket,2,unknown,,,unknown,u", "longitude", "give both"),
        ("2021-06-14,25:10,Baghdad airport,,,x,rocket,2,unknown,,,unknown,u", "time_local", "not a time"),
        ("2021-06-14,,Baghdad airport,,,x,artillery,2,unknown,,,unknown,u", "weapon", "not one of"),
        ("2021-06-14,,Baghdad airport,,,x,rocket,2,maybe,,,unknown,u", "intercepted", "yes, no, unknown"),
        ("2021-06-14,,,,,x,rocket,2,unknown,,,unknown,u", "location", "missing"),
    ],
)
def test_bad_rows_are_named_by_line_and_field_and_change_nothing(tmp_path, real_csv, row, field, says):
    header = HEADER + (",site" if row.count(",") == HEADER.count(",") + 1 else "")
    good = GOOD + ("," if header.endswith("site") else "")
    bad = _write(tmp_path, "bad.csv", [header, good, row])
    with Register(tmp_path / "r.sqlite") as reg:
        import_csv(reg, real_csv)
        before, n = reg.digest(), reg.count()
        rep = import_csv(reg, bad)
        assert [p.line for p in rep.problems] == [3]
        p = rep.problems[0]
        assert p.field == field and says in p.message, str(p)
        assert re.match(rf"line 3: {field}: ", str(p))
        # the good row was added, and nothing that was in the register changed
        assert rep.counts()["added"] == 1 and reg.count() == n + 1
        assert len(reg.query(since="2021-06-14", weapon="drone")) >= 1
        old = [i.incident_id for i in reg.query()][:n]
        assert all(reg.get(i).natural_key for i in old)
        reg.db.execute("DELETE FROM incident_threats WHERE incident_id = ?", (rep.added[0],))
        reg.db.execute("DELETE FROM incidents WHERE incident_id = ?", (rep.added[0],))
        reg.db.commit()
        assert reg.digest() == before


def test_a_row_with_every_problem_lists_each_field(tmp_path):
    bad = _write(tmp_path, "bad.csv", [HEADER, "2021-02-29,7pm,,91,44,x,laser,-1,perhaps,,,no,u"])
    with Register(tmp_path / "r.sqlite") as reg:
        rep = import_csv(reg, bad)
    fields = {p.field for p in rep.problems}
    assert fields == {"date", "time_local", "location", "latitude", "weapon", "count", "intercepted"}
    assert rep.counts()["added"] == 0 and rep.rejected_lines == [2]


def test_line_numbers_count_quoted_multiline_fields(tmp_path):
    lines = [
        HEADER,
        GOOD,
        '2021-06-15,,"two\nline location",,,x,drone,1,no,,,unknown,v',
        "2021-06-16,,X,,,x,drone,-1,no,,,unknown,w",
    ]
    with Register(tmp_path / "r.sqlite") as reg:
        rep = import_csv(reg, _write(tmp_path, "m.csv", lines))
    assert [(p.line, p.field) for p in rep.problems] == [(5, "count")]


def test_wrong_number_of_fields_and_repeated_rows(tmp_path):
    lines = [HEADER, GOOD, "2021-06-15,,X,x,drone", GOOD]
    with Register(tmp_path / "r.sqlite") as reg:
        rep = import_csv(reg, _write(tmp_path, "m.csv", lines))
    assert [(p.line, p.field) for p in rep.problems] == [(3, "row"), (4, "row")]
    assert "has 5 fields" in rep.problems[0].message and "repeats line 2" in rep.problems[1].message
    assert rep.counts()["added"] == 1


def test_file_level_problems(tmp_path):
    with Register(tmp_path / "r.sqlite") as reg:
        with pytest.raises(ImportFileError, match="unknown column"):
            import_csv(reg, _write(tmp_path, "a.csv", [HEADER.replace("count", "cnt"), GOOD]))
        with pytest.raises(ImportFileError, match="missing column"):
            import_csv(reg, _write(tmp_path, "b.csv", ["date,location", "2021-01-01,x"]))
        with pytest.raises(ImportFileError, match="cannot read"):
            import_csv(reg, tmp_path / "absent.csv")
        assert reg.count() == 0


def test_conflicting_reimport_keeps_the_register_version(tmp_path):
    with Register(tmp_path / "r.sqlite") as reg:
        import_csv(reg, _write(tmp_path, "a.csv", [HEADER, GOOD]))
        before = reg.digest()
        rep = import_csv(reg, _write(tmp_path, "b.csv", [HEADER, GOOD.replace(",drone,1,", ",drone,4,")]))
        assert rep.counts()["conflicts"] == 1 and "count 1 in the register, 4 in the file" in rep.conflicts[0][2]
        assert reg.digest() == before


def test_an_import_that_fails_part_way_changes_nothing(tmp_path, real_csv, monkeypatch):
    with Register(tmp_path / "r.sqlite") as reg:
        import_csv(reg, _write(tmp_path, "a.csv", [HEADER, GOOD]))
        before = reg.digest()
        calls = {"n": 0}
        real_insert = reg.insert

        def failing_insert(inc):
            calls["n"] += 1
            if calls["n"] == 30:
                raise OSError("disk full")
            return real_insert(inc)

        monkeypatch.setattr(reg, "insert", failing_insert)
        with pytest.raises(OSError):
            import_csv(reg, real_csv)
        assert reg.count() == 1 and reg.digest() == before


def test_incident_tables_live_beside_a_runs_events(tmp_path):
    from bastion.store import EventStore

    db = tmp_path / "events.sqlite"
    with EventStore(db) as store:
        store.begin_run("r1", "s", "0" * 64, "text", 1, "0")
    with Register(db) as reg:
        import_csv(reg, _write(tmp_path, "a.csv", [HEADER, GOOD]))
        assert reg.count() == 1
    with EventStore(db) as store:
        assert [r.run_id for r in store.runs()] == ["r1"]
