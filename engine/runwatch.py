"""Watching a tree of run folders live, by polling.

Polling, not file-system events: a lab's shared drive is NFS, where a reader gets no inotify
event for what another host writes. Each poll costs little: a folder is re-read only where a
file's signature (inode, size, modification time) changed, history.jsonl is read from where
the last poll stopped, and a folder's list of sub-folders only when its own time changed.
"""

from __future__ import annotations

import math
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from linclf.engine import runread
from linclf.engine import status as st
from linclf.engine.records import EpochStats

MARKERS = ("run.json", "history.jsonl")  # a folder holding either is a run folder
MAX_DEPTH = 6  # out/search/runs/<run> is depth 3; deeper trees are not run stores
MAX_FOLDERS = 5000  # folders looked at per scan, so a mistaken --out cannot hang the reader
CHUNK = 8 << 20  # history bytes read per poll (a huge history arrives over several polls)
LIVE = frozenset({st.PENDING, st.RUNNING, st.STALLED})


def signature(path: Path) -> tuple | None:
    try:
        s = path.stat()
    except OSError:
        return None
    return (s.st_ino, s.st_size, s.st_mtime_ns)


def group_of(run_dir: Path, root: Path) -> str:
    """The search or report a run belongs to (trials live in <folder>/runs/), relative to
    root; "" for a run directly under root."""
    parent = run_dir.parent.parent if run_dir.parent.name == "runs" else run_dir.parent
    try:
        name = parent.relative_to(root).as_posix()
    except ValueError:
        return parent.as_posix()
    return "" if name == "." else name


@dataclass(frozen=True)
class RunSnap:
    """One run folder as last read; a new object whenever anything in it changed."""

    path: Path
    group: str
    info: runread.RunInfo
    history: tuple[EpochStats, ...]
    state: str
    beat: float | None
    weights: tuple | None  # signature of weights.npz: changes when the file is replaced
    version: int

    @property
    def live(self) -> bool:
        return self.state in LIVE


class RunFolder:
    """The reader's memory of one run folder between polls."""

    def __init__(self, path: Path, group: str):
        self.path, self.group = path, group
        self._sigs: dict[str, tuple | None] = {}
        self._offset, self._inode = 0, None
        self._rows: list[EpochStats] = []
        self.info = runread.RunInfo()
        self.snap: RunSnap | None = None

    def _changed(self, name: str) -> bool:
        sig = signature(self.path / name)
        if self._sigs.get(name, ()) == sig:
            return False
        self._sigs[name] = sig
        return True

    def _read_history(self) -> None:
        sig = self._sigs.get("history.jsonl")
        if sig is None:  # format 1: the history was a JSON list, written at the end
            self._rows = runread.read_history(self.path)
            if not self._rows:
                old = runread.read_json(self.path / "run.json")
                rows = old.get("history") if isinstance(old, dict) else None
                stats = map(runread.stats_from, rows if isinstance(rows, list) else [])
                self._rows = [s for s in stats if s is not None]
            return
        inode, size = sig[0], sig[1]
        if inode != self._inode or size < self._offset:  # replaced or truncated: start over
            self._inode, self._offset, self._rows = inode, 0, []
        start = self._offset
        try:
            with open(self.path / "history.jsonl", "rb") as handle:
                handle.seek(start)
                data = handle.read(min(size - start, CHUNK))
        except OSError:
            return
        # A line still being written waits for the next poll, unless the run has ended.
        ended = self.info.status in st.FINAL and start + len(data) == size
        whole = data if ended else data[: data.rfind(b"\n") + 1]
        self._offset = start + len(whole)
        self._rows.extend(runread.parse_lines(whole))
        if start + len(data) < size:
            self._sigs["history.jsonl"] = ()  # more than one chunk: read on at the next poll

    def poll(self, now: float, host: str) -> bool:
        """Re-read what changed and judge the state again; True when the snapshot changed."""
        info_changed = self._changed("run.json")
        if info_changed:
            self.info = runread.run_info(runread.read_json(self.path / "run.json"))
        history_changed = self._changed("history.jsonl") or (
            info_changed and self._sigs.get("history.jsonl") is None
        )
        if history_changed:
            self._read_history()
        weights = signature(self.path / "weights.npz")
        beat = runread.read_beat(self.path) if self.info.status not in st.FINAL else None
        state = runread.judge(self.info, beat, now, host)
        old = self.snap
        if (
            old is not None
            and not (info_changed or history_changed)
            and (state, weights) == (old.state, old.weights)
        ):
            return False
        history = old.history if old and not history_changed else tuple(self._rows)
        version = old.version + 1 if old else 0
        self.snap = RunSnap(
            self.path, self.group, self.info, history, state, beat, weights, version
        )
        return True


class Discovery:
    """Finds run folders under a root, listing a folder again only when its time changed."""

    def __init__(self, root: Path):
        self.root = root
        self._listed: dict[Path, tuple[int, list[Path], bool]] = {}

    def scan(self) -> list[Path]:
        runs, stack, seen = [], [(self.root, 0)], 0
        while stack and seen < MAX_FOLDERS:
            folder, depth = stack.pop()
            seen += 1
            cached = self._listed.get(folder)
            if cached is not None and cached[2]:
                runs.append(folder)  # a known run folder: its parent's time tells if it goes
                continue
            try:
                mtime = folder.stat().st_mtime_ns
            except OSError:
                self._listed.pop(folder, None)
                continue
            if cached is None or cached[0] != mtime:
                cached = (mtime, *self._list(folder))
                self._listed[folder] = cached
            _, children, is_run = cached
            if is_run:
                runs.append(folder)
            elif depth < MAX_DEPTH:
                stack.extend((child, depth + 1) for child in children)
        return runs

    @staticmethod
    def _list(folder: Path) -> tuple[list[Path], bool]:
        children, is_run = [], False
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name in MARKERS:
                        is_run = True
                    elif not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False):
                        children.append(Path(entry.path))
        except OSError:
            pass
        return sorted(children, reverse=True), is_run


class RunStore:
    """Every run under root (and any followed folder outside it), polled.

    poll() re-reads the followed run each time; with full=True it also looks for new runs
    and re-reads every run that is still live (finished runs are only re-checked every
    FINISHED_EVERY full polls: nothing writes them any more)."""

    FINISHED_EVERY = 10

    def __init__(self, root: Path):
        self.root = Path(root)
        self.discovery = Discovery(self.root)
        self.folders: dict[Path, RunFolder] = {}
        self.followed: Path | None = None
        self.host = socket.gethostname()
        self._full_polls = 0

    def follow(self, path: Path | None) -> None:
        self.followed = Path(path) if path is not None else None

    def _folder(self, path: Path) -> RunFolder:
        if path not in self.folders:
            self.folders[path] = RunFolder(path, group_of(path, self.root))
        return self.folders[path]

    def poll(self, now: float, full: bool = True) -> bool:
        """Bring the store up to date; True when any run changed, appeared or went away."""
        changed = False
        if full:
            self._full_polls += 1
            found = set(self.discovery.scan()) if self.root.is_dir() else set()
            if self.followed is not None and signature(self.followed) is not None:
                found.add(self.followed)
            for gone in set(self.folders) - found:
                del self.folders[gone]
                changed = True
            recheck = self._full_polls % self.FINISHED_EVERY == 0
            for path in found:
                folder = self._folder(path)
                if folder.snap is None or folder.snap.live or recheck:
                    changed |= folder.poll(now, self.host)
        elif self.followed is not None and self.followed in self.folders:
            changed |= self.folders[self.followed].poll(now, self.host)
        return changed

    def snaps(self) -> dict[Path, RunSnap]:
        return {path: f.snap for path, f in self.folders.items() if f.snap is not None}


def eta_seconds(snap: RunSnap) -> float | None:
    """Time left for a live run, from its own epoch durations; None once it has ended."""
    n_epochs = runread.whole(snap.info.config.get("n_epochs"))
    seconds = [s.seconds for s in snap.history if s.seconds is not None]
    seconds = [s for s in seconds if math.isfinite(s)]
    if not snap.live or not seconds or n_epochs is None:
        return None
    return sum(seconds) / len(seconds) * max(0, n_epochs - len(snap.history))
