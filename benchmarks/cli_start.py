"""Start-up time of the ``bastion`` command: ``bastion --help`` against a bare ``python -c pass``.

Both are run N times alternately in fresh interpreters (same machine, same moment, so the ratio is
comparable across loaded machines); the medians and their ratio are printed. Usage:
``python benchmarks/cli_start.py [N]`` (default 7). The import test (tests/cli/test_startup.py)
checks which libraries ``--help`` loads; this only measures.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def _time(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main(n: int = 7) -> None:
    bare, cli = [], []
    for _ in range(n):
        bare.append(_time([sys.executable, "-c", "pass"]))
        cli.append(_time([sys.executable, "-m", "bastion", "--help"]))
    b, c = statistics.median(bare), statistics.median(cli)
    print(f"python -c pass : median {b * 1e3:7.1f} ms over {n} runs")
    print(f"bastion --help : median {c * 1e3:7.1f} ms over {n} runs")
    print(f"ratio          : {c / b:.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
