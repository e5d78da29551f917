"""Bad batch files and missing data under `linclf train`: one line naming the file, exit 2,
nothing written, and no code from a crafted pickle ever runs."""

import errno
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
from conftest import RunsCode, batch_dict, one_line, train_cli, write_batch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linclf.engine.data import unpickle
from linclf.engine.data.splits import read_batch
from linclf.engine.errors import DataError


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


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_batch_files_exit_2_naming_the_file(tiny_data_dir, tmp_path, capsys, case):
    (tiny_data_dir / "data_batch_2").write_bytes(BAD_FILES[case])
    assert train_cli(tiny_data_dir, tmp_path / "out") == 2
    assert "data_batch_2" in one_line(capsys.readouterr().err)
    assert not (tmp_path / "out").exists(), "nothing may be written"


def test_crafted_pickle_does_not_run(tiny_data_dir, tmp_path, capsys):
    marker = tmp_path / "pwned"
    (tiny_data_dir / "data_batch_1").write_bytes(pickle.dumps(RunsCode(marker), protocol=2))
    assert train_cli(tiny_data_dir, tmp_path / "out") == 2
    assert "data_batch_1" in one_line(capsys.readouterr().err)
    assert not marker.exists()


def test_missing_batch_folder_instead_of_file_and_no_permission(
    tiny_data_dir, tmp_path, capsys, monkeypatch
):
    (tiny_data_dir / "test_batch").unlink()
    assert train_cli(tiny_data_dir, tmp_path / "out") == 2
    assert "test_batch: file not found" in one_line(capsys.readouterr().err)
    (tiny_data_dir / "test_batch").mkdir()
    assert train_cli(tiny_data_dir, tmp_path / "out") == 2
    assert "test_batch: is a folder" in one_line(capsys.readouterr().err)
    (tiny_data_dir / "test_batch").rmdir()
    write_batch(tiny_data_dir / "test_batch", batch_dict(200, seed=9))
    # CI runs as root, where chmod 000 still reads: simulate the refusal the OS would give.
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if Path(path).name == "data_batch_1":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(unpickle.os, "open", refuse)
    assert train_cli(tiny_data_dir, tmp_path / "out") == 2
    assert "data_batch_1: no permission" in one_line(capsys.readouterr().err)
    assert not (tmp_path / "out").exists()


def test_no_data_at_all(tmp_path, capsys):
    assert train_cli(tmp_path / "Datasets" / "cifar-10-batches-py", tmp_path / "out") == 2
    assert "linclf data fetch" in one_line(capsys.readouterr().err)


# Each example writes only its own file into the shared tmp_path.
SHARED_TMP_PATH_OK = [HealthCheck.function_scoped_fixture]


@settings(max_examples=60, deadline=None, suppress_health_check=SHARED_TMP_PATH_OK)
@given(st.binary(max_size=4096))
def test_random_bytes_as_a_batch_file(tmp_path, data):
    path = tmp_path / "data_batch_1"
    path.write_bytes(data)
    try:
        read_batch(path)
    except DataError as err:
        assert str(path) in str(err)
