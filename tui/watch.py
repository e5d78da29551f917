"""The app's eyes on the run store: a thread polls the run folders (engine/runwatch.py) and
posts the whole picture to the app when anything in it changed (memray's live TUI pulls a
snapshot at an interval in the same way). The app's own run is watched like any other."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from linclf.engine.runread import MAX_FILE_BYTES
from linclf.engine.runwatch import RunSnap, RunStore
from linclf.engine.searchread import SearchWatch
from linclf.engine.text import printable
from linclf.tui.messages import StoreChanged, Weights
from linclf.tui.system import ProcessSampler

INTERVAL = 0.5  # the followed run is re-read this often: an epoch shows within ~0.6 s
FULL_EVERY = 2  # every 2nd poll (each second) the whole tree: new runs, live runs, searches


def read_weights(snap: RunSnap | None) -> Weights:
    """The followed run's W, or a caption saying why there is none to draw."""
    if snap is None:
        return Weights((None,), None, "Follow a run (Runs view, enter) to see its templates.")
    key = (snap.path, snap.weights)
    name = printable(snap.path.name)
    if snap.weights is None:
        return Weights(key, None, f"{name}: no weights.npz yet (written every few seconds)")
    path = snap.path / "weights.npz"
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValueError("file too large")
        with np.load(path, allow_pickle=False) as saved:
            W = np.asarray(saved["W"], dtype=np.float64)
            epoch = saved["epoch"].item() if "epoch" in saved else None
    except Exception as err:  # noqa: BLE001 - any unreadable file is a caption, not a crash
        return Weights(key, None, f"{name}: weights.npz cannot be read ({type(err).__name__})")
    if W.ndim != 2 or W.shape[1] != 3072 or not 1 <= W.shape[0] <= 10:
        return Weights(key, None, f"{name}: W has shape {W.shape}, not 10×3072")
    caption = f"{name} · weights of epoch {epoch}" if epoch is not None else name
    if not np.isfinite(W).all():
        caption += " · W holds NaN/inf (drawn as 0)"
    return Weights(key, W, caption)


class Watcher:
    """Polls a RunStore rooted at the app's --out; follow() chooses the run watched closely."""

    def __init__(self, root: Path):
        self.store = RunStore(root)
        self.searches = SearchWatch()
        self.sampler = ProcessSampler()
        self.wake = threading.Event()
        self.stopped = threading.Event()
        self._last: tuple = ()

    def follow(self, path: Path | None) -> None:
        self.store.follow(path)
        self.wake.set()

    def stop(self) -> None:
        self.stopped.set()
        self.wake.set()

    def _folders(self, snaps: dict[Path, RunSnap]) -> dict[str, Path]:
        root = self.store.root
        groups = {snap.group for snap in snaps.values()}
        return {g: (Path(g) if Path(g).is_absolute() else root / g) for g in groups}

    def _system(self, followed: RunSnap | None, searches: dict) -> dict[str, str]:
        system = {}
        if followed is not None:
            system["host"] = self.sampler.host_line()
            info = followed.info
            if followed.live:
                system["run"] = "writer " + self.sampler.usage(info.pid, info.host)
            else:
                gone = "gone" if followed.state == "dead" else "ended"
                system["run"] = f"writer pid {info.pid} on {info.host}: {gone}"
        for group, items in searches.items():
            live = [s for s in items if s.state == "running"]
            if live:
                system[f"group:{group}"] = "search " + self.sampler.usage(
                    live[0].pid, live[0].host, with_children=True
                )
        return {key: printable(line) for key, line in system.items()}  # hosts come from files

    def poll(self, full: bool, now: float) -> StoreChanged | None:
        """One look at the store; the snapshot to post, or None when nothing changed."""
        if not full and self.store.followed is None:
            return None
        changed = self.store.poll(now, full)
        snaps = self.store.snaps()
        followed = snaps.get(self.store.followed) if self.store.followed else None
        weights = self._last[2] if self._last else None
        if weights is None or weights.key != (
            (followed.path, followed.weights) if followed else (None,)
        ):
            weights = read_weights(followed)
            changed = True
        searches, system = (self._last[3], self._last[4]) if self._last else ({}, {})
        if full:
            new = self.searches.poll(
                self._folders(snaps), list(snaps.values()), now, self.store.host
            )
            system_now = self._system(followed, new)
            changed |= new != searches or system_now != system
            searches, system = new, system_now
        if not changed and self._last and self._last[1] is followed:
            return None
        self._last = (snaps, followed, weights, searches, system)
        return StoreChanged(snaps, searches, followed, weights, system)

    def run(self, post: Callable[[StoreChanged], object], cancelled: Callable[[], bool]) -> None:
        """Poll until cancelled; a follow() wakes the loop for an immediate full poll."""
        tick = 0
        while not (cancelled() or self.stopped.is_set()):
            woken = self.wake.is_set()
            self.wake.clear()
            snapshot = self.poll(tick % FULL_EVERY == 0 or woken, time.time())
            if snapshot is not None and not cancelled():
                post(snapshot)
            tick += 1
            self.wake.wait(INTERVAL)
