"""The report's final model alone (Exercise 2.1, all improvements together): the same
configurations, candidates, validation choice and single test read as `linclf report`, without
the other sections. Prints report.json's final_model and the seconds it took.

    python benchmarks/report_final_model.py [--jobs 2] [--out /tmp/final]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from linclf.engine import archive
from linclf.engine.config import TrainConfig
from linclf.engine.report.document import Document
from linclf.engine.report.exercise21 import combined_candidates
from linclf.engine.report.experiments import FULL, Experiments, config_of, seeded
from linclf.engine.report.final_model import final_model
from linclf.engine.training.executor import executor_for


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("/tmp/linclf-final-model"))
    args = parser.parse_args()
    started = time.perf_counter()
    data_dir = str(archive.locate(None))
    base = TrainConfig(n_epochs=FULL.n_epochs, seed=42, n_val=FULL.n_val)
    with executor_for(args.jobs, None) as executor:
        ex = Experiments(data_dir, args.out, executor, log=lambda m: print(m, flush=True))
        doc = Document(args.out, "final model")
        candidates = combined_candidates(base, FULL)
        ex.submit(candidates)
        combined, tried = ex.choose(candidates, "all improvements together", by_loss=True)
        runs = ex.results(seeded(config_of(combined), FULL.seeds), "its seeds")
        n_test = 10_000
        final_model(doc, ex, runs, tried, n_test)
    print(json.dumps(doc.numbers["final_model"], indent=1))
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
