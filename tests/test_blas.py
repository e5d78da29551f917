"""BLAS threads are set for the process and never restored, so runs that overlap cannot leave
it at a count no one asked for.

These run in the main thread: the OpenBLAS that numpy ships here (0.3.31) ignores a thread
count set from any other thread, so only the main thread's settings can be observed."""

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from linclf.engine.config import TrainConfig
from linclf.engine.data import load_splits
from linclf.engine.train import Training
from linclf.engine.worker import evaluate_weights


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


def test_interleaved_runs_keep_one_blas_thread_to_the_end(tiny_data_dir, two_blas_threads):
    """Run A starts, run B starts, A ends while B trains on (the TUI and the report step runs
    like this). With a threadpool_limits context per run, A's end restored the process's two
    threads under B's feet, and B's end left the process at one for good, whatever it had."""
    data = load_splits(tiny_data_dir)
    first = iter(Training(data, TrainConfig(n_batch=50, n_epochs=3)))
    second = iter(Training(data, TrainConfig(n_batch=50, n_epochs=6)))
    next(first)
    next(second)
    assert len(list(first)) == 2
    seen_by_second = [blas_threads() for _ in second]
    assert seen_by_second == [{1}] * 5
    assert blas_threads() == {1}


def test_a_worker_entry_point_sets_one_blas_thread(tiny_data_dir, two_blas_threads):
    data = load_splits(tiny_data_dir)
    net = Training(data, TrainConfig(n_epochs=1)).init_net
    threadpool_limits(limits=2)
    evaluate_weights(net, TrainConfig().to_dict(), str(tiny_data_dir))
    assert blas_threads() == {1}
