"""Run a terminal program under a real pseudo-terminal, as sshd or tmux would, for tests.

`PtyApp` starts a command as the leader of a new session whose controlling terminal is the
slave side of a pty of a given size, keeps reading (and discarding, or feeding to a `pyte`
screen) everything it writes so it never blocks on a full pty buffer, types keys, and hangs
up the terminal the way a dropped SSH connection does: by closing the master side, so the
kernel sends SIGHUP (and SIGCONT) to the session leader and every later read or write on the
slave fails. `wait_exit` then says whether the program and every process of its session are
gone within a deadline, and if not, where each thread is stuck (py-spy, else /proc).
"""

from __future__ import annotations

import fcntl
import os
import select
import shutil
import signal
import struct
import subprocess
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

try:  # only for screen text; without it wait_for searches the raw output
    import pyte
except ImportError:  # pragma: no cover - depends on the test environment
    pyte = None

KEYS = {
    "enter": b"\r",
    "escape": b"\x1b",
    "tab": b"\t",
    "backspace": b"\x7f",
    "up": b"\x1b[A",
    "down": b"\x1b[B",
    "right": b"\x1b[C",
    "left": b"\x1b[D",
    "space": b" ",
    "f5": b"\x1b[15~",
    "f6": b"\x1b[17~",
}


def key_bytes(key: str) -> bytes:
    """Bytes a terminal sends for a key name: a KEYS name, `ctrl+<letter>`, or literal text."""
    if key in KEYS:
        return KEYS[key]
    if key.startswith("ctrl+") and len(key) == 6:
        return bytes([ord(key[5].lower()) & 0x1F])
    return key.encode()


@dataclass
class Proc:
    """One process of the session, from /proc/<pid>/stat."""

    pid: int
    state: str
    comm: str
    cpu_seconds: float


def session_processes(sid: int) -> list[Proc]:
    """Every live (non-zombie) process whose session id is `sid`, read from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue  # it ended while we looked
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        # fields[0] is the state (field 3 of stat), [3] the session (field 6), [11] utime...
        if int(fields[3]) == sid and fields[0] not in "ZX":
            cpu = (int(fields[11]) + int(fields[12])) / ticks
            found.append(Proc(int(entry.name), fields[0], comm, cpu))
    return found


def thread_report(pid: int) -> str:
    """Where each thread of `pid` is: a py-spy dump (Python stacks) when py-spy is found
    (PY_SPY or PATH), and always each thread's name, state, kernel wait channel and CPU."""
    parts = []
    spy = os.environ.get("PY_SPY") or shutil.which("py-spy")
    if spy:
        done = subprocess.run(
            [spy, "dump", "--pid", str(pid)], capture_output=True, text=True, timeout=30
        )
        parts.append(done.stdout + done.stderr)
    for task in sorted(Path(f"/proc/{pid}/task").glob("*"), key=lambda p: int(p.name)):
        try:
            name = (task / "comm").read_text().strip()
            wchan = (task / "wchan").read_text().strip()
            stat = (task / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        parts.append(f"tid {task.name} {name!r} state {fields[0]} wchan {wchan} cpu {cpu:.2f}s")
    return "\n".join(parts)


@dataclass
class Outcome:
    """What happened after a hangup or a signal."""

    exited: bool  # the session leader ended within the deadline
    returncode: int | None  # as subprocess reports it: -N for "killed by signal N"
    seconds: float  # from the hangup (or signal) to the leader's end, or to the deadline
    leftovers: list[Proc] = field(default_factory=list)  # session processes still alive
    report: str = ""  # thread_report() of each process left in the session

    @property
    def clean(self) -> bool:
        return self.exited and not self.leftovers


class PtyApp:
    """A command under its own pty and session. Use as a context manager: on leaving, any
    process still in its session is killed (SIGKILL), so a failed test leaves no orphan."""

    def __init__(
        self,
        argv: list[str],
        *,
        size: tuple[int, int] = (100, 30),
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike | None = None,
    ):
        self.argv, self.size, self.cwd = argv, size, cwd
        base = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        self.env = {**base, "TERM": "xterm-256color", **(env or {})}
        self.master: int | None = None
        self.proc: subprocess.Popen | None = None
        self.output = bytearray()  # everything written, kept only up to OUTPUT_KEEP bytes
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._reader: threading.Thread | None = None
        cols, rows = size
        self._screen = pyte.Screen(cols, rows) if pyte else None
        self._stream = pyte.ByteStream(self._screen) if pyte else None

    OUTPUT_KEEP = 1 << 20

    def start(self) -> PtyApp:
        master, slave = os.openpty()
        self._set_size(slave, *self.size)
        # The child starts a new session, then makes the slave (its stdin) its controlling
        # terminal: only then does closing the master send it SIGHUP, as sshd's does.
        self.proc = subprocess.Popen(
            self.argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),  # noqa: PLW1509
        )
        os.close(slave)
        self.master = master
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @staticmethod
    def _set_size(fd: int, cols: int, rows: int) -> None:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def _read(self) -> None:
        # select with a timeout, never a blocking read: a read in progress keeps the master
        # open in the kernel, so hangup() could not close it until the app wrote again.
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: every slave fd is closed (the app ended)
                return
            if not data:
                return
            with self._lock:
                self.output += data
                del self.output[: max(0, len(self.output) - self.OUTPUT_KEEP)]
                if self._stream is not None:
                    self._stream.feed(data)

    def screen_text(self) -> str:
        """The screen as lines of text (pyte), or the recent raw output without pyte."""
        with self._lock:
            if self._screen is not None:
                return "\n".join(self._screen.display)
            return self.output[-65536:].decode(errors="replace")

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        """Wait until `text` is on the screen; return the screen. TimeoutError shows it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen_text()
            if text in screen:
                return screen
            if self.proc is not None and self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise TimeoutError(f"{text!r} not on screen after {timeout} s:\n{self.screen_text()}")

    def press(self, *keys: str, pause: float = 0.05) -> None:
        for key in keys:
            os.write(self.master, key_bytes(key))
            time.sleep(pause)

    def resize(self, cols: int, rows: int) -> None:
        """New window size; the kernel sends SIGWINCH to the foreground process group."""
        self._set_size(self.master, cols, rows)
        with self._lock:
            if self._screen is not None:
                self._screen.resize(rows, cols)

    def hangup(self) -> float:
        """Close the master side, as a dropped SSH connection does. Returns monotonic time."""
        self._stop.set()
        if self._reader is not None:
            self._reader.join()
        if self.master is not None:
            os.close(self.master)
            self.master = None
        return time.monotonic()

    def send_signal(self, signum: int) -> float:
        self.proc.send_signal(signum)
        return time.monotonic()

    def wait_exit(self, since: float, timeout: float = 10.0) -> Outcome:
        """Wait until the leader ends, at most `timeout` s after `since`; then list the
        session's surviving processes; the stacks of each go in the report."""
        deadline = since + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            time.sleep(0.02)
        code = self.proc.poll()
        seconds = time.monotonic() - since
        time.sleep(0.1)  # let a child that ends with its parent go first
        leftovers = session_processes(self.pid)
        report = "\n".join(thread_report(proc.pid) for proc in leftovers)
        return Outcome(code is not None, code, seconds, leftovers, report)

    def kill_session(self) -> None:
        for proc in session_processes(self.pid) if self.proc else []:
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def __enter__(self) -> PtyApp:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.kill_session()
        if self.master is not None:
            self.hangup()


def kill_processes_mentioning(text: str) -> list[int]:
    """SIGKILL every process (but this one) whose command line contains text, such as a test's
    tmp_path: the `linclf train` runs an app started, which live in sessions of their own."""
    import psutil

    killed = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or ())
        if proc.info["pid"] != os.getpid() and text in cmdline:
            try:
                proc.kill()
                killed.append(proc.info["pid"])
            except psutil.Error:
                pass
    return killed


@pytest.fixture
def no_stray_runs(tmp_path: Path):
    """Import into a test module and use: after the test, no process started with tmp_path in
    its arguments is left (the runs a TUI launched outlive it, in sessions of their own)."""
    yield
    kill_processes_mentioning(str(tmp_path))
