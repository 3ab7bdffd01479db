#!/usr/bin/env python3
"""Turn a ``benchmarks/ram.py --json`` report into the tables of ``docs/validation.md``.

    PYTHONPATH=src .venv/bin/python benchmarks/ram.py rocket-salvo mortar-barrage rocket-salvo-large \\
        --seeds 200 --modes open-loop,closed-loop --workers 2 --json /tmp/ram.json
    .venv/bin/python benchmarks/ram_report.py /tmp/ram.json > /tmp/tables.md

Every figure in the tables comes from the models; this script only formats them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def table(name: str, modes: dict[str, dict]) -> str:
    labels = list(modes)
    head = f"| {name} | " + " | ".join(labels) + " |\n|---|" + "---|" * len(labels) + "\n"

    def row(title: str, f) -> str:
        return f"| {title} | " + " | ".join(f(modes[m]) for m in labels) + " |\n"

    def frac(a: dict) -> str:
        if a["intercept_fraction"] is None:
            return "–"
        lo, hi = a["intercept_wilson95"]
        return f"**{_pct(a['intercept_fraction'])}** [{_pct(lo)}, {_pct(hi)}]"

    def ka(a: dict) -> str:
        n, k = a.get("kill_assessments"), a.get("false_kill_assessments")
        if n is None or k is None:
            return "–"
        return f"{k} / {n} ({_pct(k / n if n else 0.0)})"

    out = head

    def nights(a: dict) -> str:
        failed = len(a["failed_nights"])
        return f"{a['nights']}" + (f" ({failed} failed)" if failed else "")

    out += row("nights (seeds)", nights)
    out += row("rounds that would land on a defended zone", lambda a: str(a["would_hit_defended"]))
    out += row("intercepted", lambda a: str(a["intercepted"]))
    out += row("P(intercept) [Wilson 95 %]", frac)
    out += row("false kill assessments / assessments", ka)
    out += row("all-clear, then impact in that zone", lambda a: str(a["all_clear_then_impact"]))
    out += row("impacts in a defended zone never warned", lambda a: str(a["unwarned_impacts_in_defended_zones"]))
    out += row("rounds per kill", lambda a: "–" if a["rounds_per_kill"] is None else f"{a['rounds_per_kill']:.0f}")
    zones = sorted({z for a in modes.values() for z in a["warning_time_s"]})
    for z in zones:
        out += row(
            f"warning time {z}: median / min [s]",
            lambda a, z=z: (
                f"{a['warning_time_s'][z]['median']:.1f} / {a['warning_time_s'][z]['min']:.1f}"
                if z in a["warning_time_s"]
                else "–"
            ),
        )
    return out


def main() -> None:
    report = json.loads(Path(sys.argv[1]).read_text())
    for scenario, modes in report.items():
        for a in modes.values():
            a.pop("per_night", None)
        print(table(Path(scenario).stem, modes))


if __name__ == "__main__":
    main()
