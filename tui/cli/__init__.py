"""The `linclf` command line (Typer). Heavy modules are imported inside the commands."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="linclf",
    help="Train, check and watch a one-layer classifier on CIFAR-10 (DD2424 Assignment 1).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Find, fetch and unpack CIFAR-10.", no_args_is_help=True)
app.add_typer(data_app, name="data")

EXIT_FAILED = 1
EXIT_USAGE = 2
SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Head(str, Enum):
    softmax = "softmax"
    sigmoid = "sigmoid"


class DType(str, Enum):
    float64 = "float64"
    float32 = "float32"


class SplitName(str, Enum):
    spec = "spec"
    all = "all"


class UsageError(Exception):
    """A problem with what the user asked for: one line, exit 2."""


DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="The cifar-10-batches-py folder. Default: $LINCLF_DATA, else "
        "Datasets/cifar-10-batches-py (unpacked from Datasets/cifar-10-python.tar.gz if needed).",
        show_default=False,
    ),
]


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _locate_data(data_dir: Path | None, interactive: bool) -> Path:
    """The data folder; on a terminal, offer to fetch it when it is missing."""
    from linclf.engine import archive

    try:
        return archive.locate(data_dir)
    except archive.MissingData:
        if not interactive or not typer.confirm(
            "CIFAR-10 is not here. Download it now (about 163 MB)?", default=False, err=True
        ):
            raise
    return fetch_with_progress(data_dir)


def fetch_with_progress(data_dir: Path | None) -> Path:
    from linclf.engine import archive
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=_stderr_console(),
    ) as progress:
        task = progress.add_task("Downloading CIFAR-10", total=None)

        def report(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        return archive.fetch(data_dir, progress=report)


@data_app.command("fetch")
def data_fetch(data_dir: DataDirOption = None) -> None:
    """Download the official archive, verify its MD5 and unpack it into Datasets/."""
    folder = fetch_with_progress(data_dir)
    typer.echo(f"CIFAR-10 is ready in {folder}")


@data_app.command("where")
def data_where(data_dir: DataDirOption = None) -> None:
    """Print the data folder linclf would read (unpacking the archive if needed)."""
    from linclf.engine import archive

    typer.echo(archive.locate(data_dir))


class _EpochPrinter:
    """Per-epoch output: a rich table row and progress bar on a terminal, one plain line
    per epoch otherwise (log files get no progress-bar noise)."""

    COLUMNS = (
        "epoch",
        "train loss",
        "train cost",
        "train acc",
        "val loss",
        "val cost",
        "val acc",
        "seconds",
    )

    def __init__(self, n_epochs: int, stream, rich_output: bool):
        self.n_epochs = n_epochs
        self.stream = stream
        self.progress = None
        if rich_output:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            console = Console(file=stream, highlight=False)
            self.progress = Progress(
                TextColumn("training"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("epochs"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=console,
            )
            self.task = self.progress.add_task("train", total=n_epochs)

    def __enter__(self):
        if self.progress:
            self.progress.start()
            self.progress.console.print(" ".join(f"{c:>10}" for c in self.COLUMNS), style="bold")
        return self

    def __exit__(self, *exc):
        if self.progress:
            self.progress.stop()

    def row(self, s) -> None:
        cells = (
            f"{s.epoch:>10d}",
            *(f"{v:>10.4f}" for v in (s.train_loss, s.train_cost)),
            f"{s.train_acc:>10.2%}",
            *(f"{v:>10.4f}" for v in (s.val_loss, s.val_cost)),
            f"{s.val_acc:>10.2%}",
            f"{s.seconds:>10.2f}",
        )
        if self.progress:
            self.progress.console.print(" ".join(cells))
            self.progress.advance(self.task)
        else:
            print(
                f"epoch {s.epoch}/{self.n_epochs} train_loss={s.train_loss:.4f} "
                f"train_cost={s.train_cost:.4f} train_acc={s.train_acc:.4f} "
                f"val_loss={s.val_loss:.4f} val_cost={s.val_cost:.4f} val_acc={s.val_acc:.4f} "
                f"seconds={s.seconds:.2f}",
                file=self.stream,
                flush=True,
            )


class _StopOnSignal:
    """SIGINT/SIGTERM: finish the current epoch, then stop; a second signal stops at once."""

    def __init__(self, training):
        self.training = training
        self.received: int | None = None
        self.previous = {}

    def _handle(self, signum, frame):
        self.training.stop(finish_epoch=self.received is None)
        self.received = signum

    def __enter__(self):
        for signum in SIGNAL_EXIT:
            self.previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


@app.command()
def train(
    lam: Annotated[float, typer.Option(help="L2 regularisation λ (eq. 5).")] = 0.0,
    eta: Annotated[float, typer.Option(help="Learning rate η (eqs. 8–9).")] = 0.001,
    n_batch: Annotated[int, typer.Option(help="Mini-batch size.")] = 100,
    n_epochs: Annotated[int, typer.Option(help="Passes over the training set.")] = 40,
    seed: Annotated[int, typer.Option(help="Seed of the one random generator.")] = 42,
    head: Annotated[
        Head,
        typer.Option(
            help="softmax + cross-entropy, or sigmoid + multiple binary cross-entropy (Ex. 2.2)."
        ),
    ] = Head.softmax,
    dtype: Annotated[DType, typer.Option(help="Floating-point type.")] = DType.float64,
    shuffle: Annotated[bool, typer.Option(help="Shuffle the training set each epoch.")] = True,
    flip: Annotated[
        bool,
        typer.Option(help="Flip each drawn image horizontally with probability 0.5 (Ex. 2.1b)."),
    ] = False,
    shift: Annotated[
        int, typer.Option(help="Translate each drawn image by up to this many pixels; 0 = off.")
    ] = 0,
    decay_every: Annotated[
        int,
        typer.Option(help="Multiply eta by --decay-factor every N epochs (Ex. 2.1d); 0 = never."),
    ] = 0,
    decay_factor: Annotated[float, typer.Option(help="Step-decay factor.")] = 0.1,
    split: Annotated[
        SplitName,
        typer.Option(
            help="spec: batch 1 / batch 2 / test; all: all five batches less --n-val (Ex. 2.1a)."
        ),
    ] = SplitName.spec,
    n_val: Annotated[int, typer.Option(help="Validation images held out with --split all.")] = 1000,
    out: Annotated[Path, typer.Option(help="Folder for run folders.")] = Path("outputs"),
    data_dir: DataDirOption = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Print one JSON object on stdout (human output goes to stderr)."
        ),
    ] = False,
    plots: Annotated[bool, typer.Option(help="Save PNG plots in the run folder.")] = True,
) -> None:
    """Train with mini-batch gradient descent and save a run folder under --out."""
    from linclf.engine.train import TrainConfig

    config = TrainConfig(
        lam=lam,
        eta=eta,
        n_batch=n_batch,
        n_epochs=n_epochs,
        seed=seed,
        head=head.value,
        dtype=dtype.value,
        shuffle=shuffle,
        flip=flip,
        shift=shift,
        decay_factor=decay_factor,
        decay_every=decay_every,
        split=split.value,
        n_val=n_val,
    )
    config.validate()
    human = sys.stderr if as_json else sys.stdout
    folder = _locate_data(data_dir, interactive=sys.stdin.isatty() and human.isatty())

    from linclf.engine.data import DTYPES, load_splits
    from linclf.engine.runs import RunRecorder
    from linclf.engine.train import Training

    print(f"loading {config.split} split from {folder}", file=human, flush=True)
    data = load_splits(folder, split=config.split, n_val=config.n_val, dtype=DTYPES[config.dtype])
    training = Training(data, config)
    recorder = RunRecorder(out, training)
    # Signals stay caught while the run is saved: a second Ctrl-C cannot cut the saving short.
    with _StopOnSignal(training) as signals:
        with _EpochPrinter(config.n_epochs, human, human.isatty()) as printer:
            for stats in training:
                printer.row(stats)
                recorder.record()
        status = "interrupted" if signals.received is not None else training.status
        result = recorder.finish(status, plots=plots)
    if as_json:
        from linclf.engine.runs import to_json

        print(to_json(result))
    last = training.history[-1] if training.history else None
    messages = {
        "diverged": f"diverged at epoch {last.epoch}: training cost {last.train_cost:.4g}, "
        f"validation cost {last.val_cost:.4g}"
        if last
        else "diverged",
        "interrupted": f"interrupted after {len(training.history)} epochs",
    }
    if status in messages:
        print(messages[status], file=human)
    if result["test_acc"] is not None:
        print(f"test accuracy: {result['test_acc']:.2%}", file=human)
    print(f"run folder: {recorder.dir}", file=human)
    if signals.received is not None:
        raise typer.Exit(SIGNAL_EXIT[signals.received])
    if status == "diverged":
        raise typer.Exit(EXIT_FAILED)


@app.command()
def check(
    tol: Annotated[
        float, typer.Option(help="Pass threshold on the max relative error, float64 cases.")
    ] = 1e-8,
    tol32: Annotated[float, typer.Option(help="Pass threshold for the float32 cases.")] = 1e-2,
    synthetic: Annotated[bool, typer.Option(help="Use random inputs instead of CIFAR-10.")] = False,
    data_dir: DataDirOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
) -> None:
    """Check the analytic gradients against PyTorch autograd; exit 1 if any case fails."""
    import math

    for name, value in (("tol", tol), ("tol32", tol32)):
        if not (math.isfinite(value) and value > 0):
            raise UsageError(f"--{name} must be a positive number, got {value}")
    from linclf.engine import archive, gradcheck
    from linclf.engine.data import training_sample

    n = max(case.n for case in gradcheck.DEFAULT_CASES)
    source = "synthetic inputs"
    if synthetic:
        X, y = gradcheck.synthetic_inputs(n=n)
    else:
        try:
            folder = archive.locate(data_dir)
        except archive.MissingData:
            if data_dir is not None:
                raise
            print("No CIFAR-10 data found: checking on synthetic inputs.", file=sys.stderr)
            X, y = gradcheck.synthetic_inputs(n=n)
        else:
            X, y = training_sample(folder, n)
            source = f"the first {n} training images of {folder}"
    results = gradcheck.run_checks(X, y, tol=tol, tol32=tol32)
    passed = all(r.passed for r in results)
    if as_json:
        print(
            json.dumps(
                {"passed": passed, "source": source, "cases": [r.to_dict() for r in results]},
                indent=2,
            )
        )
    else:
        _print_check_table(results, source)
    if not passed:
        raise typer.Exit(EXIT_FAILED)


def _print_check_table(results, source: str) -> None:
    from linclf.engine.gradcheck import CASE_COLUMNS

    headers = (*CASE_COLUMNS, "abs err W", "abs err b", "rel err W", "rel err b", "tol", "result")

    def cells(r):
        errors = (r.max_abs_err_W, r.max_abs_err_b, r.max_rel_err_W, r.max_rel_err_b)
        return (
            *r.case_cells(),
            *(f"{e:.2e}" for e in errors),
            f"{r.tol:.0e}",
            "pass" if r.passed else "FAIL",
        )

    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"Analytic vs autograd gradients ({source})")
        for header in headers:
            table.add_column(
                header, justify="left" if header in ("case", "head", "dtype") else "right"
            )
        for r in results:
            row = list(cells(r))
            row[-1] = "[green]pass[/]" if r.passed else "[bold red]FAIL[/]"
            table.add_row(*row)
        Console().print(table)
    else:
        print(f"# analytic vs autograd gradients ({source})")
        print("\t".join(headers))
        for r in results:
            print("\t".join(cells(r)))
    failed = sum(not r.passed for r in results)
    print(f"{len(results) - failed} passed, {failed} failed")


def _number_list(option: str, text: str, kind=float) -> list:
    import math

    values = []
    for item in text.split(","):
        try:
            value = kind(item.strip())
        except ValueError:
            raise UsageError(f"{option}: {item.strip()!r} is not a number") from None
        if not math.isfinite(value):
            raise UsageError(f"{option}: {item.strip()!r} is not finite")
        values.append(value)
    return values


def _leaderboard(rows: list[dict], size: int = 5):
    from rich.table import Table

    table = Table(title="best so far (validation accuracy)", expand=False)
    for column in ("lam", "eta", "n_batch", "val acc", "val cost", "status"):
        table.add_column(column, justify="right")
    ranked = sorted(
        (r for r in rows if r["val_acc"] not in (None, "")), key=lambda r: -float(r["val_acc"])
    )
    for r in ranked[:size]:
        table.add_row(
            f"{float(r['lam']):g}",
            f"{float(r['eta']):g}",
            str(r["n_batch"]),
            f"{float(r['val_acc']):.2%}",
            f"{float(r['val_cost']):.4f}",
            r["status"],
        )
    return table


@app.command("search")
def search_command(
    lam: Annotated[str, typer.Option(help="λ values, comma-separated.")] = "0,0.001,0.01,0.1",
    eta: Annotated[str, typer.Option(help="η values, comma-separated.")] = "0.001,0.005,0.01",
    n_batch: Annotated[str, typer.Option(help="Batch sizes, comma-separated.")] = "50,100",
    n_epochs: Annotated[int, typer.Option(help="Epochs per trial.")] = 40,
    seed: Annotated[int, typer.Option(help="Seed of every trial.")] = 42,
    head: Annotated[Head, typer.Option(help="Output head.")] = Head.softmax,
    dtype: Annotated[DType, typer.Option(help="Floating-point type.")] = DType.float64,
    split: Annotated[SplitName, typer.Option(help="Data split.")] = SplitName.spec,
    n_val: Annotated[int, typer.Option(help="Validation images with --split all.")] = 1000,
    flip: Annotated[bool, typer.Option(help="Horizontal flips.")] = False,
    decay_every: Annotated[int, typer.Option(help="Step decay period; 0 = none.")] = 0,
    decay_factor: Annotated[float, typer.Option(help="Step-decay factor.")] = 0.1,
    jobs: Annotated[int, typer.Option(help="Local worker processes (default: all cores).")] = 0,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Run the trials on the Dask cluster at this address (tcp://host:port)."),
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for results.csv and best.json.")] = Path(
        "outputs/search"
    ),
    resume: Annotated[
        bool, typer.Option(help="Continue the search in --out, skipping finished trials.")
    ] = False,
    data_dir: DataDirOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
) -> None:
    """Grid search over λ, η and n_batch; selects on validation accuracy, then evaluates the
    test set once, for the chosen configuration."""
    from linclf.engine import archive
    from linclf.engine import search as grid_search
    from linclf.engine.train import TrainConfig

    base = TrainConfig(
        n_epochs=n_epochs,
        seed=seed,
        head=head.value,
        dtype=dtype.value,
        split=split.value,
        n_val=n_val,
        flip=flip,
        decay_every=decay_every,
        decay_factor=decay_factor,
    )
    configs = grid_search.grid(
        base,
        _number_list("--lam", lam),
        _number_list("--eta", eta),
        _number_list("--n-batch", n_batch, int),
    )
    for config in configs:
        config.validate()
    jobs = jobs or os.cpu_count() or 1
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    csv_path = out / "results.csv"
    if csv_path.exists() and not resume:
        raise UsageError(
            f"{csv_path}: a search is there; pass --resume to continue it or --out for a new one"
        )
    folder = archive.locate(data_dir)
    human = sys.stderr if as_json else sys.stdout
    rows: list[dict] = []
    if human.isatty():
        from rich.console import Console, Group
        from rich.live import Live
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        progress = Progress("trials", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        task = progress.add_task("search", total=len(configs))
        live = Live(
            Group(progress, _leaderboard(rows)), console=Console(file=human), refresh_per_second=4
        )

        def on_result(row: dict) -> None:
            rows.append(row)
            progress.advance(task)
            live.update(Group(progress, _leaderboard(rows)))
    else:
        live = None

        def on_result(row: dict) -> None:
            rows.append(row)
            print(
                f"trial {len(rows)}/{len(configs)} lam={row['lam']} eta={row['eta']} "
                f"n_batch={row['n_batch']} status={row['status']} val_acc={row['val_acc']}",
                file=human,
                flush=True,
            )

    with _raise_on_signal(), grid_search.executor_for(jobs, scheduler) as executor:
        if live:
            live.start()
        try:
            done = grid_search.search(
                configs, folder, executor, csv_path, resume=resume, on_result=on_result
            )
        except Interrupted as interrupted:
            grid_search.shutdown_now(executor)
            print(
                f"interrupted: {len(rows)} trial(s) finished in this run are in {csv_path}; "
                "--resume continues",
                file=sys.stderr,
            )
            raise typer.Exit(SIGNAL_EXIT[interrupted.signum]) from None
        finally:
            if live:
                live.stop()
    chosen = grid_search.best(done)
    if chosen is None:
        print("no trial completed; see results.csv", file=human)
        raise typer.Exit(EXIT_FAILED)
    config = grid_search.config_of(chosen, base)
    print(
        f"chosen on validation: lam={config.lam:g} eta={config.eta:g} "
        f"n_batch={config.n_batch} (val acc {chosen['val_acc']:.2%}); evaluating the test "
        "set once…",
        file=human,
    )
    test_acc = grid_search.evaluate_choice(chosen, base, folder)
    result = {
        "best": config.to_dict(),
        "val_acc": chosen["val_acc"],
        "test_acc": test_acc,
        "trials": len(done),
        "results_csv": str(csv_path),
    }
    from linclf.engine.runs import atomic_write, to_json

    atomic_write(out / "best.json", to_json(result).encode())
    print(f"test accuracy of the chosen configuration: {test_acc:.2%}", file=human)
    if as_json:
        print(to_json(result))


class Interrupted(BaseException):
    """A signal, raised where the main thread is; a BaseException (like KeyboardInterrupt) so
    that no `except Exception` on the way swallows it."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def _raise_on_signal():
    """SIGINT/SIGTERM raise Interrupted in the main thread (for long multi-process work)."""

    def handler(signum, frame):
        raise Interrupted(signum)

    previous = {signum: signal.signal(signum, handler) for signum in SIGNAL_EXIT}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@app.command()
def report(
    out: Annotated[
        Path, typer.Option(help="Folder for report.md, report.html and figures.")
    ] = Path("outputs/report"),
    quick: Annotated[
        bool, typer.Option(help="A reduced budget (3 epochs, a 2x2 grid) for tests and CI.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of every run: the report is repeatable.")] = 42,
    jobs: Annotated[int, typer.Option(help="Local worker processes (default: all cores).")] = 0,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address for the runs (tcp://host:port).")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Run every experiment of the spec and write a Markdown and an HTML report."""
    import time

    from linclf.engine import archive
    from linclf.engine import search as grid_search
    from linclf.engine.report import Report

    if seed < 0:
        raise UsageError(f"--seed must be at least 0, got {seed}")
    jobs = jobs or os.cpu_count() or 1
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    folder = archive.locate(data_dir)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", flush=True)

    with _raise_on_signal(), grid_search.executor_for(jobs, scheduler) as executor:
        document = Report(folder, out, executor, seed=seed, quick=quick, log=log)
        try:
            document.build()
        except Interrupted as interrupted:
            grid_search.shutdown_now(executor)
            document.doc.paragraph(
                f"Interrupted ({interrupted}): the sections above are "
                "complete; the rest did not run."
            )
            document.doc.write()
            print(f"interrupted; the finished sections are in {out}/report.md", file=sys.stderr)
            raise typer.Exit(SIGNAL_EXIT[interrupted.signum]) from None
    print(f"report: {out / 'report.md'} and {out / 'report.html'}")


@app.command()
def tui(
    data_dir: DataDirOption = None,
    out: Annotated[Path, typer.Option(help="Folder for run folders.")] = Path("outputs"),
) -> None:
    """Open the training monitor (Textual): form, live epochs, curves, gradient check."""
    from linclf.tui.app import LinclfApp

    LinclfApp(data_dir=data_dir, out=out).run()


def _known_errors() -> tuple[type[BaseException], ...]:
    """Errors that are the user's input, not linclf's bugs (imported only once raised)."""
    known = [UsageError]
    for module, name in (
        ("linclf.engine.data", "DataError"),
        ("linclf.engine.train", "ConfigError"),
        ("linclf.engine.runs", "RunDirError"),
    ):
        loaded = sys.modules.get(module)
        if loaded is not None:
            known.append(getattr(loaded, name))
    return tuple(known)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; known errors become one line on stderr and an exit code."""
    command = typer.main.get_command(app)
    prog = "linclf"
    try:
        result = command.main(args=argv, prog_name=prog, standalone_mode=False)
    except Exception as err:  # noqa: BLE001 - sorted into known kinds below
        if hasattr(err, "format_message") and hasattr(err, "exit_code"):
            if type(err).__name__ == "NoArgsIsHelpError":
                return 0
            print(f"{prog}: error: {err.format_message()}", file=sys.stderr)
            return err.exit_code
        if isinstance(err, typer.Abort):
            print(f"{prog}: aborted", file=sys.stderr)
            return EXIT_FAILED
        if isinstance(err, _known_errors()):
            print(f"{prog}: error: {err}", file=sys.stderr)
            return EXIT_FAILED if isinstance(err, OSError) else EXIT_USAGE
        if os.environ.get("LINCLF_DEBUG"):
            raise
        print(
            f"{prog}: internal error: {type(err).__name__}: {err} "
            "(LINCLF_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return result if isinstance(result, int) else 0


def run() -> None:
    """Console-script entry point for `linclf`."""
    sys.exit(main())


def run_tui() -> None:
    """Console-script entry point for `linclf-tui` (same as `linclf tui`)."""
    sys.exit(main(["tui", *sys.argv[1:]]))


if __name__ == "__main__":
    run()
