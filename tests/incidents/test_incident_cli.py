"""``bastion incidents ...``: every command end to end; bad input exits 2 naming row and field,
a tampered export fails verification with exit 1."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from bastion.cli.main import app

runner = CliRunner()


@pytest.fixture()
def db(tmp_path, shared, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "reg.sqlite"
    r = runner.invoke(
        app, ["incidents", "import", str(shared / "data/incidents/iraq_attacks_2019_2022.csv"), "--db", str(path)]
    )
    assert r.exit_code == 0, r.output
    assert "61 added" in r.output and "0 rejected" in r.output
    return path


def _seed_id(db):
    from bastion.incidents.register import Register

    with Register(db) as reg:
        return next(i.incident_id for i in reg.query(site="biap") if i.date_local == "2022-01-03")


def test_import_reports_bad_rows_and_keeps_good_ones(tmp_path):
    csv = tmp_path / "new.csv"
    csv.write_text(
        "date,time_local,location,latitude,longitude,target,weapon,count,intercepted,casualties,damage,claimed,source_url,site\n"
        "2021-10-02,21:10,Erbil airport,,,coalition,drone,1,yes,,,unknown,https://example.org/1,\n"
        "2021-10-03,,somewhere,,,x,rocket,-2,unknown,,,unknown,u,\n"
        "2021-02-30,,Camp X,,,x,rocket,1,unknown,,,unknown,u,camp-x\n"
        "2021-10-04,,y,33.1;44.2,,x,rocket,1,unknown,,,unknown,u,\n"
    )
    db = tmp_path / "r.sqlite"
    # a real process: exit code and stderr exactly as a user sees them, no traceback
    proc = subprocess.run(
        [sys.executable, "-m", "bastion", "incidents", "import", str(csv), "--db", str(db)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    err = proc.stderr.replace("\n", " ")
    for expect in (
        "line 3: count: -2 is not a positive",
        "line 4: date: '2021-02-30' is not a real date",
        "line 4: site: unknown site 'camp-x'",
        "line 5: latitude: '33.1;44.2' is not a number",
        "line 5: longitude: missing",
    ):
        assert expect in err, (expect, err)
    assert "1 added" in proc.stdout
    r = runner.invoke(app, ["incidents", "list", "--db", str(db)])
    assert r.exit_code == 0 and "erbil" in r.output and "1 incident(s)" in r.output


def test_list_filters_and_bad_options(db):
    r = runner.invoke(
        app, ["incidents", "list", "--db", str(db), "--site", "al-asad", "--since", "2022-01-01", "--weapon", "drone"]
    )
    assert r.exit_code == 0 and "2 incident(s)" in r.output
    assert runner.invoke(app, ["incidents", "list", "--db", str(db), "--since", "2022-13-01"]).exit_code == 2
    assert runner.invoke(app, ["incidents", "list", "--db", str(db), "--weapon", "laser"]).exit_code == 2
    r = runner.invoke(app, ["incidents", "list", "--db", str(db.parent / "none.sqlite")])
    assert r.exit_code == 2 and not (db.parent / "none.sqlite").exists()


def test_show_report_scenario_and_run(db, tmp_path):
    sid = _seed_id(db)
    r = runner.invoke(app, ["incidents", "show", str(sid), "--db", str(db), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["count"] == 2
    assert runner.invoke(app, ["incidents", "show", "9999", "--db", str(db)]).exit_code == 2
    r = runner.invoke(app, ["incidents", "report", str(sid), "--out", str(tmp_path / "aar"), "--db", str(db)])
    assert r.exit_code == 0 and (tmp_path / "aar" / f"incident-{sid}.html").is_file()
    toml = tmp_path / "replay.toml"
    r = runner.invoke(app, ["incidents", "scenario", str(sid), "--out", str(toml), "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["run", str(toml), "--out", str(tmp_path / "run"), "--no-report", "--quiet"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "run" / "events.sqlite").is_file()
    r = runner.invoke(app, ["incidents", "scenario", "1", "--out", str(toml), "--db", str(db)])  # Green Zone
    assert r.exit_code == 2


def test_evidence_export_verify_and_tamper(db, tmp_path):
    sid = _seed_id(db)
    photo = tmp_path / "wing.txt"
    photo.write_text("Commanders' Revenge Operations")
    r = runner.invoke(
        app,
        ["incidents", "add-evidence", str(sid), str(photo), "--note", "wing", "--inscription", "CRO", "--db", str(db)],
    )
    assert r.exit_code == 0, r.output
    assert (
        runner.invoke(app, ["incidents", "add-evidence", str(sid), str(tmp_path / "nope"), "--db", str(db)]).exit_code
        == 2
    )
    out = tmp_path / "export" / "incident.json"
    r = runner.invoke(app, ["incidents", "export", str(sid), "--out", str(out), "--db", str(db)])
    assert r.exit_code == 0, r.output
    digest = r.output.split("manifest sha256 ")[1].split()[0]
    r = runner.invoke(app, ["incidents", "verify", str(out), "--expect", digest])
    assert r.exit_code == 0 and "verified" in r.output
    doc = json.loads(out.read_text())
    doc["incident"]["casualties"] = "several"
    out.write_text(json.dumps(doc))
    r = runner.invoke(app, ["incidents", "verify", str(out)])
    assert r.exit_code == 1 and "incident record was changed" in r.output.replace("\n", " ")
    bad = tmp_path / "garbage.json"
    bad.write_text("{not json")
    assert runner.invoke(app, ["incidents", "verify", str(bad)]).exit_code == 1


def test_trends_command(db, tmp_path):
    cal = tmp_path / "cal.csv"
    cal.write_text("date,label,annual\n2020-01-03,strike anniversary,yes\n")
    r = runner.invoke(
        app, ["incidents", "trends", "--out", str(tmp_path / "t"), "--calendar", str(cal), "--db", str(db)]
    )
    assert r.exit_code == 0, r.output
    text = r.output.replace("\n", " ")
    assert "reported incidents" in text and "last 8 weeks before 2022-01-01" in text and "interval" in text
    assert (tmp_path / "t" / "trends.html").is_file() and (tmp_path / "t" / "counts.csv").is_file()
    data = json.loads((tmp_path / "t" / "trends.json").read_text())
    assert sum(data["counts"]["total"]) == 61
    cal.write_text("date,label\n2020-02-31,bad\n")
    r = runner.invoke(
        app, ["incidents", "trends", "--out", str(tmp_path / "t"), "--calendar", str(cal), "--db", str(db)]
    )
    assert r.exit_code == 2 and "line 2: date" in r.output
    assert (
        runner.invoke(
            app, ["incidents", "trends", "--out", str(tmp_path / "t"), "--by", "year", "--db", str(db)]
        ).exit_code
        == 2
    )


def test_default_db_from_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    csv = tmp_path / "a.csv"
    csv.write_text("date,location,weapon\n2021-01-01,Erbil airport,drone\n")
    monkeypatch.setenv("BASTION_DB", str(tmp_path / "env.sqlite"))
    assert runner.invoke(app, ["incidents", "import", str(csv)]).exit_code == 0
    assert (tmp_path / "env.sqlite").is_file() and not (tmp_path / "bastion.sqlite").exists()
    monkeypatch.delenv("BASTION_DB")
    assert runner.invoke(app, ["incidents", "import", str(csv)]).exit_code == 0
    assert (tmp_path / "bastion.sqlite").is_file()
