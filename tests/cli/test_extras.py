"""A command whose optional libraries are missing names the extra to install (no traceback)."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from bastion.cli import extras
from bastion.cli.main import app


def _without(monkeypatch, *modules: str) -> None:
    for m in modules:  # a None entry makes `import m` (and find_spec) fail as if m were not installed
        monkeypatch.setitem(sys.modules, m, None)


@pytest.mark.parametrize(
    ("args", "hidden", "extra"),
    [
        (["users", "list", "--db", "{tmp}/u.sqlite"], ("fastapi",), "console"),
        (["console", "--scenario", "baghdad"], ("uvicorn",), "console"),
        (["run", "baghdad", "--out", "{tmp}/run"], ("plotly",), "report"),
        (["report", "x", "--root", "{tmp}"], ("plotly",), "report"),
        (["sweep", "baghdad", "--runs", "1", "--out", "{tmp}/s"], ("ray",), "sweep"),
        (["export", "x", "--format", "kml", "--out", "{tmp}/x.kml"], ("simplekml",), "report"),
    ],
)
def test_missing_extra_is_named(monkeypatch, tmp_path, args, hidden, extra):
    _without(monkeypatch, *hidden)
    result = CliRunner().invoke(app, [a.format(tmp=tmp_path) for a in args])
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code == 2, text
    assert f"bastion[{extra}]" in text and hidden[0] in text
    assert "Traceback" not in text


def test_either_websocket_library_will_do(monkeypatch):
    _without(monkeypatch, "websockets")
    monkeypatch.setattr(extras, "_importable", lambda name: name != "websockets")
    assert extras.missing("console") == []
    monkeypatch.setattr(extras, "_importable", lambda name: name not in ("websockets", "wsproto"))
    assert extras.missing("console") == ["websockets"]


def test_extras_match_pyproject():
    """Every extra the CLI checks is declared in pyproject.toml (and the reverse)."""
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text())["project"]["optional-dependencies"]
    assert set(extras.EXTRAS) == set(declared) - {"dev"}
