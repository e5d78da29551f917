import json
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import interrupt_linclf

import linclf.engine.data.splits
from linclf.engine.config import TrainConfig
from linclf.engine.training import search as grid_search
from linclf.tui.cli import main

BASE = TrainConfig(n_epochs=2, n_batch=50)


def test_grid_is_every_combination_with_stable_keys():
    configs = grid_search.grid(
        BASE, {"lam": [0.0, 0.1], "eta": [0.001, 0.01], "n_batch": [50, 100]}
    )
    assert len(configs) == 8 and len({grid_search.trial_key(c) for c in configs}) == 8
    assert configs[0].lam == 0.0 and configs[-1].n_batch == 100
    assert grid_search.trial_key(configs[0]) == grid_search.trial_key(
        TrainConfig(**{**configs[0].to_dict()})
    )


def test_results_are_appended_as_they_finish_and_resume_skips_them(tiny_data_dir, tmp_path):
    csv_path = tmp_path / "search" / "results.csv"
    first = grid_search.grid(BASE, {"lam": [0.0, 0.1], "eta": [0.001, 0.01]})
    seen = []
    with ThreadPoolExecutor(2) as executor:
        rows = grid_search.search(first, tiny_data_dir, executor, csv_path, on_result=seen.append)
    assert len(rows) == len(seen) == 4 and all(r["status"] == "completed" for r in rows)
    assert len(grid_search.read_results(csv_path)) == 4
    with pytest.raises(FileExistsError):
        grid_search.search(first, tiny_data_dir, ThreadPoolExecutor(1), csv_path)
    more = first + grid_search.grid(BASE, {"lam": [0.5], "eta": [0.001, 0.01]})
    seen.clear()
    with ThreadPoolExecutor(2) as executor:
        rows = grid_search.search(
            more, tiny_data_dir, executor, csv_path, resume=True, on_result=seen.append
        )
    assert len(seen) == 2 and {r["lam"] for r in seen} == {0.5}
    assert len(rows) == 6 and len(grid_search.read_results(csv_path)) == 6
    chosen = grid_search.best(rows)
    assert chosen["val_acc"] == max(r["val_acc"] for r in rows)


def test_selection_never_reads_the_test_set(tiny_data_dir, tmp_path, monkeypatch):
    # A test batch that cannot be read at all: selection must not notice it.
    (tiny_data_dir / "test_batch").write_bytes(b"not a batch")
    read = []
    real_read = linclf.engine.data.splits.read_batch

    def recording_read(path):
        read.append(path.name)
        return real_read(path)

    monkeypatch.setattr(linclf.engine.data.splits, "read_batch", recording_read)
    configs = grid_search.grid(BASE, {"lam": [0.0, 1.0], "eta": [0.001, 0.05]})
    with ThreadPoolExecutor(2) as executor:
        rows = grid_search.search(configs, tiny_data_dir, executor, tmp_path / "r.csv")
    assert all(r["status"] == "completed" for r in rows)
    assert "test_batch" not in read
    with pytest.raises(linclf.engine.data.splits.DataError, match="test_batch"):
        grid_search.evaluate_choice(grid_search.best(rows), tiny_data_dir)  # only here


def test_chosen_model_is_evaluated_as_trained_or_retrained_after_resume(tiny_data_dir, tmp_path):
    config = TrainConfig(n_epochs=2, n_batch=50, lam=0.01)
    row = grid_search.run_trial(config.to_dict(), str(tiny_data_dir), str(tmp_path / "runs"))
    from_model = grid_search.evaluate_choice(row, tiny_data_dir)
    resumed = {k: v for k, v in row.items() if k != "model"}  # as read back from the CSV
    assert grid_search.evaluate_choice(resumed, tiny_data_dir) == from_model
    retrained = {**resumed, "run_dir": ""}  # its run folder deleted: trained again
    assert grid_search.evaluate_choice(retrained, tiny_data_dir) == from_model


def test_failed_trials_are_results_not_crashes(tiny_data_dir, tmp_path):
    config = TrainConfig(n_epochs=1, n_batch=5000)  # larger than the training set
    row = grid_search.run_trial(config.to_dict(), str(tiny_data_dir), str(tmp_path / "runs"))
    assert row["status"] == "failed" and "n_batch" in row["error"]


def test_search_cli_json_best_and_resume(tiny_data_dir, tmp_path, capsys):
    args = [
        "search",
        "--data-dir",
        str(tiny_data_dir),
        "--lam",
        "0,0.1",
        "--eta",
        "0.001,0.02",
        "--n-batch",
        "50",
        "--n-epochs",
        "2",
        "--jobs",
        "2",
        "--out",
        str(tmp_path / "s"),
    ]
    assert main([*args, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["trials"] == 4 and 0 <= result["test_acc"] <= 1
    assert json.loads((tmp_path / "s" / "best.json").read_text()) == result
    assert main(args) == 2
    assert "--resume" in capsys.readouterr().err
    assert main([*args, "--resume", "--eta", "0.001,0.02,0.005"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("trial ") for line in lines) == 2
    assert main([*args[:-2], "--out", str(tmp_path / "t"), "--lam", "x"]) == 2


@pytest.mark.slow
def test_dask_local_cluster_runs_the_same_search(tiny_data_dir, tmp_path, capsys):
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        code = main(
            [
                "search",
                "--data-dir",
                str(tiny_data_dir),
                "--lam",
                "0,0.1",
                "--eta",
                "0.01",
                "--n-batch",
                "50",
                "--n-epochs",
                "2",
                "--scheduler",
                cluster.scheduler_address,
                "--out",
                str(tmp_path / "d"),
                "--json",
            ]
        )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["trials"] == 2
    rows = grid_search.read_results(tmp_path / "d" / "results.csv")
    assert {r["status"] for r in rows} == {"completed"}


@pytest.mark.slow
def test_sigint_keeps_finished_trials_for_resume(tiny_data_dir, tmp_path):
    code, _, err = interrupt_linclf(
        [
            "search",
            "--data-dir",
            str(tiny_data_dir),
            "--lam",
            "0,0.01,0.1,1",
            "--eta",
            "0.001,0.01,0.1",
            "--n-batch",
            "10",
            "--n-epochs",
            "30",
            "--jobs",
            "1",
            "--out",
            str(tmp_path / "s"),
        ],
        signal.SIGINT,
        lambda line: line.startswith("trial 1/"),
    )
    assert code == 130 and "Traceback" not in err and "--resume" in err
    rows = grid_search.read_results(tmp_path / "s" / "results.csv")
    assert 1 <= len(rows) < 12
