"""--scheduler faults: a malformed address, a port that accepts but never answers, a refused
one: one line and exit 2, never a hang or an "internal error"; an interrupted command cancels
its futures on the cluster (Dask's executor has no cancel_futures)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from linclf.engine import executor as executors
from linclf.tui.cli import main

pytest.importorskip("distributed")


def search(data_dir, out, scheduler: str) -> list[str]:
    args = ["search", "--data-dir", str(data_dir), "--lam", "0", "--n-epochs", "1"]
    return [*args, "--scheduler", scheduler, "--out", str(out)]


def one_line(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert "internal error" not in lines[0]
    return lines[0]


@pytest.mark.parametrize("address", ["nonsense", "tcp://", "tcp://host:notaport"])
def test_malformed_address_is_one_line(tiny_data_dir, tmp_path, capsys, address):
    assert main(search(tiny_data_dir, tmp_path / "s", address)) == 2
    assert address in one_line(capsys)


@pytest.fixture
def silent_port():
    """A port that accepts connections and never says a word."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def serve() -> None:
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1]
    server.close()
    for connection in accepted:
        connection.close()


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_silent_scheduler_fails_within_the_connect_timeout(
    tiny_data_dir, tmp_path, capsys, monkeypatch, silent_port
):
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 2)
    started = time.monotonic()
    assert main(search(tiny_data_dir, tmp_path / "s", f"tcp://127.0.0.1:{silent_port}")) == 2
    assert time.monotonic() - started < 20  # generous: the bound is 2 s per step
    assert "no Dask scheduler answers" in one_line(capsys)


@pytest.mark.timeout(60)
def test_refused_scheduler_is_one_line(tiny_data_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 2)
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    assert main(search(tiny_data_dir, tmp_path / "s", f"tcp://127.0.0.1:{port}")) == 2
    assert f"127.0.0.1:{port}" in one_line(capsys)


@pytest.mark.slow
def test_interrupt_cancels_the_futures_on_the_cluster():
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        with pytest.raises(KeyboardInterrupt):
            with executors.executor_for(1, cluster.scheduler_address) as executor:
                futures = [executor.submit(time.sleep, 2) for _ in range(4)]
                time.sleep(0.5)
                raise KeyboardInterrupt
        assert all(future.cancelled() for future in futures)
