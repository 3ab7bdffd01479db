"""``bastion assign``: result format of shared/bench/wta/FORMAT.md; bad instances exit 2 naming the entry."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from bastion.cli.main import app
from bastion.engage.wta.instance import InstanceError, check_arrays, parse_instance, surviving_value

runner = CliRunner()

GOOD = {"name": "tiny", "values": [50.0, 80.0, 30.0], "pk": [[0.7, 0.8, 0.6], [0.65, 0.9, 0.75], [0.6, 0.7, 0.8]]}


def run(tmp_path, instance, *args):
    path = tmp_path / "instance.json"
    path.write_text(instance if isinstance(instance, str) else json.dumps(instance))
    return runner.invoke(app, ["assign", str(path), *args])


@pytest.mark.parametrize("method", ["exact", "fast"])
def test_writes_the_result_format(tmp_path, method):
    out = tmp_path / "result.json"
    r = run(tmp_path, GOOD, "--method", method, "--out", str(out))
    assert r.exit_code == 0, r.output
    res = json.loads(out.read_text())
    assert set(res) == {"assignment", "value", "bound", "proven_optimal", "seconds"}
    pk, values = np.array(GOOD["pk"]), np.array(GOOD["values"])
    assert len(res["assignment"]) == 3
    assert res["value"] == pytest.approx(surviving_value(pk, values, np.array(res["assignment"])), rel=1e-12)
    assert res["proven_optimal"] is True  # 3^3 assignments: both methods enumerate
    assert res["bound"] <= res["value"] * (1 + 1e-12)


def test_prints_json_without_out(tmp_path):
    r = run(tmp_path, GOOD, "--method", "fast")
    assert r.exit_code == 0
    assert json.loads(r.stdout.strip().splitlines()[0])["assignment"]


def test_shared_instance(shared, tmp_path):
    out = tmp_path / "r.json"
    src = shared / "bench/wta/instances/r20x20-s1.json"
    r = runner.invoke(app, ["assign", str(src), "--method", "exact", "--out", str(out)])
    assert r.exit_code == 0, r.output
    ref = json.loads((shared / "bench/wta/optima.json").read_text())["r20x20-s1"]
    res = json.loads(out.read_text())
    assert res["proven_optimal"] and res["value"] == pytest.approx(ref["optimum"], rel=1e-9)


@pytest.mark.parametrize(
    ("instance", "named"),
    [
        ({"values": [1.0, 2.0], "pk": [[0.5, 1.2]]}, "pk[0][1] = 1.2 is outside [0, 1)"),
        ({"values": [1.0, 2.0], "pk": [[0.5, -0.1]]}, "pk[0][1] = -0.1 is outside [0, 1)"),
        ({"values": [1.0, -3.0], "pk": [[0.5, 0.5]]}, "values[1] = -3.0 is negative"),
        ({"values": [1.0, 2.0], "pk": [[0.5, 0.5], [0.5]]}, "pk[1] has 1 entries, expected 2"),
        ('{"values": [1.0, 2.0], "pk": [[0.5, NaN]]}', "pk[0][1] is NaN"),
        ('{"values": [NaN, 2.0], "pk": [[0.5, 0.5]]}', "values[0] = NaN"),
        ({"values": [1.0, "a"], "pk": [[0.5, 0.5]]}, 'values[1] = "a" is not a number'),
        ({"values": [1.0], "pk": [[True]]}, "pk[0][0] = true is not a number"),
        ({"values": [1.0]}, "missing 'pk'"),
        ('{"values": [1.0', "invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_bad_instance_exits_2_naming_the_entry(tmp_path, instance, named):
    r = run(tmp_path, instance)
    assert r.exit_code == 2
    assert named in " ".join(r.output.split()), r.output
    assert "Traceback" not in r.output


def test_missing_file_exits_2(tmp_path):
    r = runner.invoke(app, ["assign", str(tmp_path / "nope.json")])
    assert r.exit_code == 2 and "cannot read" in r.output


def test_every_bad_entry_is_named():
    with pytest.raises(InstanceError) as exc:
        parse_instance({"values": [1.0, -1.0], "pk": [[2.0, 0.5], [0.1], [float("nan"), 0.2]]})
    text = "; ".join(exc.value.problems)
    for piece in ("values[1]", "pk[0][0]", "pk[1] has 1 entries", "pk[2][0] is NaN"):
        assert piece in text


def test_array_checks_for_library_callers():
    with pytest.raises(InstanceError, match=r"pk\[1\]\[0\] is NaN"):
        check_arrays(np.array([[0.5], [np.nan]]), np.array([1.0]))
    with pytest.raises(InstanceError, match="columns"):
        check_arrays(np.zeros((2, 3)), np.ones(2))
    with pytest.raises(InstanceError, match=r"values\[0\]"):
        check_arrays(np.zeros((2, 1)), np.array([-1.0]))
