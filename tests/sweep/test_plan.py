"""``bastion plan``: candidates files, the selection statistics against closed forms, a small plan."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest

from bastion.scenario import load
from bastion.sweep.plan import (
    Outcomes,
    PlanError,
    _scores,
    correct_selection,
    decided_by,
    mcnemar,
    rank,
    read_candidates,
)


@pytest.fixture(scope="module")
def short_loaded(short_scenario):
    return load(short_scenario)


def outcomes(leak: np.ndarray, risk: np.ndarray | None = None, civil: np.ndarray | None = None) -> Outcomes:
    leak = np.asarray(leak, dtype=bool)
    z = np.zeros(leak.shape)
    return Outcomes(
        ok=np.ones(leak.shape, dtype=bool),
        leak=leak,
        risk=np.zeros(leak.shape, dtype=bool) if risk is None else np.asarray(risk, dtype=bool),
        annihilated=~leak,
        civil=np.zeros(leak.shape, dtype=np.int64) if civil is None else np.asarray(civil),
        leakers=leak.astype(float),
        rounds=z,
    )


def test_candidates_from_csv_take_the_scenario_gun_as_template(short_loaded, tmp_path):
    f = tmp_path / "sites.csv"
    f.write_text("name,east_m,north_m,lat,lon,ammunition\nA,100,0,,,\nB,,,33.01,44.01,400\n")
    a, b = read_candidates(f, short_loaded)
    assert a.weapon == {"type": "lpws", "name": "A", "position": {"east_m": 100.0, "north_m": 0.0}}
    assert b.weapon["position"] == {"lat": 33.01, "lon": 44.01} and b.weapon["ammunition"] == 400


def test_candidates_from_toml_are_weapon_entries(short_loaded, tmp_path):
    f = tmp_path / "sites.toml"
    f.write_text(
        textwrap.dedent("""
        [[candidates]]
        name = "North"
        position = { east_m = 0.0, north_m = 400.0 }
        no_fire = [{ azimuth_deg = [240.0, 300.0], reason = "village" }]
        """)
    )
    (c,) = read_candidates(f, short_loaded)
    assert c.name == "North" and c.weapon["type"] == "lpws" and c.weapon["no_fire"][0]["reason"] == "village"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("s.csv", "name,east_m,north_m\nA,100,0\nB,x,0\n", "s.csv:3: east_m: 'x' is not a number"),
        ("s.csv", "name,east,north_m\nA,100,0\n", "s.csv:1: unknown column(s) east"),
        ("s.csv", "name,east_m\nA,100\n", "s.csv:2: position: give both east_m and north_m"),
        ("s.csv", "name,east_m,north_m\nA,1,0\nA,2,0\n", "s.csv:3: name: duplicate candidate 'A'"),
        ("s.csv", "name,east_m,north_m,type\nA,1,0,flak\n", "s.csv:2: (entry): unknown gun type 'flak'"),
        ("s.toml", "[[candidates]]\nname = 'A'\npositon = { east_m = 1.0, north_m = 0.0 }\n",
         "s.toml: candidates[0]: positon: unknown field"),
        ("s.toml", "[[candidates]]\nname = 'A'\n", "s.toml: candidates[0]: position: Field required"),
        ("s.toml", "[[sites]]\nname = 'A'\n", "expected only [[candidates]] tables"),
        ("s.toml", "[[candidates]\n", "TOML syntax error"),
    ],
)  # fmt: skip
def test_bad_candidates_are_named(short_loaded, tmp_path, name, text, expected):
    f = tmp_path / name
    f.write_text(text)
    with pytest.raises(PlanError) as exc:
        read_candidates(f, short_loaded)
    assert any(m.startswith(f"{f.parent}/{expected}") or expected in m for m in exc.value.problems), exc.value.problems


def test_mcnemar_exact_against_the_binomial_closed_form():
    # a leaks on nights 0-1, b on nights 0-7 of 10: 6 discordant nights, all against b;
    # two-sided exact p = 2 * 0.5^6 = 0.03125
    leak = np.zeros((2, 10), dtype=bool)
    leak[0, :2] = True
    leak[1, :8] = True
    only_b, only_a, p = mcnemar(outcomes(leak), 0, 1)
    assert (only_b, only_a) == (6, 0) and p == pytest.approx(2 * 0.5**6, abs=1e-15)
    # discordant 3:1 -> p = 2 * P(X <= 1 | n=4, 1/2) = 2 * 5/16
    leak = np.zeros((2, 6), dtype=bool)
    leak[1, [0, 1, 2]] = True
    leak[0, [3]] = True
    assert mcnemar(outcomes(leak), 0, 1) == (3, 1, pytest.approx(0.625, abs=1e-15))


def test_rank_respects_the_risk_limit_civil_safety_and_tie_breaks():
    leak = np.array([[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]], dtype=bool)
    risk = np.zeros_like(leak)
    risk[1, :2] = True  # 0.5 of nights: over the limit
    civil = np.zeros(leak.shape, dtype=np.int64)
    civil[2, 3] = 1  # engaged a civil aircraft once: never feasible
    scores = _scores(outcomes(leak, risk, civil))
    feasible, order = rank(scores, risk_limit=0.25)
    assert feasible.tolist() == [True, False, False, True, True]
    assert order.tolist() == [4, 0, 3]  # P(leak) 0 first; the tie between 0 and 3 by file order
    assert decided_by(scores, 4, 0) == "P(leak)" and decided_by(scores, 0, 3) == "candidate order"
    scores["mean_rounds"][3] -= 100.0  # same leaks, fewer rounds: 3 now goes before 0
    assert rank(scores, 0.25)[1].tolist() == [4, 3, 0] and decided_by(scores, 3, 0) == "rounds fired per night"


def test_probability_of_correct_selection():
    rng = np.random.default_rng(3)
    clear = np.stack([np.zeros(50, dtype=bool), np.ones(50, dtype=bool)])
    assert correct_selection(outcomes(clear), 0, 1.0, seed=1) == 1.0
    # two configurations with the same P(leak) = 0.5: the chosen one is best in about half the resamples
    coin = rng.random((2, 200)) < 0.5
    pcs = correct_selection(outcomes(coin), 0, 1.0, seed=1)
    assert 0.2 < pcs < 0.8


SITES = """name,east_m,north_m,ammunition
far,-6000,-6000,
near,100,0,
dry,50,50,0
"""


@pytest.mark.slow
def test_plan_picks_the_gun_that_can_defend(local_ray, short_scenario, tmp_path):
    from typer.testing import CliRunner

    from bastion.cli.main import app

    sites = tmp_path / "sites.csv"
    sites.write_text(SITES)
    out = tmp_path / "plan"
    args = ["plan", short_scenario, "--guns", "1", "--candidates", str(sites), "--runs", "3", "--out", str(out)]
    res = CliRunner().invoke(app, [*args, "--workers", "2"])
    assert res.exit_code == 0, res.output
    result = json.loads((out / "plan.json").read_text())
    assert result["chosen"] == ["near"]
    step = result["steps"][0]
    by_guns = {"+".join(c["guns"]): c for c in step["configs"]}
    assert by_guns["far"]["leak"]["k"] == 3 and by_guns["dry"]["leak"]["k"] == 3  # no defence: every night leaks
    assert by_guns["near"]["leak"]["k"] < 3
    assert 0.0 <= result["probability_correct_selection"] <= 1.0
    assert (out / "step-1" / "results.parquet").is_file() and (out / "step-1" / "report.html").is_file()
    assert "chosen" in res.output and "McNemar" in res.output


def test_plan_bad_requests_exit_2(short_scenario, tmp_path):
    from typer.testing import CliRunner

    from bastion.cli.main import app

    sites = tmp_path / "sites.csv"
    sites.write_text(SITES)
    base = ["plan", short_scenario, "--candidates", str(sites), "--out", str(tmp_path / "p")]
    for extra, expected in (
        (["--guns", "4", "--runs", "2"], "--guns 4: choose between 1 and 3"),
        (["--guns", "1", "--runs", "0"], "--runs 0"),
        (["--guns", "1", "--runs", "2", "--risk-limit", "1.5"], "--risk-limit 1.5"),
        (["--guns", "1", "--runs", "2", "--method", "annealing"], "--method 'annealing'"),
        (["--guns", "1", "--runs", "2", "--candidates", str(tmp_path / "none.csv")], "no such candidates file"),
    ):
        res = CliRunner().invoke(app, [*base, *extra])
        assert res.exit_code == 2, res.output
        assert expected in res.output.replace("\n", " "), res.output


@pytest.mark.slow
def test_exhaustive_plan_tries_every_pair(local_ray, short_loaded, tmp_path):
    from bastion.sweep.plan import plan

    sites = tmp_path / "sites.csv"
    sites.write_text(SITES)
    result = plan(short_loaded, read_candidates(sites, short_loaded), 2, 2, tmp_path / "p", method="exhaustive")
    (step,) = result.steps
    assert sorted("+".join(c.guns) for c in step.configs) == ["far+dry", "far+near", "near+dry"]
    assert "near" in result.chosen and len(result.chosen) == 2
    assert next(c for c in step.configs if c.guns == ["far", "dry"]).leak.k == 2
