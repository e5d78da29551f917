"""linclf-tui as a client of the run store, measured as a person meets it: the real app in a
pseudo-terminal or in tmux at 80×24, on the real data.

    .venv/bin/python benchmarks/bench_tui.py [--data-dir DIR] [--epochs 10] [--repeat 3]

1. Speed: a run started from the app (`s`, after setting n_epochs in the form) against the same
   `linclf train`: wall time from the key press (from the spawn for the CLI) until the writer
   process has ended. Target ≤ 1.03×. Also the CPU seconds the app and the writer used
   meanwhile: on a machine with a free core the app's share does not slow the run at all.
2. Startup: from spawning `linclf-tui` in a pty to its first frame on screen, and the CPU
   seconds it used by then (the figure a loaded machine does not inflate). Target ≤ 1.0 s.
3. `q` when idle: from the key to the end of the process. Target ≤ 0.5 s.
4. Dropped terminal: kill the tmux server while a run started from the app trains (3 epochs):
   the app must end within 2 s and the run go on to `completed`, history.csv and 3 PNGs.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from ptyharness import PtyApp, kill_processes_mentioning  # noqa: E402
from tmuxharness import TmuxApp  # noqa: E402

FIRST_FRAME = "A preset sets every field"  # the form, on the first frame at 80×24
N_EPOCHS_BACK = 11  # shift+tab presses from Start to the n_epochs field
PNGS = ("curves.png", "templates.png", "histograms.png")


def tui_argv(out: Path, data_dir: str) -> list[str]:
    return [sys.executable, "-m", "linclf", "tui", "--out", str(out), "--data-dir", data_dir]


def wait_until(condition, timeout: float, step: float = 0.005) -> float:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(step)
    return time.monotonic()


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a live process (its own, not its children's)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def only_run(out: Path) -> Path:
    wait_until(lambda: list(out.glob("*/run.json")), 120, 0.01)
    (run,) = [p.parent for p in out.glob("*/run.json")]
    return run


def cli_wall(data_dir: str, epochs: int, out: Path) -> float:
    argv = [sys.executable, "-m", "linclf", "train", "--n-epochs", str(epochs)]
    started = time.monotonic()
    subprocess.run(
        [*argv, "--data-dir", data_dir, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return time.monotonic() - started


def start_from_form(app: TmuxApp, epochs: int) -> float:
    """Set n_epochs in the form and press F5 (start, from within the field); the time of
    the key press."""
    app.wait_for(FIRST_FRAME, timeout=60)
    time.sleep(1.0)  # the first frame comes before Start has the focus
    app.send_keys(*["BTab"] * N_EPOCHS_BACK, "C-u")
    app.wait_for("is empty", timeout=20)  # a key sent at once after ctrl+u can be lost
    app.type_text(str(epochs))
    app.wait_for_line("n_epochs", str(epochs), timeout=20)
    time.sleep(0.5)
    pressed = time.monotonic()
    app.send_keys("F5")
    return pressed


def app_wall(data_dir: str, epochs: int, out: Path, work: Path) -> tuple[float, float, float]:
    """Wall time of a run started from the app; the CPU seconds the app and the writer used
    meanwhile (the load-independent part: the app's share competes with the run only when
    no core is free)."""
    with TmuxApp(tui_argv(out, data_dir), size=(80, 24), socket=work / "speed.sock") as app:
        pressed = start_from_form(app, epochs)
        app_cpu = cpu_seconds(app.pid) or 0.0
        run = only_run(out)
        pid = json.loads((run / "run.json").read_text())["pid"]
        writer_cpu = 0.0

        def writer_gone() -> bool:
            nonlocal writer_cpu
            writer_cpu = cpu_seconds(pid) or writer_cpu
            return not alive(pid)

        ended = wait_until(writer_gone, 600, 0.01)
        app_cpu = (cpu_seconds(app.pid) or app_cpu) - app_cpu
        status = json.loads((run / "run.json").read_text())["status"]
        assert status == "completed", status
        return ended - pressed, app_cpu, writer_cpu


def startup_and_quit(data_dir: str, out: Path) -> tuple[float, float, float]:
    """Wall time to the first frame, its CPU seconds, and the wall time of q when idle."""
    with PtyApp(tui_argv(out, data_dir), size=(80, 24)) as app:
        spawned = time.monotonic()
        frame = wait_until(lambda: FIRST_FRAME in app.screen_text(), 60)
        frame_cpu = cpu_seconds(app.pid) or 0.0
        time.sleep(1.5)  # idle
        pressed = time.monotonic()
        app.press("q", pause=0)
        ended = wait_until(lambda: app.proc.poll() is not None, 30, 0.002)
        return frame - spawned, frame_cpu, ended - pressed


def dropped_terminal(data_dir: str, out: Path, work: Path) -> tuple[float, str]:
    with TmuxApp(tui_argv(out, data_dir), size=(80, 24), socket=work / "drop.sock") as app:
        start_from_form(app, 3)
        app.wait_for("run folder", timeout=120)
        pid = app.pid
        killed = time.monotonic()
        app.kill()
        gone = wait_until(lambda: not alive(pid), 30, 0.002) - killed
    run = only_run(out)
    wait_until(lambda: json.loads((run / "run.json").read_text())["status"] != "running", 300, 0.1)
    status = json.loads((run / "run.json").read_text())["status"]
    files = [name for name in ("history.csv", *PNGS) if (run / name).exists()]
    return gone, f"run.json {status}, files: {', '.join(files)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT / "Datasets" / "cifar-10-batches-py"))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="linclf-bench-tui-"))
    try:
        cli, app = [], []
        for i in range(args.repeat):  # interleaved, so a change in machine load hits both
            cli.append(cli_wall(args.data_dir, args.epochs, work / f"cli-{i}"))
            app.append(app_wall(args.data_dir, args.epochs, work / f"app-{i}", work))
        walls = [a[0] for a in app]
        print(f"linclf train {args.epochs} epochs, wall: {', '.join(f'{w:.2f}' for w in cli)} s")
        print(f"from the app {args.epochs} epochs, wall: {', '.join(f'{w:.2f}' for w in walls)} s")
        ratio = statistics.median(walls) / statistics.median(cli)
        print(f"app/CLI wall time (medians): {ratio:.3f}  (target ≤ 1.03)")
        print(
            "meanwhile, CPU seconds of the app / of the run's writer: "
            + ", ".join(f"{a[1]:.2f} / {a[2]:.2f}" for a in app)
        )
        idle = [startup_and_quit(args.data_dir, work / f"idle-{i}") for i in range(args.repeat)]
        starts, start_cpu, quits = zip(*idle)
        print(
            f"startup to first frame: {', '.join(f'{s:.2f}' for s in starts)} s, median "
            f"{statistics.median(starts):.2f} s  (target ≤ 1.0); CPU seconds by then: "
            f"{', '.join(f'{c:.2f}' for c in start_cpu)}"
        )
        print(
            f"q when idle: {', '.join(f'{q:.3f}' for q in quits)} s, median "
            f"{statistics.median(quits):.3f} s  (target ≤ 0.5)"
        )
        gone, outcome = dropped_terminal(args.data_dir, work / "drop", work)
        print(
            f"tmux server killed while training: app gone in {gone:.2f} s  (target ≤ 2); "
            f"the run: {outcome}"
        )
        print(f"load average (1, 5, 15 min): {os.getloadavg()}")
    finally:
        kill_processes_mentioning(str(work))


if __name__ == "__main__":
    main()
