"""Downloading the official CIFAR-10 archive (`linclf data fetch`): to a '.part' file, MD5
verified, then unpacked by archive.locate."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from linclf.engine.data.archive import (
    ARCHIVE_NAME,
    DATASETS,
    default_data_dir,
    locate,
    problem_to_fix,
)
from linclf.engine.errors import DataError

CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR_MD5 = "c58f30108f718f92721af3b95e74349a"
ARCHIVE_BYTES = 170_498_071  # the official archive's size
MAX_BYTES = 180 << 20  # a server that sends more is not sending that archive
TIMEOUT = 30  # seconds for one connect or read
STALL_SECONDS = 30.0  # a download slower than STALL_BYTES per STALL_SECONDS has stalled
STALL_BYTES = 64 << 10

Progress = Callable[[int, int | None], None]  # (bytes so far, total bytes or None)


def md5sum(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Watch:
    """The transfer as its watchdog sees it: the socket (once connected) and bytes so far."""

    def __init__(self):
        self.sock: socket.socket | None = None
        self.done = 0
        self.stalled = False
        self.stop = threading.Event()

    def guard(self) -> None:
        """In a thread: cut the connection when fewer than STALL_BYTES came in STALL_SECONDS
        (headers included: a server that drips them counts as nothing received)."""
        last = 0
        while not self.stop.wait(STALL_SECONDS):
            if self.done - last < STALL_BYTES:
                self.stalled = True
                if self.sock is not None:
                    with contextlib.suppress(OSError):
                        self.sock.shutdown(socket.SHUT_RDWR)
                return
            last = self.done


def _opener(watch: _Watch) -> urllib.request.OpenerDirector:
    """urllib's opener, with connections that hand their socket to the watchdog."""

    class Plain(http.client.HTTPConnection):
        def connect(self) -> None:
            super().connect()
            watch.sock = self.sock

    class Secure(http.client.HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            watch.sock = self.sock

    class PlainHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(Plain, req)

    class SecureHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(Secure, req, context=self._context)

    return urllib.request.build_opener(PlainHandler, SecureHandler)


def _transfer(url: str, part: Path, progress: Progress | None) -> None:
    """url's body into part: each read bounded by TIMEOUT, the whole by the stall rule and by
    MAX_BYTES; a malformed answer is a ValueError or an http.client.HTTPException."""
    watch = _Watch()
    guard = threading.Thread(target=watch.guard, name="linclf-fetch-guard", daemon=True)
    guard.start()
    try:
        with _opener(watch).open(url, timeout=TIMEOUT) as response, open(part, "wb") as out:
            declared = response.headers.get("Content-Length")
            total = int(declared) if declared else None
            if total is not None and not 0 < total <= MAX_BYTES:
                raise ValueError(f"it announces {total} bytes; the archive has {ARCHIVE_BYTES}")
            while block := response.read1(1 << 16):
                out.write(block)
                watch.done += len(block)
                if watch.done > MAX_BYTES:
                    raise ValueError(f"it sends more than {MAX_BYTES} bytes")
                if progress:
                    progress(watch.done, total)
            if total is not None and watch.done != total:
                raise ValueError(f"it sent {watch.done} of the {total} bytes it announced")
    except (OSError, ValueError, http.client.HTTPException):
        if watch.stalled:
            raise TimeoutError(
                f"stalled: less than {STALL_BYTES >> 10} KiB in {STALL_SECONDS:g} s"
            ) from None
        raise
    finally:
        watch.stop.set()


def download(
    dest_dir: str | os.PathLike = DATASETS,
    url: str = CIFAR_URL,
    md5: str = CIFAR_MD5,
    progress: Progress | None = None,
) -> Path:
    """Download the archive to dest_dir, verify its MD5, return its path.

    Bytes go to a '.part' file that becomes the archive only once complete and verified; a
    failed or interrupted download removes it, so a half archive never sits where a whole one
    is expected. A server that stalls, sends too much or answers garbage is a DataError.
    """
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / ARCHIVE_NAME
    part = target.with_name(target.name + ".part")
    try:
        _transfer(url, part, progress)
        got = md5sum(part)
        if got != md5:
            raise DataError(f"{url}: MD5 {got} does not match the expected {md5}; download removed")
        os.replace(part, target)
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as err:
        # The reason may quote the server: its control characters are shown escaped.
        reason = repr(str(getattr(err, "reason", None) or err))[1:-1][:200]
        raise DataError(
            f"cannot download {url} ({type(err).__name__}: {reason}); offline, "
            f"download it elsewhere and put {ARCHIVE_NAME} into {dest_dir}/"
        ) from None
    finally:
        part.unlink(missing_ok=True)
    return target


def fetch(
    data_dir: str | os.PathLike | None = None,
    progress: Progress | None = None,
    url: str = CIFAR_URL,
) -> Path:
    """Make data_dir (default: the usual place) hold the complete dataset: download and
    unpack as needed. Refuses, before downloading, a folder it could not unpack into."""
    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    if problem_to_fix(folder) is None:
        return folder
    if not (folder.parent / ARCHIVE_NAME).is_file():
        download(folder.parent, url=url, progress=progress)
    return locate(folder)
