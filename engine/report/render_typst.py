"""Typst source for the report's blocks, compiled to PDF by the `typst` wheel (no network, only
the fonts the wheel embeds, so every machine typesets the same pages), and maths as MathML for
the HTML page from the same compiler."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from linclf.engine.report.blocks import (
    Block,
    Equation,
    Front,
    Heading,
    Image,
    Numbering,
    Paragraph,
    Part,
    Reproducibility,
    Table,
)
from linclf.engine.report.markup import Span, typst_string, typst_text

# Headings are sticky in Typst (kept with the block that follows them); figures never break;
# tables may break across pages, repeating their header. The appendix opens a page.
TEMPLATE = """\
#set document(title: {title}, author: {author}, date: none)
#set page(paper: "a4", margin: (x: 2.25cm, top: 2.3cm, bottom: 2.5cm),
  numbering: "1 / 1", number-align: center)
#set text(size: 10.5pt, lang: "en")
#set par(justify: true)
#set heading(numbering: none)
#show heading.where(level: 1): set text(15pt)
#show heading.where(level: 2): set text(12.5pt)
#show heading.where(level: 3): set text(11pt)
#set math.equation(numbering: "(1)")
#show figure.where(kind: table): set figure.caption(position: top)
#show figure.where(kind: table): set block(breakable: true)
#show figure.caption: set text(size: 9.5pt)
#show figure.caption: set align(left)
#show table: set text(size: 9pt)
#set table(stroke: none, inset: (x: 5pt, y: 3.2pt))
#show raw: set text(font: "DejaVu Sans Mono", size: 8.5pt)
#align(center)[
  #text(16pt, weight: "bold", {title})
  #if {author} != "" [ \\ #v(0.3em) #text(12pt, {author}) ]
  #if {subtitle} != "" [ \\ #v(0.2em) #text(11pt, {subtitle}) ]
]
#v(0.8em)
"""


def typst_source(front: Front, blocks: list[Block], elsewhere: dict[str, str]) -> str:
    """The whole document; elsewhere names labels of other parts (see document._elsewhere)."""
    numbering = Numbering.count(blocks)
    out = [
        TEMPLATE.format(
            title=typst_string(front.title),
            subtitle=typst_string(front.subtitle),
            author=typst_string(front.author),
        )
    ]
    for block in blocks:
        # The main text runs on (each part is also its own PDF for the uploads); the
        # appendix opens a page, so the main text's length shows.
        if isinstance(block, Part) and not block.own_pdf:
            out.append("#pagebreak(weak: true)")
        out.append(_block(block, numbering, elsewhere))
    return "\n\n".join(out) + "\n"


def _block(block: Block, numbering: Numbering, elsewhere: dict[str, str]) -> str:
    def inline(spans: tuple[Span, ...]) -> str:
        return _inline(spans, numbering, elsewhere)

    if isinstance(block, Part):
        return "= " + typst_text(block.title)
    if isinstance(block, Heading):
        return "=" * block.level + " " + inline(block.spans)
    if isinstance(block, Paragraph):
        return inline(block.spans)
    if isinstance(block, Equation):
        return f"$ {block.source} $" + _label(block.label)
    if isinstance(block, Image):
        image = f'image("/{block.name}", width: {block.width_in:.3f}in)'
        # Floating to the top or bottom of a page, a figure leaves no half-empty page behind.
        return f"#figure({image}, placement: auto, caption: [{inline(block.caption)}])" + _label(
            block.label
        )
    if isinstance(block, Table):
        return _table(block, inline)
    if isinstance(block, Reproducibility):
        cells = ", ".join(
            f"[{typst_text(key)}], raw({typst_string(value)})" for key, value in block.pairs
        )
        return (
            "#block(width: 100%, inset: 8pt, radius: 2pt, fill: luma(246), "
            "stroke: 0.5pt + luma(190), breakable: true)["
            "#set text(size: 9pt)\n#set par(justify: false)\n"
            f"#grid(columns: (auto, 1fr), column-gutter: 1.2em, row-gutter: 0.6em, {cells})]"
        )
    raise TypeError(f"unknown block {block!r}")


def _table(block: Table, inline) -> str:
    columns = len(block.header)
    align = ", ".join("right" if numeric else "left" for numeric in block.numeric)
    header = ", ".join(f"[*{inline(cell)}*]" for cell in block.header)
    # A number never breaks across lines ("39.13 ± 0.25 %" stays whole): boxed.
    cells = [
        f"box[{inline(cell)}]" if numeric else f"[{inline(cell)}]"
        for row in block.rows
        for cell, numeric in zip(row, block.numeric)
    ]
    arguments = [
        f"columns: {columns}",
        f"align: ({align},)",
        "table.hline()",
        f"table.header({header})",
        "table.hline(stroke: 0.5pt)",
        *cells,
        "table.hline()",
    ]
    table = f"table({', '.join(arguments)})"
    return f"#figure({table}, caption: [{inline(block.caption)}])" + _label(block.label)


def _label(label: str | None) -> str:
    return f" <{label}>" if label else ""


def _inline(spans: tuple[Span, ...], numbering: Numbering, elsewhere: dict[str, str]) -> str:
    out = []
    for span in spans:
        if span.kind == "text":
            out.append(typst_text(span.value))
        elif span.kind == "math":
            out.append(f"${span.value}$")
        elif span.kind == "code":
            out.append(f"#raw({typst_string(span.value)})")
        elif span.kind == "emph":
            out.append(f"#emph[{_inline(span.children, numbering, elsewhere)}]")
        elif span.value in numbering.of_label:
            out.append(f"#ref(<{span.value}>)")
        else:
            out.append(typst_text(elsewhere.get(span.value, "??")))
    return "".join(out)


class Typesetter:
    """Compiles Typst sources to PDF with the `typst` wheel: no network, only the fonts the
    wheel embeds, a fixed timestamp, so the same blocks give the same bytes on every machine.
    One compiler is kept per report folder (images resolve under it): it caches fonts and the
    figures it has read, so typesetting again after each section takes tens of milliseconds
    instead of a second. Document.figure never rewrites a figure under the same name, so the
    cache cannot serve a stale image."""

    def __init__(self, root: Path):
        import typst

        self._compiler = typst.Compiler(root=str(root), ignore_system_fonts=True)

    def pdf(self, source: str) -> bytes:
        # Untagged: Typst's tagged PDF states /MarkInfo <</Suspects false>>, which poppler
        # before 23.01 misreads ("Syntax Error: Suspects object is wrong type (boolean)").
        pdf = self._compiler.compile(source.encode(), format="pdf", timestamp=0, pdf_tags=False)
        if not isinstance(pdf, bytes):  # a list of pages comes only from PNG or SVG output
            raise TypeError(f"typst gave {type(pdf).__name__} for a PDF")
        return pdf


_MATH = re.compile(r"<math\b.*?</math>", re.S)


def mathml(sources: list[tuple[str, bool]]) -> list[str] | None:
    """MathML for each (Typst maths, display?), in order, from Typst's HTML export (marked
    experimental upstream); None if it fails or does not give one <math> per formula, so the
    caller can fall back to showing the source."""
    import typst

    if not sources:
        return []
    body = "\n\n".join(f"$ {s} $" if display else f"${s}$" for s, display in sources)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            page = typst.compile(body.encode(), format="html")
    except RuntimeError:
        return None
    found = _MATH.findall(page.decode())
    return found if len(found) == len(sources) else None
