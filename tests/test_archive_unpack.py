"""Unpacking: the real archive comes out byte for byte; a hostile archive is refused whole,
from its headers where possible, without writing anything outside a temporary folder that is
then removed. The bombs run in a child with memory and file-size limits."""

from __future__ import annotations

import filecmp
import io
import os
import tarfile
import time

import archives
import crafted
import pytest
from sandbox import run_unpack_child

from linclf.engine.data import archive
from linclf.engine.errors import DataError

BATCH_DIR = "cifar-10-batches-py"


def leftovers(datasets) -> list[str]:
    """What an unpack left in datasets besides the archive and its (empty) lock file."""
    skip = {archive.ARCHIVE_NAME, f".{BATCH_DIR}.lock"}
    return sorted(p.name for p in datasets.iterdir() if p.name not in skip)


@pytest.mark.slow
def test_real_archive_unpacks_to_the_official_files(tmp_path, real_archive, real_data_dir):
    folder = tmp_path / "Datasets" / BATCH_DIR
    archive.unpack(real_archive, folder)
    names = sorted(name for name in os.listdir(real_data_dir) if name != archive.MARKER)
    assert sorted(os.listdir(folder)) == sorted([*names, archive.MARKER])
    _, mismatch, errors = filecmp.cmpfiles(real_data_dir, folder, names, shallow=False)
    assert not mismatch and not errors
    assert archive.dataset_problem(folder) is None
    assert leftovers(tmp_path / "Datasets") == [BATCH_DIR]


def test_two_gib_member_in_a_2_mb_archive_is_refused_from_its_header(tmp_path):
    datasets = tmp_path / "Datasets"
    datasets.mkdir()
    bomb = archives.zero_bomb(
        datasets / archive.ARCHIVE_NAME, {f"{BATCH_DIR}/data_batch_1": 2 << 30}
    )
    assert bomb.stat().st_size < 3 << 20
    start = time.monotonic()
    done = run_unpack_child(datasets / BATCH_DIR)
    assert done.returncode == 2, done.stderr
    assert "refuses member" in done.stdout and "at most 64 MiB" in done.stdout
    assert time.monotonic() - start < 20
    assert leftovers(datasets) == []


@pytest.mark.slow
def test_many_members_stop_at_the_total_cap(tmp_path):
    datasets = tmp_path / "Datasets"
    datasets.mkdir()
    sizes = {f"{BATCH_DIR}/part_{i}": 60 << 20 for i in range(10)}
    archives.zero_bomb(datasets / archive.ARCHIVE_NAME, sizes)
    done = run_unpack_child(datasets / BATCH_DIR)
    assert done.returncode == 2 and "unpacks to more than 256 MiB" in done.stdout, done
    assert leftovers(datasets) == []


@pytest.mark.parametrize("posix", [False, True], ids=["gnu", "pax"])
def test_sparse_member_of_40_gib_is_refused_without_reading_it(tmp_path, posix):
    datasets = tmp_path / "Datasets"
    datasets.mkdir()
    archives.sparse_archive(datasets / archive.ARCHIVE_NAME, tmp_path / "src", 40 << 30, posix)
    done = run_unpack_child(datasets / BATCH_DIR)
    assert done.returncode == 2 and "a sparse file" in done.stdout, done
    assert leftovers(datasets) == []


@pytest.mark.parametrize(
    "name",
    [archive.ARCHIVE_NAME, "README.md", f"./{archive.ARCHIVE_NAME}", f"{BATCH_DIR}/sub/x"],
)
@pytest.mark.slow
def test_a_member_never_replaces_the_archive_or_another_file(tmp_path, tiny_data_dir, name):
    datasets = tmp_path / "Datasets"
    datasets.mkdir()
    (datasets / "README.md").write_text("mine")
    path = datasets / archive.ARCHIVE_NAME
    archives.archive_of_folder(path, tiny_data_dir, [archives.file_member(name, b"evil")])
    before = path.read_bytes()
    with pytest.raises(DataError, match="refuses member"):
        archive.locate(datasets / BATCH_DIR)
    assert path.read_bytes() == before and (datasets / "README.md").read_text() == "mine"
    assert leftovers(datasets) == ["README.md"]


@pytest.mark.parametrize(
    "kind", ["dotdot", "absolute", "symlink", "hardlink", "device", "fifo", "twice"]
)
def test_unsafe_members_are_refused_whole(tmp_path, kind):
    if kind == "dotdot":
        member = archives.file_member(f"{BATCH_DIR}/../escaped")
    elif kind == "absolute":
        member = archives.file_member(str(tmp_path / "escaped"))
    elif kind == "twice":
        member = archives.file_member(f"{BATCH_DIR}/ok", b"second")
    else:
        types = {"symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE}
        types |= {"device": tarfile.CHRTYPE, "fifo": tarfile.FIFOTYPE}
        info, _ = archives.file_member(f"{BATCH_DIR}/link", b"")
        info.type, info.linkname = types[kind], "/etc/passwd"
        member = (info, None)
    path = archives.tar_of(
        tmp_path / "bad.tar.gz",
        [archives.folder_member(), archives.file_member(f"{BATCH_DIR}/ok"), member],
    )
    dest = tmp_path / "dest"
    with pytest.raises(DataError, match="refuses member"):
        archive.unpack(path, dest / BATCH_DIR)
    assert leftovers(dest) == [] and not (tmp_path / "escaped").exists()


def test_a_hostile_batch_inside_the_archive_is_refused_before_use(tmp_path, tiny_data_dir):
    (tiny_data_dir / "data_batch_3").write_bytes(crafted.object_labels())
    datasets = tmp_path / "Datasets"
    datasets.mkdir()
    archives.archive_of_folder(datasets / archive.ARCHIVE_NAME, tiny_data_dir)
    done = run_unpack_child(datasets / BATCH_DIR)
    assert done.returncode == 2, done
    assert f"{archive.ARCHIVE_NAME}: {BATCH_DIR}/data_batch_3: not a CIFAR-10 batch" in done.stdout
    assert leftovers(datasets) == []


def test_archive_without_a_batch_or_with_a_huge_header_is_refused(tmp_path, tiny_data_dir):
    (tiny_data_dir / "test_batch").unlink()
    path = archives.archive_of_folder(tmp_path / "a.tar.gz", tiny_data_dir)
    with pytest.raises(DataError, match=f"holds no {BATCH_DIR}/test_batch"):
        archive.unpack(path, tmp_path / "one" / BATCH_DIR)
    long_name = archives.file_member(f"{BATCH_DIR}/" + "n" * 2000, b"x")
    with tarfile.open(tmp_path / "b.tar.gz", "w:gz", format=tarfile.PAX_FORMAT) as tar:
        info, payload = long_name
        info.pax_headers = {"comment": "c" * 100_000}
        tar.addfile(info, io.BytesIO(payload))
    with pytest.raises(DataError, match="refuses a .*-byte extended header"):
        archive.unpack(tmp_path / "b.tar.gz", tmp_path / "two" / BATCH_DIR)


@pytest.mark.slow
def test_pax_and_gnu_long_names_are_understood(tmp_path, tiny_data_dir):
    for fmt in (tarfile.PAX_FORMAT, tarfile.GNU_FORMAT):
        path = tmp_path / f"{fmt}.tar.gz"
        with tarfile.open(path, "w:gz", format=fmt) as tar:
            tar.add(tiny_data_dir, arcname=BATCH_DIR)
            info, payload = archives.file_member(f"{BATCH_DIR}/" + "n" * 99 + "é", b"x")
            tar.addfile(info, io.BytesIO(payload))
        with pytest.raises(DataError, match="only files directly in"):  # é is not allowed
            archive.unpack(path, tmp_path / str(fmt) / BATCH_DIR)
        path.unlink()
        with tarfile.open(path, "w:gz", format=fmt) as tar:
            tar.add(tiny_data_dir, arcname=BATCH_DIR)
            info, payload = archives.file_member(f"{BATCH_DIR}/" + "n" * 100, b"x")
            tar.addfile(info, io.BytesIO(payload))
        folder = tmp_path / str(fmt) / BATCH_DIR
        archive.unpack(path, folder)
        assert (folder / ("n" * 100)).read_bytes() == b"x"


def test_fifo_archive_is_refused_without_hanging(tmp_path):
    os.mkfifo(tmp_path / archive.ARCHIVE_NAME)
    with pytest.raises(DataError, match="is not a regular file"):
        archive.unpack(tmp_path / archive.ARCHIVE_NAME, tmp_path / "dest" / BATCH_DIR)


def test_a_corrupt_or_truncated_archive_is_one_clean_error(tmp_path, tiny_data_dir):
    good = archives.archive_of_folder(tmp_path / "good.tar.gz", tiny_data_dir).read_bytes()
    cases = {
        "corrupt": good[:100] + bytes(b ^ 0x55 for b in good[100:400]) + good[400:],
        "truncated": good[: len(good) // 2],
        "not gzip": b"\x1f\x8b" + bytes(600),
        "not tar": bytes(range(256)) * 4,
    }
    for name, content in cases.items():
        path = tmp_path / f"{name}.tar.gz"
        path.write_bytes(content)
        with pytest.raises(DataError) as err:
            archive.unpack(path, tmp_path / name / BATCH_DIR)
        assert str(err.value).startswith(f"{path}: ") and "\n" not in str(err.value), name
        assert leftovers(tmp_path / name) == [], name
