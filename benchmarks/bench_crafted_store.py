"""linclf-tui on a run store written by someone else (issue 22, point 3), in a real pty.

    .venv/bin/python benchmarks/bench_crafted_store.py [--seconds 20]

1. Every crafted folder at once (tests/craftedstore.py with big=True: FIFOs and /dev/zero
   links in place of run.json, history.jsonl, heartbeat and weights.npz, an npz bomb, a
   heartbeat of 1e308, a 10^6-line history, a 1 GB history): the app on its Runs view, its
   peak RSS over --seconds (target < 300 MB), then `q`: the time until the process is gone
   (target < 1 s).
2. Following the 10^6-epoch run (`linclf-tui --follow`): the time from start until the first
   frame that shows its epoch count (target < 3 s), then `a` (the next curve metric) five
   times: the time until the curve's new title is on screen (target < 200 ms each).
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import craftedstore  # noqa: E402
from ptyharness import PtyApp  # noqa: E402

TUI = str(ROOT / ".venv" / "bin" / "linclf-tui")
SIZE = (120, 40)


def peak_rss(pid: int, seconds: float) -> float:
    """The highest RSS (MB) of pid and its children over seconds, sampled every 0.1 s."""
    process, peak = psutil.Process(pid), 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            rss = process.memory_info().rss + sum(
                c.memory_info().rss for c in process.children(recursive=True)
            )
        except psutil.Error:
            break
        peak = max(peak, rss)
        time.sleep(0.1)
    return peak / 2**20


def crafted(store: Path, seconds: float) -> None:
    with PtyApp([TUI, "--out", str(store)], size=SIZE) as app:
        started = time.monotonic()
        app.wait_for("Quit", timeout=60)
        print(f"first frame after {time.monotonic() - started:.2f} s")
        app.press("4")
        app.wait_for("runs under", timeout=60)
        print(f"runs view shown after {time.monotonic() - started:.2f} s")
        print(f"peak RSS over {seconds:g} s: {peak_rss(app.pid, seconds):.0f} MB (target < 300)")
        app.press("q", pause=0)
        outcome = app.wait_exit(time.monotonic(), timeout=30)
        print(f"q → exit: {outcome.seconds:.2f} s, exited={outcome.exited} (target < 1 s)")


def follow(run: Path) -> None:
    with PtyApp([TUI, "--follow", str(run)], size=SIZE) as app:
        started = time.monotonic()
        app.wait_for("Quit", timeout=60)
        print(f"first frame after {time.monotonic() - started:.2f} s")
        app.wait_for("1000000/", timeout=120)
        print(f"first frame with the 10^6 epochs: {time.monotonic() - started:.2f} s (target < 3)")
        rss = psutil.Process(app.pid).memory_info().rss / 2**20
        print(f"RSS while following: {rss:.0f} MB")
        titles = ["cost per epoch", "accuracy (%) per epoch", "loss per epoch"]
        for k in range(6):
            title = titles[k % 3]
            pressed = time.monotonic()
            app.press("a", pause=0)
            app.wait_for(title, timeout=30)
            print(f"a → '{title}': {(time.monotonic() - pressed) * 1000:.0f} ms (target < 200)")
        app.press("q", pause=0)
        outcome = app.wait_exit(time.monotonic(), timeout=30)
        print(f"q → exit: {outcome.seconds:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        built = time.monotonic()
        folders = craftedstore.build(store, big=True)
        print(f"built {len(folders)} crafted folders in {time.monotonic() - built:.0f} s")
        crafted(store, args.seconds)
        follow(folders["million"])


if __name__ == "__main__":
    main()
