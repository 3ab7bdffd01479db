"""Start-up time of the ``bastion`` command: ``bastion --help`` against a bare ``python -c pass``.

Both are run N times alternately in fresh interpreters (same machine, same moment, so the ratio is
comparable across loaded machines); the medians and their ratio are printed. Usage:
``python benchmarks/cli_start.py [N]`` (default 7). Without byte-code caches (``PYTHONDONTWRITEBYTECODE``
and no ``__pycache__``) every run compiles its modules; measure with caches written once, e.g.
``PYTHONPYCACHEPREFIX=/tmp/pyc python -m bastion --help`` before the runs. The import test (tests/cli/test_startup.py)
checks which libraries ``--help`` loads; this only measures.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time


def _time(args: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one run of ``args``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(n: int = 7) -> None:
    bare, cli = [], []
    for _ in range(n):
        bare.append(_time([sys.executable, "-c", "pass"]))
        cli.append(_time([sys.executable, "-m", "bastion", "--help"]))
    for k, what in ((0, "wall"), (1, "CPU ")):
        b = statistics.median(x[k] for x in bare)
        c = statistics.median(x[k] for x in cli)
        print(f"{what}  python -c pass {b * 1e3:7.1f} ms   bastion --help {c * 1e3:7.1f} ms   ratio {c / b:5.1f}x")
    print(f"(medians of {n} alternating runs; the CPU time is the steadier figure on a shared machine)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
