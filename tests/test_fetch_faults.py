"""`data fetch` against servers that misbehave (local servers on 127.0.0.1, bounded in time):
each ends with one line and exit 2, and no part file is left behind."""

import socket
import threading
import time

import pytest

from linclf.engine.data import download
from linclf.engine.errors import DataError
from linclf.tui.cli import main

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"


def drip(conn: socket.socket) -> None:
    conn.sendall(HEADERS + b"Content-Length: 1000000\r\n\r\n")
    for _ in range(200):
        conn.sendall(b"x")
        time.sleep(0.2)


def endless_header(conn: socket.socket) -> None:
    conn.sendall(HEADERS)
    for _ in range(10_000):
        conn.sendall(b"X-Filler: " + b"y" * 1000 + b"\r\n")


def huge(conn: socket.socket) -> None:
    conn.sendall(HEADERS + b"\r\n")  # no Content-Length: read until closed
    block = bytes(1 << 20)
    for _ in range(400):
        conn.sendall(block)


ANSWERS = {
    "garbage Content-Length": lambda c: c.sendall(HEADERS + b"Content-Length: lots\r\n\r\nab"),
    "negative Content-Length": lambda c: c.sendall(HEADERS + b"Content-Length: -5\r\n\r\nab"),
    "huge Content-Length": lambda c: c.sendall(HEADERS + b"Content-Length: 9999999999\r\n\r\n"),
    "not HTTP": lambda c: c.sendall(b"SSH-2.0-OpenSSH_9.6\r\n"),
    "endless header": endless_header,
    "drip": drip,
    "stream beyond the archive's size": huge,
}


@pytest.fixture
def server():
    """serve(answer) → a URL on 127.0.0.1 where each connection gets answer(conn)."""
    sockets = []

    def serve(answer) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        sockets.append(listener)

        def loop() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                with conn:
                    conn.recv(65536)  # the request
                    try:
                        answer(conn)
                    except OSError:
                        pass

        threading.Thread(target=loop, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}/cifar-10-python.tar.gz"

    yield serve
    for listener in sockets:
        listener.close()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", list(ANSWERS))
def test_a_misbehaving_server_gives_one_line(server, tmp_path, monkeypatch, case):
    monkeypatch.setattr(download, "STALL_SECONDS", 1.0)
    monkeypatch.setattr(download, "MAX_BYTES", 8 << 20)
    url = server(ANSWERS[case])
    with pytest.raises(DataError) as refused:  # the CLI's error table: one line, exit 2
        download.download(tmp_path, url=url)
    message = str(refused.value)
    assert "cannot download" in message and "\n" not in message
    assert list(tmp_path.iterdir()) == []  # no part file left


def test_a_data_error_is_exit_2_in_one_line(server, tmp_path, capsys, monkeypatch):
    url = server(ANSWERS["not HTTP"])
    monkeypatch.setattr(download.download, "__defaults__", (download.DATASETS, url, "0", None))
    code = main(["data", "fetch", "--data-dir", str(tmp_path / "Datasets" / "cifar-10-batches-py")])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and "internal error" not in lines[-1] and "cannot download" in lines[-1]
