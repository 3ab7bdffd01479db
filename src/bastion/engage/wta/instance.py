"""Static weapon-target assignment instances and solutions, checked at the edge.

Problem (Manne 1958; Ahuja, Kumar, Jha and Orlin 2007): W weapons, T targets; target j has value
V_j >= 0, weapon i kills target j with probability p_ij in [0, 1); each weapon engages at most one
target. Minimise the expected surviving value

    f(x) = sum_j V_j prod_i (1 - p_ij)^x_ij.

The JSON formats are those of the team's benchmark (``shared/bench/wta/FORMAT.md``)::

    instance: {"name": "...", "values": [V_1, ..., V_T], "pk": [[p_11, ..., p_1T], ..., [p_W1, ..., p_WT]]}
    result:   {"assignment": [j_1, ..., j_W], "value": f, "bound": LB or null, "proven_optimal": bool,
               "seconds": s}

``assignment[i]`` is weapon i's 0-based target or -1 (not used). Values and probabilities are
dimensionless (a value is whatever the defence protects, e.g. threat value).

Bad input never reaches the solvers: :func:`parse_instance` and :func:`check_arrays` raise
:class:`InstanceError` naming each bad entry (``pk[3][7] = 1.2 is outside [0, 1)``).

Why an instance file's kill probabilities lie in [0, 1), as FORMAT.md says, and 1 is refused: the
convex formulation minimises sum_j V_j exp(sum_i x_ij log(1 - p_ij)), and p = 1 makes
log(1 - p) = -inf, so the objective's gradient and the reference solver (``wta_exact.py``) break
down on it; and no weapon kills with certainty, so a 1 in a file is a data error (a rounded or
clipped figure) rather than a measurement. Write 0.999999 for "almost certain". The in-process
solver API (:func:`check_arrays`, :func:`sanitise`) still takes p = 1, which the engine's clipping can
produce, and caps its logarithm (``bounds.A_CAP``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bastion.files import parse_json, read_utf8

MAX_PROBLEMS = 12  # entries named in one error message; the rest are counted


class InstanceError(ValueError):
    """A WTA instance that cannot be solved as given; ``problems`` names each bad entry."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Instance:
    """A static WTA instance."""

    values: np.ndarray  # V_j, target values [-], shape (T,), >= 0
    pk: np.ndarray  # p_ij, kill probability of weapon i on target j [-], shape (W, T), in [0, 1]
    name: str = ""

    @property
    def weapons(self) -> int:
        return int(self.pk.shape[0])

    @property
    def targets(self) -> int:
        return int(self.pk.shape[1])


@dataclass(frozen=True)
class Solution:
    """An assignment with its objective and, from the exact method, a proven lower bound."""

    assignment: np.ndarray  # target of each weapon, -1 for none, shape (W,), int
    value: float  # expected surviving value of the assignment [-]
    bound: float | None  # proven lower bound on the optimum (None: the method gives none)
    proven_optimal: bool  # value - bound <= the solver's stated tolerance
    seconds: float  # wall-clock solve time [s]
    method: str = ""

    @property
    def gap(self) -> float | None:
        """Relative optimality gap (value - bound) / value; None without a bound."""
        if self.bound is None:
            return None
        return (self.value - self.bound) / max(abs(self.value), 1e-300)

    def to_json(self) -> dict:
        """The result object of FORMAT.md."""
        return {
            "assignment": [int(j) for j in self.assignment],
            "value": float(self.value),
            "bound": None if self.bound is None else float(self.bound),
            "proven_optimal": bool(self.proven_optimal),
            "seconds": float(self.seconds),
        }


def surviving_value(pk: np.ndarray, values: np.ndarray, assignment: np.ndarray) -> float:
    """Expected surviving value sum_j V_j prod_{i: a_i = j} (1 - p_ij) of ``assignment`` (W,)."""
    pk = np.asarray(pk, dtype=float)
    a = np.asarray(assignment, dtype=np.intp)
    survive = np.ones(pk.shape[1])
    used = np.nonzero(a >= 0)[0]
    np.multiply.at(survive, a[used], 1.0 - pk[used, a[used]])
    return float(np.asarray(values, dtype=float) @ survive)


def _number(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _finite(x) -> bool:
    """True for a finite number (an integer too large for a float is not)."""
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


def _describe(x) -> str:
    if isinstance(x, int) and not isinstance(x, bool) and abs(x) > 10**15:
        return f"an integer of {len(str(abs(x)))} digits"
    if isinstance(x, float) and math.isnan(x):
        return "NaN"
    return json.dumps(x) if not isinstance(x, float) else repr(x)


def _cap(problems: list[str]) -> list[str]:
    if len(problems) > MAX_PROBLEMS:
        return [*problems[:MAX_PROBLEMS], f"... and {len(problems) - MAX_PROBLEMS} more"]
    return problems


def parse_instance(data: object, source: str = "instance") -> Instance:
    """Check a decoded JSON instance and return it; :class:`InstanceError` names every bad entry.

    Rules: ``values`` is a list of finite numbers >= 0 (one per target); ``pk`` is a list of W rows,
    each a list of exactly T finite numbers in [0, 1) (FORMAT.md; see the module docstring for why 1
    is refused). NaN and infinities are refused (Python's
    ``json`` module reads the non-standard literals ``NaN`` and ``Infinity``).
    """
    if not isinstance(data, Mapping):
        raise InstanceError([f"{source}: expected a JSON object with 'values' and 'pk'"])
    problems: list[str] = []
    values = data.get("values")
    pk = data.get("pk")
    name = data.get("name", "")
    if values is None:
        problems.append(f"{source}: missing 'values' (one value per target)")
    elif not isinstance(values, list):
        problems.append(f"{source}: 'values' must be a list of numbers, got {type(values).__name__}")
    if pk is None:
        problems.append(f"{source}: missing 'pk' (one row of kill probabilities per weapon)")
    elif not isinstance(pk, list):
        problems.append(f"{source}: 'pk' must be a list of rows, got {type(pk).__name__}")
    if problems:
        raise InstanceError(problems)
    assert isinstance(values, list) and isinstance(pk, list)
    for j, v in enumerate(values):
        if not _number(v):
            problems.append(f"values[{j}] = {_describe(v)} is not a number")
        elif not _finite(v):
            problems.append(f"values[{j}] = {_describe(v)} is not a finite number")
        elif v < 0:
            problems.append(f"values[{j}] = {_describe(v)} is negative (target values must be >= 0)")
    n_targets = len(values)
    for i, row in enumerate(pk):
        if not isinstance(row, list):
            problems.append(f"pk[{i}] must be a list of {n_targets} probabilities, got {_describe(row)}")
            continue
        if len(row) != n_targets:
            problems.append(
                f"pk[{i}] has {len(row)} entries, expected {n_targets} (one per target in 'values'): ragged rows"
            )
        for j, p in enumerate(row):
            if not _number(p):
                problems.append(f"pk[{i}][{j}] = {_describe(p)} is not a number")
            elif isinstance(p, float) and math.isnan(p):
                problems.append(f"pk[{i}][{j}] is NaN")
            elif p == 1:
                problems.append(
                    f"pk[{i}][{j}] = {_describe(p)} is outside [0, 1): no weapon kills with certainty, and "
                    "log(1 - p) would be -inf (write e.g. 0.999999 for 'almost certain')"
                )
            elif not 0.0 <= p < 1.0:
                problems.append(f"pk[{i}][{j}] = {_describe(p)} is outside [0, 1)")
    if problems:
        raise InstanceError(_cap(problems))
    v = np.asarray(values, dtype=float)
    p = np.asarray(pk, dtype=float).reshape(len(pk), n_targets)
    return Instance(values=v, pk=p, name=str(name))


def _one_problem(message: str) -> InstanceError:
    return InstanceError([message])


def load_instance(path: str | Path) -> Instance:
    """Read and check an instance file; errors name the file and the entry."""
    path = Path(path)
    data = parse_json(read_utf8(path, _one_problem), str(path), _one_problem)
    try:
        inst = parse_instance(data, source=str(path))
    except InstanceError as exc:
        raise InstanceError([f"{path}: {p}" if not p.startswith(str(path)) else p for p in exc.problems]) from None
    return inst if inst.name else Instance(inst.values, inst.pk, path.stem)


def check_arrays(pk: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Arrays given to a solver: float copies, shapes (W, T) and (T,), or :class:`InstanceError`."""
    p = np.array(pk, dtype=float)
    v = np.array(values, dtype=float).reshape(-1)
    if p.ndim != 2:
        if p.size == 0:
            p = p.reshape(0, v.size)
        else:
            raise InstanceError([f"pk must be a 2-D array (weapons x targets), got shape {p.shape}"])
    problems = []
    if p.shape[1] != v.size:
        problems.append(f"pk has {p.shape[1]} columns but values has {v.size} entries (one per target)")
    for j in np.nonzero(~np.isfinite(v) | (v < 0))[0][:MAX_PROBLEMS]:
        problems.append(f"values[{j}] = {v[j]!r} must be a finite number >= 0")
    bad = np.argwhere(~((p >= 0.0) & (p <= 1.0)))  # NaN fails both comparisons
    for i, j in bad[:MAX_PROBLEMS]:
        entry = f"pk[{i}][{j}]"
        problems.append(f"{entry} is NaN" if np.isnan(p[i, j]) else f"{entry} = {p[i, j]!r} is outside [0, 1]")
    if problems:
        raise InstanceError(_cap(problems))
    return p, v


def sanitise(pk: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fail-safe arrays for the engine's per-scan call (no exception in the loop): a NaN kill
    probability becomes 0 (never fire on an unknown), probabilities are clipped to [0, 1]; a NaN or
    negative value becomes 0 and an infinite one 1e12 (top priority, still finite arithmetic)."""
    # np.nan_to_num and np.clip are Python-level wrappers, slow next to a per-scan (2, 3) instance:
    # finite arrays (the usual case) skip the replacement, and the clip is the array method
    v = np.asarray(values, dtype=float).reshape(-1)
    if not np.isfinite(v).all():
        v = np.nan_to_num(v, nan=0.0, posinf=1e12, neginf=0.0)
    p = np.asarray(pk, dtype=float)
    if p.ndim != 2:
        p = p.reshape(-1, v.size) if v.size else np.zeros((p.shape[0] if p.ndim else 0, 0))
    if not np.isfinite(p).all():
        p = np.nan_to_num(p, nan=0.0, posinf=1.0, neginf=0.0)
    return p.clip(0.0, 1.0), np.maximum(v, 0.0)
