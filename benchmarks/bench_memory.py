"""Peak memory of `linclf train --split all` (1 epoch, no plots) against the size of its
training matrix (49 000 × 3072 × itemsize); target: peak <= 1.5x the matrix. The spec split's
peak is printed too, for reference.

    .venv/bin/python benchmarks/bench_memory.py [--linclf CMD] [--data-dir DIR]
        [--dtypes float64,float32] [--repeat 2]

The peak is the kernel's high-water mark of the process's resident set (os.wait4), the
largest of --repeat runs.
"""

from __future__ import annotations

import argparse
import tempfile

from procs import DEFAULT_DATA, DEFAULT_LINCLF, linclf_command, machine_line, run

N_TRAIN = {"all": 49_000, "spec": 10_000}
D = 3072
ITEMSIZE = {"float64": 8, "float32": 4}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--linclf", default=DEFAULT_LINCLF, help="how to start linclf")
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA))
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    out = tempfile.mkdtemp(prefix="linclf-bench-")
    print(machine_line())
    for dtype in args.dtypes.split(","):
        for split, n_train in N_TRAIN.items():
            command = linclf_command(
                args.linclf, "train", "--split", split, "--n-epochs", "1", "--no-plots",
                "--dtype", dtype, "--out", out, "--data-dir", args.data_dir,
            )  # fmt: skip
            peak = max(run(command).peak_mib for _ in range(args.repeat))
            matrix = n_train * D * ITEMSIZE[dtype] / 2**20
            target = "  (target <= 1.5)" if split == "all" else ""
            print(
                f"{split:5} {dtype:8} peak {peak:7.1f} MiB  training matrix {matrix:7.1f} MiB  "
                f"ratio {peak / matrix:.2f}{target}",
                flush=True,
            )


if __name__ == "__main__":
    main()
