"""`linclf train` when the run cannot go on: a diverging run, an --out it cannot create, a disk
that fills while saving. One clear line, and never a half-written file."""

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, one_line, train_cli

from linclf.engine.store.runread import load_run


def test_diverging_run_is_marked_without_warning_spam(tiny_data_source, tmp_path):
    done = subprocess.run(
        [sys.executable, "-W", "default", "-m", "linclf", "train"]
        + ["--data-dir", str(tiny_data_source), "--out", str(tmp_path)]
        + ["--eta", "1000", "--n-epochs", "30", "--no-plots", "--json"],
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


def test_unwritable_outputs_is_one_line(tiny_data_source, tmp_path, capsys):
    (tmp_path / "out").write_text("a file where the folder should be")
    # bad usage (2), as for search and report: --out is checked before any work
    assert train_cli(tiny_data_source, tmp_path / "out") == 2
    assert "a file stands where this path needs a folder" in one_line(capsys.readouterr().err)


def test_disk_full_while_saving_leaves_nothing_half_written(
    tiny_data_source, tmp_path, capsys, monkeypatch
):
    import linclf.engine.store.runs

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

    monkeypatch.setattr(linclf.engine.store.runs.os, "fdopen", fdopen)
    assert train_cli(tiny_data_source, tmp_path / "out") == 1
    assert "No space left on device" in one_line(capsys.readouterr().err)
    (run_dir,) = (tmp_path / "out").iterdir()
    names = {p.name for p in run_dir.iterdir()}
    assert "weights.npz" not in names and not any(name.endswith(".tmp") for name in names)
    run = load_run(run_dir)
    assert run["status"] == "failed" and "No space left on device" in run["error"]
    assert len(run["history"]) == 1
