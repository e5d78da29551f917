"""Signals to the long commands, in real subprocesses: the first SIGINT/SIGTERM/SIGHUP stops
the command within seconds with 128 + its number, finished trials kept; a second one never
hangs it; no traceback; and no process the command started outlives it, even when the
command is killed with SIGKILL."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from procs import ROOT, Command

from linclf.engine.config import TrainConfig
from linclf.engine.store.results import result_fields
from linclf.engine.training import search as grid_search

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
    # A trial whose folder backs its row (--resume trusts no other) but holds no weights.
    trial = out / "runs" / "trial"
    trial.mkdir(parents=True)
    (trial / "run.json").write_text(
        json.dumps({"format": 2, "config": config.to_dict(), "status": "completed"})
    )
    figures = dict.fromkeys(("train_loss", "train_cost", "train_acc", "val_loss"), 1.0)
    last = {"epoch": LONG, **figures, "val_cost": 1.0, "val_acc": 0.5, "seconds": 1.0}
    (trial / "history.jsonl").write_text(json.dumps({**last, "eta": 0.001}) + "\n")
    row = {
        "key": grid_search.trial_key(config),
        **config.to_dict(),
        "status": "completed",
        "epochs_run": LONG,
        "val_acc": 0.5,
        "val_cost": 1.0,
        "run_dir": str(trial),
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
    assert command.stderr.strip().splitlines() == [
        f"linclf: interrupted: SIGINT: during the test evaluation; every trial is in "
        f"{out / 'results.csv'}; --resume evaluates the choice again"
    ]
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


def in_own_group(args: list, **kwargs) -> subprocess.Popen:
    """`python -m linclf ARGS` leading a process group of its own, as a login shell's job."""
    return subprocess.Popen(
        [sys.executable, "-m", "linclf", *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **kwargs,
    )


def wait_for_history(out, epochs: int = 1, timeout: float = 60.0):
    """The run folder under out once its history holds epochs lines."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for history in out.glob("**/history.jsonl"):
            if len(history.read_bytes().splitlines()) >= epochs:
                return history.parent
        time.sleep(0.05)
    raise AssertionError(f"no history of {epochs} epochs under {out}")


@pytest.mark.slow
@pytest.mark.parametrize("command", ["search", "report"])
def test_a_hangup_of_the_whole_group_is_one_line(tiny_data_dir, tmp_path, command):
    """What a dropped SSH session sends: SIGHUP to every process of the foreground group,
    the workers and Python's resource tracker included. One line, 129, nothing left."""
    out = tmp_path / "out"
    if command == "search":
        args = search_args(tiny_data_dir, out)
    else:
        args = ["report", "--quick", "--data-dir", tiny_data_dir, "--jobs", "2", "--out", out]
    process = in_own_group(args)
    try:
        wait_for_history(out)
        os.killpg(process.pid, signal.SIGHUP)
        _, err = process.communicate(timeout=LIMIT)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 129, err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("linclf: interrupted: SIGHUP: "), err


N_EPOCHS = 100  # a few seconds on tiny data: the run is mid-way when the signal comes


def train_args(data_dir, out) -> list:
    return ["train", "--data-dir", data_dir, "--n-epochs", N_EPOCHS, "--n-batch", 10, "--out", out]


@pytest.mark.slow
def test_nohup_keeps_a_training_run_through_a_hangup(tiny_data_dir, tmp_path):
    """`nohup linclf train … &`: nohup ignores SIGHUP, and so does the run; run.json names
    the log its output went to."""
    log, out = tmp_path / "train.log", tmp_path / "out"
    with open(log, "w") as handle:
        process = subprocess.Popen(
            [
                "nohup",
                sys.executable,
                "-m",
                "linclf",
                *map(str, train_args(tiny_data_dir, out)),
            ],
            cwd=ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        run = wait_for_history(out)
        os.killpg(process.pid, signal.SIGHUP)
        assert len((run / "history.jsonl").read_bytes().splitlines()) < N_EPOCHS
        assert process.wait(120) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    info = json.loads((run / "run.json").read_text())
    assert info["status"] == "completed" and info["epochs"] == N_EPOCHS
    assert info["log"] == str(log.resolve())


@pytest.mark.slow
def test_sigint_ignored_in_a_background_job_stays_ignored(tiny_data_dir, tmp_path):
    """A shell without job control starts `linclf train … &` with SIGINT ignored."""
    process = in_own_group(
        train_args(tiny_data_dir, tmp_path),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # noqa: PLW1509
    )
    try:
        run = wait_for_history(tmp_path)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert json.loads((run / "run.json").read_text())["status"] == "completed"


def test_sigquit_saves_the_run_interrupted(tiny_data_dir, tmp_path):
    """Ctrl-\\ ends a run like Ctrl-C: saved, with its final status (not left `running`,
    which a reader cannot tell from a kill), exit 131."""
    with Command(
        [*train_args(tiny_data_dir, tmp_path)[:4], LONG, "--n-batch", 10, "--out", tmp_path]
    ) as command:
        command.wait_for("train loss")
        run = wait_for_history(tmp_path)
        assert_ended(command, command.send(signal.SIGQUIT), signal.SIGQUIT)
    info = json.loads((run / "run.json").read_text())
    assert info["status"] == "interrupted" and info["epochs"] >= 1
    assert {"history.csv", "curves.png"} <= {path.name for path in run.iterdir()}
