"""results.csv: rows written whole, torn rows repaired on --resume, one search per folder."""

import csv
import errno
import io
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import ROOT

from linclf.engine.config import TrainConfig
from linclf.engine.errors import UsageError
from linclf.engine.store.results import ResultsFile, read_results, result_fields
from linclf.engine.training import search as grid_search

BASE = TrainConfig(n_epochs=2, n_batch=50)
CONFIGS = grid_search.grid(BASE, {"lam": [0.0, 0.1, 0.5]})


def _search(data_dir, csv_path, resume=False) -> list[dict]:
    seen = []
    with ThreadPoolExecutor(1) as executor:
        grid_search.search(
            CONFIGS, data_dir, executor, csv_path, resume=resume, on_result=seen.append
        )
    return seen


def _records(csv_path) -> list[list[str]]:
    text = csv_path.read_text()
    assert text.endswith("\n")
    return list(csv.reader(io.StringIO(text)))


def _tear_last(lines: list[bytes]) -> bytes:
    """The file with its last row cut halfway (ENOSPC while appending)."""
    return b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2]


def _merge(lines: list[bytes]) -> bytes:
    """A row cut halfway and the next row appended onto it (the old append's mistake)."""
    return b"".join(lines[:-2]) + lines[-2][: len(lines[-2]) // 2] + lines[-1]


@pytest.mark.parametrize("damage, rerun", [(_tear_last, 1), (_merge, 2)])
def test_a_torn_row_is_dropped_and_its_trial_runs_again(tiny_data_dir, tmp_path, damage, rerun):
    csv_path = tmp_path / "results.csv"
    first = _search(tiny_data_dir, csv_path)
    lines = csv_path.read_bytes().splitlines(keepends=True)
    assert len(lines) == 1 + len(CONFIGS)
    damaged_keys = [next(csv.reader([line.decode()]))[0] for line in lines[-rerun:]]
    csv_path.write_bytes(damage(lines))
    assert len(read_results(csv_path)) == len(CONFIGS) - rerun  # whole rows only

    again = _search(tiny_data_dir, csv_path, resume=True)
    assert sorted(row["key"] for row in again) == sorted(damaged_keys)
    records = _records(csv_path)
    assert records[0] == result_fields()
    assert all(len(record) == len(records[0]) for record in records)
    keys = [row["key"] for row in read_results(csv_path)]
    assert sorted(keys) == sorted(row["key"] for row in first)
    assert len(_search(tiny_data_dir, csv_path, resume=True)) == 0  # all done now


def test_a_torn_header_is_written_again(tiny_data_dir, tmp_path):
    csv_path = tmp_path / "results.csv"
    csv_path.write_text(",".join(result_fields())[:20])
    assert len(_search(tiny_data_dir, csv_path, resume=True)) == len(CONFIGS)
    records = _records(csv_path)
    assert records[0] == result_fields() and len(records) == 1 + len(CONFIGS)


def _row(lam: float) -> dict:
    config = TrainConfig(lam=lam)
    return {
        "key": grid_search.trial_key(config),
        **config.to_dict(),
        "status": "failed",
        "error": "ValueError: two\nlines",
    }


def test_a_row_is_one_write_with_its_header_then_fsynced(tmp_path, monkeypatch):
    writes, syncs = [], []
    real_write, real_fsync = os.write, os.fsync
    monkeypatch.setattr(os, "write", lambda fd, data: writes.append(data) or real_write(fd, data))
    monkeypatch.setattr(os, "fsync", lambda fd: syncs.append(fd) or real_fsync(fd))
    csv_path = tmp_path / "results.csv"
    with ResultsFile(csv_path, resume=False) as results:
        results.append(_row(0.1))
        assert len(writes) == 1 and writes[0] == csv_path.read_bytes() and len(syncs) == 1
        results.append(_row(0.2))
    assert len(writes) == 2 and len(syncs) == 2
    assert writes[1].count(b"\n") == 1  # the error's line break is a space in the CSV
    rows = read_results(csv_path)
    assert [row["error"] for row in rows] == ["ValueError: two lines"] * 2


def test_a_short_write_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    csv_path = tmp_path / "results.csv"
    real_write = os.write
    with ResultsFile(csv_path, resume=False) as results:
        results.append(_row(0.1))
        before = csv_path.read_bytes()
        monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, data[: len(data) // 2]))
        with pytest.raises(OSError) as caught:
            results.append(_row(0.2))
        assert caught.value.errno == errno.ENOSPC
        assert csv_path.read_bytes() == before
        monkeypatch.setattr(os, "write", real_write)
        results.append(_row(0.3))
    assert [row["lam"] for row in read_results(csv_path)] == [0.1, 0.3]


def test_a_held_results_file_refuses_a_second_search(tiny_data_dir, tmp_path):
    csv_path = tmp_path / "results.csv"
    with ResultsFile(csv_path, resume=True):
        with pytest.raises(UsageError, match="another linclf search"):
            _search(tiny_data_dir, csv_path, resume=True)
    assert not csv_path.exists()
    assert len(_search(tiny_data_dir, csv_path)) == len(CONFIGS)  # free again


def _linclf_search(data_dir, out, *extra) -> list[str]:
    return [
        sys.executable,
        "-m",
        "linclf",
        "search",
        "--data-dir",
        str(data_dir),
        "--lam",
        "0,0.01,0.1,1",
        "--eta",
        "0.001,0.01,0.1",
        "--n-batch",
        "5",
        "--n-epochs",
        "300",
        "--jobs",
        "1",
        "--out",
        str(out),
        *extra,
    ]


@pytest.mark.slow
def test_two_searches_of_one_folder_the_second_refuses(tiny_data_dir, tmp_path):
    out = tmp_path / "s"
    first = subprocess.Popen(
        _linclf_search(tiny_data_dir, out),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not (out / "results.plan.json").exists():  # written once the lock is held
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        second = subprocess.run(
            _linclf_search(tiny_data_dir, out, "--resume"),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert first.poll() is None  # the first was still searching meanwhile
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=60)
    assert second.returncode == 2
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and "another linclf search" in lines[0], second.stderr
    keys = [row["key"] for row in read_results(out / "results.csv")]
    assert len(keys) == len(set(keys))
