"""BLAS threads are set for the process and never restored, so runs that overlap cannot leave
it at a count no one asked for.

These run in the main thread: the OpenBLAS that numpy ships here (0.3.31) ignores a thread
count set from any other thread, so only the main thread's settings can be observed."""

import os

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from linclf.engine.config import TrainConfig
from linclf.engine.data.splits import load_splits
from linclf.engine.training.executor import LocalPool
from linclf.engine.training.train import Training
from linclf.tui.cli import main


def blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


@pytest.fixture
def two_blas_threads():
    """The process at two BLAS threads (as a fresh one on two cores), restored after."""
    if not blas_threads():
        pytest.skip("no BLAS library found by threadpoolctl")
    before = threadpool_limits(limits=2)
    yield
    before.restore_original_limits()


def test_training_leaves_the_process_blas_threads_alone(tiny_data_dir, two_blas_threads):
    """Library code never sets the count (engine/training/blas.py): interleaved runs, one ending
    while
    the other trains on (as the report's steps run), all see the process's count, and leave
    it as it was."""
    data = load_splits(tiny_data_dir)
    first = iter(Training(data, TrainConfig(n_batch=50, n_epochs=3)))
    second = iter(Training(data, TrainConfig(n_batch=50, n_epochs=6)))
    next(first)
    next(second)
    assert len(list(first)) == 2
    seen_by_second = [blas_threads() for _ in second]
    assert seen_by_second == [{2}] * 5
    assert blas_threads() == {2}


def test_a_worker_sets_one_blas_thread_where_it_starts():
    """A fresh local worker of search or report (spawned, so numpy's OpenBLAS starts at a
    thread per core) multiplies on one thread."""
    if os.cpu_count() == 1:
        pytest.skip("one core: a fresh process has one BLAS thread anyway")
    with LocalPool(1) as pool:
        assert pool.submit(blas_threads).result() == {1}


def test_linclf_train_sets_one_blas_thread_where_it_starts(
    tiny_data_dir, tmp_path, two_blas_threads
):
    code = main(
        [
            "train",
            "--data-dir",
            str(tiny_data_dir),
            "--n-epochs",
            "1",
            "--n-batch",
            "50",
            "--out",
            str(tmp_path),
            "--no-plots",
        ]
    )
    assert code == 0
    assert blas_threads() == {1}
