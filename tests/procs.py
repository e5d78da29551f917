"""`linclf` in a real subprocess, marked: every process it starts (pool workers, the plot
process, Python's resource tracker) inherits an environment variable with a unique value, so
the test can tell afterwards whether any of them outlived the command."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
MARK = "LINCLF_TEST_MARK"


class Command:
    """A running `python -m linclf ARGS`; its output lines are collected as they come."""

    def __init__(self, args: list[str]):
        self.mark = uuid.uuid4().hex
        self.process = subprocess.Popen(
            [sys.executable, "-m", "linclf", *map(str, args)],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", MARK: self.mark},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [
            threading.Thread(target=lines.extend, args=(stream,), daemon=True)
            for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err))
        ]
        for reader in self._readers:
            reader.start()

    @property
    def stderr(self) -> str:
        return "".join(self.err)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        """Until a line of stdout or stderr contains text (AssertionError after timeout)."""
        end = time.monotonic() + timeout
        while not any(text in line for line in self.out + self.err):
            assert self.process.poll() is None, f"ended before {text!r}: {self.stderr}"
            assert time.monotonic() < end, f"no {text!r} within {timeout} s: {self.out}"
            time.sleep(0.05)

    def send(self, signum: int) -> float:
        """Send signum; the time it was sent."""
        self.process.send_signal(signum)
        return time.monotonic()

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if still running after timeout (then it is killed); the
        output read to its end (or as far as a child that still holds it lets it be)."""
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        for reader in self._readers:
            reader.join(5)
        return code

    def kill(self) -> None:
        """End the command and everything it marked (a test that failed must not leak)."""
        for process in [*marked(self.mark)]:
            try:
                process.kill()
            except psutil.Error:
                pass
        self.process.wait()

    def survivors(self, settle: float = 5.0) -> list[str]:
        """The marked processes still there settle seconds after the command ended."""
        end = time.monotonic() + settle
        while (left := marked(self.mark)) and time.monotonic() < end:
            time.sleep(0.1)
        return [" ".join(p.cmdline())[:120] for p in left if _alive(p)]

    def __enter__(self) -> Command:
        return self

    def __exit__(self, *exc) -> None:
        self.kill()


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def marked(mark: str) -> list[psutil.Process]:
    """Live processes whose environment holds MARK=mark."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(MARK) == mark and _alive(process):
                found.append(process)
        except psutil.Error:
            continue
    return found
