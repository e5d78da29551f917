"""Bad input, faults and interruptions: linclf answers with one clear line, never a traceback,
and never leaves a half-written file behind."""

import errno
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, RunsCode, batch_dict, interrupt_linclf, write_batch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linclf.engine import download, unpickle
from linclf.engine.data import read_batch
from linclf.engine.errors import DataError
from linclf.engine.runread import load_run
from linclf.tui.cli import main

# Hypothesis examples share one tmp_path/tiny_data_dir: each example only overwrites its own
# file or adds a new run folder, so sharing is harmless.
FIXTURES_OK = [HealthCheck.function_scoped_fixture]


def _mutated(mutate):
    batch = batch_dict(200, seed=1)
    mutate(batch)
    return pickle.dumps(batch, protocol=2)


GOOD = pickle.dumps(batch_dict(200, seed=1), protocol=2)
BAD_FILES = {
    "truncated": GOOD[: len(GOOD) // 3],
    "empty": b"",
    "not a pickle": b"\x00\x01 hello",
    "wrong keys": _mutated(lambda b: b.pop(b"data")),
    "wrong dtype": _mutated(lambda b: b.__setitem__(b"data", b[b"data"].astype(np.int32))),
    "wrong shape": _mutated(lambda b: b.__setitem__(b"data", b[b"data"].reshape(400, 1536))),
    "labels out of range": _mutated(lambda b: b.__setitem__(b"labels", [-1] * 200)),
    "label count": _mutated(lambda b: b.__setitem__(b"labels", [1] * 10)),
}


def _train(data_dir, out, *extra):
    return main(
        [
            "train",
            "--data-dir",
            str(data_dir),
            "--out",
            str(out),
            "--n-epochs",
            "1",
            "--no-plots",
            *extra,
        ]
    )


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_batch_files_exit_2_naming_the_file(tiny_data_dir, tmp_path, capsys, case):
    (tiny_data_dir / "data_batch_2").write_bytes(BAD_FILES[case])
    assert _train(tiny_data_dir, tmp_path / "out") == 2
    assert "data_batch_2" in _one_line(capsys.readouterr().err)
    assert not (tmp_path / "out").exists(), "nothing may be written"


def test_crafted_pickle_does_not_run(tiny_data_dir, tmp_path, capsys):
    marker = tmp_path / "pwned"
    (tiny_data_dir / "data_batch_1").write_bytes(pickle.dumps(RunsCode(marker), protocol=2))
    assert _train(tiny_data_dir, tmp_path / "out") == 2
    assert "data_batch_1" in _one_line(capsys.readouterr().err)
    assert not marker.exists()


def test_missing_batch_folder_instead_of_file_and_no_permission(
    tiny_data_dir, tmp_path, capsys, monkeypatch
):
    (tiny_data_dir / "test_batch").unlink()
    assert _train(tiny_data_dir, tmp_path / "out") == 2
    assert "test_batch: file not found" in _one_line(capsys.readouterr().err)
    (tiny_data_dir / "test_batch").mkdir()
    assert _train(tiny_data_dir, tmp_path / "out") == 2
    assert "test_batch: is a folder" in _one_line(capsys.readouterr().err)
    (tiny_data_dir / "test_batch").rmdir()
    write_batch(tiny_data_dir / "test_batch", batch_dict(200, seed=9))
    # CI runs as root, where chmod 000 still reads: simulate the refusal the OS would give.
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if Path(path).name == "data_batch_1":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(unpickle.os, "open", refuse)
    assert _train(tiny_data_dir, tmp_path / "out") == 2
    assert "data_batch_1: no permission" in _one_line(capsys.readouterr().err)
    assert not (tmp_path / "out").exists()


def test_no_data_at_all(tmp_path, capsys):
    assert _train(tmp_path / "Datasets" / "cifar-10-batches-py", tmp_path / "out") == 2
    assert "linclf data fetch" in _one_line(capsys.readouterr().err)


def test_interrupted_download_leaves_no_partial_archive(tmp_path, tiny_data_dir):
    source = tmp_path / "served.bin"
    source.write_bytes(os.urandom(300_000))
    dest = tmp_path / "Datasets"

    def interrupt(done, total):
        if done > 100_000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        download.download(
            dest, url=source.as_uri(), md5=download.md5sum(source), progress=interrupt
        )
    assert list(dest.iterdir()) == []


@pytest.mark.parametrize(
    "flags",
    [
        ["--n-epochs", "1000000000000"],
        ["--eta", "1e300"],
        ["--lam", "1e300"],
        ["--seed", "-1"],
        ["--n-batch", "1000000000000"],
        ["--decay-factor", "2"],
        ["--n-val", "0", "--split", "all"],
        ["--eta", "-inf"],
        ["--lam", "nan"],
        ["--dtype", ""],
        ["--n-batch", "ten"],
    ],
)
def test_absurd_hyperparameters_are_refused(tiny_data_dir, tmp_path, capsys, flags):
    assert _train(tiny_data_dir, tmp_path / "out", *flags) == 2
    _one_line(capsys.readouterr().err)
    assert not (tmp_path / "out").exists()


def test_diverging_run_is_marked_without_warning_spam(tiny_data_dir, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-W",
            "default",
            "-m",
            "linclf",
            "train",
            "--data-dir",
            str(tiny_data_dir),
            "--out",
            str(tmp_path),
            "--eta",
            "1000",
            "--n-epochs",
            "30",
            "--no-plots",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["status"] == "diverged" and len(result["history"]) < 30
    assert "Warning" not in done.stderr and "Diverged at epoch" in done.stderr
    saved = json.loads((Path(result["run_dir"]) / "run.json").read_text())
    assert saved["status"] == "diverged"


def test_unwritable_outputs_is_one_line(tiny_data_dir, tmp_path, capsys):
    (tmp_path / "out").write_text("a file where the folder should be")
    assert _train(tiny_data_dir, tmp_path / "out") == 1
    assert "cannot create" in _one_line(capsys.readouterr().err)


def test_disk_full_while_saving_leaves_nothing_half_written(
    tiny_data_dir, tmp_path, capsys, monkeypatch
):
    import linclf.engine.runs

    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

    def fdopen(fd, mode="r", *args, **kwargs):
        handle = real_fdopen(fd, mode, *args, **kwargs)
        name = os.readlink(f"/proc/self/fd/{fd}")
        return FullDisk(handle) if "weights.npz" in name else handle

    monkeypatch.setattr(linclf.engine.runs.os, "fdopen", fdopen)
    assert _train(tiny_data_dir, tmp_path / "out") == 1
    assert "No space left on device" in _one_line(capsys.readouterr().err)
    (run_dir,) = (tmp_path / "out").iterdir()
    names = {p.name for p in run_dir.iterdir()}
    assert "weights.npz" not in names and not any(name.endswith(".tmp") for name in names)
    run = load_run(run_dir)
    assert run["status"] == "failed" and "No space left on device" in run["error"]
    assert len(run["history"]) == 1


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signals_finish_the_epoch_and_save_an_interrupted_run(
    tiny_data_dir, tmp_path, signum, code
):
    returncode, out, err = interrupt_linclf(
        [
            "train",
            "--data-dir",
            str(tiny_data_dir),
            "--out",
            str(tmp_path / "out"),
            "--n-epochs",
            "100000",
            "--n-batch",
            "10",
            "--no-plots",
        ],
        signum,
        lambda line: line.startswith("1\t"),
    )
    assert returncode == code and "Traceback" not in err
    assert "Interrupted after" in out
    (run_dir,) = (tmp_path / "out").iterdir()
    run = load_run(run_dir)
    assert run["status"] == "interrupted" and run["history"]
    assert run["epochs"] == len(run["history"])


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURES_OK)
@given(st.binary(max_size=4096))
def test_random_bytes_as_a_batch_file(tmp_path, data):
    path = tmp_path / "data_batch_1"
    path.write_bytes(data)
    try:
        read_batch(path)
    except DataError as err:
        assert str(path) in str(err)


FLAGS = [
    "--lam",
    "--eta",
    "--n-batch",
    "--n-epochs",
    "--seed",
    "--head",
    "--dtype",
    "--split",
    "--n-val",
    "--decay-every",
    "--decay-factor",
    "--flip",
    "--no-shuffle",
    "--json",
    "--bogus",
    "-x",
    "--",
]
VALUES = st.one_of(
    st.integers(-3, 40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["softmax", "sigmoid", "float32", "float16", "all", "spec", "", "1e9", "ü"]),
    st.text(max_size=6),
)
ARGS = st.lists(st.one_of(st.sampled_from(FLAGS), VALUES), max_size=8)


def _no_fault(code: int, err: str, codes: tuple[int, ...] = (0, 1, 2)) -> None:
    """A random command line ends as linclf means it to: 0, a failed run (1, a diverged
    training) or bad usage (2) with one line; never a traceback or an error no one handled
    ("internal error")."""
    assert code in codes, err
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 2:
        _one_line(err)


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURES_OK)
@given(args=ARGS)
def test_random_train_arguments(tiny_data_dir, tmp_path, capsys, args):
    try:
        code = main(
            [
                "train",
                "--data-dir",
                str(tiny_data_dir),
                "--out",
                str(tmp_path / "out"),
                "--no-plots",
                *args,
            ]
        )
    except SystemExit as exit_:  # --help and friends
        code = exit_.code
    _no_fault(code, capsys.readouterr().err)


@settings(max_examples=15, deadline=None, suppress_health_check=FIXTURES_OK)
@given(
    args=st.lists(
        st.one_of(st.sampled_from(["--tol", "--tol32", "--json", "--bogus"]), VALUES), max_size=5
    )
)
def test_random_check_arguments(capsys, args):
    code = main(["check", "--synthetic", *args])
    _no_fault(code, capsys.readouterr().err)


@settings(max_examples=6, deadline=None, suppress_health_check=FIXTURES_OK)
@given(
    args=st.lists(
        st.one_of(
            st.sampled_from(["--seed", "--jobs", "--quick", "--bogus"]),
            st.integers(-3, 3).map(str),
            st.text(max_size=4),
        ),
        max_size=4,
    )
)
def test_random_report_arguments(tiny_data_dir, tmp_path, capsys, args):
    code = main(
        [
            "report",
            "--quick",
            "--data-dir",
            str(tiny_data_dir),
            "--jobs",
            "1",
            "--out",
            str(tmp_path / "report"),
            *args,
        ]
    )
    # --seed and --jobs cannot make a report's run fail: exit 1 there is a fault.
    _no_fault(code, capsys.readouterr().err, codes=(0, 2))


async def test_tui_batch_larger_than_training_set_is_a_message(tiny_data_dir, tmp_path):
    from textual.widgets import Input

    from linclf.tui.app import LinclfApp

    app = LinclfApp(data_dir=tiny_data_dir, out=tmp_path / "out")
    async with app.run_test() as pilot:
        app.query_one("#n_batch", Input).value = "5000"
        await pilot.pause()
        await pilot.press("s")
        message = app.query_one("#run-message")
        deadline = time.monotonic() + 30
        while "n_batch" not in str(message.render()) and time.monotonic() < deadline:
            await pilot.pause(0.05)
        assert "training set has 200 images" in str(message.render())
        assert not (tmp_path / "out").exists()
