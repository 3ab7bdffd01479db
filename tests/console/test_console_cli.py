"""``bastion users`` and ``bastion console``: bad input is a clear error and exit code 2."""

from __future__ import annotations

from typer.testing import CliRunner

from bastion.cli.main import app
from bastion.console.auth import UserStore

runner = CliRunner()


def test_users_add_list_remove(tmp_path):
    db = tmp_path / "u.sqlite"
    r = runner.invoke(app, ["users", "add", "alice", "--role", "commander", "--db", str(db)], input="alice-pass-1\n")
    assert r.exit_code == 0, r.output
    assert UserStore(db).verify("alice", "alice-pass-1").role == "commander"
    r = runner.invoke(app, ["users", "add", "alice", "--role", "observer", "--db", str(db)], input="other-pass-1\n")
    assert r.exit_code == 2 and "already exists" in r.output
    r = runner.invoke(app, ["users", "list"], env={"BASTION_DB": str(db)})
    assert r.exit_code == 0 and "alice" in r.output and "commander" in r.output
    assert runner.invoke(app, ["users", "remove", "alice", "--db", str(db)]).exit_code == 0
    r = runner.invoke(app, ["users", "remove", "alice", "--db", str(db)])
    assert r.exit_code == 2 and "no user" in r.output


def test_users_add_bad_input(tmp_path):
    db = str(tmp_path / "u.sqlite")
    r = runner.invoke(app, ["users", "add", "bob", "--role", "admin", "--db", db], input="bob-pass-123\n")
    assert r.exit_code == 2 and "role 'admin'" in r.output
    r = runner.invoke(app, ["users", "add", "bob smith", "--db", db], input="bob-pass-123\n")
    assert r.exit_code == 2 and "user name" in r.output
    r = runner.invoke(app, ["users", "add", "bob", "--db", db], input="short\n")
    assert r.exit_code == 2 and "at least 8" in r.output


def test_console_refuses_bad_options(tmp_path):
    db = tmp_path / "u.sqlite"
    cases = [
        ([], "give --scenario"),
        (["--scenario", "baghdad", "--replay", "x"], "give --scenario"),
        (["--scenario", "baghdad"], "no users"),
    ]
    for args, message in cases:
        r = runner.invoke(app, ["console", *args, "--db", str(db)])
        assert r.exit_code == 2 and message in r.output, (args, r.output)
    UserStore(db).add("alice", "commander", "alice-pass-1")
    cases = [
        (["--scenario", "baghdad", "--speed", "500"], "--speed"),
        (["--scenario", "baghdad", "--port", "0"], "--port"),
        (["--scenario", "nowhere-such"], "nowhere-such"),
        (["--replay", "no-such-run", "--root", str(tmp_path)], "no run 'no-such-run'"),
    ]
    for args, message in cases:
        r = runner.invoke(app, ["console", *args, "--db", str(db)])
        assert r.exit_code == 2 and message in r.output, (args, r.output)
