"""The app's eyes on the run store: a thread polls the run folders (engine/store/runwatch.py) and
posts the whole picture to the app when anything in it changed (memray's live TUI pulls a
snapshot at an interval in the same way). The app's own run is watched like any other."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from textual.message import Message

from linclf.engine.store.npzread import BadWeights, read_npz
from linclf.engine.store.runwatch import RunSnap, RunStore
from linclf.engine.store.searchread import SearchWatch
from linclf.engine.text import printable
from linclf.tui.messages import StoreChanged, WatchFailed, Weights
from linclf.tui.system import ProcessSampler

INTERVAL = 0.5  # the followed run is re-read this often: an epoch shows within ~0.6 s
FULL_EVERY = 2  # every 2nd poll (each second) the whole tree: new runs, live runs, searches
STUCK_SECONDS = 5.0  # a poll this long is shown as stuck (a file system that hangs)


def read_weights(snap: RunSnap | None) -> Weights:
    """The followed run's W, or a caption saying why there is none to draw."""
    if snap is None:
        return Weights((None,), None, "Follow a run (Runs view, enter) to see its templates.")
    key = (snap.path, snap.weights)
    name = printable(snap.path.name)
    if snap.weights is None:
        return Weights(key, None, f"{name}: no weights.npz yet (written every few seconds)")
    try:
        saved = read_npz(snap.path / "weights.npz", ("W", "epoch"))
        W = np.asarray(saved["W"], dtype=np.float64)
        stamp = saved.get("epoch")
        epoch = stamp.item() if stamp is not None and stamp.size == 1 else None
    except (OSError, BadWeights, KeyError, ValueError, TypeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else err
        return Weights(key, None, f"{name}: weights.npz cannot be read ({reason})")
    if W.ndim != 2 or W.shape[1] != 3072 or not 1 <= W.shape[0] <= 10:
        return Weights(key, None, f"{name}: W has shape {W.shape}, not 10×3072")
    caption = f"{name} · weights of epoch {epoch}" if epoch is not None else name
    if not np.isfinite(W).all():
        caption += " · W holds NaN/inf (drawn as 0)"
    return Weights(key, W, caption)


class Watcher:
    """Polls a RunStore rooted at the app's --out in a thread of its own; follow() chooses the
    run watched closely.

    The thread contract: the app's thread only sets `requested` (one assignment) and the
    events; the polling thread reads `requested` once per poll and owns everything else. The
    thread is a daemon that nobody joins, so a read that hangs all the same (a dead NFS server)
    cannot keep the app from exiting. An exception in a poll is reported through `failed`
    (the app shows it) and the polling goes on."""

    def __init__(self, root: Path):
        self.store = RunStore(root)
        self.searches = SearchWatch()
        self.sampler = ProcessSampler()
        self.wake = threading.Event()
        self.stopped = threading.Event()
        self.requested: Path | None = None
        self._last: StoreChanged | None = None
        self._thread: threading.Thread | None = None
        self._busy_since: float | None = None  # monotonic start of the poll under way
        self._told_stuck = False  # the hang under way was shown

    def stuck_for(self) -> float:
        """Seconds the poll under way has taken so far (0 between polls)."""
        since = self._busy_since
        return time.monotonic() - since if since is not None else 0.0

    def stuck_notice(self) -> str | None:
        """A poll that hangs (a dead NFS server), said once per hang: what to tell the user,
        or None (the app asks every second)."""
        stuck = self.stuck_for() >= STUCK_SECONDS
        told, self._told_stuck = self._told_stuck, stuck
        if stuck and not told:
            root = self.store.root
            return f"{root} has not answered for {STUCK_SECONDS:g} s: shown as last read"
        return None

    def follow(self, path: Path | None) -> None:
        self.requested = path
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
        path = self.requested  # read once: the app's thread may set it at any moment
        if not full and path is None:
            return None
        last = self._last
        changed = self.store.poll(now, full, path)
        snaps = self.store.snaps()
        followed = snaps.get(path) if path is not None else None
        weights = last.weights if last else None
        if weights is None or weights.key != (
            (followed.path, followed.weights) if followed else (None,)
        ):
            weights = read_weights(followed)
            changed = True
        searches, system = (last.searches, last.system) if last else ({}, {})
        if full:
            new = self.searches.poll(
                self._folders(snaps), list(snaps.values()), now, self.store.host
            )
            system_now = self._system(followed, new)
            changed |= new != searches or system_now != system
            searches, system = new, system_now
        left_out = self.store.discovery.left_out
        if not changed and last and last.followed is followed and last.left_out == left_out:
            return None
        self._last = StoreChanged(snaps, searches, followed, weights, system, left_out)
        return self._last

    def start(self, post: Callable[[Message], object]) -> None:
        """Poll in a daemon thread until stop()."""
        self._thread = threading.Thread(
            target=self.run, args=(post,), name="linclf-watch", daemon=True
        )
        self._thread.start()

    def run(self, post: Callable[[Message], object]) -> None:
        """Poll until stopped; a follow() wakes the loop for an immediate full poll."""
        tick, reported = 0, None
        while not self.stopped.is_set():
            woken = self.wake.is_set()
            self.wake.clear()
            self._busy_since = time.monotonic()
            try:
                snapshot = self.poll(tick % FULL_EVERY == 0 or woken, time.time())
                reported = None
            except Exception as err:  # noqa: BLE001 - shown by the app; the next poll may do
                snapshot = None
                message = f"watching {self.store.root} failed: {type(err).__name__}: {err}"
                if message != reported:
                    post(WatchFailed(message[:300]))
                    reported = message
            self._busy_since = None
            if snapshot is not None and not self.stopped.is_set():
                post(snapshot)
            tick += 1
            self.wake.wait(INTERVAL)
