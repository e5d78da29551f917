"""The report's inline markup, parsed once and escaped for each target.

One small language for paragraphs, captions, headings and table cells, chosen so that each
construct has an exact counterpart in Typst, HTML and Markdown:

    $p_y$           maths, in Typst's maths syntax (the PDF is the graded artefact)
    *text*          emphasis
    `code`          monospace, verbatim
    @fig:name       a reference to a labelled figure, table (@tab:) or equation (@eq:)
    \\X              the character X, literally

Everything else is literal text. Text that comes from outside the report's own code (paths,
commands, commit messages) must pass through `plain()`, which escapes it, so it can never open
maths, emphasis or a reference, and never reaches Typst as code.
"""

from __future__ import annotations

import html
import re
import string
from dataclasses import dataclass

from linclf.engine.text import printable

LABEL = r"(?:fig|tab|eq):[A-Za-z0-9][A-Za-z0-9_-]*"
_TOKEN = re.compile(rf"\\(.)|\$([^$]*)\$|`([^`]*)`|\*([^*]+)\*|@({LABEL})|([$`*])", re.S)
_SPECIAL = re.compile(r"([\\$`*@])")


@dataclass(frozen=True)
class Span:
    """kind is "text", "math", "code", "ref" (value is a label) or "emph" (children)."""

    kind: str
    value: str = ""
    children: tuple[Span, ...] = ()


def plain(text: object) -> str:
    """text as markup that reads back as exactly that text, its control characters as
    visible markers (engine/text.py): report.md is read in terminals too."""
    return _SPECIAL.sub(r"\\\1", printable(_spaces(str(text))))


def parse(markup: str) -> tuple[Span, ...]:
    """The spans of markup; an unbalanced $, ` or * is an authoring error, raised here."""
    spans: list[Span] = []
    text: list[str] = []
    position = 0

    def flush() -> None:
        if "".join(text):
            spans.append(Span("text", "".join(text)))
        text.clear()

    for match in _TOKEN.finditer(markup):
        text.append(markup[position : match.start()])
        position = match.end()
        escaped, math, code, emph, ref, lone = match.groups()
        if escaped is not None:
            text.append(escaped)
            continue
        if lone is not None:
            raise ValueError(f"unbalanced {lone!r} in markup {markup!r}; use \\{lone}")
        flush()
        if math is not None:
            spans.append(Span("math", _checked_math(math.strip())))
        elif code is not None:
            spans.append(Span("code", code))
        elif emph is not None:
            spans.append(Span("emph", children=parse(emph)))
        else:
            spans.append(Span("ref", ref))
    text.append(markup[position:])
    flush()
    return tuple(spans)


def _checked_math(source: str) -> str:
    """Maths is written by the report's code, never from outside text; still refuse what would
    end it early or run Typst code, so a slip fails loudly instead of mis-typesetting."""
    for bad in ("#", "//", "/*", "\n"):
        if bad in source:
            raise ValueError(f"{bad!r} is not allowed in maths: {source!r}")
    if source.endswith("\\"):
        raise ValueError(f"maths may not end with a backslash: {source!r}")
    return source


def refs(spans: tuple[Span, ...]) -> list[str]:
    """Every label the spans refer to, nested ones included."""
    found: list[str] = []
    for span in spans:
        if span.kind == "ref":
            found.append(span.value)
        found += refs(span.children)
    return found


def maths(spans: tuple[Span, ...]) -> list[str]:
    """Every maths source in the spans, in reading order."""
    found: list[str] = []
    for span in spans:
        if span.kind == "math":
            found.append(span.value)
        found += maths(span.children)
    return found


# Typst: a backslash makes any ASCII punctuation literal (checked for all 32 with the compiler);
# letters, digits and spaces are never special, and "\ " would be a line break.
_TYPST_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")


def _spaces(text: str) -> str:
    """Runs of white space (newlines too) as one space, as all three targets show them."""
    return re.sub(r"\s+", " ", text)


def typst_text(text: str) -> str:
    return _TYPST_SPECIAL.sub(r"\\\1", _spaces(text))


def typst_string(text: str) -> str:
    """A Typst string literal holding text."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# Markdown (CommonMark): backslash-escape what can open a construct anywhere in a line. An
# underscore inside a word cannot, so n_batch stays readable in the raw file.
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>#|$~&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_MD_LINE_START = re.compile(r"^(\s*)([-+=]|\d+(?=[.)]))")


def markdown_text(text: str, at_line_start: bool = False) -> str:
    escaped = _MD_SPECIAL.sub(r"\\\1", _spaces(text))
    if at_line_start:
        escaped = _MD_LINE_START.sub(lambda m: m.group(1) + _md_start(m.group(2)), escaped)
    return escaped


def _md_start(lead: str) -> str:
    """A list marker or heading underline at a line start, defused."""
    return lead + "\\" if lead[0].isdigit() else "\\" + lead


def markdown_code(text: str) -> str:
    """An inline code span that holds text verbatim, backticks included."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def html_text(text: str) -> str:
    return html.escape(_spaces(text))
