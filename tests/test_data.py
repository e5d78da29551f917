import io
import pickle
import tarfile

import numpy as np
import pytest
from conftest import RunsCode, batch_dict, write_batch

from linclf.engine import archive
from linclf.engine.augment import flip_indices, shift_indices
from linclf.engine.data import D, load_batch, load_splits, read_batch
from linclf.engine.errors import DataError, MissingData


def test_load_batch_shapes_types_and_range(tiny_data_dir):
    X, Y, y = load_batch(tiny_data_dir / "data_batch_1")
    assert X.shape == (D, 200) and X.dtype == np.float64
    assert X.flags.f_contiguous, "each image must be one contiguous column"
    assert 0.0 <= X.min() and X.max() <= 1.0
    assert Y.shape == (10, 200) and Y.dtype == X.dtype
    assert np.array_equal(Y.argmax(axis=0), y) and np.all(Y.sum(axis=0) == 1)
    raw = pickle.loads((tiny_data_dir / "data_batch_1").read_bytes())
    assert np.array_equal(X[:, 7], raw[b"data"][7] / 255.0)
    X32, Y32, _ = load_batch(tiny_data_dir / "data_batch_1", dtype=np.float32)
    assert X32.dtype == Y32.dtype == np.float32


def test_real_archive_labels_and_counts(real_data_dir):
    _, y = read_batch(real_data_dir / "data_batch_1")
    assert list(y[:10]) == [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]
    assert list(np.bincount(y)) == [1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981]
    _, y_test = read_batch(real_data_dir / "test_batch")
    assert list(y_test[:10]) == [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]


def test_spec_split_is_normalised_with_training_statistics(tiny_data_dir):
    data = load_splits(tiny_data_dir)
    assert data.mean.shape == data.std.shape == (D, 1)
    assert np.allclose(data.train.X.mean(axis=1), 0, atol=1e-12)
    assert np.allclose(data.train.X.std(axis=1), 1)
    X_val, _, _ = load_batch(tiny_data_dir / "data_batch_2")
    assert np.allclose(data.val.X, (X_val - data.mean) / data.std)
    assert data.test.n == 200


def test_all_split_holds_out_the_last_images(tiny_data_dir):
    data = load_splits(tiny_data_dir, split="all", n_val=150)
    assert (data.train.n, data.val.n) == (850, 150)
    _, y5 = read_batch(tiny_data_dir / "data_batch_5")
    assert np.array_equal(data.val.y, y5[-150:])
    X5, _, _ = load_batch(tiny_data_dir / "data_batch_5")
    assert np.allclose(data.val.X, (X5[:, -150:] - data.mean) / data.std)


def test_flip_indices_mirror_each_channel():
    image = np.arange(3072)
    flipped = image[flip_indices()].reshape(3, 32, 32)
    assert np.array_equal(flipped, image.reshape(3, 32, 32)[:, :, ::-1])
    assert np.array_equal(image[flip_indices()][flip_indices()], image)


def test_shift_indices_translate_and_fill_with_zero():
    maps = shift_indices(2)
    assert maps.shape == (25, 3072)
    padded = np.append(np.arange(1, 3073), 0)  # entry 3072 is the zero pad
    assert np.array_equal(padded[maps[12]], padded[:3072])  # (0, 0): the identity
    down_right = padded[maps[24]].reshape(3, 32, 32)  # (dy, dx) = (2, 2)
    image = padded[:3072].reshape(3, 32, 32)
    assert np.array_equal(down_right[:, 2:, 2:], image[:, :-2, :-2])
    assert np.all(down_right[:, :2, :] == 0) and np.all(down_right[:, :, :2] == 0)


def test_restricted_unpickler_refuses_code(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": RunsCode(marker)}, protocol=2))
    with pytest.raises(DataError, match="data_batch_1") as err:
        read_batch(path)
    assert "system" in str(err.value)
    assert not marker.exists()


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda b: b.pop(b"data"), "missing key 'data'"),
        (lambda b: b.pop(b"labels"), "missing key 'labels'"),
        (lambda b: b.__setitem__(b"data", b[b"data"].astype(np.float32)), "uint8"),
        (lambda b: b.__setitem__(b"data", b[b"data"][:, :100]), "shape"),
        (lambda b: b.__setitem__(b"labels", [12] * 200), "labels must lie in 0..9"),
        (lambda b: b.__setitem__(b"labels", b[b"labels"][:-1]), "199 labels for 200 images"),
        (lambda b: b.__setitem__(b"labels", ["cat"] * 200), "list of integers"),
    ],
)
def test_malformed_batches_are_named_and_explained(tmp_path, mutate, message):
    batch = batch_dict(200, seed=1)
    mutate(batch)
    path = write_batch(tmp_path / "data_batch_1", batch)
    with pytest.raises(DataError, match=message) as err:
        read_batch(path)
    assert str(path) in str(err.value)


def test_truncated_empty_garbage_folder_and_missing_files(tmp_path):
    good = pickle.dumps(batch_dict(50, seed=3), protocol=2)
    cases = {"truncated": good[: len(good) // 2], "empty": b"", "garbage": b"not a pickle at all"}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(DataError, match=name):
            read_batch(tmp_path / name)
    (tmp_path / "folder").mkdir()
    with pytest.raises(DataError, match="is a folder"):
        read_batch(tmp_path / "folder")
    with pytest.raises(DataError, match="not found"):
        read_batch(tmp_path / "nothing")


def _tar(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for info, payload in members:
            tar.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return path


def _file(name, payload=b"x"):
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    return info, payload


def test_safe_extract_unpacks_files_and_folders(tmp_path):
    info = tarfile.TarInfo("cifar-10-batches-py")
    info.type = tarfile.DIRTYPE
    path = _tar(tmp_path / "a.tar.gz", [(info, None), _file("cifar-10-batches-py/readme.txt")])
    archive.safe_extract(path, tmp_path / "out")
    assert (tmp_path / "out" / "cifar-10-batches-py" / "readme.txt").read_bytes() == b"x"


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlink", "hardlink", "device"])
def test_safe_extract_refuses_unsafe_members(tmp_path, kind):
    if kind == "dotdot":
        member = _file("../escaped")
    elif kind == "absolute":
        member = _file(str(tmp_path / "escaped"))
    else:
        info = tarfile.TarInfo("cifar-10-batches-py/link")
        info.type = {
            "symlink": tarfile.SYMTYPE,
            "hardlink": tarfile.LNKTYPE,
            "device": tarfile.CHRTYPE,
        }[kind]
        info.linkname = "/etc/passwd"
        member = (info, None)
    path = _tar(tmp_path / "bad.tar.gz", [_file("cifar-10-batches-py/ok"), member])
    dest = tmp_path / "dest"
    with pytest.raises(DataError, match="refuses member"):
        archive.safe_extract(path, dest)
    assert not dest.exists() or not any(dest.rglob("*")), "nothing may be written"
    assert not (tmp_path / "escaped").exists()


def test_locate_unpacks_a_neighbouring_archive_and_explains_missing_data(tmp_path, tiny_data_dir):
    datasets = tmp_path / "Datasets"
    datasets.mkdir()
    with tarfile.open(datasets / archive.ARCHIVE_NAME, "w:gz") as tar:
        tar.add(tiny_data_dir, arcname="cifar-10-batches-py")
    folder = archive.locate(datasets / "cifar-10-batches-py")
    assert sorted(p.name for p in folder.iterdir())[0] == "data_batch_1"
    with pytest.raises(MissingData, match="linclf data fetch"):
        archive.locate(tmp_path / "elsewhere" / "cifar-10-batches-py")


def test_environment_variable_points_at_the_data(monkeypatch, tiny_data_dir):
    monkeypatch.setenv("LINCLF_DATA", str(tiny_data_dir))
    assert archive.locate() == tiny_data_dir


def test_download_verifies_md5_and_leaves_no_partial_file(tmp_path, tiny_data_dir):
    source = tmp_path / "served.tar.gz"
    with tarfile.open(source, "w:gz") as tar:
        tar.add(tiny_data_dir, arcname="cifar-10-batches-py")
    dest = tmp_path / "Datasets"
    with pytest.raises(DataError, match="does not match"):
        archive.download(dest, url=source.as_uri(), md5="0" * 32)
    assert list(dest.iterdir()) == []
    seen = []
    path = archive.download(
        dest,
        url=source.as_uri(),
        md5=archive.md5sum(source),
        progress=lambda done, total: seen.append(done),
    )
    assert path.read_bytes() == source.read_bytes() and seen[-1] == source.stat().st_size
    assert [p.name for p in dest.iterdir()] == [archive.ARCHIVE_NAME]


def test_fetch_offline_says_where_to_put_the_archive(tmp_path):
    with pytest.raises(DataError, match="put cifar-10-python.tar.gz into"):
        archive.fetch(
            tmp_path / "Datasets" / "cifar-10-batches-py",
            url=(tmp_path / "missing.tar.gz").as_uri(),
        )
