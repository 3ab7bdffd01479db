"""``bastion console`` (the operator console) and ``bastion users`` (who may log in to it)."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import Annotated

import typer

from bastion.cli import PLAIN_HELP
from bastion.cli.main import console as out
from bastion.cli.main import fail

DB_HELP = "SQLite database holding the console's users (and recording live nights)"
DbOption = Annotated[Path, typer.Option("--db", envvar="BASTION_DB", help=DB_HELP)]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def uvicorn_options(trusted_proxies: list[str]) -> dict:
    """uvicorn's proxy settings for the console: ``X-Forwarded-For``/``-Proto`` are believed only from
    the proxies named with ``--trusted-proxy`` (addresses or networks). uvicorn's own default trusts
    them from 127.0.0.1, which would let any local client (or anything a loopback proxy passes
    through unchanged) forge its address past the login rate limit and into the audit log."""
    for p in trusted_proxies:
        try:
            ipaddress.ip_network(p, strict=False)
        except ValueError:
            fail(f"--trusted-proxy: {p!r} is not an IP address or network")
    if not trusted_proxies:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(trusted_proxies)}


def console_cmd(
    scenario: Annotated[str | None, typer.Option("--scenario", help="run this night live (name or .toml)")] = None,
    replay: Annotated[str | None, typer.Option("--replay", help="run id, run directory or events.sqlite")] = None,
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    host: Annotated[str, typer.Option(help="address to listen on (loopback unless behind HTTPS)")] = "127.0.0.1",
    speed: Annotated[float, typer.Option(help="initial speed, x1 (real time) to x100")] = 1.0,
    seed: Annotated[int, typer.Option(help="random seed of the live night")] = 1,
    db: DbOption = Path("bastion.sqlite"),
    root: Annotated[Path, typer.Option(help="folder searched for run ids (--replay)")] = Path("runs"),
    record: Annotated[bool, typer.Option(help="record live nights in --db (replay them later)")] = True,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            "--trusted-proxy",
            help="address or network of a reverse proxy whose X-Forwarded-For/-Proto headers are believed "
            "(repeatable; none by default: the client is the TCP peer)",
        ),
    ] = None,
) -> None:
    """Serve the operator console: map, threats, warnings, weapons control, authorisation, replay."""
    from bastion.cli.extras import need

    need("console", "bastion console")
    import uvicorn

    from bastion.console import ConsoleConfig, create_app
    from bastion.console.auth import UserStore
    from bastion.scenario import ScenarioError

    if (scenario is None) == (replay is None):
        fail("give --scenario NAME|PATH (a live night) or --replay RUN_OR_DB (a recorded one)")
    if not 1.0 <= speed <= 100.0:
        fail(f"--speed: {speed:g} is outside x1 to x100")
    if not 1 <= port <= 65535:
        fail(f"--port: {port} is not a TCP port (1-65535)")
    proxy = uvicorn_options(list(trusted_proxy or []))
    if not UserStore(db).users():
        fail(f"no users in {db}: add one first, e.g. bastion users add NAME --role commander --db {db}")
    loopback = _loopback(host)
    allowed = ["127.0.0.1", "localhost", "::1", "[::1]", host] if loopback else None
    config = ConsoleConfig(
        db=db,
        scenario=scenario,
        replay=replay,
        runs_root=root,
        seed=seed,
        speed=speed,
        record=record,
        allowed_hosts=allowed,
    )
    try:
        app = create_app(config)
    except ScenarioError as exc:
        fail("\n".join(exc.problems))
    except (LookupError, ValueError) as exc:
        fail(str(exc))
    if not loopback:
        out.print(
            f"[yellow]warning:[/] listening on {host}: the console speaks plain HTTP; put it behind an HTTPS proxy "
            "on any network but this machine's own."
        )
    shown = f"[{host}]" if ":" in host else host
    out.print(f"bastion console ({'live: ' + scenario if scenario else 'replay: ' + replay}) on http://{shown}:{port}/")
    uvicorn.run(app, host=host, port=port, log_level="warning", **proxy)


users_app = typer.Typer(
    **PLAIN_HELP,
    help="Console users: observers watch, operators authorise engagements, commanders also set weapons-control status.",
    no_args_is_help=True,
)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="user name")],
    role: Annotated[str, typer.Option(help="observer | operator | commander")] = "observer",
    db: DbOption = Path("bastion.sqlite"),
    replace: Annotated[bool, typer.Option(help="change an existing user's role and password")] = False,
) -> None:
    """Add a user; the password is asked for (or read from the first line of stdin when piped)."""
    from bastion.cli.extras import need

    need("console", "bastion users")
    from bastion.console.auth import UserError, UserStore, check_name, check_role

    try:
        check_name(name)
        check_role(role)
    except UserError as exc:
        fail(str(exc))
    if sys.stdin.isatty():
        password = typer.prompt(f"password for {name}", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        UserStore(db).add(name, role, password, replace=replace)
    except UserError as exc:
        fail(str(exc))
    out.print(f"{'updated' if replace else 'added'} {name} ({role}) in {db}")


@users_app.command("list")
def users_list(db: DbOption = Path("bastion.sqlite")) -> None:
    """List the console's users."""
    from bastion.cli.extras import need

    need("console", "bastion users")
    from rich.table import Table

    from bastion.console.auth import UserStore

    table = Table("name", "role", "created (UTC)")
    for name, role, created in UserStore(db).users():
        table.add_row(name, role, created)
    out.print(table)


@users_app.command("remove")
def users_remove(name: Annotated[str, typer.Argument(help="user name")], db: DbOption = Path("bastion.sqlite")) -> None:
    """Remove a user (their open sessions end when the console restarts)."""
    from bastion.cli.extras import need

    need("console", "bastion users")
    from bastion.console.auth import UserStore

    if not UserStore(db).remove(name):
        fail(f"no user {name!r} in {db}")
    out.print(f"removed {name} from {db}")


def register(app: typer.Typer) -> None:
    app.command("console")(console_cmd)
    app.add_typer(users_app, name="users")
