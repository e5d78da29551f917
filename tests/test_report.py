import html.parser
import re
import signal
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
from conftest import ROOT, interrupt_linclf

from linclf.engine import format as fmt
from linclf.engine.report.experiments import QUICK
from linclf.tui.cli import main

SECTIONS = [
    "Is the implementation correct?",
    "Exercise 1: the four required settings",
    "Exercise 2.1: improvements",
    "Exercise 2.2: sigmoid and multiple binary cross-entropy",
    "Run details",
    "Gradient check: method and errors",
    "The model and its training",
    "Further figures and tables",
]
FIGURES = ["ex1-curves.png", "ex1-templates.png", "ex22-gaps.png", "ex22-densities.png"]
FIGURES += ["ex1-eta.png", "final-templates.png", "final-curves.png"]  # appendix


class _HtmlOutline(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.h2, self.images, self._in_h2 = [], [], False

    def handle_starttag(self, tag, attrs):
        self._in_h2 = tag == "h2"
        if tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_data(self, data):
        if self._in_h2:
            self.h2.append(data)
            self._in_h2 = False


def _quick_report(base: Path, out: str, jobs: str) -> Path:
    """`linclf report --quick --seed 3` on freshly generated data under base."""
    from conftest import make_data_dir

    data = make_data_dir(base / "cifar-10-batches-py")
    args = ["report", "--quick", "--data-dir", str(data), "--out", str(base / out)]
    assert main([*args, "--jobs", jobs, "--seed", "3"]) == 0
    return base / out


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    return _quick_report(tmp_path_factory.mktemp("report"), "out", "2")


def _pdf_text(path: Path) -> str:
    pages = pypdf.PdfReader(path).pages
    return "\n".join(page.extract_text().replace("\xa0", " ") for page in pages)


def _table_rows(markdown: str, first_header: str) -> list[list[str]]:
    """The body rows of the Markdown table whose header row starts with first_header."""
    rows, inside = [], False
    for line in markdown.splitlines():
        if line.startswith(f"| {first_header} |"):
            inside = True
        elif inside and line.startswith("|") and not line.startswith("|-"):
            if not set(line) <= set("|-: "):
                rows.append([cell.strip() for cell in line.strip("|").split("|")])
        elif inside and not line.startswith("|"):
            break
    return rows


@pytest.mark.slow
def test_quick_report_has_every_section_and_figure(quick_report):
    text = (quick_report / "report.md").read_text()
    assert re.findall(r"^## (.+)$", text, flags=re.M) == SECTIONS
    assert re.findall(r"^# (Part .+)$", text, flags=re.M) == [
        "Part 1: Assignment",
        "Part 2: Bonus",
    ]
    assert re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text) == FIGURES
    assert all((quick_report / name).is_file() for name in FIGURES)
    assert "8 of 8 cases pass" in text and "### The final model" in text
    assert "??" not in text  # every reference resolved
    assert re.search(r"Exercise 2\.2 \d+ s \(.*\); total \d+ s", text)  # the run's own time


@pytest.mark.slow
def test_pdf_has_the_sections_numbered_figures_and_images(quick_report):
    text = _pdf_text(quick_report / "report.pdf")
    for heading in SECTIONS + ["Part 1: Assignment", "Part 2: Bonus", "command", "runtime"]:
        assert heading in text
    assert re.findall(r"^Figure (\d+):", text, re.M) == [str(i) for i in range(1, 8)]
    assert re.findall(r"^Table (\d+):", text, re.M) == [str(i) for i in range(1, 7)]
    assert "(8)" in text  # the spec's equations and the three-line derivation, numbered
    pages = pypdf.PdfReader(quick_report / "report.pdf").pages
    assert sum(len(page.images) for page in pages) == len(FIGURES)
    first = _pdf_text(quick_report / "report-assignment.pdf")
    second = _pdf_text(quick_report / "report-bonus.pdf")
    assert "Exercise 1:" in first and "Exercise 2.1:" not in first
    assert "Exercise 2.1:" in second and "Exercise 2.2:" in second and "Exercise 1:" not in second


@pytest.mark.slow
def test_html_has_the_same_sections_and_images(quick_report):
    outline = _HtmlOutline()
    outline.feed((quick_report / "report.html").read_text())
    assert outline.h2 == SECTIONS and outline.images == FIGURES


@pytest.mark.slow
def test_a_table_cell_equals_a_direct_engine_run(quick_report):
    """Exercise 1's λ = 0, η = 0.001 row is the run `Training` gives for the same config."""
    from linclf.engine.config import TrainConfig
    from linclf.engine.data.splits import load_splits
    from linclf.engine.training.train import Training, score_test

    data = load_splits(quick_report.parent / "cifar-10-batches-py")
    training = Training(data, TrainConfig(n_epochs=QUICK.n_epochs, seed=3))
    history = training.run()
    expected = [
        *fmt.epoch_cells(history[-1])[:-1],
        fmt.percent(score_test(training.net, data.test, "softmax").acc),
    ]
    row = next(
        r
        for r in _table_rows((quick_report / "report.md").read_text(), r"$\lambda$")
        if r[:2] == ["0", "0.001"]
    )
    assert row[2:9] + row[9:10] == expected


@pytest.mark.slow
def test_a_table_row_equals_linclf_train_with_that_config(quick_report, tmp_path, capsys):
    """The same row, against the command a reader would type to check it: `linclf train`."""
    import json

    from linclf.engine.records import EpochStats

    data = quick_report.parent / "cifar-10-batches-py"
    args = ["train", "--data-dir", str(data), "--out", str(tmp_path), "--no-plots", "--json"]
    epochs = str(QUICK.n_epochs)
    assert main([*args, "--n-epochs", epochs, "--seed", "3", "--lam", "0", "--eta", "0.001"]) == 0
    result = json.loads(capsys.readouterr().out)
    last = EpochStats(**result["history"][-1])
    expected = [*fmt.epoch_cells(last)[:-1], fmt.percent(result["test_acc"])]
    row = next(
        r
        for r in _table_rows((quick_report / "report.md").read_text(), r"$\lambda$")
        if r[:2] == ["0", "0.001"]
    )
    assert row[2:9] + row[9:10] == expected


NOISE = re.compile(
    r"(raises|lowers) test accuracy by ([\d.]+) ± ([\d.]+) points"
    r"|no measurable difference to test accuracy \(([+−-]?[\d.]+) ± ([\d.]+) points\)"
)


@pytest.mark.slow
def test_no_difference_inside_the_noise_is_worded_as_an_effect(quick_report):
    """Every worded difference states its size and noise; one within two standard errors is
    never worded as an effect (a few seeds raise the bar further), and the table's verdicts
    agree."""
    markdown = (quick_report / "report.md").read_text()
    found = NOISE.findall(" ".join(markdown.split()))
    assert len(found) >= 6
    for verb, value, se, _, _ in found:
        if verb:
            assert float(se) > 0 and float(value) / float(se) > 2
    rows = _table_rows(markdown, "variant")
    assert len(rows) >= 9  # six variants, the grid's choice, all together, the controls
    for row in rows[1:]:
        value, se = (float(x.replace("−", "-")) for x in row[4].split(" ± "))
        assert se > 0 or value == 0


@pytest.mark.slow
def test_same_seed_same_numbers(quick_report, tmp_path):
    again = _quick_report(tmp_path, "again", "1")

    def tables(path):
        """Every table row, without the columns of measured seconds (not repeatable)."""
        rows, timing = [], set()
        for line in (path / "report.md").read_text().splitlines():
            if not line.startswith("| "):
                continue
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if "s" in cells and "epoch" in cells:  # a header row: note where the seconds are
                timing = {i for i, cell in enumerate(cells) if cell == "s"}
            rows.append([cell for i, cell in enumerate(cells) if i not in timing])
        return rows

    assert tables(again) == tables(quick_report)


@pytest.mark.slow
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signals_keep_finished_sections(tiny_data_dir, tmp_path, signum, code):
    returncode, _, err = interrupt_linclf(
        [
            "report",
            "--quick",
            "--data-dir",
            str(tiny_data_dir),
            "--out",
            str(tmp_path / "r"),
            "--jobs",
            "1",
        ],
        signum,
        # Correctness and Exercise 1 are written before Exercise 2.1 waits for its grid.
        lambda line: "Exercise 2.1 grid search" in line,
    )
    assert returncode == code and "Traceback" not in err, err
    text = (tmp_path / "r" / "report.md").read_text()
    assert "## Exercise 1" in text and f"Interrupted ({signal.Signals(signum).name})" in text
    assert "## Exercise 2.1" not in text and "## Exercise 2.2" not in text


def test_report_usage_errors(tmp_path, capsys):
    assert main(["report", "--jobs", "-1", "--data-dir", str(tmp_path)]) == 2
    assert main(["report", "--data-dir", str(Path(tmp_path) / "none" / "x")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 2


def test_report_help_imports_nothing_heavy():
    probe = (
        "import sys; from linclf.tui.cli import main; main(['report', '--help']); "
        "print(sorted(m for m in ('typst', 'matplotlib', 'numpy', 'torch') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip().endswith("[]"), done.stdout[-300:] + done.stderr
