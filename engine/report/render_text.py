"""The report's blocks as Markdown (maths as $...$ LaTeX, which Markdown viewers render) and as
one standalone HTML page (maths as MathML, which browsers render natively: no script, no web
fonts)."""

from __future__ import annotations

import html
import re

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
from linclf.engine.report.latex import latex
from linclf.engine.report.markup import Span, html_text, markdown_code, markdown_text


def markdown(front: Front, blocks: list[Block]) -> str:
    numbering = Numbering.count(blocks)
    out = [f"# {markdown_text(front.title)}", ""]
    if front.author:
        out += [f"**{markdown_text(front.author)}**", ""]
    if front.subtitle:
        out += [f"*{markdown_text(front.subtitle)}*", ""]
    for index, block in enumerate(blocks):
        number = numbering.of_block.get(index)
        out += _markdown_block(block, number, numbering) + [""]
    return "\n".join(out)


def _markdown_block(block: Block, number: int | None, numbering: Numbering) -> list[str]:
    def inline(spans: tuple[Span, ...], in_table: bool = False) -> str:
        return _md_inline(spans, numbering, in_table, line_start=False)

    if isinstance(block, Part):
        return [f"# {markdown_text(block.title)}"]
    if isinstance(block, Heading):
        return ["#" * block.level + " " + inline(block.spans)]
    if isinstance(block, Paragraph):
        return [_md_inline(block.spans, numbering, in_table=False, line_start=True)]
    if isinstance(block, Equation):
        return [f"$$ {latex(block.source)} \\tag{{{number}}} $$"]
    if isinstance(block, Image):
        return [
            f"![Figure {number}]({block.name})",
            "",
            f"**Figure\u00a0{number}.** " + inline(block.caption),
        ]
    if isinstance(block, Table):
        align = ["---:" if numeric else "---" for numeric in block.numeric]
        rows = [block.header, *block.rows]
        lines = ["| " + " | ".join(inline(cell, True) for cell in row) + " |" for row in rows]
        caption = f"**Table\u00a0{number}.** " + inline(block.caption)
        return [caption, "", lines[0], "|" + "|".join(align) + "|", *lines[1:]]
    if isinstance(block, Reproducibility):
        width = max((len(key) for key, _ in block.pairs), default=0)
        lines = [f"{key.ljust(width)} : {value}" for key, value in block.pairs]
        fence = "`" * max(
            3, 1 + max((len(r) for r in re.findall("`+", "\n".join(lines))), default=0)
        )
        return [fence + "text", *lines, fence]
    raise TypeError(f"unknown block {block!r}")


def _md_inline(
    spans: tuple[Span, ...], numbering: Numbering, in_table: bool, line_start: bool
) -> str:
    """line_start: the spans open a paragraph, where "1." or "-" would start a list."""
    out: list[str] = []
    for span in spans:
        if span.kind == "text":
            out.append(markdown_text(span.value, at_line_start=line_start and not out))
        elif span.kind == "math":
            maths = f"${latex(span.value)}$"
            out.append(maths.replace("|", "\\|") if in_table else maths)
        elif span.kind == "code":
            code = markdown_code(span.value)
            out.append(code.replace("|", "\\|") if in_table else code)
        elif span.kind == "emph":
            out.append("*" + _md_inline(span.children, numbering, in_table, False) + "*")
        else:
            out.append(numbering.of_label.get(span.value, "??"))
    return "".join(out)


STYLE = """
body{font-family:Georgia,'Libertinus Serif',serif;font-size:17px;line-height:1.45;
  max-width:48em;margin:2em auto;padding:0 1em;color:#111}
h1.title{text-align:center;margin-bottom:0}p.subtitle{text-align:center;margin-top:.3em}
h1.part{border-bottom:1px solid #999}.later{break-before:page}
h1,h2,h3,h4{break-after:avoid;page-break-after:avoid}
.keep,figure,.equation,tr,img{break-inside:avoid;page-break-inside:avoid}
math{font-family:'Latin Modern Math','STIX Two Math','Cambria Math',math}
.equation{display:flex;align-items:center;margin:1em 0}
.equation .formula{flex:1;text-align:center}.equation .number{min-width:3em;text-align:right}
figure{margin:1.2em 0;text-align:center}img{max-width:100%;height:auto}
figcaption,caption{font-size:.92em;text-align:left;margin:.4em 0}
table{border-collapse:collapse;margin:1em auto;font-size:.9em}
thead tr{border-top:1.5px solid #000;border-bottom:.8px solid #000}
tbody tr:last-child{border-bottom:1.5px solid #000}
th,td{padding:3px 9px;text-align:left;vertical-align:top}.num{text-align:right}
table.repro{width:100%;background:#f6f6f6;border:1px solid #ccc;font-size:.85em}
table.repro th{white-space:nowrap;font-weight:normal}table.repro code{word-break:break-all}
"""


def html_page(front: Front, blocks: list[Block]) -> str:
    from linclf.engine.report.render_typst import mathml

    numbering = Numbering.count(blocks)
    slots: list[tuple[str, bool]] = []
    body, group = [], []
    first_part = True
    for index, block in enumerate(blocks):
        html_block = _html_block(block, numbering.of_block.get(index), numbering, slots)
        if isinstance(block, Part) and not first_part:
            html_block = html_block.replace('class="part"', 'class="part later"', 1)
        first_part &= not isinstance(block, Part)
        group.append(html_block)
        # A heading opens a group that closes after the first block that is not a heading:
        # printed, the group does not break, so no heading ends a page alone.
        if not isinstance(block, Heading | Part):
            body.append(
                group[0] if len(group) == 1 else '<div class="keep">' + "\n".join(group) + "</div>"
            )
            group = []
    body += group
    rendered = mathml(slots) or [
        f'<code class="math">{html.escape(source)}</code>' for source, _ in slots
    ]
    text = re.sub(
        r'<math-slot n="(\d+)"></math-slot>', lambda m: rendered[int(m[1])], "\n".join(body)
    )
    lines = [front.author, front.subtitle]
    under = "".join(f'<p class="subtitle">{html_text(line)}</p>' for line in lines if line)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>'
        f"{html_text(front.title)}</title><style>{STYLE}</style></head><body>\n"
        f'<h1 class="title">{html_text(front.title)}</h1>{under}\n{text}\n</body></html>\n'
    )


def _slot(slots: list[tuple[str, bool]], source: str, display: bool) -> str:
    slots.append((source, display))
    return f'<math-slot n="{len(slots) - 1}"></math-slot>'


def _html_block(block: Block, number: int | None, numbering: Numbering, slots) -> str:
    def inline(spans: tuple[Span, ...]) -> str:
        return _html_inline(spans, numbering, slots)

    def anchor(label: str | None) -> str:
        return f' id="{label}"' if label else ""

    if isinstance(block, Part):
        return f'<h1 class="part" id="part-{block.slug}">{html_text(block.title)}</h1>'
    if isinstance(block, Heading):
        return f"<h{block.level}>{inline(block.spans)}</h{block.level}>"
    if isinstance(block, Paragraph):
        return f"<p>{inline(block.spans)}</p>"
    if isinstance(block, Equation):
        formula = _slot(slots, block.source, True)
        return (
            f'<div class="equation"{anchor(block.label)}><div class="formula">{formula}'
            f'</div><span class="number">({number})</span></div>'
        )
    if isinstance(block, Image):
        return (
            f'<figure{anchor(block.label)}><img src="{html.escape(block.name)}" '
            f'alt="Figure {number}" style="width:{96 * block.width_in:.0f}px">'
            f"<figcaption><b>Figure&nbsp;{number}.</b> {inline(block.caption)}</figcaption>"
            "</figure>"
        )
    if isinstance(block, Table):

        def row(cells, tag: str) -> str:
            return (
                "<tr>"
                + "".join(
                    f"<{tag}{' class=num' if numeric else ''}>{inline(cell)}</{tag}>"
                    for cell, numeric in zip(cells, block.numeric)
                )
                + "</tr>"
            )

        return (
            f"<table{anchor(block.label)}><caption><b>Table&nbsp;{number}.</b> "
            f"{inline(block.caption)}</caption><thead>{row(block.header, 'th')}</thead>"
            f"<tbody>{''.join(row(cells, 'td') for cells in block.rows)}</tbody></table>"
        )
    if isinstance(block, Reproducibility):
        rows = "".join(
            f"<tr><th>{html_text(key)}</th><td><code>{html.escape(value)}</code></td></tr>"
            for key, value in block.pairs
        )
        return f'<table class="repro">{rows}</table>'
    raise TypeError(f"unknown block {block!r}")


def _html_inline(spans: tuple[Span, ...], numbering: Numbering, slots) -> str:
    out = []
    for span in spans:
        if span.kind == "text":
            out.append(html_text(span.value))
        elif span.kind == "math":
            out.append(_slot(slots, span.value, False))
        elif span.kind == "code":
            out.append(f"<code>{html.escape(span.value)}</code>")
        elif span.kind == "emph":
            out.append(f"<em>{_html_inline(span.children, numbering, slots)}</em>")
        else:
            out.append(f'<a href="#{span.value}">{numbering.of_label.get(span.value, "??")}</a>')
    return "".join(out)
