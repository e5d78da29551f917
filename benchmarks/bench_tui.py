"""The TUI against `linclf train` on the same settings (the spec's defaults, 40 epochs), and how
fast keys are handled while the TUI trains.

    .venv/bin/python benchmarks/bench_tui.py [--data-dir DIR] [--repeat 3]

Reports, per program, the sum of the per-epoch seconds (the training loop itself) and the wall
time from start to saved run folder; then, for tab-switching keys pressed while training ran in
the worker thread, the time from the key event to its binding having switched the tab.
"""

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def cli_run(data_dir: str, out: str) -> tuple[float, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "linclf", "train", "--json", "--data-dir", data_dir, "--out", out],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    return sum(row["seconds"] for row in json.loads(done.stdout)["history"]), wall


async def tui_run(data_dir: str, out: str, press_keys: bool) -> tuple[float, float, list[float]]:
    from textual import events
    from textual.widgets import TabbedContent

    from linclf.tui.app import LinclfApp

    app = LinclfApp(data_dir=Path(data_dir), out=Path(out))
    latencies = []
    async with app.run_test(size=(120, 40)) as pilot:
        started = time.perf_counter()
        await pilot.press("s")
        tabs = ["check", "train", "runs", "train"]
        keys = {"train": "1", "check": "2", "runs": "4"}
        i = 0
        while app.last_summary is None:
            await pilot.pause(0.25)
            if press_keys and app.history and app.training_running():
                target = tabs[i % len(tabs)]
                # Post the key as the driver would and poll until its binding has acted
                # (pilot.press also waits for animations to finish: about 0.4 s even idle).
                pressed = time.perf_counter()
                app.post_message(events.Key(keys[target], keys[target]))
                while app.query_one(TabbedContent).active != target:
                    await asyncio.sleep(0.001)
                latencies.append(time.perf_counter() - pressed)
                i += 1
        wall = time.perf_counter() - started
        return sum(s.seconds for s in app.history), wall, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT / "Datasets" / "cifar-10-batches-py"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    out = tempfile.mkdtemp(prefix="linclf-bench-tui-")
    cli, tui = [], []
    for _ in range(args.repeat):
        cli.append(cli_run(args.data_dir, out))
        tui.append(asyncio.run(tui_run(args.data_dir, out, press_keys=False))[:2])
    # Latency in a run of its own: a tab switch every 0.25 s is far more UI work than watching.
    latencies = asyncio.run(tui_run(args.data_dir, out, press_keys=True))[2]
    for name, runs in (("linclf train", cli), ("linclf-tui", tui)):
        print(
            f"{name:13} epoch seconds (sum) {statistics.median(r[0] for r in runs):6.2f}   "
            f"start→saved {statistics.median(r[1] for r in runs):6.2f}"
        )
    loop = statistics.median(r[0] for r in tui) / statistics.median(r[0] for r in cli)
    print(f"TUI/CLI training loop time: {loop:.3f}  (target ≤ 1.10; no keys pressed)")
    latencies.sort()
    print(
        f"key presses handled while training: {len(latencies)}, median "
        f"{1000 * statistics.median(latencies):.1f} ms, max {1000 * latencies[-1]:.1f} ms "
        f"(target ≤ 100 ms)"
    )


if __name__ == "__main__":
    main()
