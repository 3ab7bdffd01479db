"""Scenario fields by dotted path: ``--set PATH=VALUE`` and ``--grid PATH=V1,V2,...`` on a scenario.

Path syntax (segments separated by ``.``, applied to the scenario's TOML document):

* a table key: ``environment.wind_speed_mps``, ``defence.operator.median_delay_s``; a key the file
  leaves out (a default) may be set, and a missing sub-table is created;
* a list entry by index (0-based, negative counts from the end): ``weapons.0.position.east_m``;
* a list entry by its ``name``: ``weapons.LPWS-2.position.north_m``, ``zones.Terminal.value``
  (names containing ``.`` are reached by index);
* every entry of a list: ``threats.*.speed_mps``;
* a whole entry or table: ``weapons.0.position={east_m = 2500, north_m = 1400}``.

Values are TOML values (``2500``, ``3.5``, ``true``, ``"123"``, ``[1, 2]``, ``{east_m = 1, north_m = 2}``,
``2022-01-03T04:25:30+03:00``); text that is not a TOML value is taken as a bare string
(``sensors.0.type=lcmr``). In ``--grid`` values are separated by commas outside brackets, braces
and quotes, so tables and lists can be grid values.

Raid size. ``threats.SEL.count = N`` (a sweep option, not a scenario field) replaces each selected
threat entry by N copies, launched ``threats.SEL.interval_s`` apart (default
:data:`DEFAULT_INTERVAL_S`), the first with the entry's own name and launch time, copy k (k >= 2)
named ``NAME#k``; ``count = 0`` removes the entry. Copies are otherwise identical: their differences
come from the run's random draws (speed and altitude within the catalogue's range where the entry
does not fix them). Replication is applied after every other assignment, so ``threats.*.speed_mps``
reaches the copies, and indices in paths always refer to the file's entries.

Every assignment is checked before any run starts: a path that does not exist (an unknown key, an
index out of range, a name no entry has) and a value of the wrong type (the scenario schema's
pydantic error) raise :class:`OverrideError` naming the option and the field.
"""

from __future__ import annotations

import copy
import itertools
import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from bastion.scenario import LoadedScenario, ScenarioError, parse

DEFAULT_INTERVAL_S = 10.0  # launch spacing of replicated threats [s] (sweep convention, not a measured figure)
REPLICATION_KEYS = ("count", "interval_s")


class OverrideError(ScenarioError):
    """An assignment that does not fit the scenario; ``problems`` has one line per problem."""


@dataclass(frozen=True)
class Assignment:
    """One ``PATH=VALUE`` as the user wrote it, with the value parsed."""

    option: str  # "--set" or "--grid"
    path: str
    value: Any
    value_text: str

    @property
    def text(self) -> str:
        return f"{self.path}={self.value_text}"


@dataclass(frozen=True)
class GridAxis:
    """One ``--grid PATH=V1,V2,...``."""

    path: str
    values: tuple[Any, ...]
    value_texts: tuple[str, ...]


@dataclass(frozen=True)
class GridPoint:
    """One combination of grid values applied to the scenario, validated."""

    index: int
    label: str  # the grid values, e.g. "weapons.0.ammunition=0, environment.wind_speed_mps=8"
    parameters: dict[str, Any] = field(hash=False)  # path -> value, --set and --grid alike
    loaded: LoadedScenario = field(hash=False)


def parse_value(text: str) -> Any:
    """A TOML value, or the text itself when it is not one (a bare string)."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split ``text`` on ``sep`` outside brackets, braces and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _split_assignment(option: str, text: str) -> tuple[str, str]:
    path, eq, value = text.partition("=")
    path = path.strip()
    if not eq or not path:
        raise OverrideError([f"{option} {text!r}: expected PATH=VALUE"])
    if any(not seg.strip() for seg in path.split(".")):
        raise OverrideError([f"{option} {text!r}: empty segment in path {path!r}"])
    return path, value.strip()


def parse_set(text: str) -> Assignment:
    path, value = _split_assignment("--set", text)
    return Assignment("--set", path, parse_value(value), value)


def parse_grid(text: str) -> GridAxis:
    path, values = _split_assignment("--grid", text)
    texts = split_top_level(values)
    if not values or any(not t for t in texts):
        raise OverrideError([f"--grid {text!r}: expected PATH=V1,V2,... with no empty value"])
    return GridAxis(path, tuple(parse_value(t) for t in texts), tuple(texts))


def _describe_node(node: Any) -> str:
    if isinstance(node, bool):
        return f"a boolean ({str(node).lower()})"
    if isinstance(node, int | float):
        return f"a number ({node})"
    if isinstance(node, str):
        return f"a string ({node!r})"
    return f"a {type(node).__name__}"


def _select(items: list, seg: str, where: str) -> list[int]:
    """Indices of the list entries that segment ``seg`` selects."""
    if seg == "*":
        if not items:
            raise LookupError(f"{where} is empty: '*' selects nothing")
        return list(range(len(items)))
    try:
        i = int(seg)
    except ValueError:
        hits = [k for k, item in enumerate(items) if isinstance(item, dict) and item.get("name") == seg]
        if not hits:
            names = [str(item["name"]) for item in items if isinstance(item, dict) and "name" in item]
            known = f" (names: {', '.join(names)})" if names else ""
            raise LookupError(f"no entry of {where} is named {seg!r}{known}") from None
        return hits
    if not -len(items) <= i < len(items):
        raise LookupError(f"{where} has {len(items)} entries: index {i} is out of range")
    return [i % len(items)]


def _assign(node: Any, segs: list[str], value: Any, where: str) -> None:
    """Set ``value`` at ``segs`` below ``node`` (``where`` is the path walked so far)."""
    seg, rest = segs[0], segs[1:]
    here = f"{where}.{seg}" if where else seg
    if isinstance(node, dict):
        if not rest:
            node[seg] = copy.deepcopy(value)
            return
        child = node.setdefault(seg, {})
        _assign(child, rest, value, here)
    elif isinstance(node, list):
        for i in _select(node, seg, where):
            if rest:
                _assign(node[i], rest, value, f"{where}.{i}")
            else:
                node[i] = copy.deepcopy(value)
    else:
        raise LookupError(f"{where} is {_describe_node(node)}, not a table: there is no {seg!r} in it")


def _replicate(data: dict, plan: dict[int, dict[str, Any]]) -> None:
    """Replace threat entries by their copies (see the module docstring)."""
    threats = data.get("threats", [])
    out = []
    for i, entry in enumerate(threats):
        opts = plan.get(i, {})
        n = opts.get("count", 1)
        dt = float(opts.get("interval_s", DEFAULT_INTERVAL_S))
        for k in range(n):
            c = copy.deepcopy(entry)
            if k:
                c["name"] = f"{entry.get('name', f'threat{i}')}#{k + 1}"
                c["launch_time_s"] = float(entry.get("launch_time_s", 0.0)) + k * dt
            out.append(c)
    data["threats"] = out


def _check_replication(a: Assignment, key: str) -> None:
    v = a.value
    if key == "count" and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
        raise ValueError(f"count must be a whole number >= 0, got {v!r}")
    if key == "interval_s" and (isinstance(v, bool) or not isinstance(v, int | float) or v < 0):
        raise ValueError(f"interval_s must be a number of seconds >= 0, got {v!r}")


def apply_assignments(base: dict, assignments: list[Assignment]) -> dict:
    """A copy of the TOML document ``base`` with ``assignments`` applied (later ones win).

    Raises :class:`OverrideError` naming the assignment whose path does not exist."""
    data = copy.deepcopy(base)
    replication: dict[int, dict[str, Any]] = {}
    for a in assignments:
        segs = a.path.split(".")
        try:
            if len(segs) == 3 and segs[0] == "threats" and segs[2] in REPLICATION_KEYS:
                _check_replication(a, segs[2])
                for i in _select(data.get("threats", []), segs[1], "threats"):
                    replication.setdefault(i, {})[segs[2]] = a.value
            else:
                _assign(data, segs, a.value, "")
        except (LookupError, ValueError) as exc:
            raise OverrideError([f"{a.option} {a.text}: {exc}"]) from None
    if replication:
        _replicate(data, replication)
    return data


def _validated(data: dict, source: str, directory: Path | None, blame: str) -> LoadedScenario:
    """Validate a TOML document through the scenario schema; errors are prefixed with ``blame``."""
    text = tomli_w.dumps(data)
    try:
        return parse(text, source, directory)
    except ScenarioError as exc:
        # parse names the line of the generated text, which the user never saw: drop it
        problems = []
        for p in exc.problems:
            rest = p.removeprefix(source)
            if rest.startswith(":"):
                head, _, tail = rest[1:].partition(": ")
                rest = tail if head.isdigit() or head == "?" else rest[1:]
            problems.append(f"{blame}: {rest.strip()}")
        raise OverrideError(problems) from None


def scenario_document(loaded: LoadedScenario) -> dict:
    """The scenario's TOML document (plain dicts and lists) to apply assignments to."""
    return tomllib.loads(loaded.text)


def point_from_document(
    index: int, label: str, parameters: dict[str, Any], data: dict, loaded: LoadedScenario
) -> GridPoint:
    """A grid point from an edited TOML document of ``loaded`` (validated; OverrideError names it)."""
    source = f"{loaded.source} [sweep point {index}]"
    point_loaded = _validated(data, source, loaded.directory, f"grid point {index} ({label})")
    return GridPoint(index, label, parameters, point_loaded)


def build_points(loaded: LoadedScenario, sets: Sequence[str] = (), grids: Sequence[str] = ()) -> list[GridPoint]:
    """Every grid point of the sweep (the last ``--grid`` varies fastest), each validated.

    Each assignment is first checked alone against the scenario, so that an error names the
    option that caused it; then each combination. Raises :class:`OverrideError` with every problem.
    """
    assignments = [parse_set(s) for s in sets]
    axes = [parse_grid(g) for g in grids]
    paths = [ax.path for ax in axes]
    dup = sorted({p for p in paths if paths.count(p) > 1})
    if dup:
        raise OverrideError([f"--grid {p}: given more than once" for p in dup])
    base = scenario_document(loaded)
    problems: list[str] = []
    singles = [(a, a.option) for a in assignments] + [
        (Assignment("--grid", ax.path, v, t), "--grid")
        for ax in axes
        for v, t in zip(ax.values, ax.value_texts, strict=True)
    ]
    for a, option in singles:
        try:
            _validated(apply_assignments(base, [a]), loaded.source, loaded.directory, f"{option} {a.text}")
        except OverrideError as exc:
            problems.extend(exc.problems)
    if problems:
        raise OverrideError(problems)
    points = []
    combos = itertools.product(*[list(zip(ax.values, ax.value_texts, strict=True)) for ax in axes]) if axes else [()]
    for index, combo in enumerate(combos):
        chosen = [Assignment("--grid", ax.path, v, t) for ax, (v, t) in zip(axes, combo, strict=True)]
        label = ", ".join(a.text for a in chosen) or "(scenario as given)"
        every = assignments + chosen
        params = {a.path: a.value for a in every}
        if not every:
            points.append(GridPoint(index, label, params, loaded))  # the file itself: same hash as `bastion run`
            continue
        try:
            points.append(point_from_document(index, label, params, apply_assignments(base, every), loaded))
        except OverrideError as exc:
            problems.extend(exc.problems)
    if problems:
        raise OverrideError(problems)
    return points


def column_value(value: Any) -> Any:
    """A parameter value as stored in a Parquet column: numbers, booleans and strings as they are,
    tables, lists and dates as canonical JSON text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
