"""Hostile text, passed through plain(), reads back verbatim from all three outputs and never
becomes Typst code, HTML tags, Markdown constructs or a reference."""

import html.parser

import pypdf
import pytest
from markdown_it import MarkdownIt

from linclf.engine.report.document import Document
from linclf.engine.report.markup import parse, plain

HOSTILE = [
    '#import "@preview/cetz:0.3.0": *',
    '#read("/etc/passwd") $x$ `y` *z*',
    "a ] b [ c } { \\ d",
    "@ref and @fig:nothing <label> // comment /* no",
    "<script>alert('x')</script> &amp; &lt;",
    "1. not a list | a | b | _under_ ~~gone~~ = heading",
    "--- -- ... ~ 'quotes' \"double\"",
]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    doc = Document(folder, HOSTILE[0], HOSTILE[1])
    doc.reproducibility([(f"key {i}", text) for i, text in enumerate(HOSTILE)])
    doc.part(HOSTILE[4], "one")
    for i, text in enumerate(HOSTILE):
        doc.heading(plain(text))
        doc.paragraph(plain(text))
        doc.table(["text", "n"], [[plain(text), str(i)]], plain(text), f"tab:t{i}")
    doc.write()
    return folder


def _expected(index: int, html_title: bool = False) -> int:
    """Each string is a heading, a paragraph, a table cell, a caption and a reproducibility
    value; three are also the title, the subtitle and a part (and the HTML <title>)."""
    return 5 + (index in (0, 1, 4)) + (html_title and index == 0)


def _pdf_text(folder) -> str:
    reader = pypdf.PdfReader(folder / "report.pdf")
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("index, text", enumerate(HOSTILE))
def test_pdf_shows_the_text_verbatim(outputs, index, text):
    found = " ".join(_pdf_text(outputs).split())
    assert found.count(" ".join(text.split())) == _expected(index)


class _Collect(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.data = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.data.append(data)


def _html(source: str) -> _Collect:
    parsed = _Collect()
    parsed.feed(source)
    return parsed


@pytest.mark.parametrize("index, text", enumerate(HOSTILE))
def test_html_shows_the_text_and_no_injected_tag(outputs, index, text):
    parsed = _html((outputs / "report.html").read_text())
    assert "script" not in parsed.tags and "label" not in parsed.tags
    assert "".join(parsed.data).count(" ".join(text.split())) == _expected(index, True)


@pytest.mark.parametrize("index, text", enumerate(HOSTILE))
def test_markdown_renders_back_to_the_text(outputs, index, text):
    markdown = (outputs / "report.md").read_text()
    parsed = _html(MarkdownIt("commonmark").enable("table").render(markdown))
    assert "script" not in parsed.tags and "ol" not in parsed.tags and "del" not in parsed.tags
    assert "".join(parsed.data).count(" ".join(text.split())) == _expected(index)


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_text_parses_to_one_text_span(text):
    (span,) = parse(plain(text))
    assert span.kind == "text" and span.value == " ".join(text.split())


@pytest.mark.parametrize(
    "markup, message",
    [
        ("costs $5", "unbalanced"),
        ("a * b", "unbalanced"),
        ("`open", "unbalanced"),
        ('$#read("x")$', "not allowed in maths"),
        ("$a // b$", "not allowed in maths"),
    ],
)
def test_authoring_slips_fail_loudly(markup, message):
    with pytest.raises(ValueError, match=message):
        parse(markup)


def test_bad_labels_fail_and_references_ahead_print_as_question_marks(tmp_path):
    doc = Document(tmp_path, "t")
    doc.equation("x = 1", "eq:one")
    with pytest.raises(ValueError, match="used twice"):
        doc.equation("x = 2", "eq:one")
    with pytest.raises(ValueError, match="looks like"):
        doc.equation("x = 2", "fig:one")
    doc.paragraph("See @fig:ahead and @eq:one.")
    assert doc.unresolved() == ["fig:ahead"]
    doc.write()  # written after each section, a reference ahead prints as ??
    assert "See ?? and Equation\xa01." in (tmp_path / "report.md").read_text()
    assert "See ?? and Equation" in pypdf.PdfReader(tmp_path / "report.pdf").pages[0].extract_text()
    from matplotlib.figure import Figure

    doc.figure(Figure(figsize=(3, 2)), "ahead.png", "Defined later.", "fig:ahead")
    assert doc.unresolved() == []


def test_empty_and_one_column_tables_typeset(tmp_path):
    doc = Document(tmp_path, "t")
    doc.table(["only"], [], "No rows yet.")
    doc.table(["n"], [["1"], ["−2.5 ± 0.1 %"]], "One column.")
    doc.write()
    text = pypdf.PdfReader(tmp_path / "report.pdf").pages[0].extract_text()
    assert "No rows yet." in text and "−2.5 ± 0.1 %" in text
