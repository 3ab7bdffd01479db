"""``bastion --help`` loads no heavy library: each command imports what it uses when it runs.

Not a timing test (speed is measured by benchmarks/cli_start.py): it checks, in a fresh
interpreter, which modules ``--help`` leaves in ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("scipy", "scipy.stats", "ray", "duckdb", "fastapi", "plotly", "numba", "pyarrow", "uvicorn", "shapely")

_PROBE = """
import json, sys
sys.argv = ["bastion", "--help"]
from bastion.cli.main import app
try:
    app()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_help_imports_no_heavy_library():
    loaded = _modules_after(_PROBE)
    assert "bastion.cli.main" in loaded  # the probe did load the CLI
    heavy = sorted(m for m in HEAVY if m in loaded)
    assert heavy == [], f"bastion --help imported {heavy}"


def test_catalogue_does_not_import_scipy_stats():
    """Loading a scenario (the catalogue's detection figures) needs no scipy.stats."""
    loaded = _modules_after("import json, sys\nimport bastion.scenario\nprint(json.dumps(sorted(sys.modules)))")
    assert "bastion.scenario.catalogue" in loaded
    assert "scipy.stats" not in loaded
