"""Optional parts of bastion and the libraries each needs (pyproject.toml ``[project.optional-dependencies]``).

A command that needs an extra calls :func:`need` before importing it: without the libraries it
exits with code 2 and names the extra to install, rather than a traceback from deep inside.
"""

from __future__ import annotations

import importlib.util

import typer
from rich.console import Console
from rich.markup import escape

EXTRAS: dict[str, tuple[str, ...]] = {
    # import names (not distribution names) of each extra's libraries; "a|b": either will do
    # (uvicorn serves WebSockets with websockets or wsproto, and the console's picture is one)
    "console": ("fastapi", "uvicorn", "argon2", "websockets|wsproto"),
    "sweep": ("ray", "duckdb", "pyarrow"),
    "report": ("plotly", "czml3", "simplekml"),
    "dis": ("opendis",),
    "tak": ("pytak",),
}
"""What each extra makes available: console (``bastion console``, ``users``), sweep (``sweep``,
``plan``), report (report.html, ``report``, ``export``, incident reports and trends), dis (``--dis``), tak
(``--cot``: Cursor on Target)."""


def missing(extra: str) -> list[str]:
    """The libraries of ``extra`` that cannot be imported here."""
    return [names.split("|")[0] for names in EXTRAS[extra] if not any(map(_importable, names.split("|")))]


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a module set to None in sys.modules, a broken parent package
        return False


def need(extra: str, what: str) -> None:
    """Exit with a message naming the extra to install when ``what`` (a command or option) cannot run."""
    lacking = missing(extra)
    if lacking:
        message = (
            f"{what} needs {', '.join(lacking)}: install bastion's {extra!r} extra (pip install 'bastion[{extra}]')"
        )
        Console(stderr=True).print(
            f"[bold red]error:[/] {escape(message)}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
