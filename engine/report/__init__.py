"""`linclf report`: every experiment the spec asks for, run and written up reproducibly.

experiments.py decides which runs (with which budget, on which executor); document.py renders
the blocks as Markdown and HTML; exercise1.py and exercise2.py turn measured results into the
sections. The report is rewritten after every section, so an interrupted report still holds
every section that finished. Every number in it is measured in this run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

from linclf.engine.config import TrainConfig
from linclf.engine.report.document import Document
from linclf.engine.report.exercise1 import exercise1, gradient_check
from linclf.engine.report.exercise2 import exercise21, exercise22
from linclf.engine.report.experiments import FULL, QUICK, Experiments


class Report:
    def __init__(
        self,
        data_dir: Path,
        folder: Path,
        executor: Executor,
        seed: int = 42,
        quick: bool = False,
        log: Callable[[str], None] = print,
    ):
        self.data_dir = str(data_dir)
        self.folder = Path(folder)
        self.seed = seed
        self.quick = quick
        self.budget = QUICK if quick else FULL
        self.log = log
        self.experiments = Experiments(self.data_dir, self.folder, executor, log)
        title = "DD2424 Assignment 1: linclf report" + (" (quick budget)" if quick else "")
        self.doc = Document(self.folder, title)
        self.base = TrainConfig(n_epochs=self.budget.n_epochs, seed=seed, n_val=self.budget.n_val)

    def build(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        doc, experiments, base = self.doc, self.experiments, self.base
        doc.paragraph(
            f"Data: {self.data_dir}. Seed {self.seed}; {self.budget.n_epochs} epochs per run"
            f"{' (quick budget: numbers are not comparable with the spec)' if self.quick else ''}."
            " Every number below was measured by this run of `linclf report`."
        )
        sections = (
            lambda: exercise1(doc, experiments, base),
            lambda: gradient_check(doc, self.data_dir, self.log),
            lambda: exercise21(doc, experiments, base, self.budget),
            lambda: exercise22(doc, experiments, base),
        )
        for section in sections:
            section()
            doc.write()
        doc.paragraph(f"Report built in {time.perf_counter() - started:.0f} s.")
        doc.write()
