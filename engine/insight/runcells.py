"""The cells of run rows (engine/insight/runrows.py) as a person reads them and as data.

On screen (a table, Markdown, the TUI): accuracies as percentages, other figures in four
significant digits, a missing value as "–", a value of the wrong type as "?", every string
made printable (engine/text.py) and cut to a cell's width. As data (CSV, JSON): the
values themselves, accuracies as fractions, NaN and infinities as "nan", "inf", "-inf".
"""

from __future__ import annotations

import csv
import io
import json
import math

from linclf.engine import format as fmt
from linclf.engine.files import json_safe
from linclf.engine.insight.runfilter import NUMBER
from linclf.engine.insight.runrows import Column, RunRow
from linclf.engine.text import printable

MAX_CELL = 60  # characters of a string cell on screen


def cut(text: str, width: int = MAX_CELL) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def screen(column: Column, value) -> str:
    """A cell as shown on a terminal: printable, never longer than MAX_CELL."""
    if value is None or value == "" or value == ():
        return fmt.MISSING
    if isinstance(value, tuple):
        return printable(cut(",".join(value)))
    if isinstance(value, bool):
        return "?" if column.kind == NUMBER else "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**15 else fmt.general(float(value))
    if isinstance(value, float):
        if column.fraction:
            return fmt.percent(value)
        if column.whole and math.isfinite(value) and value == int(value):
            return str(int(value))
        return fmt.general(value)
    if isinstance(value, str):
        return "?" if column.kind == NUMBER else printable(cut(value))
    return "?"


def header(column: Column) -> str:
    return printable(cut(column.name, 40))


def data(value):
    """A cell as a JSON value: tags as a list, NaN and infinities as strings."""
    return list(value) if isinstance(value, tuple) else json_safe(value)


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return printable(str(value))


def to_csv(rows: list[RunRow], cols: list[Column]) -> str:
    """A header of column names, then one line per row (strings made printable: a CSV printed
    on a terminal carries no escape sequence)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([printable(c.name) for c in cols])
    for row in rows:
        writer.writerow([_csv_cell(row.cells.get(c.name)) for c in cols])
    return buffer.getvalue()


def to_json(rows: list[RunRow], cols: list[Column]) -> str:
    """A list of objects, one per row (ASCII only: every control character is escaped)."""
    objects = [{c.name: data(row.cells.get(c.name)) for c in cols} for row in rows]
    return json.dumps(objects, indent=1, ensure_ascii=True, allow_nan=False) + "\n"


def _markdown(text: str) -> str:
    for char in "\\|*[]<>`":
        text = text.replace(char, "\\" + char)
    return text


def to_markdown(rows: list[RunRow], cols: list[Column]) -> str:
    """A Markdown table; characters Markdown would read as markup are escaped."""
    lines = [
        "| " + " | ".join(_markdown(header(c)) for c in cols) + " |",
        "|" + "|".join("---:" if c.kind == NUMBER else "---" for c in cols) + "|",
    ]
    for row in rows:
        cells = (_markdown(screen(c, row.cells.get(c.name))) for c in cols)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def to_plain(rows: list[RunRow], cols: list[Column]) -> str:
    """Columns aligned with spaces, numbers to the right: the table for a pipe or a file."""
    table = [[header(c) for c in cols]]
    table += [[screen(c, row.cells.get(c.name)) for c in cols] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(cols))]
    lines = []
    for line in table:
        cells = [
            text.rjust(width) if c.kind == NUMBER else text.ljust(width)
            for text, width, c in zip(line, widths, cols)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"
