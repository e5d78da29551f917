"""Signals to the long commands, in real subprocesses: the first SIGINT/SIGTERM/SIGHUP stops
the command within seconds with 128 + its number, finished trials kept; a second one never
hangs it; no traceback; and no process the command started outlives it, even when the
command is killed with SIGKILL."""

from __future__ import annotations

import csv
import json
import signal
import time

import pytest
from procs import Command

from linclf.engine import search as grid_search
from linclf.engine.config import TrainConfig
from linclf.engine.results import result_fields

pytestmark = pytest.mark.slow  # real subprocesses that train, search and report

# Far longer than any bound below: a trial still running when the signal comes must be
# stopped, not waited for.
LONG = 100_000
LIMIT = 15.0  # seconds from the signal to the exit: "does not hang", not a speed test


def search_args(data_dir, out) -> list:
    """Four trials on two workers: two short ones finish, then two long ones run."""
    return [
        "search",
        "--data-dir",
        data_dir,
        "--lam",
        "0,0.1",
        "--n-epochs",
        f"2,{LONG}",
        "--n-batch",
        "10",
        "--eta",
        "0.01",
        "--jobs",
        "2",
        "--out",
        out,
    ]


def assert_ended(command: Command, sent: float, signum: int, twice: bool = False) -> None:
    code = command.wait(LIMIT)
    assert code is not None, f"still running {LIMIT} s after {signum!r}: {command.stderr}"
    # A second signal may land in the interpreter's last instant, after its handlers are gone.
    assert code in ((128 + signum, -signum) if twice else (128 + signum,)), command.stderr
    assert time.monotonic() - sent < LIMIT
    assert "Traceback" not in command.stderr, command.stderr
    assert not command.survivors(), "outlived the command"


@pytest.mark.parametrize(
    "signals",
    [(signal.SIGINT,), (signal.SIGHUP,), (signal.SIGINT, signal.SIGINT)],
    ids=["int", "hup", "int-int"],
)
def test_signal_stops_search_keeps_finished_trials_and_no_worker_outlives_it(
    tiny_data_dir, tmp_path, signals
):
    with Command(search_args(tiny_data_dir, tmp_path / "s")) as command:
        command.wait_for("trial 2/4")
        time.sleep(0.5)  # the long trials are running
        sent = command.send(signals[0])
        for signum in signals[1:]:
            time.sleep(0.1)
            command.send(signum)
        assert_ended(command, sent, signals[0], twice=len(signals) > 1)
    rows = grid_search.read_results(tmp_path / "s" / "results.csv")
    assert sorted(row["n_epochs"] for row in rows) == [2, 2]
    assert {row["status"] for row in rows} == {"completed"}
    assert "--resume" in command.stderr


def test_sigkill_of_search_takes_its_workers_along(tiny_data_dir, tmp_path):
    with Command(search_args(tiny_data_dir, tmp_path / "s")) as command:
        command.wait_for("trial 2/4")
        command.send(signal.SIGKILL)
        assert command.wait(LIMIT) == -signal.SIGKILL
        assert not command.survivors(), "workers outlived a killed command"


def test_signal_during_the_test_evaluation_is_one_line(tiny_data_dir, tmp_path):
    """A resumed search whose chosen trial left no weights trains it again in the command's
    own process, before the test evaluation: a signal there ends it cleanly."""
    config = TrainConfig(n_epochs=LONG, n_batch=10)
    out = tmp_path / "s"
    out.mkdir()
    row = {
        "key": grid_search.trial_key(config),
        **config.to_dict(),
        "status": "completed",
        "epochs_run": LONG,
        "val_acc": 0.5,
        "val_cost": 1.0,
        "run_dir": "",
    }
    with open(out / "results.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=result_fields())
        writer.writeheader()
        writer.writerow(row)
    args = ["search", "--data-dir", tiny_data_dir, "--n-epochs", LONG, "--n-batch", 10]
    with Command([*args, "--lam", 0, "--eta", 0.001, "--out", out, "--resume"]) as command:
        command.wait_for("evaluating the test set once")
        time.sleep(0.5)
        assert_ended(command, command.send(signal.SIGINT), signal.SIGINT)
    assert "interrupted during the test evaluation" in command.stderr
    assert not (out / "best.json").exists()


def test_sigterm_twice_to_report_leaves_no_process(tiny_data_dir, tmp_path):
    out = tmp_path / "r"
    args = ["report", "--quick", "--data-dir", tiny_data_dir, "--jobs", "2", "--out", out]
    with Command(args) as command:
        command.wait_for("new run(s)")
        sent = command.send(signal.SIGTERM)
        time.sleep(0.1)
        command.send(signal.SIGTERM)
        assert_ended(command, sent, signal.SIGTERM, twice=True)


def test_second_signal_to_train_saves_the_finished_epochs(tiny_data_dir, tmp_path):
    args = ["train", "--data-dir", tiny_data_dir, "--n-epochs", LONG, "--n-batch", 10]
    with Command([*args, "--out", tmp_path]) as command:
        command.wait_for("train loss")
        time.sleep(1.0)  # a few epochs
        sent = command.send(signal.SIGINT)
        time.sleep(0.1)  # the epoch has finished, the run is being saved (plots included)
        command.send(signal.SIGINT)
        assert_ended(command, sent, signal.SIGINT)
    (run,) = [path.parent for path in tmp_path.rglob("run.json")]
    info = json.loads((run / "run.json").read_text())
    assert info["status"] == "interrupted" and 1 <= info["epochs"] < LONG
    assert {"curves.png", "weights.npz"} <= {path.name for path in run.iterdir()}
