"""Console fixtures: a user database, a console served by uvicorn on 127.0.0.1, a headless chromium.

Servers bind to 127.0.0.1 on a free port and stop by themselves at the end of the test (bounded
joins); the browser is Debian's ``chromium`` driven by Playwright (browser downloads do not work
here), and browser tests skip cleanly where it is absent.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from console_support import CHROMIUM_ARGS, FAST_HASHER, PASSWORDS, ROLES, LiveServer

from bastion.console import ConsoleConfig
from bastion.console.auth import UserStore


@pytest.fixture
def user_db(tmp_path: Path) -> Path:
    db = tmp_path / "console.sqlite"
    store = UserStore(db, FAST_HASHER)
    for name, role in ROLES.items():
        store.add(name, role, PASSWORDS[name])
    return db


@pytest.fixture
def serve() -> Iterator:
    servers: list[LiveServer] = []

    def start(**kwargs) -> LiveServer:
        kwargs.setdefault("hasher", FAST_HASHER)
        kwargs.setdefault("allowed_hosts", ["127.0.0.1", "localhost"])
        s = LiveServer(ConsoleConfig(**kwargs))
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.close()


@pytest.fixture(scope="session")
def browser():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium): browser tests skipped")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors
    yield pg
    context.close()
