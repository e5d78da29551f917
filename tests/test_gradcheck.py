import json

import numpy as np
import pytest

from linclf.engine.training import gradcheck, model
from linclf.tui.cli import main

correct_backward = model.backward_pass


def missing_two_on_lam(X, Y, P, net, lam, head="softmax"):
    grads = correct_backward(X, Y, P, net, lam, head)
    grads["W"] -= lam * net["W"]  # λW instead of 2λW
    return grads


def missing_one_over_k(X, Y, P, net, lam, head="softmax"):
    grads = correct_backward(X, Y, P, net, lam, head)
    if head == "sigmoid":
        grads["W"] = (grads["W"] - 2 * lam * net["W"]) * P.shape[0] + 2 * lam * net["W"]
        grads["b"] = grads["b"] * P.shape[0]
    return grads


@pytest.fixture(scope="module")
def inputs():
    return gradcheck.synthetic_inputs(n=100)


@pytest.mark.slow
def test_every_case_passes_on_the_real_engine(inputs):
    results = gradcheck.run_checks(*inputs)
    assert [r.name for r in results] == [c.name for c in gradcheck.DEFAULT_CASES]
    assert all(r.passed for r in results)
    for r in results:
        limit = 1e-10 if r.dtype == "float64" else gradcheck.TOL_FLOAT32
        assert r.max_rel_err_W < limit and r.max_rel_err_b < limit, r


@pytest.mark.slow
def test_real_data_inputs_pass(real_data_dir):
    from linclf.engine.data.splits import training_sample

    X, y = training_sample(real_data_dir, 100)
    assert all(r.passed for r in gradcheck.run_checks(X, y))


@pytest.mark.parametrize(
    "wrong, heads",
    [(missing_two_on_lam, {"softmax", "sigmoid"}), (missing_one_over_k, {"sigmoid"})],
)
def test_wrong_gradients_are_caught(inputs, wrong, heads):
    results = gradcheck.run_checks(*inputs, backward=wrong)
    failed = {r.name for r in results if not r.passed}
    expected = {
        c.name
        for c in gradcheck.DEFAULT_CASES
        if c.head in heads and (c.lam > 0 or wrong is missing_one_over_k)
    }
    assert failed == expected
    assert all(r.max_rel_err_W > 0.1 for r in results if r.name in failed)


def test_relative_error_matches_the_spec_formula():
    ga, gn = np.array([1.0, 0.0, -2.0]), np.array([1.5, 0.0, -2.0])
    assert np.allclose(gradcheck.relative_error(ga, gn), [0.5 / 2.5, 0.0, 0.0])


def test_check_json_matches_the_table(capsys):
    assert main(["check", "--synthetic", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is True and len(report["cases"]) == len(gradcheck.DEFAULT_CASES)
    assert set(report["cases"][0]) >= {
        "head",
        "lam",
        "d",
        "n",
        "dtype",
        "max_abs_err_W",
        "max_abs_err_b",
        "max_rel_err_W",
        "max_rel_err_b",
        "passed",
    }
    assert main(["check", "--synthetic"]) == 0
    table = capsys.readouterr().out.splitlines()
    rows = [line.split("\t") for line in table if "\t" in line][1:]
    for row, case in zip(rows, report["cases"]):
        assert row[0] == case["name"] and float(row[8]) == pytest.approx(
            case["max_rel_err_W"], rel=0.01
        )
    assert table[-1] == f"{len(rows)} passed, 0 failed"


def test_check_exit_codes(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("linclf.engine.training.gradcheck.model.backward_pass", missing_two_on_lam)
    assert main(["check", "--synthetic", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["passed"] is False
    monkeypatch.undo()
    assert main(["check", "--tol", "0"]) == 2
    assert main(["check", "--data-dir", str(tmp_path / "cifar-10-batches-py")]) == 2
    assert "linclf data fetch" in capsys.readouterr().err
