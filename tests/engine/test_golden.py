"""Golden results: the summary and every event of reference nights, as digests.

A refactoring must leave these identical (issue 17). A deliberate change of behaviour updates them
in its own commit, saying why: ``python tests/engine/test_golden.py --update`` rewrites
``golden.json`` beside this file. The digest of the events leaves out ``run_end`` (it carries the
wall-clock time of the run).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from bastion.api import compile_named, summary_digest
from bastion.engine.simulation import run
from bastion.engine.summary import summarise

GOLDEN = Path(__file__).with_name("golden.json")
CASES = [("baghdad", 1), ("baghdad", 2), ("rocket-salvo", 1), ("rocket-salvo", 3)]


def digests(name: str, seed: int) -> dict:
    """The digests of one night run with per-scan records (the fullest event log)."""
    r = run(compile_named(name), seed, record_plots=True)
    h = hashlib.sha256()
    n = 0
    for e in r.log.events:
        if e.kind == "run_end":
            continue
        h.update(f"{e.seq}|{e.t!r}|{e.kind}|{e.source}|{e.to_json()}\n".encode())
        n += 1
    return {"summary": summary_digest(summarise(r)), "events": h.hexdigest(), "n_events": n}


@pytest.mark.slow
@pytest.mark.parametrize(("name", "seed"), CASES)
def test_golden_night_is_unchanged(name, seed):
    expected = json.loads(GOLDEN.read_text())[f"{name}/{seed}"]
    assert digests(name, seed) == expected


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    GOLDEN.write_text(json.dumps({f"{n}/{s}": digests(n, s) for n, s in CASES}, indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")
