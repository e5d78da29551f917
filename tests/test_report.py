import html.parser
import re
import signal
from pathlib import Path

import pytest
from conftest import interrupt_linclf

from linclf.tui.cli import main

SECTIONS = [
    "Exercise 1: the four required settings",
    "Gradient check against PyTorch autograd",
    "Exercise 2.1: improvements",
    "Exercise 2.2: sigmoid + multiple binary cross-entropy",
]


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
    assert (
        main(
            [
                "report",
                "--quick",
                "--data-dir",
                str(data),
                "--out",
                str(base / out),
                "--jobs",
                jobs,
                "--seed",
                "3",
            ]
        )
        == 0
    )
    return base / out


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    return _quick_report(tmp_path_factory.mktemp("report"), "out", "2")


def test_quick_report_is_complete(quick_report):
    text = (quick_report / "report.md").read_text()
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings == SECTIONS
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(images) >= 4 * 2 + 3
    assert all((quick_report / name).is_file() for name in images)
    table_rows = [
        line
        for line in text.splitlines()
        if line.startswith("| ") and not line.startswith("| lam |")
    ]
    numbers = 0
    for row in table_rows:
        for cell in (c.strip() for c in row.strip("|").split("|")):
            match = re.fullmatch(r"[+-]?\d+(\.\d+)?(e[+-]\d+)?( ?%)?", cell)
            if match:
                float(cell.rstrip(" %"))
                numbers += 1
    assert numbers > 50
    assert "dl/ds = (p - y) / K" in text and "The largest single gain comes from" in text
    assert "8 of 8 cases pass" in text and "### Best linear model" in text
    assert "averaged and flip-symmetric" in text


def test_html_has_the_same_sections_and_images(quick_report):
    outline = _HtmlOutline()
    outline.feed((quick_report / "report.html").read_text())
    assert outline.h2 == SECTIONS
    md_images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (quick_report / "report.md").read_text())
    assert outline.images == md_images


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
        lambda line: "Gradient check" in line,
    )
    assert returncode == code and "Traceback" not in err, err
    text = (tmp_path / "r" / "report.md").read_text()
    assert "## Exercise 1" in text and f"Interrupted ({signal.Signals(signum).name})" in text
    assert "## Exercise 2.2" not in text


def test_report_usage_errors(tmp_path, capsys):
    assert main(["report", "--jobs", "-1", "--data-dir", str(tmp_path)]) == 2
    assert main(["report", "--data-dir", str(Path(tmp_path) / "none" / "x")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 2
