"""Shared fixtures. ``shared`` is the team's data folder beside the project (``../shared``), or the
folder named by ``BASTION_SHARED``; tests that need it are skipped where it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path | None:
    env = os.environ.get("BASTION_SHARED")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared", ROOT / "shared"]:
        if (cand / "README.md").is_file():
            return cand
    return None


@pytest.fixture(scope="session")
def shared() -> Path:
    path = shared_dir()
    if path is None:
        pytest.skip("../shared (team data) is not available here")
    return path


@pytest.fixture(scope="session")
def baghdad():
    from bastion.api import compile_named

    return compile_named("baghdad")
