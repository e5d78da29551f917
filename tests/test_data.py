import pickle

import numpy as np
import pytest

from linclf.engine.data import splits as data_module
from linclf.engine.data.splits import D, load_batch, load_splits, read_batch
from linclf.engine.training.augment import flip_indices, shift_indices


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


@pytest.mark.slow
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


def test_test_split_stays_pixels_and_normalises_block_by_block(tiny_data_dir):
    """The test set is kept as uint8 and normalised only a block at a time when scored: the
    blocks hold exactly what normalising it whole gives."""
    data = load_splits(tiny_data_dir, dtype=np.float32)
    assert data.test.rows.dtype == np.uint8 and not hasattr(data.test, "X")
    rows, _ = read_batch(tiny_data_dir / "test_batch")
    whole = data_module._to_unit_interval(rows, np.float32, data.mean, data.std)
    for size, starts in ((64, [0, 64, 128, 192]), (199, [0])):  # never a block of one image
        blocks = [(start, X.copy()) for start, X in data.test.chunks(size)]
        assert [start for start, _ in blocks] == starts
        assert all(X.dtype == np.float32 for _, X in blocks)
        assert np.array_equal(np.concatenate([X for _, X in blocks], axis=1), whole)


def test_a_test_split_normalised_once_scores_to_the_same_bits(tiny_data_dir):
    """The report scores many models on one test set, normalised once: same scores, bit for
    bit, as the block-by-block pixels."""
    from linclf.engine.training.train import score_test

    data = load_splits(tiny_data_dir)
    net = {
        "W": np.random.default_rng(0).normal(0, 0.01, (10, D)),
        "b": np.random.default_rng(1).normal(0, 0.01, (10, 1)),
    }
    whole, blocks = (
        score_test(net, data.test.normalised(), "softmax"),
        score_test(net, data.test, "softmax"),
    )
    assert whole.loss == blocks.loss and np.array_equal(whole.p_true, blocks.p_true)
    assert data.test.normalised().X.flags.f_contiguous


def test_pixel_statistics_are_exact(tiny_data_dir):
    rows, _ = read_batch(tiny_data_dir / "data_batch_1")
    mean, std = data_module._pixel_stats([rows[:150], rows[150:]])
    pixels = rows.astype(np.float64) / 255
    assert np.allclose(mean[:, 0], pixels.mean(axis=0), rtol=1e-13, atol=0)
    assert np.allclose(std[:, 0], pixels.std(axis=0), rtol=1e-10, atol=0)
    white = np.full((300, D), 255, dtype=np.uint8)  # the largest sums the chunks can hold
    mean, std = data_module._pixel_stats([white])
    assert np.all(mean == 1.0) and np.all(std == 0.0)


def test_large_matrices_fall_back_to_small_pages(monkeypatch):
    """Without huge pages (here: an advice the kernel refuses) the matrix is still made."""
    for advice in (data_module.MADV_POPULATE_WRITE, 12345):
        monkeypatch.setattr(data_module, "MADV_POPULATE_WRITE", advice)
        X = data_module._prefaulted_empty((3000, D), np.float64)
        X[:] = 1.5
        assert X.shape == (3000, D) and X.flags.writeable and X.sum() == 1.5 * X.size
