"""A run store written by someone else (issue 22, point 3): FIFOs and links to /dev/zero in
place of every file, an npz bomb, a heartbeat from the future, long histories. The watcher
reads each without blocking and with bounded memory, and never keeps the app from exiting.

The store is read in a child process with an address-space limit and a timeout, so that a
reader that blocks or reads /dev/zero forever fails the test instead of the machine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import craftedstore
import pytest
from runstore import fixed_history, write_run

from linclf.engine import status as st
from linclf.engine.store import historytail, runwatch
from linclf.engine.store.runread import MAX_FILE_BYTES

TESTS = Path(__file__).resolve().parent

READER = """
import json, resource, sys, time
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from linclf.tui.watch import Watcher
root, followed = Path(sys.argv[1]), Path(sys.argv[2])
watcher = Watcher(root)
watcher.follow(followed)
snapshot = watcher.poll(True, time.time())
watcher.poll(True, time.time())
print(json.dumps({
    "states": {p.name: s.state for p, s in snapshot.runs.items()},
    "caption": snapshot.weights.caption,
    # VmHWM: this process's peak (ru_maxrss may report the forking parent's)
    "rss_kb": next(int(line.split()[1]) for line in open("/proc/self/status")
                   if line.startswith("VmHWM")),
}))
"""


def read_in_child(script: str, *args: str, timeout: float = 120) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=TESTS,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_every_crafted_folder_at_once_neither_blocks_nor_bloats_the_watcher(tmp_path):
    folders = craftedstore.build(tmp_path)
    seen = read_in_child(READER, str(tmp_path), str(folders["bomb"]))
    assert seen["states"]["genuine"] == st.RUNNING
    assert set(seen["states"]) == {path.name for path in folders.values()}  # none missing
    assert "weights.npz cannot be read" in seen["caption"]
    assert "too large" in seen["caption"]
    assert seen["states"]["future-beat"] == st.DEAD  # its writer is gone: 1e308 proves nothing
    assert seen["rss_kb"] < 300 << 10  # the whole app's target; the watcher needs ~50 MB


def test_a_fifo_or_device_in_place_of_a_weights_file_is_a_caption(tmp_path):
    folders = craftedstore.build(tmp_path)
    for name in ("fifo-weights.npz", "zero-weights.npz"):
        seen = read_in_child(READER, str(tmp_path), str(folders[name]), timeout=60)
        assert "not a regular file" in seen["caption"], seen


def test_a_long_history_is_held_bounded_and_still_spans_the_run(tmp_path):
    folder = write_run(tmp_path / "long", None, "running")
    (folder / "history.jsonl").unlink()
    craftedstore.long_history(folder / "history.jsonl", 60_000)
    reader = runwatch.RunFolder(folder, "")
    while (
        reader.poll(0.0, "elsewhere")
        and reader.tail.offset < (folder / "history.jsonl").stat().st_size
    ):
        pass
    snap = reader.snap
    limit = 2 * historytail.KEEP_ROWS + historytail.SAMPLES
    assert snap.epochs == 60_000 and len(snap.history) <= limit
    assert snap.history[0].epoch < 100 and snap.history[-1].epoch == 60_000
    epochs = [s.epoch for s in snap.history]
    assert epochs == sorted(epochs)
    assert snap.elapsed == pytest.approx(60_000 * 0.5)
    with open(folder / "history.jsonl", "a") as handle:  # the run goes on
        for stats in fixed_history(1) * 15_000:
            handle.write(json.dumps(stats.to_dict()) + "\n")
    reader.poll(0.0, "elsewhere")
    assert reader.snap.epochs == 75_000 and len(reader.snap.history) <= limit


def test_a_history_far_beyond_the_chunk_is_read_from_its_tail(tmp_path):
    folder = write_run(tmp_path / "long", None, "completed")
    (folder / "history.jsonl").unlink()
    craftedstore.long_history(folder / "history.jsonl", 100_000)
    reader = runwatch.RunFolder(folder, "")
    reader.poll(0.0, "elsewhere")  # one poll: the newest epochs, and samples of the rest
    snap = reader.snap
    assert snap.history[-1].epoch == 100_000 and snap.epochs == 100_000
    assert snap.history[0].epoch == 1 and len(snap.history) <= historytail.SAMPLES_FIRST + (
        historytail.TAIL_BYTES // 100
    )


def test_a_gigabyte_without_line_breaks_is_read_a_chunk_per_poll(tmp_path):
    folder = write_run(tmp_path / "big", None, "running")
    with open(folder / "history.jsonl", "wb") as handle:
        handle.truncate(MAX_FILE_BYTES * 16)  # sparse: no disk used
    reader = runwatch.RunFolder(folder, "")
    reader.poll(0.0, "elsewhere")
    assert reader.snap.history == () and reader.snap.epochs == 0
    assert reader.tail.offset > MAX_FILE_BYTES * 15  # read from the tail, not from the start
    with open(folder / "history.jsonl", "a") as handle:  # then a real epoch arrives
        handle.write("\n" + json.dumps(fixed_history(7)[-1].to_dict()) + "\n")
    for _ in range(3):
        reader.poll(0.0, "elsewhere")
    assert [s.epoch for s in reader.snap.history] == [7]


HUNG_APP = """
import asyncio, sys, threading
from pathlib import Path
from linclf.tui.app import LinclfApp
from linclf.tui.watch import Watcher

def hang(self, full, now):
    threading.Event().wait()  # a read that never returns (a dead NFS server)

Watcher.poll = hang

async def main():
    app = LinclfApp(out=Path(sys.argv[1]), view="runs")
    async with app.run_test() as pilot:
        await pilot.pause(0.5)
        await pilot.press("q")
    print("exited")

asyncio.run(main())
"""


@pytest.mark.timeout(120)
def test_q_exits_while_a_read_hangs(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", HUNG_APP, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=TESTS,
    )
    assert done.returncode == 0 and "exited" in done.stdout, done.stderr[-2000:]
