"""--scheduler faults: a malformed address, a port that accepts but never answers, a refused
one: one line and exit 2, never a hang or an "internal error"; an interrupted command cancels
its futures on the cluster (Dask's executor has no cancel_futures)."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time

import pytest

from linclf.engine.training import executor as executors
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


@pytest.fixture
def talking_port():
    """serve(answer) → a port on 127.0.0.1 where each connection gets the bytes answer."""
    servers = []

    def serve(answer: bytes) -> int:
        server = socket.create_server(("127.0.0.1", 0))
        servers.append(server)

        def loop() -> None:
            while True:
                try:
                    connection = server.accept()[0]
                except OSError:
                    return
                with connection:
                    with contextlib.suppress(OSError):
                        connection.sendall(answer)
                        connection.recv(1 << 16)

        threading.Thread(target=loop, daemon=True).start()
        return server.getsockname()[1]

    yield serve
    for server in servers:
        server.close()


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
        struct.pack("<Q", 1 << 40) + b"\0" * 64,  # a length it would allocate: 1 TiB
        struct.pack("<Q", 16) + b"\xff" * 16,  # short, and not Dask's frames
    ],
    ids=["http", "huge length", "garbage frames"],
)
def test_a_peer_that_is_not_a_dask_scheduler_is_one_line(
    tiny_data_dir, tmp_path, capsys, monkeypatch, talking_port, answer
):
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 2)
    port = talking_port(answer)
    assert main(search(tiny_data_dir, tmp_path / "s", f"tcp://127.0.0.1:{port}")) == 2
    assert f"127.0.0.1:{port}" in one_line(capsys)
