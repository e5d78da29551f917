"""The report as a list of blocks, rendered as Markdown, standalone HTML and a Typst PDF.

Sections add blocks in reading order; `write()` renders all three from the same blocks, so the
outputs cannot disagree, and can be called after every section (an interrupted report keeps the
sections that finished). Text is the inline markup of markup.py: maths as $...$, references as
@fig:name, @tab:name, @eq:name; outside text goes through `plain()`.

Besides report.pdf with both parts ("Part 1: Assignment", "Part 2: Bonus") and the appendix
(run details, full tables; it opens a page), each part is written as report-<slug>.pdf, for the
spec's two uploads. Blocks before the first part (the introduction) open every PDF.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from linclf.engine.files import atomic_write
from linclf.engine.report.blocks import (
    KINDS,
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
from linclf.engine.report.markup import LABEL, Span, parse, refs
from linclf.engine.text import printable

if TYPE_CHECKING:
    from linclf.engine.report.render_typst import Typesetter

# A4 less the template's 2.25 cm side margins: draw figures this wide (in inches) and their
# fonts print at the size they were set in; wider figures are scaled down, and their labels too.
TEXT_WIDTH_IN = 6.5
FIGURE_DPI = 200
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.png")
_NUMBER = re.compile(r"[+−-]?\s*\d[\d ]*(\.\d+)?(e[+-]?\d+)?\s*(±\s*[\d.]+)?\s*%?|[-—–]|nan|inf")


class SavesFigure(Protocol):
    def savefig(self, fname, **kwargs) -> None: ...


class Document:
    """Blocks of the report, written as report.md, report.html, report.typ and PDFs."""

    def __init__(self, folder: Path, title: str, subtitle: str = "", author: str = ""):
        self.folder = Path(folder)
        self.front = Front(title, subtitle, author)
        self.blocks: list[Block] = []  # the main text, in reading order
        self.appendix: list[Block] = []  # run details and full tables, after the main text
        self._target = self.blocks
        self.numbers: dict = {}  # every number the report states, written as report.json
        self.problems: list[str] = []  # what a reader would criticise, found while building
        self._typesetter: Typesetter | None = None  # made on the first write

    @property
    def title(self) -> str:
        return self.front.title

    @contextmanager
    def in_appendix(self) -> Iterator[None]:
        """Blocks added inside go to the appendix (numbered after the main text's)."""
        self._target = self.appendix
        try:
            yield
        finally:
            self._target = self.blocks

    def everything(self) -> list[Block]:
        """The blocks as rendered: the main text, then the appendix as a part of its own
        (inside report.pdf only, not a separate upload)."""
        if not self.appendix:
            return list(self.blocks)
        return [*self.blocks, Part("Appendix", "appendix", own_pdf=False), *self.appendix]

    def _add(self, block: Block) -> None:
        self._target.append(block)

    def part(self, title: str, slug: str, own_pdf: bool = True) -> None:
        if not re.fullmatch(r"[a-z0-9-]+", slug):
            raise ValueError(f"part slug must be lower-case letters, digits, '-': {slug!r}")
        self._add(Part(title, slug, own_pdf))

    def heading(self, markup: str, level: int = 2) -> None:
        if level not in (2, 3, 4):
            raise ValueError("heading levels are 2-4; level 1 belongs to parts")
        self._add(Heading(parse(markup), level))

    def paragraph(self, markup: str) -> None:
        self._add(Paragraph(parse(markup)))

    def equation(self, source: str, label: str | None = None) -> None:
        """A numbered display equation in Typst maths syntax."""
        if "$" in source:
            raise ValueError(f"an equation is maths only, without $: {source!r}")
        (span,) = parse(f"${source}$")
        self._add(Equation(span.value, self._label(label, "eq")))

    def table(
        self, header: list[str], rows: list[list[str]], caption: str, label: str | None = None
    ) -> None:
        """A numbered table, caption above. Cells are markup; columns whose cells are all
        numbers ('39.13 %', '+1.87 ± 0.70', '10 000') are right-aligned."""
        if any(len(row) != len(header) for row in rows):
            raise ValueError("every row needs one cell per header column")
        numeric = tuple(
            bool(rows) and all(_NUMBER.fullmatch(row[i].strip()) for row in rows)
            for i in range(len(header))
        )
        self._add(
            Table(
                tuple(parse(cell) for cell in header),
                tuple(tuple(parse(cell) for cell in row) for row in rows),
                parse(caption),
                self._label(label, "tab"),
                numeric,
            )
        )

    def figure(self, fig: SavesFigure, name: str, caption: str, label: str | None = None) -> None:
        """A numbered figure: a matplotlib Figure saved as name at FIGURE_DPI, at the size it
        was drawn (no tight cropping: that draws it twice; draw it with a layout engine).
        Printed at its natural size, capped at the text width; a figure drawn much wider is
        listed in problems, since its labels would shrink."""
        if not _NAME.fullmatch(name):
            raise ValueError(f"figure names are plain PNG file names: {name!r}")
        if any(isinstance(block, Image) and block.name == name for block in self.everything()):
            raise ValueError(f"figure {name!r} is already in the report")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=FIGURE_DPI)
        data = buffer.getvalue()
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write(self.folder / name, data)
        natural = png_width_in(data)
        if natural > 1.25 * TEXT_WIDTH_IN:
            self.problems.append(
                f"{name}: {natural:.1f} in wide, printed at {TEXT_WIDTH_IN} in: its labels "
                f"shrink to {TEXT_WIDTH_IN / natural:.0%}; draw it {TEXT_WIDTH_IN} in wide"
            )
        self._add(
            Image(name, parse(caption), self._label(label, "fig"), min(natural, TEXT_WIDTH_IN))
        )

    def reproducibility(self, pairs: list[tuple[str, str]]) -> None:
        """The reproducibility block; called again, it replaces the first one in place (the
        report fills in its runtimes as the sections finish)."""
        block = Reproducibility(tuple((printable(k), printable(v)) for k, v in pairs))
        for blocks in (self.blocks, self.appendix):
            for index, existing in enumerate(blocks):
                if isinstance(existing, Reproducibility):
                    blocks[index] = block
                    return
        self._add(block)

    def _label(self, label: str | None, kind: str) -> str | None:
        if label is None:
            return None
        if not re.fullmatch(LABEL, label) or not label.startswith(kind + ":"):
            raise ValueError(f"a {KINDS[kind].lower()} label looks like '{kind}:name': {label!r}")
        if label in Numbering.count(self.everything()).of_label:
            raise ValueError(f"label {label!r} is used twice")
        return label

    def parts(self) -> list[tuple[Part, list[Block]]]:
        """Each part with its blocks, front matter (blocks before the first part) first."""
        front: list[Block] = []
        found: list[tuple[Part, list[Block]]] = []
        for block in self.everything():
            if isinstance(block, Part):
                found.append((block, list(front)))
            elif found:
                found[-1][1].append(block)
            else:
                front.append(block)
        return found

    def unresolved(self) -> list[str]:
        """Labels referred to but not (yet) defined. They print as "??" so that a report
        written after each section may refer ahead; the finished report must have none."""
        blocks = self.everything()
        known = Numbering.count(blocks).of_label
        return [label for block in blocks for label in refs(_spans_of(block)) if label not in known]

    def write(self, pdf: bool = True) -> list[Path]:
        """Write every output; return their paths. Markdown and HTML are written first, so a
        Typst failure (a bug: the source is generated) still leaves them."""
        from linclf.engine.report.render_text import html_page, markdown
        from linclf.engine.report.render_typst import Typesetter, typst_source

        self.folder.mkdir(parents=True, exist_ok=True)
        written = {
            "report.md": markdown(self.front, self.everything()).encode(),
            "report.html": html_page(self.front, self.everything()).encode(),
            "report.json": (json.dumps(self.numbers, indent=1, default=_jsonable) + "\n").encode(),
        }
        for name, data in written.items():
            atomic_write(self.folder / name, data)
        paths = [self.folder / name for name in written]
        if pdf:
            jobs: list[tuple[str, Front, list[Block], dict[str, str]]] = [
                ("report", self.front, self.everything(), {})
            ]
            for part, blocks in self.parts():
                if part.own_pdf:
                    front = Front(self.front.title, part.title, self.front.author)
                    jobs.append((f"report-{part.slug}", front, blocks, _elsewhere(self, part)))
            for stem, front, blocks, elsewhere in jobs:
                source = typst_source(front, blocks, elsewhere)
                if stem == "report":
                    atomic_write(self.folder / "report.typ", source.encode())
                if self._typesetter is None:
                    self._typesetter = Typesetter(self.folder)
                atomic_write(self.folder / f"{stem}.pdf", self._typesetter.pdf(source))
                paths.append(self.folder / f"{stem}.pdf")
        return paths


def _elsewhere(doc: Document, part: Part) -> dict[str, str]:
    """For a one-part PDF: how to name a label that lives in another part ('Figure 2 of
    Part 1: Assignment'), numbered as that part's own PDF numbers it. A part without a PDF
    of its own (the appendix) is only in report.pdf: 'Equation 1 in report.pdf, Appendix',
    numbered as report.pdf numbers it."""
    named: dict[str, str] = {}
    whole = Numbering.count(doc.everything()).of_label
    for other, blocks in doc.parts():
        if other != part:
            for label, name in Numbering.count(blocks).of_label.items():
                where = f"{name} of {other.title}"
                if not other.own_pdf:
                    where = f"{whole[label]} in report.pdf, {other.title}"
                named.setdefault(label, where)
    return named


def _spans_of(block: Block) -> tuple[Span, ...]:
    if isinstance(block, Heading | Paragraph):
        return block.spans
    if isinstance(block, Image):
        return block.caption
    if isinstance(block, Table):
        cells = [c for row in (block.header, *block.rows) for c in row]
        return block.caption + tuple(span for cell in cells for span in cell)
    return ()


def png_width_in(data: bytes) -> float:
    """Width in inches of a PNG, from its pixel width and its stated resolution (96 dpi if it
    states none, as browsers assume), read by Pillow."""
    from PIL import Image as PillowImage

    with PillowImage.open(io.BytesIO(data)) as image:
        if image.format != "PNG":
            raise ValueError("not a PNG file")
        dpi = image.info.get("dpi", (96.0, 96.0))[0] or 96.0
        return image.width / float(dpi)


def _jsonable(value: object) -> object:
    """numpy scalars and arrays, dataclasses: as JSON can hold them."""
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
