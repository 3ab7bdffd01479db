"""``bastion sweep --mix FILE``: a sweep over named effector mixes (issue 19, planning with the mix).

A mix file names the defences to compare, each made from the scenario by ``--set`` assignments
(``set``: "PATH=VALUE" strings, the dotted paths of :mod:`bastion.sweep.overrides`) and whole
fields given as TOML values (``[mix.replace]``: PATH = value), e.g. which guns, jammers and
interceptor launchers, where, and how loaded::

    [[mix]]
    name = "guns only"
    set = ["effectors=[]"]

    [[mix]]
    name = "guns + Coyote (4 rounds)"
    [mix.replace]
    effectors = [{ name = "Coyote-1", type = "coyote-blk2", position = { east_m = 2300.0, north_m = 1450.0 } }]

(``examples/effector-mix.toml`` compares seven mixes on ``baghdad-layered``.)

Every mix becomes a grid point (crossed with the ``--grid`` axes, if any: mixes vary slowest), with a
``param.mix`` column holding its name, so the sweep report sets the mixes side by side: P(leak),
P_RA, leakers, rounds and interceptors used, and the cost per night and per kill. The same seeds run
at every point (common random numbers): the mixes are compared on the same nights.

Problems (an unreadable file, a missing name, an assignment that does not fit the scenario) are one
line each, naming the file, the mix and the assignment, before any run starts.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bastion.files import read_utf8
from bastion.scenario import LoadedScenario
from bastion.sweep.overrides import GridPoint, OverrideError, build_points


@dataclass(frozen=True)
class Mix:
    name: str
    sets: tuple[str, ...]
    description: str = ""


def read_mixes(path: str | Path) -> list[Mix]:
    """The ``[[mix]]`` tables of a mix file; :class:`OverrideError` naming each problem."""
    path = Path(path)
    where = str(path)
    if not path.is_file():
        raise OverrideError([f"{where}: no such mix file"])
    text = read_utf8(path, lambda message: OverrideError([message]))
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OverrideError([f"{where}: TOML syntax error: {exc}"]) from None
    problems: list[str] = []
    extra = sorted(set(doc) - {"mix"})
    if extra:
        problems.append(f"{where}: unknown top-level key(s) {', '.join(extra)} (a mix file holds [[mix]] tables)")
    tables = doc.get("mix", [])
    if not isinstance(tables, list) or not tables:
        raise OverrideError([*problems, f"{where}: no [[mix]] table"])
    mixes: list[Mix] = []
    for k, m in enumerate(tables):
        at = f"{where}: mix[{k}]"
        if not isinstance(m, dict):
            problems.append(f"{at}: not a table")
            continue
        unknown = sorted(set(m) - {"name", "set", "replace", "description"})
        if unknown:
            problems.append(f"{at}: unknown key(s) {', '.join(unknown)} (expected name, set, replace, description)")
        name = m.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{at}.name: give each mix a name")
            continue
        sets = m.get("set", [])
        if not isinstance(sets, list) or not all(isinstance(x, str) for x in sets):
            problems.append(f'{at}.set: a list of "PATH=VALUE" strings')
            continue
        replace = m.get("replace", {})
        if not isinstance(replace, dict):
            problems.append(f"{at}.replace: a table of PATH = value")
            continue
        sets = sets + [f"{path}={inline_toml(value)}" for path, value in replace.items()]
        if any(x.name == name for x in mixes):
            problems.append(f"{at}.name: duplicate mix name {name!r}")
        mixes.append(Mix(name, tuple(sets), str(m.get("description", ""))))
    if problems:
        raise OverrideError(problems)
    return mixes


def inline_toml(value) -> str:
    """A TOML value as inline text (tables as ``{k = v}``, arrays as ``[...]``), as ``--set`` reads it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(inline_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {inline_toml(v)}" for k, v in value.items()) + "}"
    return value.isoformat()  # dates and times


def mix_points(
    loaded: LoadedScenario, mixes: Sequence[Mix], sets: Sequence[str] = (), grids: Sequence[str] = ()
) -> list[GridPoint]:
    """One grid point per mix (and ``--grid`` combination), each validated; ``param.mix`` names it."""
    points: list[GridPoint] = []
    problems: list[str] = []
    for m in mixes:
        try:
            built = build_points(loaded, [*sets, *m.sets], grids)
        except OverrideError as exc:
            problems += [f"mix {m.name!r}: {p}" for p in exc.problems]
            continue
        for p in built:
            label = m.name if not grids else f"{m.name}, {p.label}"
            points.append(GridPoint(len(points), label, {"mix": m.name} | p.parameters, p.loaded))
    if problems:
        raise OverrideError(problems)
    return points


def spec_sets(sets: Sequence[str], mixes: Sequence[Mix]) -> tuple[str, ...]:
    """The ``--set`` list a sweep's record (sweep.json, --resume's check) keeps: the command line's,
    then each mix's assignments marked with its name."""
    return tuple(sets) + tuple(f"[mix {m.name}] {s}" for m in mixes for s in (m.sets or ("(scenario as given)",)))
