"""The data folder: locate, fetch and dataset_problem agree on what is complete; a partial
folder (an older crash, a killed or interrupted unpack, a full disk) is found and redone; two
processes unpack once; a --data-dir of another name is refused before anything is written."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time

import archives
import pytest
from conftest import batch_dict, write_batch
from sandbox import CHILD, run_unpack_child

from linclf.engine.data import archive, download
from linclf.engine.data.batchfile import BATCH_DIR, BATCH_FILES, read_batch
from linclf.engine.errors import DataError, MissingData

OFFLINE = "file:///nonexistent/cifar-10-python.tar.gz"


@pytest.fixture
def datasets(tmp_path, tiny_data_dir):
    """Datasets/ holding only an archive of the tiny batches."""
    folder = tmp_path / "Datasets"
    folder.mkdir()
    archives.archive_of_folder(folder / archive.ARCHIVE_NAME, tiny_data_dir)
    return folder


def entries(folder) -> list[str]:
    return sorted(os.listdir(folder))


def test_an_archive_beside_the_folder_is_unpacked_verified_and_everyone_agrees(datasets):
    folder = datasets / BATCH_DIR
    assert archive.dataset_problem(folder) == f"{folder}: no such folder"
    assert archive.locate(folder) == folder  # `data where` and `train`
    assert archive.dataset_problem(folder) is None
    assert download.fetch(folder, url=OFFLINE) == folder  # `data fetch`: nothing to download
    assert entries(folder) == sorted([*BATCH_FILES, archive.MARKER])
    assert entries(datasets) == sorted([archive.ARCHIVE_NAME, BATCH_DIR, f".{BATCH_DIR}.lock"])


@pytest.mark.parametrize("damage", ["missing", "truncated", "empty", "resized", "no marker"])
def test_a_partial_folder_is_detected_and_unpacked_again(datasets, damage):
    folder = archive.locate(datasets / BATCH_DIR)
    target = folder / "test_batch"
    if damage == "missing":
        target.unlink()
    elif damage == "empty":
        target.write_bytes(b"")
    elif damage in ("truncated", "no marker"):
        (folder / archive.MARKER).unlink()  # as the old unpacker left folders
        if damage == "truncated":
            target.write_bytes(target.read_bytes()[:-100])
    else:
        target.write_bytes(target.read_bytes() + b"x")
    problem = archive.dataset_problem(folder)
    if damage == "no marker":
        assert problem is None  # a folder made by hand or by tar is trusted as it is
        return
    assert problem.startswith(f"{target}: ")
    assert archive.locate(folder) == folder and archive.dataset_problem(folder) is None
    assert entries(folder) == sorted([*BATCH_FILES, archive.MARKER])


def test_without_the_archive_a_partial_folder_is_reported_not_trusted(tmp_path, tiny_data_dir):
    (tiny_data_dir / "test_batch").unlink()
    with pytest.raises(MissingData, match="test_batch: file not found") as err:
        archive.locate(tiny_data_dir)
    assert "linclf data fetch" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(DataError, match="cannot download"):  # fetch would get the archive
        download.fetch(tiny_data_dir, url=OFFLINE)


def test_a_partial_folder_with_files_of_the_user_is_left_alone(datasets):
    folder = datasets / BATCH_DIR
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(DataError, match="also holds other files, so linclf leaves it alone"):
        archive.locate(folder)
    with pytest.raises(DataError, match="also holds other files"):  # unpack checks it too
        archive.unpack(datasets / archive.ARCHIVE_NAME, folder)
    assert entries(folder) == ["notes.txt"]


@pytest.mark.parametrize("how", ["--kill-after", "--interrupt-after"])
def test_a_killed_or_interrupted_unpack_leaves_no_folder_and_is_redone(datasets, how):
    done = run_unpack_child(datasets / BATCH_DIR, how, "3")
    assert done.returncode == (-9 if how == "--kill-after" else 130), done
    names = entries(datasets)
    assert BATCH_DIR not in names
    if how == "--kill-after":  # no chance to clean up: a temporary folder is left ...
        assert any(name.startswith(f".{BATCH_DIR}.unpacking-") for name in names)
    else:
        assert not any(name.startswith(f".{BATCH_DIR}.unpacking-") for name in names)
    done = run_unpack_child(datasets / BATCH_DIR)
    assert done.returncode == 0 and "ok" in done.stdout, done
    # ... which the next unpack removes.
    assert entries(datasets) == sorted([archive.ARCHIVE_NAME, BATCH_DIR, f".{BATCH_DIR}.lock"])


def test_a_full_disk_during_the_unpack_leaves_nothing_behind(datasets, monkeypatch):
    real_open = open

    class FullDisk:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    def fake_open(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        return FullDisk(handle) if isinstance(file, int) and "w" in mode else handle

    monkeypatch.setattr(archive, "open", fake_open, raising=False)
    with pytest.raises(DataError, match="No space left on device") as err:
        archive.locate(datasets / BATCH_DIR)
    assert str(err.value).startswith(str(datasets / archive.ARCHIVE_NAME))
    assert entries(datasets) == sorted([archive.ARCHIVE_NAME, f".{BATCH_DIR}.lock"])


@pytest.mark.slow
def test_two_processes_unpack_once_and_both_use_the_result(tmp_path, tiny_data_dir):
    datasets = tmp_path / "Datasets"
    datasets.mkdir()
    for name in BATCH_FILES:  # bigger batches, so the two really overlap
        write_batch(tiny_data_dir / name, batch_dict(3000, seed=len(name)), protocol=4)
    archives.archive_of_folder(datasets / archive.ARCHIVE_NAME, tiny_data_dir, level=1)
    start = f"{time.time() + 2.0}"  # both children are importing numpy by then
    children = [
        subprocess.Popen(
            [sys.executable, str(CHILD), str(datasets / BATCH_DIR), "--start-at", start],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0, 0], outputs
    assert sum(out.count("unpacking") for out, _ in outputs) == 1, outputs
    assert archive.dataset_problem(datasets / BATCH_DIR) is None


@pytest.mark.parametrize("name", ["cifar10", "cifar-10-batches-py-old"])
def test_another_folder_name_beside_the_archive_is_refused_before_writing(datasets, name):
    before = entries(datasets)
    for call in (archive.locate, lambda f: download.fetch(f, url=OFFLINE)):
        with pytest.raises(DataError) as err:
            call(datasets / name)
        message = str(err.value)
        assert message.startswith(f"{datasets / name}: no such folder")
        assert f"unpacks to {datasets / BATCH_DIR}: use that folder" in message
        assert not isinstance(err.value, MissingData)  # fetching would not help
    assert entries(datasets) == before


def test_another_folder_name_elsewhere_says_what_fetch_can_do(tmp_path):
    with pytest.raises(DataError, match=f"only into a folder named {BATCH_DIR}") as err:
        download.fetch(tmp_path / "mydata", url=OFFLINE)
    assert not isinstance(err.value, MissingData) and not list(tmp_path.iterdir())


def test_an_unreadable_batch_is_left_to_the_reader_to_report(tiny_data_dir, monkeypatch):
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if str(path).endswith("test_batch"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(archive.os, "open", refuse)
    assert archive.dataset_problem(tiny_data_dir) is None
    with pytest.raises(DataError, match="test_batch: no permission to read it"):
        read_batch(tiny_data_dir / "test_batch")


def test_no_data_at_all_suggests_fetch(tmp_path):
    with pytest.raises(MissingData, match="linclf data fetch"):
        archive.locate(tmp_path / "elsewhere" / BATCH_DIR)


def test_environment_variable_points_at_the_data(monkeypatch, tiny_data_dir):
    monkeypatch.setenv("LINCLF_DATA", str(tiny_data_dir))
    assert archive.locate() == tiny_data_dir


def test_download_verifies_md5_and_leaves_no_partial_file(tmp_path, tiny_data_dir):
    source = archives.archive_of_folder(tmp_path / "served.tar.gz", tiny_data_dir)
    dest = tmp_path / "Datasets"
    with pytest.raises(DataError, match="does not match"):
        download.download(dest, url=source.as_uri(), md5="0" * 32)
    assert list(dest.iterdir()) == []
    seen = []
    path = download.download(
        dest, url=source.as_uri(), md5=download.md5sum(source), progress=lambda d, t: seen.append(d)
    )
    assert path.read_bytes() == source.read_bytes() and seen[-1] == source.stat().st_size
    folder = download.fetch(dest / BATCH_DIR, url=OFFLINE)  # the archive is there now
    assert archive.dataset_problem(folder) is None


def test_fetch_offline_says_where_to_put_the_archive(tmp_path):
    with pytest.raises(DataError, match="put cifar-10-python.tar.gz into"):
        download.fetch(tmp_path / "Datasets" / BATCH_DIR, url=OFFLINE)


def test_fetch_downloads_and_unpacks(tmp_path, tiny_data_dir):
    source = archives.archive_of_folder(tmp_path / "served.tar.gz", tiny_data_dir)
    folder = tmp_path / "Datasets" / BATCH_DIR
    with pytest.raises(DataError, match="MD5"):  # the official MD5 guards the real URL
        download.fetch(folder, url=source.as_uri())
    assert not folder.exists() and not list(folder.parent.iterdir())


def test_the_data_commands_agree_at_the_command_line(datasets, capsys):
    """`linclf data where`, `data fetch` and `train` say the same about a folder."""
    from linclf.tui.cli import main

    folder = datasets / BATCH_DIR
    assert main(["data", "where", "--data-dir", str(folder)]) == 0  # unpacks the archive
    assert capsys.readouterr().out.strip() == str(folder)
    assert main(["data", "fetch", "--data-dir", str(folder)]) == 0
    assert capsys.readouterr().out.strip() == f"CIFAR-10 is ready in {folder}"
    (folder / "test_batch").write_bytes(b"cut off")  # damaged, and no archive to redo it from
    (datasets / archive.ARCHIVE_NAME).unlink()
    for command in (["data", "where"], ["train", "--n-epochs", "1", "--out", str(datasets)]):
        assert main([*command, "--data-dir", str(folder)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "test_batch" in err[0], err
