"""`linclf report`: every experiment the spec asks for, run and written up reproducibly.

experiments.py decides which runs (with which budget, on which executor) and trains each
configuration once; document.py holds the blocks and writes them as Markdown, HTML and typeset
PDFs (one with both parts, one per part: the spec's two uploads); exercise1.py, gradients.py,
exercise21.py and exercise22.py turn measured results into the sections, worded by
evidence.py and overfitting.py. The report is rewritten after every section, so an
interrupted report still holds every section that finished. Every number in it is measured
in this run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

from linclf.engine.config import TrainConfig
from linclf.engine.report import exercise1, exercise21, exercise22, reproducibility
from linclf.engine.report.document import Document
from linclf.engine.report.experiments import FULL, QUICK, Experiments
from linclf.engine.report.gradients import gradient_check, run_checks, spec_reference


class Report:
    def __init__(
        self,
        data_dir: Path,
        folder: Path,
        executor: Executor,
        seed: int = 42,
        quick: bool = False,
        log: Callable[[str], None] = print,
        title: str = "DD2424 Assignment 1: a one-layer classifier on CIFAR-10",
        author: str = "",
    ):
        self.data_dir = str(data_dir)
        self.folder = Path(folder)
        self.seed = seed
        self.quick = quick
        self.budget = QUICK if quick else FULL
        self.log = log
        self.workers = getattr(executor, "_max_workers", None)
        self.experiments = Experiments(self.data_dir, self.folder, executor, log)
        self.doc = Document(
            self.folder,
            title,
            "quick budget: a smoke test, not comparable with the spec" if quick else "",
            author,
        )
        self.base = TrainConfig(n_epochs=self.budget.n_epochs, seed=seed, n_val=self.budget.n_val)
        self.timings: list[str] = []
        self.stopped_in: str | None = None  # the section an exception cut short

    def build(self) -> None:
        """Run every section, rewriting the report after each. A section stopped part-way (a
        signal, an error) is taken out again before the exception goes on, so the report
        holds only finished sections; `stopped_in` then names the one dropped."""
        self.folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        doc, ex, base, budget = self.doc, self.experiments, self.base, self.budget
        doc.paragraph(
            "This report answers the assignment's Exercise 1 (Part 1) and both bonus exercises "
            "(Part 2). It opens with the evidence that the implementation is correct; every "
            "number in it was measured by one run of `linclf report` (command, versions and "
            "timings in the appendix), and a difference is called an effect only when it "
            "exceeds its noise, stated once under each table."
        )
        with doc.in_appendix():
            doc.heading("Run details")
            self._reproducibility(started)
        # Written before any run is queued: a folder that cannot take the report (read-only,
        # full, a name too long) fails now, not after the first section's runs.
        doc.write(pdf=False)
        # Every foreseeable run, queued now: spec-split runs first, whitened ones together (a
        # worker keeps one data set loaded), the long all-data runs last.
        planned = (
            exercise1.configs(base, budget)
            + exercise21.planned(base, budget, ex)
            + exercise22.configs(base, budget)
        )
        checks = ex.executor.submit(run_checks, self.data_dir)
        ex.submit(sorted(planned, key=lambda config: (config.split != "spec", config.whiten)))
        doc.part("Part 1: Assignment", "assignment")
        sections = (
            ("correctness", lambda: self._correctness(checks)),
            ("Exercise 1", lambda: self._exercise1()),
            ("Part 2", lambda: doc.part("Part 2: Bonus", "bonus")),
            ("Exercise 2.1", lambda: exercise21.exercise21(doc, ex, base, budget)),
            ("Exercise 2.2", lambda: exercise22.exercise22(doc, ex, base, budget)),
        )
        for name, section in sections:
            begun = time.perf_counter()
            finished = len(doc.blocks), len(doc.appendix), len(doc.problems)
            try:
                section()
            except BaseException:
                del doc.blocks[finished[0] :], doc.appendix[finished[1] :]
                del doc.problems[finished[2] :]
                self.stopped_in = name
                raise
            runs, worker_seconds = ex.claim()
            if name != "Part 2":
                self.timings.append(
                    f"{name} {time.perf_counter() - begun:.0f} s"
                    + (f" ({runs} runs, {worker_seconds:.0f} worker-s)" if runs else "")
                )
            self._reproducibility(started)
            doc.write()
        unresolved = doc.unresolved()
        if unresolved:
            raise RuntimeError(f"the report refers to undefined labels: {unresolved}")
        self._reproducibility(started, done=True)
        doc.write()

    def _correctness(self, checks) -> None:
        from dataclasses import replace

        from linclf.engine.report.experiments import history_of

        doc = self.doc
        doc.heading("Is the implementation correct?")
        doc.paragraph(
            "Two independent checks come before any result. First, the analytic gradients of "
            "the cost (@eq:cost in the appendix, which states the model and its training as "
            "the spec does) against PyTorch autograd, for both heads, with and without $lambda$:"
        )
        gradient_check(doc, checks, self.log)
        reference = replace(self.base, lam=0.0, eta=0.001, n_batch=100)
        (run,) = self.experiments.results([reference], "spec reference run")
        comparable = not self.quick and reference.n_epochs == 40 and reference.seed == 42
        spec_reference(doc, history_of(run), self.experiments.test(run).acc, reference, comparable)

    def _exercise1(self) -> None:
        from linclf.engine.report.method import model_equations

        with self.doc.in_appendix():
            model_equations(self.doc)
        exercise1.exercise1(self.doc, self.experiments, self.base, self.budget)

    def _reproducibility(self, started: float, done: bool = False) -> None:
        ex, budget = self.experiments, self.budget
        spec_train, spec_val = ex.sizes(self.base)
        all_data = TrainConfig(split="all", n_val=budget.n_val)
        all_train, all_val = ex.sizes(all_data)
        elapsed = time.perf_counter() - started
        self.doc.reproducibility(
            [
                ("command", self.command),
                *reproducibility.software(),
                reproducibility.hardware(self.workers),
                (
                    "data",
                    f"{self.data_dir}: spec split {spec_train} training (data_batch_1), "
                    f"{spec_val} validation (data_batch_2); all-data split {all_train} "
                    f"training, {all_val} validation (the last images of data_batch_5); "
                    "test_batch for testing",
                ),
                ("baseline", reproducibility.hyper_parameters(self.base)),
                (
                    "budget",
                    f"{budget.seeds} seeds per variant ({self.seed}, {self.seed + 1}, …); grid "
                    f"lam {list(budget.lams)} × eta {list(budget.etas)} × n_batch "
                    f"{list(budget.n_batches)}; step decay ×0.1 every {budget.decay_every} "
                    f"epochs, from eta {self.base.eta:g} and {budget.decay_eta:g}; all "
                    f"together: whitening eps {budget.whiten:g}, {budget.combined_epochs} "
                    "epochs, decay every "
                    f"{budget.combined_decay_every}, eta {budget.combined_etas[0]:g}, lam chosen "
                    f"among {list(budget.combined_lams)}",
                ),
                (
                    "runtime",
                    ("; ".join(self.timings) if self.timings else "–")
                    + (f"; total {elapsed:.0f} s" if done else f"; {elapsed:.0f} s so far"),
                ),
                (
                    "test set",
                    f"{ex.tested} trained models scored, each once, after training; no "
                    "choice (grid, step size, final model) read it",
                ),
            ]
        )

    @property
    def command(self) -> str:
        return (
            f"linclf report --out {self.folder} --seed {self.seed}"
            + (" --quick" if self.quick else "")
            + f" --data-dir {self.data_dir}"
        )
