"""`linclf data where` and `linclf data fetch` (offline: a local HTTP server serves the
archive), and a download cut short."""

import functools
import hashlib
import http.server
import os
import threading

import pytest
from archives import archive_of_folder

from linclf.engine.data import archive, download
from linclf.tui.cli import main


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
def served_archive(tiny_data_source, tmp_path):
    """The tiny data set packed as the official archive and served over HTTP on localhost:
    (its URL, its MD5)."""
    served = tmp_path / "served"
    served.mkdir()
    path = archive_of_folder(served / archive.ARCHIVE_NAME, tiny_data_source, level=1)
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


def test_interrupted_download_leaves_no_partial_archive(tmp_path):
    source = tmp_path / "served.bin"
    source.write_bytes(os.urandom(300_000))
    dest = tmp_path / "Datasets"

    def interrupt(done, total):
        if done > 100_000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        download.download(
            dest, url=source.as_uri(), md5=download.md5sum(source), progress=interrupt
        )
    assert list(dest.iterdir()) == []
