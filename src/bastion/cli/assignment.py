"""``bastion assign``: solve a static weapon-target assignment instance (``shared/bench/wta/FORMAT.md``).

Bad instances (a probability outside [0, 1) as FORMAT.md says: 1 is refused, see
:mod:`bastion.engage.wta.instance`; a negative value, ragged rows, NaN, broken JSON) exit
with code 2 and a message naming the entry.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated

import typer


class Method(enum.StrEnum):
    exact = "exact"
    fast = "fast"


def register(app: typer.Typer) -> None:
    app.command("assign")(assign)


def assign(
    instance: Annotated[
        Path,
        typer.Argument(
            help="instance JSON file: values (>= 0) and pk (kill probabilities in [0, 1))", metavar="INSTANCE.json"
        ),
    ],
    method: Annotated[Method, typer.Option(help="exact: proven optimum and bound; fast: real-time heuristic")] = (
        Method.exact
    ),
    out: Annotated[Path | None, typer.Option(help="result JSON to write (default: print it)")] = None,
    time_limit: Annotated[float, typer.Option(help="exact method: give up proving after this many seconds")] = 60.0,
) -> None:
    """Assign weapons to targets, minimising the expected surviving value; write the result JSON."""
    from bastion.cli.main import console, err, fail
    from bastion.engage.wta.instance import InstanceError, load_instance

    try:
        inst = load_instance(instance)
    except InstanceError as exc:
        fail("\n".join(exc.problems))
    if time_limit <= 0:
        fail(f"--time-limit must be positive, got {time_limit}")
    if method is Method.exact:
        from bastion.engage.wta.exact import solve_exact

        _quiet_highs_banner()
        solution = solve_exact(inst.pk, inst.values, time_limit=time_limit)
    else:
        from bastion.engage.wta.fast import solve_fast

        solution = solve_fast(inst.pk, inst.values)
    result = solution.to_json()
    text = json.dumps(result)
    if out is None:
        print(text)
    else:
        try:
            out.write_text(text + "\n")
        except OSError as exc:
            fail(f"{out}: cannot write ({exc.strerror or exc})")
    bound = "none" if solution.bound is None else f"{solution.bound:.6f}"
    (console if out is not None else err).print(
        f"{inst.name or instance.name}: {inst.weapons} weapons x {inst.targets} targets, {method.value}: "
        f"value {solution.value:.6f}, bound {bound}, proven optimal {solution.proven_optimal}, "
        f"{solution.seconds:.3f} s" + (f"; wrote {out}" if out is not None else ""),
        highlight=False,
    )


def _quiet_highs_banner() -> None:
    """HiGHS prints a banner on stdout when its first solver object is made; send it to stderr so
    stdout carries only the result JSON."""
    import os
    import sys

    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
