"""Signals to `linclf train` in a real subprocess: the first finishes the epoch and saves an
interrupted run, a second drops the unfinished epoch; exit 128 + the signal's number."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, batch_dict, interrupt_linclf, make_data_dir, write_batch

from linclf.engine.store.runread import load_run


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signals_finish_the_epoch_and_save_an_interrupted_run(
    tiny_data_source, tmp_path, signum, code
):
    returncode, out, err = interrupt_linclf(
        ["train", "--data-dir", str(tiny_data_source), "--out", str(tmp_path / "out")]
        + ["--n-epochs", "100000", "--n-batch", "10", "--no-plots"],
        signum,
        lambda line: line.startswith("1\t"),
    )
    assert returncode == code and "Traceback" not in err
    assert "Interrupted after" in out
    (run_dir,) = (tmp_path / "out").iterdir()
    run = load_run(run_dir)
    assert run["status"] == "interrupted" and run["history"]
    assert run["epochs"] == len(run["history"])


def _pending(pid: int, signum: int) -> bool:
    """Whether the kernel still holds signum for the process, undelivered (two of the same
    signal pending at once would merge into one)."""
    bit = 1 << (signum - 1)
    masks = [Path(f"/proc/{pid}/status")]
    masks += [task / "status" for task in Path(f"/proc/{pid}/task").iterdir()]
    for status in masks:
        try:
            lines = status.read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            key, _, value = line.partition(":")
            if key in ("SigPnd", "ShdPnd") and int(value, 16) & bit:
                return True
    return False


@pytest.mark.slow
def test_second_ctrl_c_of_train_drops_the_unfinished_epoch_and_exits_130(tmp_path):
    # 6000 training images in mini-batches of one: an epoch lasts seconds, so both signals
    # land inside the same epoch. The first alone would let that epoch finish (epoch 3, the
    # one training when epoch 1's row is printed); the second drops it.
    data = make_data_dir(tmp_path / "cifar-10-batches-py")
    write_batch(data / "data_batch_1", batch_dict(6000, seed=1))
    out = tmp_path / "out"
    args = ["train", "--data-dir", str(data), "--out", str(out), "--n-batch", "1"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "linclf", *args, "--n-epochs", "1000", "--no-plots"],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in proc.stdout:
            if line.startswith("1\t"):
                break
        proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 30
        while _pending(proc.pid, signal.SIGINT) and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        out_text, err = proc.communicate(timeout=60)  # "at once": not the 998 epochs left
    finally:
        proc.kill()
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert "Interrupted after" in out_text
    (run_dir,) = out.iterdir()
    run = load_run(run_dir)
    assert run["status"] == "interrupted"
    assert [row.epoch for row in run["history"]] == [1, 2]
