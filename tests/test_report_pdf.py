"""The report's document, read back from its PDFs with pypdf: parts, numbered captions,
references that resolve to the same numbers in every output, embedded images, one PDF per part,
and headings never left alone at the bottom of a page."""

import re

import pypdf
import pytest
from matplotlib.figure import Figure

from linclf.engine.report.document import TEXT_WIDTH_IN, Document


def _figure(width: float = TEXT_WIDTH_IN, shift: float = 0) -> Figure:
    """A small plot; different shifts draw different images (identical ones are embedded
    once)."""
    fig = Figure(figsize=(width, 2), layout="constrained")
    fig.subplots().plot([1, 2, 3], [3 + shift, 1, 2])
    return fig


def build(folder) -> Document:
    doc = Document(folder, "A report", "with two parts")
    doc.paragraph("Front matter, in both PDFs.")
    doc.reproducibility([("command", "linclf report --quick"), ("runtime", "so far")])
    doc.reproducibility([("command", "linclf report --quick"), ("runtime", "3 s")])
    doc.part("Part 1: Assignment", "assignment")
    doc.heading("First section")
    doc.paragraph("See @fig:one, @tab:numbers and @eq:cost; the second part has @fig:three.")
    doc.equation("J = 1/n sum_i l_i + lambda sum_(i j) W_(i j)^2", "eq:cost")
    doc.table(
        ["name", "value"], [["a", "39.13 ± 0.25 %"], ["b", "−1.5"]], "Numbers.", "tab:numbers"
    )
    doc.figure(_figure(), "one.png", "The first figure.", "fig:one")
    doc.figure(_figure(shift=1), "two.png", "As @fig:one, again.", "fig:two")
    doc.part("Part 2: Bonus", "bonus")
    doc.heading("Second section")
    doc.figure(_figure(shift=2), "three.png", "The third figure.", "fig:three")
    doc.paragraph("Here @fig:three is local and @fig:one lives in the first part.")
    doc.paragraph("Its loss is @eq:loss, in the appendix.")
    with doc.in_appendix():
        doc.equation("l = -log p_y", "eq:loss")
    return doc


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("doc")
    doc = build(folder)
    doc.write()
    return folder, doc


def _text(path) -> str:
    """All pages' text, no-break spaces (Typst puts one in "Figure 3") as spaces."""
    pages = pypdf.PdfReader(path).pages
    return "\n".join(page.extract_text().replace("\xa0", " ") for page in pages)


def _images(path) -> int:
    return sum(len(page.images) for page in pypdf.PdfReader(path).pages)


def test_combined_pdf_has_parts_numbered_captions_and_images(report):
    folder, doc = report
    text = _text(folder / "report.pdf")
    for heading in ("Part 1: Assignment", "First section", "Part 2: Bonus", "Second section"):
        assert heading in text
    assert re.findall(r"^Figure (\d+):", text, re.M) == ["1", "2", "3"]
    assert re.findall(r"^Table (\d+):", text, re.M) == ["1"]
    assert "(1)" in text and "39.13 ± 0.25 %" in text
    assert _images(folder / "report.pdf") == 3
    assert doc.problems == [] and doc.unresolved() == []
    assert text.count("runtime") == 1 and "3 s" in text  # the block was replaced, not added


def test_references_resolve_to_the_same_numbers_everywhere(report):
    folder, _ = report
    pdf = " ".join(_text(folder / "report.pdf").split())
    md = (folder / "report.md").read_text().replace("\xa0", " ")
    page = (folder / "report.html").read_text()
    for sentence in ("See Figure 1, Table 1 and Equation 1", "As Figure 1, again"):
        assert sentence in pdf and sentence in md
    assert '<a href="#fig:one">Figure\xa01</a>' in page and 'id="eq:cost"' in page


def test_each_part_is_its_own_pdf_numbered_from_one(report):
    folder, _ = report
    first = _text(folder / "report-assignment.pdf")
    second = _text(folder / "report-bonus.pdf")
    assert "First section" in first and "Second section" not in first
    assert "Second section" in second and "First section" not in second
    assert re.findall(r"^Figure (\d+):", second, re.M) == ["1"]
    words = " ".join(second.split())
    assert "Here Figure 1 is local and Figure 1 of Part 1: Assignment lives" in words
    # the appendix is only in report.pdf, numbered as it numbers it
    assert "Its loss is Equation 2 in report.pdf, Appendix, in the appendix" in words
    assert _images(folder / "report-assignment.pdf") == 2
    assert _images(folder / "report-bonus.pdf") == 1
    assert "Front matter" in first and "Front matter" in second


def test_same_blocks_same_bytes(tmp_path):
    build(tmp_path / "a").write()
    build(tmp_path / "b").write()
    assert (tmp_path / "a" / "report.pdf").read_bytes() == (
        tmp_path / "b" / "report.pdf"
    ).read_bytes()


@pytest.mark.parametrize("filler", range(0, 44, 3))
def test_no_heading_ends_a_page(tmp_path, filler):
    """Push a heading through every position near a page bottom; it must never be the last
    line of its page."""
    doc = Document(tmp_path, "Widows and orphans")
    words = "The validation loss keeps falling while the training loss flattens out. "
    for i in range(4):
        doc.paragraph(words * (8 + filler % 7) + f"Paragraph {i}.")
    doc.paragraph(words * filler)
    for section in range(12):
        doc.heading(f"Section heading number {section}")
        doc.paragraph(words * 6)
    doc.write()
    pages = [page.extract_text() for page in pypdf.PdfReader(tmp_path / "report.pdf").pages]
    assert len(pages) >= 2
    for page in pages:
        lines = [line for line in page.splitlines() if line.strip()]
        assert not lines[-2].startswith("Section heading"), lines[-3:]


def test_a_figure_drawn_too_wide_is_reported_and_names_are_unique(tmp_path):
    doc = Document(tmp_path, "t")
    doc.figure(_figure(12), "wide.png", "Too wide.")
    doc.figure(_figure(), "fits.png", "Fits.")
    assert len(doc.problems) == 1 and "wide.png" in doc.problems[0]
    assert "54%" in doc.problems[0]
    with pytest.raises(ValueError, match="already in the report"):
        doc.figure(_figure(), "fits.png", "Again.")
