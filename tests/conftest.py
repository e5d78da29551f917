"""Shared fixtures: small generated CIFAR-format batches and the real archive."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from linclf.engine.training.blas import set_blas_threads

ROOT = Path(__file__).resolve().parents[1]
SHARED_ARCHIVE = ROOT.parent / "shared" / "Datasets" / "cifar-10-python.tar.gz"


def batch_dict(n: int, seed: int, label: str = "training batch") -> dict:
    """A batch as the official files hold it: bytes keys, uint8 rows, a list of int labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, size=n)
    # The same class prototypes in every batch, plus noise: a classifier can learn from tiny
    # data, and what it learns on one batch carries over to the others.
    base = np.random.default_rng(1234).integers(0, 256, size=(10, 3072))
    data = np.clip(base[labels] + rng.normal(0, 40, size=(n, 3072)), 0, 255).astype(np.uint8)
    # A quarter of the labels are wrong, so no run reaches zero loss (as on real data).
    noisy = rng.random(n) < 0.25
    labels[noisy] = rng.integers(0, 10, size=int(noisy.sum()))
    return {
        b"batch_label": label.encode(),
        b"labels": [int(v) for v in labels],
        b"data": data,
        b"filenames": [f"img_{seed}_{i}.png".encode() for i in range(n)],
    }


def write_batch(path: Path, batch: dict, protocol: int = 2) -> Path:
    path.write_bytes(pickle.dumps(batch, protocol=protocol))
    return path


def make_data_dir(folder: Path, n: int = 200) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, 6):
        write_batch(folder / f"data_batch_{i}", batch_dict(n, seed=i))
    write_batch(folder / "test_batch", batch_dict(n, seed=99, label="testing batch"))
    return folder


def pytest_configure(config) -> None:
    """The test process trains and scores like any process of linclf: one BLAS thread, set
    where it starts (engine/training/blas.py)."""
    set_blas_threads(1)


@pytest.fixture(scope="session")
def tiny_data_source(tmp_path_factory) -> Iterator[Path]:
    """The tiny data set, generated once per session (about 1.5 s on a loaded machine). Read
    it, never change it: tests that change their data take tiny_data_dir. At the end of the
    session a test that changed it shows as an error here."""
    folder = make_data_dir(tmp_path_factory.mktemp("tiny") / "cifar-10-batches-py")
    before = _listing(folder.parent)
    yield folder
    assert _listing(folder.parent) == before, "a test changed the shared tiny data set"


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under folder with its size and modification time."""
    return {
        str(path.relative_to(folder)): (path.lstat().st_size, path.lstat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
    }


@pytest.fixture
def tiny_data_dir(tiny_data_source, tmp_path) -> Path:
    """Five training batches and a test batch of 200 generated images each, in this test's
    own tmp_path (a copy of the session's: the test may change or delete its files)."""
    return Path(shutil.copytree(tiny_data_source, tmp_path / "cifar-10-batches-py"))


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The real CIFAR-10 folder (unpacked from the shared archive on first use)."""
    from linclf.engine.data import archive

    candidates = [os.environ.get("LINCLF_DATA"), ROOT / "Datasets" / "cifar-10-batches-py"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    target = ROOT / "Datasets" / "cifar-10-batches-py"
    if (target.parent / archive.ARCHIVE_NAME).is_file():
        return archive.locate(target)
    if SHARED_ARCHIVE.is_file():
        archive.unpack(SHARED_ARCHIVE, target)
        return target
    if os.environ.get("CI"):
        pytest.fail("CI must provide the CIFAR-10 archive (see .ci/run)")
    pytest.skip("the CIFAR-10 archive is not available here")


@pytest.fixture(scope="session")
def real_archive() -> Path:
    """The CIFAR-10 archive: the one in Datasets/ (CI copies it there), else the shared one."""
    from linclf.engine.data import archive

    for candidate in (ROOT / "Datasets" / archive.ARCHIVE_NAME, SHARED_ARCHIVE):
        if candidate.is_file():
            return candidate
    if os.environ.get("CI"):
        pytest.fail("CI must provide the CIFAR-10 archive (see .ci/run)")
    pytest.skip("the CIFAR-10 archive is not available here")


@pytest.fixture(scope="session")
def real_splits(real_data_dir):
    from linclf.engine.data.splits import load_splits

    return load_splits(real_data_dir)


class RunsCode:
    """Pickles into a call of os.system: what a crafted batch file would do."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def interrupt_linclf(args: list[str], signum: int, ready) -> tuple[int, str, str]:
    """Run `linclf ARGS` in a subprocess and send it signum as soon as a line of its output
    satisfies ready(line); returns the exit code, stdout and stderr."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "linclf", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = []
    try:
        for line in proc.stdout:
            seen.append(line)
            if ready(line):
                break
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    return proc.returncode, "".join(seen) + out, err


def one_line(err: str) -> str:
    """The single line a refused command writes to stderr (asserting it is one, no traceback)."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def train_cli(data_dir: Path, out: Path, *extra: str) -> int:
    """`linclf train` in this process: one epoch, no plots, plus extra flags; its exit code."""
    from linclf.tui.cli import main

    args = ["train", "--data-dir", str(data_dir), "--out", str(out), "--n-epochs", "1"]
    return main([*args, "--no-plots", *extra])
