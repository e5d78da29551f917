"""The report's document as data: its blocks and their numbering. Renderers (render_text.py,
render_typst.py) read these and nothing else; document.py builds them. No module here imports
a renderer, so the document and its renderers form no import cycle."""

from __future__ import annotations

from dataclasses import dataclass, field

from linclf.engine.report.markup import Span

KINDS = {"fig": "Figure", "tab": "Table", "eq": "Equation"}


@dataclass(frozen=True)
class Heading:
    spans: tuple[Span, ...]
    level: int


@dataclass(frozen=True)
class Paragraph:
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Equation:
    source: str
    label: str | None


@dataclass(frozen=True)
class Table:
    header: tuple[tuple[Span, ...], ...]
    rows: tuple[tuple[tuple[Span, ...], ...], ...]
    caption: tuple[Span, ...]
    label: str | None
    numeric: tuple[bool, ...]  # right-align the columns whose cells are all numbers


@dataclass(frozen=True)
class Image:
    name: str
    caption: tuple[Span, ...]
    label: str | None
    width_in: float  # as printed: the natural width, capped at the text width


@dataclass(frozen=True)
class Reproducibility:
    pairs: tuple[tuple[str, str], ...]  # plain text, shown verbatim in monospace


@dataclass(frozen=True)
class Part:
    title: str  # plain text
    slug: str
    own_pdf: bool = True  # also written alone, as report-<slug>.pdf (the spec's uploads)


Block = Heading | Paragraph | Equation | Table | Image | Reproducibility | Part


@dataclass
class Numbering:
    """'Figure 3', 'Table 2', 'Equation 1' for each label, and each numbered block's number,
    counted over the blocks given, in order, as Typst counts them."""

    of_label: dict[str, str] = field(default_factory=dict)
    of_block: dict[int, int] = field(default_factory=dict)

    @classmethod
    def count(cls, blocks: list[Block]) -> Numbering:
        numbering, counters = cls(), {"fig": 0, "tab": 0, "eq": 0}
        for index, block in enumerate(blocks):
            if not isinstance(block, (Image, Table, Equation)):
                continue
            kind = {Image: "fig", Table: "tab", Equation: "eq"}[type(block)]
            counters[kind] += 1
            numbering.of_block[index] = counters[kind]
            if block.label:
                # A no-break space, as Typst sets it: "Figure" never ends a line alone.
                numbering.of_label[block.label] = f"{KINDS[kind]}\u00a0{counters[kind]}"
        return numbering


@dataclass(frozen=True)
class Front:
    """What opens every rendering: title, subtitle and author (plain text)."""

    title: str
    subtitle: str = ""
    author: str = ""
