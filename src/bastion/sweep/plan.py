"""``bastion plan``: choose K gun positions among candidate sites by simulation optimisation.

Problem: among C candidate sites, choose K guns that minimise P(leak), subject to the fall-of-shot
risk limit P(populated fall) <= ``risk_limit`` (a round or debris landing on a populated zone in a
night) and to no civil aircraft engaged in any run.

Method: greedy forward selection with common random numbers (CRN), or exhaustive search.

* Greedy: at step k every remaining candidate is added in turn to the k-1 guns already chosen, and
  every such configuration runs the same N seeds (seed, seed+1, ...). The engine draws each
  component's random stream from the seed and the component's name, so a seed gives every
  configuration the same threats, sensor noise and operator delays: configurations are compared
  on the same nights, which removes most of the noise from their differences (Law, *Simulation
  Modeling and Analysis*, 5th ed., 2015, §11.2). The best feasible configuration is kept. It takes
  C + (C-1) + ... + (C-K+1) configurations, against C!/(K!(C-K)!) for exhaustive search; greedy is
  a heuristic (P(leak) of a set of guns need not be supermodular), so ``--method exhaustive``
  checks it where the count allows.
* Best: the lowest P(leak) among feasible configurations; ties broken by fewer leakers per night,
  then higher P_RA, then fewer rounds fired, then the candidate file's order (the criterion that
  decided against the runner-up is reported).
* Statistical comparison: with CRN the runs are paired, so the chosen configuration and each
  other feasible one are compared by the exact McNemar test (binomial test on the discordant
  pairs: nights where exactly one of the two leaks; McNemar 1947, Psychometrika 12:153); its
  two-sided p-value against the runner-up says whether the choice is distinguishable from it.
* Confidence in the final choice: the bootstrap probability of correct selection, the fraction of
  :data:`BOOTSTRAP` resamples of the nights (resampled together across configurations, keeping the
  pairing) in which the chosen configuration is still the best feasible one of the last step.

Candidates file: CSV with a header (``name`` and ``east_m,north_m`` or ``lat,lon``; optional
``height_m``, ``type``, ``ammunition``), or TOML with ``[[candidates]]`` tables holding the fields of
a scenario ``[[weapons]]`` entry (``name``, ``position``, optional ``type``, ``ammunition``,
``arc_deg``, ``no_fire``). A field a candidate leaves out takes the scenario's first gun's ``type``
and ``ammunition``; arcs and no-fire sectors are never copied, as they belong to a siting (the
engine's collateral check still refuses bursts whose rounds would fall on populated zones).
By default the candidates replace the scenario's guns; with ``keep_guns`` they are added to them.
"""

from __future__ import annotations

import copy
import csv
import itertools
import json
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from bastion.scenario import LoadedScenario
from bastion.scenario.schema import Weapon
from bastion.sweep.analysis import Proportion, connect, proportion
from bastion.sweep.overrides import (
    GridPoint,
    OverrideError,
    apply_assignments,
    parse_set,
    point_from_document,
    scenario_document,
)
from bastion.sweep.runner import Progress, SweepRunner, SweepSpec, run_sweep

BOOTSTRAP = 2_000  # resamples for the probability of correct selection (its Monte Carlo error <= 0.011)
CSV_COLUMNS = ("name", "east_m", "north_m", "lat", "lon", "height_m", "type", "ammunition")


class PlanError(OverrideError):
    """A candidates file or plan request that cannot be used; ``problems`` names each problem."""


@dataclass(frozen=True)
class Candidate:
    name: str
    weapon: dict[str, Any] = field(hash=False)  # a scenario [[weapons]] table


def _pydantic_problems(exc: ValidationError, where: str) -> list[str]:
    out = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "(entry)"
        if err["type"] == "extra_forbidden":
            out.append(f"{where}: {loc}: unknown field (fields: {', '.join(Weapon.model_fields)})")
            continue
        got = err.get("input")
        shown = "" if isinstance(got, dict | list) else f", got {got!r}"
        out.append(f"{where}: {loc}: {err['msg'].removeprefix('Value error, ')}{shown}")
    return out


def _template(loaded: LoadedScenario) -> dict[str, Any]:
    weapons = scenario_document(loaded).get("weapons", [])
    return {k: weapons[0][k] for k in ("type", "ammunition") if weapons and k in weapons[0]}


def _csv_entries(path: Path) -> list[tuple[str, dict]]:
    entries, problems = [], []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in reader.fieldnames or []]
        unknown = [h for h in header if h not in CSV_COLUMNS]
        if unknown or "name" not in header:
            why = f"unknown column(s) {', '.join(unknown)}" if unknown else "no 'name' column"
            raise PlanError([f"{path}:1: {why} (columns: {', '.join(CSV_COLUMNS)})"])
        for row in reader:
            where = f"{path}:{reader.line_num}"
            row = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
            entry: dict[str, Any] = {"name": row.get("name", "")}
            pos: dict[str, Any] = {}
            for col in ("east_m", "north_m", "lat", "lon", "height_m"):
                if row.get(col):
                    try:
                        pos[col] = float(row[col])
                    except ValueError:
                        problems.append(f"{where}: {col}: {row[col]!r} is not a number")
            entry["position"] = pos
            if row.get("type"):
                entry["type"] = row["type"]
            if row.get("ammunition"):
                try:
                    entry["ammunition"] = int(row["ammunition"])
                except ValueError:
                    problems.append(f"{where}: ammunition: {row['ammunition']!r} is not a whole number")
            entries.append((where, entry))
    if problems:
        raise PlanError(problems)
    return entries


def _toml_entries(path: Path) -> list[tuple[str, dict]]:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PlanError([f"{path}: TOML syntax error: {exc}"]) from None
    extra = [k for k in data if k != "candidates"]
    items = data.get("candidates")
    if extra or not isinstance(items, list):
        raise PlanError([f"{path}: expected only [[candidates]] tables (found: {', '.join(data) or 'nothing'})"])
    return [(f"{path}: candidates[{i}]", dict(item)) for i, item in enumerate(items)]


def read_candidates(path: str | Path, loaded: LoadedScenario) -> list[Candidate]:
    """Candidate gun sites from a CSV or TOML file, each validated as a scenario weapon entry."""
    path = Path(path)
    if not path.is_file():
        raise PlanError([f"{path}: no such candidates file"])
    entries = _toml_entries(path) if path.suffix.lower() == ".toml" else _csv_entries(path)
    template = _template(loaded)
    out, problems, seen = [], [], set()
    for where, entry in entries:
        weapon = {**template, **entry}
        try:
            Weapon.model_validate(weapon)
        except ValidationError as exc:
            problems += _pydantic_problems(exc, where)
            continue
        if weapon["name"] in seen:
            problems.append(f"{where}: name: duplicate candidate {weapon['name']!r}")
        seen.add(weapon["name"])
        out.append(Candidate(weapon["name"], weapon))
    if problems:
        raise PlanError(problems)
    if not out:
        raise PlanError([f"{path}: no candidates"])
    return out


# ---- evaluation --------------------------------------------------------------------------------------


@dataclass
class Outcomes:
    """Per configuration (rows) and night (columns); ``ok`` marks completed runs."""

    ok: np.ndarray
    leak: np.ndarray
    risk: np.ndarray  # a round or debris on a populated zone
    annihilated: np.ndarray
    civil: np.ndarray
    leakers: np.ndarray
    rounds: np.ndarray


def read_outcomes(folder: Path, n_points: int, runs: int) -> Outcomes:
    import duckdb

    con = connect(folder)
    try:
        rows = con.execute(
            f"""SELECT point, replication, leakers > 0,
                       coalesce(fall_of_shot_populated, 0) + coalesce(debris_in_populated, 0) > 0,
                       hostiles_destroyed = hostiles, civil_engaged, leakers, rounds_fired
                FROM read_parquet('{str(folder / "results.parquet").replace("'", "''")}')
                WHERE status = 'ok' AND replication < {int(runs)}"""
        ).fetchall()
    except duckdb.BinderException:  # every run failed: no summary columns
        rows = []
    finally:
        con.close()
    shape = (n_points, runs)
    flags = [np.zeros(shape, dtype=bool) for _ in range(4)]
    o = Outcomes(*flags, civil=np.zeros(shape, dtype=np.int64), leakers=np.zeros(shape), rounds=np.zeros(shape))
    for p, r, leak, risk, ra, civil, leakers, rounds in rows:
        o.ok[p, r] = True
        o.leak[p, r], o.risk[p, r], o.annihilated[p, r] = bool(leak), bool(risk), bool(ra)
        o.civil[p, r], o.leakers[p, r], o.rounds[p, r] = int(civil or 0), float(leakers or 0), float(rounds or 0)
    return o


def _scores(o: Outcomes, idx: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per configuration: counts and means over the (resampled) nights."""
    sel = (lambda a: a) if idx is None else (lambda a: a[:, idx])
    ok = sel(o.ok)
    n = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "n": n,
            "leak": (sel(o.leak) & ok).sum(axis=1),
            "risk": (sel(o.risk) & ok).sum(axis=1),
            "ra": (sel(o.annihilated) & ok).sum(axis=1),
            "civil": np.where(ok, sel(o.civil), 0).sum(axis=1),
            "mean_leakers": np.where(ok, sel(o.leakers), 0).sum(axis=1) / n,
            "mean_rounds": np.where(ok, sel(o.rounds), 0).sum(axis=1) / n,
        }


CRITERIA = ("P(leak)", "leakers per night", "P_RA", "rounds fired per night", "candidate order")


def _keys(s: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The selection criteria per configuration, most important first (smaller is better)."""
    n = np.maximum(s["n"], 1)
    return [s["leak"] / n, s["mean_leakers"], -s["ra"] / n, s["mean_rounds"], np.arange(n.size)]


def rank(s: dict[str, np.ndarray], risk_limit: float) -> tuple[np.ndarray, np.ndarray]:
    """Feasibility of each configuration and the order of the feasible ones, best first."""
    n = np.maximum(s["n"], 1)
    feasible = (s["n"] > 0) & (s["civil"] == 0) & (s["risk"] / n <= risk_limit)
    order = np.lexsort(_keys(s)[::-1])  # np.lexsort sorts by its last key first
    return feasible, order[feasible[order]]


def decided_by(s: dict[str, np.ndarray], best: int, other: int) -> str:
    """The first criterion on which ``best`` beats ``other`` (the others tie)."""
    for name, key in zip(CRITERIA, _keys(s), strict=True):
        if key[best] != key[other]:
            return name
    return CRITERIA[-1]


def mcnemar(o: Outcomes, a: int, b: int) -> tuple[int, int, float]:
    """Exact McNemar test of equal P(leak) for configurations ``a`` and ``b`` on their paired nights:
    (nights only ``b`` leaks, nights only ``a`` leaks, two-sided p-value)."""
    from scipy.stats import binomtest

    both = o.ok[a] & o.ok[b]
    only_b = int((o.leak[b] & ~o.leak[a] & both).sum())
    only_a = int((o.leak[a] & ~o.leak[b] & both).sum())
    p = 1.0 if only_a + only_b == 0 else float(binomtest(only_a, only_a + only_b, 0.5).pvalue)
    return only_b, only_a, p


def correct_selection(o: Outcomes, chosen: int, risk_limit: float, seed: int) -> float:
    """Bootstrap probability that ``chosen`` is the best feasible configuration (nights resampled
    together across configurations, :data:`BOOTSTRAP` times, with a generator seeded by ``seed``)."""
    rng = np.random.default_rng(seed)
    runs = o.ok.shape[1]
    wins = 0
    for _ in range(BOOTSTRAP):
        _, order = rank(_scores(o, rng.integers(0, runs, runs)), risk_limit)
        wins += bool(order.size) and int(order[0]) == chosen
    return wins / BOOTSTRAP


@dataclass
class ConfigResult:
    guns: list[str]
    runs: int
    leak: Proportion
    raid_annihilation: Proportion
    populated_fall: Proportion
    civil_engaged: int
    mean_leakers: float
    mean_rounds_fired: float
    feasible: bool
    vs_chosen: tuple[int, int, float] | None = None  # McNemar (only this leaks, only chosen leaks, p)


@dataclass
class StepResult:
    folder: str
    configs: list[ConfigResult]
    chosen: int | None
    runner_up: int | None
    decided_by: str | None = None  # the criterion that put the choice before the runner-up


@dataclass
class PlanResult:
    method: str
    guns: int
    runs: int
    seed: int
    risk_limit: float
    steps: list[StepResult]
    chosen: list[str]
    chosen_config: ConfigResult | None
    probability_correct_selection: float | None
    note: str = ""

    def to_json(self) -> dict:
        return asdict(self)


def _config_results(
    o: Outcomes, configs: list[list[str]], risk_limit: float
) -> tuple[list[ConfigResult], np.ndarray, str | None]:
    s = _scores(o)
    feasible, order = rank(s, risk_limit)
    out = [
        ConfigResult(
            guns=list(cfg),
            runs=int(s["n"][i]),
            leak=proportion(s["leak"][i], s["n"][i]),
            raid_annihilation=proportion(s["ra"][i], s["n"][i]),
            populated_fall=proportion(s["risk"][i], s["n"][i]),
            civil_engaged=int(s["civil"][i]),
            mean_leakers=float(s["mean_leakers"][i]),
            mean_rounds_fired=float(s["mean_rounds"][i]),
            feasible=bool(feasible[i]),
        )
        for i, cfg in enumerate(configs)
    ]
    if order.size:
        best = int(order[0])
        for i in range(len(configs)):
            if i != best:
                out[i].vs_chosen = mcnemar(o, best, i)
    why = decided_by(s, int(order[0]), int(order[1])) if order.size > 1 else None
    return out, order, why


def _points(
    loaded: LoadedScenario, base: dict, configs: list[list[str]], by_name: dict[str, Candidate], keep_guns: bool
) -> list[GridPoint]:
    points = []
    for i, cfg in enumerate(configs):
        data = copy.deepcopy(base)
        kept = data.get("weapons", []) if keep_guns else []
        data["weapons"] = kept + [copy.deepcopy(by_name[n].weapon) for n in cfg]
        label = "guns=" + "+".join(cfg)
        points.append(point_from_document(i, label, {"guns": "+".join(cfg)}, data, loaded))
    return points


def plan(
    loaded: LoadedScenario,
    candidates: list[Candidate],
    guns: int,
    runs: int,
    folder: str | Path,
    seed: int = 1,
    risk_limit: float = 0.05,
    method: str = "greedy",
    keep_guns: bool = False,
    sets: list[str] | None = None,
    workers: int | None = None,
    address: str | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    on_step=None,
) -> PlanResult:
    """Choose ``guns`` of ``candidates`` (see the module docstring); sweeps go to ``folder/step-K``."""
    sets = list(sets or [])
    if not 1 <= guns <= len(candidates):
        raise PlanError([f"--guns {guns}: choose between 1 and {len(candidates)} (the number of candidates)"])
    if method not in ("greedy", "exhaustive"):
        raise PlanError([f"--method {method!r}: expected 'greedy' or 'exhaustive'"])
    if keep_guns:
        existing = {w.name for w in loaded.model.weapons}
        clash = [c.name for c in candidates if c.name in existing]
        if clash:
            raise PlanError([f"candidate name(s) {', '.join(clash)} already name guns of the scenario"])
    base = apply_assignments(scenario_document(loaded), [parse_set(s) for s in sets])
    by_name = {c.name: c for c in candidates}
    names = [c.name for c in candidates]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    steps: list[StepResult] = []
    chosen: list[str] = []
    last: tuple[Outcomes, list[list[str]], int] | None = None
    stages = (
        [None] * guns if method == "greedy" else [[list(c) for c in itertools.combinations(names, guns)]]
    )  # greedy configurations depend on the previous step
    note = ""
    with SweepRunner(workers, address) as runner:
        for k, fixed in enumerate(stages, start=1):
            configs = fixed or [[*chosen, n] for n in names if n not in chosen]
            points = _points(loaded, base, configs, by_name, keep_guns)
            step_dir = folder / f"step-{k}"
            spec = SweepSpec(
                loaded.source,
                loaded.sha256,
                tuple(sets),
                (f"guns={' | '.join('+'.join(c) for c in configs)}",),
                seed,
            )
            run_sweep(points, spec, runs, step_dir, resume=resume, progress=progress, runner=runner)
            o = read_outcomes(step_dir, len(configs), runs)
            results, order, why = _config_results(o, configs, risk_limit)
            best = int(order[0]) if order.size else None
            step = StepResult(str(step_dir), results, best, int(order[1]) if order.size > 1 else None, why)
            steps.append(step)
            if on_step:
                on_step(k, step)
            if best is None:
                note = f"step {k}: no configuration meets the risk limit and engages no civil aircraft"
                break
            chosen = list(configs[best])
            last = (o, configs, best)
    chosen_config = None
    pcs = None
    if last is not None and len(chosen) == guns:
        o, configs, best = last
        chosen_config = steps[-1].configs[best]
        pcs = correct_selection(o, best, risk_limit, seed)
    result = PlanResult(method, guns, runs, seed, risk_limit, steps, chosen, chosen_config, pcs, note)
    (folder / "plan.json").write_text(json.dumps(result.to_json(), indent=2, default=float) + "\n")
    return result
