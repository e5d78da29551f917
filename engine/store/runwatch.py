"""Watching a tree of run folders live, by polling.

Polling, not file-system events: a lab's shared drive is NFS, where a reader gets no inotify
event for what another host writes. Each poll costs little: a folder is re-read only where a
file's signature (inode, size, modification time) changed, history.jsonl is read from where
the last poll stopped (engine/store/historytail.py, which also bounds what is held of it), and a
folder's list of sub-folders only when its own time changed.
"""

from __future__ import annotations

import math
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from linclf.engine import status as st
from linclf.engine.records import EpochStats
from linclf.engine.store import runread
from linclf.engine.store.historytail import HistoryTail

MARKERS = ("run.json", "history.jsonl")  # a folder holding either is a run folder
MAX_DEPTH = 6  # out/search/runs/<run> is depth 3; deeper trees are not run stores
# Folders looked at per scan, so a mistaken --out cannot hang the reader; the Runs view says
# how many it left out.
MAX_FOLDERS = 5000
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
    history: tuple[EpochStats, ...]  # the newest epochs, and older ones thinned (historytail)
    state: str
    beat: float | None
    weights: tuple | None  # signature of weights.npz: changes when the file is replaced
    version: int
    epochs: int = 0  # epochs recorded, all of them (history may hold fewer)
    elapsed: float = 0.0  # their summed seconds

    @property
    def live(self) -> bool:
        return self.state in LIVE


class RunFolder:
    """The reader's memory of one run folder between polls."""

    def __init__(self, path: Path, group: str):
        self.path, self.group = path, group
        self._sigs: dict[str, tuple | None] = {}
        self.tail = HistoryTail(path / "history.jsonl")
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
            rows = runread.read_history(self.path)
            if not rows:
                old = runread.read_json(self.path / "run.json")
                listed = old.get("history") if isinstance(old, dict) else None
                stats = map(runread.stats_from, listed if isinstance(listed, list) else [])
                rows = [s for s in stats if s is not None]
            self.tail.reset(None)
            self.tail.add(rows)
            return
        # A line still being written waits for the next poll, unless the run has ended.
        if self.tail.read(sig[1], sig[0], self.info.status in st.FINAL):
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
        history = old.history if old and not history_changed else self.tail.rows()
        version = old.version + 1 if old else 0
        self.snap = RunSnap(
            self.path,
            self.group,
            self.info,
            history,
            state,
            beat,
            weights,
            version,
            self.tail.count,
            self.tail.seconds,
        )
        return True


def list_folder(folder: Path) -> tuple[list[Path], bool]:
    """A folder's subfolders, sorted, and whether it is a run folder (it holds one of
    MARKERS). Hidden folders and symbolic links to folders are left out (a link could loop);
    an unreadable folder has none."""
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
    return sorted(children), is_run


class Discovery:
    """Finds run folders under a root, listing a folder again only when its time changed."""

    def __init__(self, root: Path):
        self.root = root
        self._listed: dict[Path, tuple[int, list[Path], bool]] = {}
        self.left_out = 0

    def scan(self) -> list[Path]:
        """The run folders found, newest names first; left_out counts the folders not looked
        at once MAX_FOLDERS were (at least that many: their sub-folders are not counted)."""
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
                cached = (mtime, *list_folder(folder))
                self._listed[folder] = cached
            _, children, is_run = cached
            if is_run:
                runs.append(folder)
            elif depth < MAX_DEPTH:
                stack.extend((child, depth + 1) for child in children)
        self.left_out = len(stack)
        return runs


class RunStore:
    """Every run under root (and the followed folder, also outside it), polled.

    poll() re-reads the followed run each time; with full=True it also looks for new runs
    and re-reads every run that is still live (finished runs are only re-checked every
    FINISHED_EVERY full polls: nothing writes them any more). The store is used by one thread:
    which run is followed is an argument of each poll, never state another thread changes."""

    FINISHED_EVERY = 10

    def __init__(self, root: Path):
        self.root = Path(root)
        self.discovery = Discovery(self.root)
        self.folders: dict[Path, RunFolder] = {}
        self.host = socket.gethostname()
        self._full_polls = 0

    def _folder(self, path: Path) -> RunFolder:
        if path not in self.folders:
            self.folders[path] = RunFolder(path, group_of(path, self.root))
        return self.folders[path]

    def poll(self, now: float, full: bool = True, followed: Path | None = None) -> bool:
        """Bring the store up to date; True when any run changed, appeared or went away."""
        changed = False
        if full:
            self._full_polls += 1
            found = set(self.discovery.scan()) if self.root.is_dir() else set()
            if self.discovery.left_out:  # a live run the scan did not reach stays
                found |= {
                    path
                    for path, folder in self.folders.items()
                    if folder.snap and folder.snap.live and signature(path) is not None
                }
            if followed is not None and signature(followed) is not None:
                found.add(followed)
            for gone in set(self.folders) - found:
                del self.folders[gone]
                changed = True
            recheck = self._full_polls % self.FINISHED_EVERY == 0
            for path in found:
                folder = self._folder(path)
                if folder.snap is None or folder.snap.live or recheck:
                    changed |= folder.poll(now, self.host)
        elif followed is not None and followed in self.folders:
            changed |= self.folders[followed].poll(now, self.host)
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
    return sum(seconds) / len(seconds) * max(0, n_epochs - snap.epochs)
