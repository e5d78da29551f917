"""Fixed costs, whole process: a 1-epoch `linclf train` with and without plots (target <= 0.9 s
with plots), `linclf --help` (target < 0.5 s), and the floors under them: an empty
interpreter, `import numpy`, `import matplotlib.figure` (what drawing a PNG must import).

    .venv/bin/python benchmarks/bench_fixed_cost.py [--repeat 7] [--linclf CMD] [--data-dir DIR]
        [--dtypes float64]

The commands take turns; each row gives wall and CPU seconds, median (min, max): a wide
spread means a busy machine. CPU above wall time is expected where both cores work (the plot
process, the evaluation thread).
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from procs import (
    DEFAULT_DATA,
    DEFAULT_LINCLF,
    interleaved,
    linclf_command,
    machine_line,
    spread,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--linclf", default=DEFAULT_LINCLF, help="how to start linclf")
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA))
    parser.add_argument("--dtypes", default="float64")
    args = parser.parse_args()
    out = tempfile.mkdtemp(prefix="linclf-bench-")
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import numpy": [sys.executable, "-c", "import numpy"],
        "import matplotlib.figure": [
            sys.executable,
            "-c",
            "import matplotlib.figure, matplotlib.backends.backend_agg",
        ],
        "linclf --help": linclf_command(args.linclf, "--help"),
    }
    for dtype in args.dtypes.split(","):
        one = ["train", "--n-epochs", "1", "--dtype", dtype, "--out", out]
        one += ["--data-dir", args.data_dir]
        commands[f"1 epoch {dtype}, plots"] = linclf_command(args.linclf, *one)
        commands[f"1 epoch {dtype}, --no-plots"] = linclf_command(args.linclf, *one, "--no-plots")
    print(machine_line())
    runs = interleaved(commands, args.repeat)
    for name, results in runs.items():
        target = {"linclf --help": "  (target < 0.5 s)"}.get(name, "")
        if name.endswith(", plots"):
            target = "  (target <= 0.9 s)"
        print(
            f"{name:32} wall {spread([r.wall for r in results], digits=3)}   "
            f"cpu {spread([r.cpu for r in results], digits=3)}{target}"
        )


if __name__ == "__main__":
    main()
