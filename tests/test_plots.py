"""A run's PNGs: drawn by a helper process that `linclf train` starts early, which never
outlives the command however it ends, and whose failures are one clear line."""

import io
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from linclf.engine.store.runread import load_run
from linclf.engine.training.model import class_templates
from linclf.engine.training.plots import templates_png

PNGS = {"curves.png", "templates.png", "histograms.png"}


def _marked_processes(mark: str) -> list[int]:
    """Processes whose environment holds LINCLF_TEST_MARK=mark (the command and its helpers)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # not a process, gone meanwhile, or another user's
            continue
        if f"LINCLF_TEST_MARK={mark}".encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def _linclf(args: list[str], **env: str) -> subprocess.Popen:
    """`linclf ARGS` in a new session (its own process group, as a terminal starts it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "linclf", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _train_args(data_dir: Path, out: Path, *extra: str) -> list[str]:
    return ["train", "--data-dir", str(data_dir), "--out", str(out), *extra]


def test_templates_png_shows_each_scaled_template_under_its_name():
    from PIL import Image

    W = np.random.default_rng(0).normal(size=(10, 3072))
    image = np.asarray(Image.open(io.BytesIO(templates_png(W))).convert("RGB"))
    gap, label, side = 14, 22, 128
    assert image.shape == (gap + label + side + gap, 10 * side + 11 * gap, 3)
    expected = np.rint(class_templates(W) * 255).astype(np.uint8)
    for k in range(10):
        left = gap + k * (side + gap)
        block = image[gap + label : gap + label + side, left : left + side]
        assert np.array_equal(block[::4, ::4], expected[k])
        names = image[: gap + label, left : left + side]
        assert (names < 128).any(), f"no label above template {k}"


@pytest.mark.slow
@pytest.mark.parametrize("target", ["group", "command"])
def test_signal_saves_the_plots_and_leaves_no_process(tiny_data_dir, tmp_path, target):
    """Ctrl-C reaches the whole foreground group; `kill` only the command. Either way the
    command lets the epoch finish, saves the run with its PNGs and ends its plot process."""
    mark = uuid.uuid4().hex
    args = _train_args(tiny_data_dir, tmp_path / "out", "--n-epochs", "100000", "--n-batch", "10")
    proc = _linclf(args, LINCLF_TEST_MARK=mark)
    try:
        for line in proc.stdout:
            if line.startswith("1\t"):
                break
        assert len(_marked_processes(mark)) == 2  # the command and its plot process
        if target == "group":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == (130 if target == "group" else 143), err
    assert _marked_processes(mark) == []
    (run_dir,) = (tmp_path / "out").iterdir()
    assert PNGS <= {p.name for p in run_dir.iterdir()}
    assert load_run(run_dir)["status"] == "interrupted"


def test_interrupted_before_training_leaves_no_process(tiny_data_dir, tmp_path):
    mark = uuid.uuid4().hex
    missing = tmp_path / "nothing-here"
    proc = _linclf(_train_args(missing, tmp_path / "out"), LINCLF_TEST_MARK=mark)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "nothing-here" in err
    assert _marked_processes(mark) == []


def test_a_failing_plot_is_one_error_line_and_the_run_is_kept(tiny_data_dir, tmp_path):
    """matplotlib broken for the plot process only (a stand-in that cannot be imported): the
    command itself never imports matplotlib, trains, saves, and reports the plots."""
    fake = tmp_path / "fake"
    (fake / "matplotlib").mkdir(parents=True)
    (fake / "matplotlib" / "__init__.py").write_text("raise ImportError('broken on purpose')\n")
    mark = uuid.uuid4().hex
    args = _train_args(tiny_data_dir, tmp_path / "out", "--n-epochs", "2", "--n-batch", "50")
    proc = _linclf(args, LINCLF_TEST_MARK=mark, PYTHONPATH=str(fake))
    _, err = proc.communicate(timeout=120)
    lines = err.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, err
    assert lines[0].startswith("linclf: error: cannot draw the plots:")
    assert "broken on purpose" in lines[0]
    assert _marked_processes(mark) == []
    (run_dir,) = (tmp_path / "out").iterdir()
    run = load_run(run_dir)
    assert len(run["history"]) == 2 and "weights.npz" in {p.name for p in run_dir.iterdir()}
    assert run["status"] == "failed" and "cannot draw the plots" in run["error"]
