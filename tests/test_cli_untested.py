"""Command-line behaviour no other test reached: the second Ctrl-C of `train`, `--no-shuffle`,
and `linclf data where` / `linclf data fetch` (offline: a local HTTP server serves the archive)."""

import functools
import hashlib
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from archives import archive_of_folder
from conftest import ROOT, batch_dict, make_data_dir, write_batch

from linclf.engine import archive, download
from linclf.engine.runread import load_run
from linclf.tui.cli import main


def test_second_ctrl_c_of_train_drops_the_unfinished_epoch_and_exits_130(tmp_path):
    # 6000 training images in mini-batches of one: an epoch lasts seconds, so both signals
    # land inside the same epoch. The first alone would let that epoch finish (epoch 3, the
    # one training when epoch 1's row is printed); the second drops it.
    data = make_data_dir(tmp_path / "cifar-10-batches-py")
    write_batch(data / "data_batch_1", batch_dict(6000, seed=1))
    out = tmp_path / "out"
    args = ["train", "--data-dir", str(data), "--out", str(out), "--n-batch", "1"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "linclf", *args, "--n-epochs", "1000", "--no-plots"],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in proc.stdout:
            if line.startswith("1\t"):
                break
        proc.send_signal(signal.SIGINT)
        time.sleep(0.3)  # two signals sent back to back could merge into one
        proc.send_signal(signal.SIGINT)
        out_text, err = proc.communicate(timeout=60)  # "at once": not the 998 epochs left
    finally:
        proc.kill()
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert "Interrupted after" in out_text
    (run_dir,) = out.iterdir()
    run = load_run(run_dir)
    assert run["status"] == "interrupted"
    assert [row.epoch for row in run["history"]] == [1, 2]


def _train_json(data_dir, out, capsys, *flags) -> list[dict]:
    code = main(
        ["train", "--data-dir", str(data_dir), "--out", str(out), "--no-plots"]
        + [
            "--n-epochs",
            "2",
            "--n-batch",
            "20",
            "--json",
            *flags,
        ]
    )
    assert code == 0
    history = json.loads(capsys.readouterr().out)["history"]
    return [{k: v for k, v in row.items() if k != "seconds"} for row in history]


def test_no_shuffle_keeps_the_file_order(tiny_data_dir, tmp_path, capsys):
    shuffled = _train_json(tiny_data_dir, tmp_path / "a", capsys)
    fixed = _train_json(tiny_data_dir, tmp_path / "b", capsys, "--no-shuffle")
    again = _train_json(tiny_data_dir, tmp_path / "c", capsys, "--no-shuffle")
    assert fixed == again
    assert fixed[0]["train_cost"] != shuffled[0]["train_cost"]
    assert fixed[1]["train_cost"] != shuffled[1]["train_cost"]


def test_data_where_prints_the_folder_it_would_read(tiny_data_dir, tmp_path, capsys, monkeypatch):
    assert main(["data", "where", "--data-dir", str(tiny_data_dir)]) == 0
    assert capsys.readouterr().out.strip() == str(tiny_data_dir)
    monkeypatch.setenv("LINCLF_DATA", str(tiny_data_dir))
    assert main(["data", "where"]) == 0
    assert capsys.readouterr().out.strip() == str(tiny_data_dir)
    # An archive beside a missing folder: `where` unpacks it and prints the new folder.
    packed = tmp_path / "packed"
    packed.mkdir()
    archive_of_folder(packed / archive.ARCHIVE_NAME, tiny_data_dir, level=1)
    target = packed / archive.BATCH_DIR
    assert main(["data", "where", "--data-dir", str(target)]) == 0
    assert capsys.readouterr().out.strip() == str(target)
    assert archive.locate(target) == target and (target / "data_batch_5").is_file()
    # Nothing at all: one line that says how to get the data, exit 2.
    assert main(["data", "where", "--data-dir", str(tmp_path / "none" / archive.BATCH_DIR)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "linclf data fetch" in line


@pytest.fixture
def served_archive(tiny_data_dir, tmp_path):
    """The tiny data set packed as the official archive and served over HTTP on localhost:
    (its URL, its MD5)."""
    served = tmp_path / "served"
    served.mkdir()
    path = archive_of_folder(served / archive.ARCHIVE_NAME, tiny_data_dir, level=1)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{archive.ARCHIVE_NAME}"
        yield url, hashlib.md5(path.read_bytes()).hexdigest()
    finally:
        server.shutdown()
        server.server_close()


def _point_fetch_at(monkeypatch, url: str, md5: str) -> None:
    """`linclf data fetch` takes the official URL and MD5 from its defaults: point them here."""
    monkeypatch.setattr(download.fetch, "__defaults__", (None, None, url))
    dest, _, _, progress = download.download.__defaults__
    monkeypatch.setattr(download.download, "__defaults__", (dest, url, md5, progress))


def test_data_fetch_checks_the_md5_then_unpacks(served_archive, tmp_path, capsys, monkeypatch):
    url, md5 = served_archive
    target = tmp_path / "fetched" / archive.BATCH_DIR
    _point_fetch_at(monkeypatch, url, download.CIFAR_MD5)  # not the served file's MD5
    assert main(["data", "fetch", "--data-dir", str(target)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()[-1:]
    assert "MD5" in line and md5 in line and download.CIFAR_MD5 in line
    assert not (tmp_path / "fetched").exists() or not any((tmp_path / "fetched").iterdir())

    _point_fetch_at(monkeypatch, url, md5)
    assert main(["data", "fetch", "--data-dir", str(target)]) == 0
    assert capsys.readouterr().out.strip() == f"CIFAR-10 is ready in {target}"
    names = {p.name for p in (tmp_path / "fetched").iterdir()}
    assert {archive.ARCHIVE_NAME, archive.BATCH_DIR} <= names and not any(
        ".part" in n for n in names
    )
    assert archive.locate(target) == target
    # Complete now: a second fetch downloads nothing (the server is no longer asked).
    _point_fetch_at(monkeypatch, "http://127.0.0.1:9/nothing-here", md5)
    assert main(["data", "fetch", "--data-dir", str(target)]) == 0
