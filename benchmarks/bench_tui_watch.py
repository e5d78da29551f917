"""The TUI as a watcher of runs it did not start.

    .venv/bin/python benchmarks/bench_tui_watch.py [--data-dir DIR] [--epochs 10] [--runs 200]

1. --follow latency: a headless `linclf train --split all` in a subprocess; the app follows
   its folder (headless, run_test). For each epoch: the time from its line landing in
   history.jsonl (seen by a thread tailing the file every 2 ms) to its row being in the
   app's epoch table. Target ≤ 1 s.
2. Idle CPU: the real app (`linclf-tui --out DIR`, in a pseudo-terminal, real driver) on the
   Runs view of DIR with `--runs` run folders, of which a tenth are live (a helper process
   appends an epoch to each every second and beats their hearts every 2 s). CPU time of
   the app's process over 30 s, as % of one core. Target ≤ 5 %.
3. Key latency while watching those folders: view-switching keys posted as the driver does,
   time until the view has switched. Target ≤ 100 ms.
4. The Runs view's keys of issue 21 while watching them (e smoothing, y log y, / filter,
   escape, h hyper-parameter view, escape): time until each has taken effect. Target
   median ≤ 100 ms. Every figure is printed with the load average (the machine is shared).
"""

import argparse
import asyncio
import json
import os
import pty
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

WRITER = """
import json, sys, time
from pathlib import Path
from runstore import append_epochs, fixed_history
live = [Path(p) for p in sys.argv[1:]]
epoch = 0
while True:
    epoch += 1
    for folder in live:
        append_epochs(folder, fixed_history(epoch)[-1:])
        if epoch % 2 == 0:
            (folder / "heartbeat").write_text(f"{time.time()}\\n")
    time.sleep(1.0)
"""


def spread(values: list[float], unit: str = "ms", scale: float = 1000) -> str:
    values = sorted(values)
    median = statistics.median(values)
    return (
        f"n={len(values)} min {scale * values[0]:.0f} median {scale * median:.0f}"
        f" max {scale * values[-1]:.0f} {unit}"
    )


async def follow_latency(data_dir: str, epochs: int) -> list[float]:
    from linclf.tui.app import LinclfApp

    out = Path(tempfile.mkdtemp(prefix="linclf-bench-follow-"))
    args = ["train", "--split", "all", "--n-epochs", str(epochs), "--no-plots", "--out", str(out)]
    train = subprocess.Popen(
        [sys.executable, "-m", "linclf", *args, "--data-dir", data_dir],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    while not any(out.glob("*/run.json")):
        time.sleep(0.05)
    run = next(out.glob("*/run.json")).parent
    written: dict[int, float] = {}

    def tail() -> None:
        while train.poll() is None or len(written) < epochs:
            try:
                lines = (run / "history.jsonl").read_text().splitlines()
            except OSError:
                lines = []
            now = time.perf_counter()
            for k, line in enumerate(lines):
                if line.endswith("}"):
                    written.setdefault(k + 1, now)
            time.sleep(0.002)
            if train.poll() is not None and len(written) >= len(lines):
                break

    tailer = threading.Thread(target=tail, daemon=True)
    tailer.start()
    shown: dict[int, float] = {}
    app = LinclfApp(data_dir=None, out=out, follow=run)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one("#epochs")
        while train.poll() is None or len(shown) < len(written):
            for row in range(len(shown) + 1, table.row_count + 1):
                shown[row] = time.perf_counter()
            await asyncio.sleep(0.002)
            last = max(shown.values(), default=0.0)
            if train.poll() is not None and time.perf_counter() - last > 5:
                break
        await pilot.pause(0.1)
    train.wait()
    return [shown[k] - written[k] for k in sorted(shown) if k in written]


def make_store(folder: Path, runs: int) -> list[Path]:
    from runstore import fixed_history, write_run

    from linclf.engine.config import TrainConfig

    live = []
    for k in range(runs):
        group = folder / "search" / "runs" if k % 2 else folder
        config = TrainConfig(eta=0.001 * (1 + k % 5), lam=0.01 * (k % 3))
        path = write_run(group / f"20260101-{k:06d}-run", fixed_history(40), config=config)
        if k % 10 == 0:
            info = json.loads((path / "run.json").read_text())
            (path / "run.json").write_text(json.dumps({**info, "status": "running"}))
            live.append(path)
    return live


def idle_cpu(folder: Path, live: list[Path], seconds: float = 30.0) -> float:
    import psutil

    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, *map(str, live)],
        env={**os.environ, "PYTHONPATH": str(ROOT / "tests")},
    )
    master, slave = pty.openpty()
    os.set_blocking(master, False)
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    app = subprocess.Popen(
        [sys.executable, "-m", "linclf", "tui", "--out", str(folder)],
        cwd=ROOT,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )

    def drain(duration: float) -> None:
        end = time.monotonic() + duration
        while time.monotonic() < end:
            try:
                os.read(master, 65536)
            except BlockingIOError:
                time.sleep(0.01)
            except OSError:
                return

    try:
        drain(15)  # start-up and the first scans
        os.write(master, b"4")
        drain(10)
        process = psutil.Process(app.pid)
        before = process.cpu_times()
        started = time.monotonic()
        drain(seconds)
        after = process.cpu_times()
        used = (after.user - before.user) + (after.system - before.system)
        return 100 * used / (time.monotonic() - started)
    finally:
        app.terminate()
        writer.terminate()
        app.wait(30)
        os.close(master)
        os.close(slave)


async def key_latency(folder: Path, presses: int = 40) -> list[float]:
    from textual import events
    from textual.widgets import TabbedContent

    from linclf.tui.app import LinclfApp

    app = LinclfApp(data_dir=None, out=folder)
    latencies = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(3)
        for k in range(presses):
            key, view = ("4", "runs") if k % 2 == 0 else ("1", "train")
            pressed = time.perf_counter()
            app.post_message(events.Key(key, key))
            while app.query_one(TabbedContent).active != view:
                await asyncio.sleep(0.001)
            latencies.append(time.perf_counter() - pressed)
            await pilot.pause(0.25)
    return latencies


async def insight_key_latency(folder: Path, rounds: int = 8) -> dict[str, list[float]]:
    from textual import events

    from linclf.tui.app import LinclfApp
    from linclf.tui.widgets.filterbar import FilterBar
    from linclf.tui.widgets.hparams import HParamsScreen, ParamPlot

    app = LinclfApp(data_dir=None, out=folder, view="runs")
    latencies: dict[str, list[float]] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one("#runs-table")
        while table.row_count < 100 or app.focused is not table:
            await pilot.pause(0.1)
        await pilot.pause(3)
        curves, bar = app.query_one("#run-curves"), app.query_one(FilterBar)
        steps = (
            ("e", lambda before: curves.level != before, lambda: curves.level),
            ("y", lambda before: curves.log_y != before, lambda: curves.log_y),
            ("slash", lambda _: bar.display and app.focused.id == "filter-input", lambda: 0),
            ("escape", lambda _: not bar.display and app.focused is table, lambda: 0),
            (
                "h",
                lambda _: (
                    isinstance(app.screen, HParamsScreen) and len(app.screen.query(ParamPlot)) > 0
                ),
                lambda: 0,
            ),
            ("escape", lambda _: not isinstance(app.screen, HParamsScreen), lambda: 0),
        )
        for _ in range(rounds):
            for key, done, state in steps:
                before = state()
                pressed = time.perf_counter()
                app.post_message(events.Key(key, None))
                while not done(before):
                    await asyncio.sleep(0.001)
                latencies.setdefault(key, []).append(time.perf_counter() - pressed)
                await pilot.pause(0.25)
    return latencies


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT / "Datasets" / "cifar-10-batches-py"))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--skip-follow", action="store_true")
    parser.add_argument("--only-insight", action="store_true", help="part 4 only")
    args = parser.parse_args()
    if not args.skip_follow:
        latency = asyncio.run(follow_latency(args.data_dir, args.epochs))
        print(f"--follow, --split all: epoch written → on screen: {spread(latency)} (≤ 1000 ms)")
    folder = Path(tempfile.mkdtemp(prefix="linclf-bench-watch-"))
    live = make_store(folder, args.runs)
    if not args.only_insight:
        cpu = idle_cpu(folder, live)
        print(
            f"idle CPU watching {args.runs} runs ({len(live)} live): {cpu:.1f}% of one core"
            f" (≤ 2 %) · {load()}"
        )
        keys = asyncio.run(key_latency(folder))
        print(f"key latency watching {args.runs} runs: {spread(keys)} (≤ 100 ms) · {load()}")
    insight = asyncio.run(insight_key_latency(folder))
    every = [t for times in insight.values() for t in times]
    for key, times in insight.items():
        print(f"  {key}: {spread(times)}")
    print(f"Runs view keys (e y / escape h escape), {args.runs} runs: {spread(every)} · {load()}")


if __name__ == "__main__":
    main()
