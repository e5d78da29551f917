"""Filter expressions over the rows of the run store, shared by `linclf runs --filter` and the
TUI's filter input.

An expression is `COLUMN OP VALUE`:

- `=` (or `==`) and `!=`: equal / not equal. VALUE may list alternatives with commas
  (`eta=0.01,0.001`). Text compares without regard to case; on a tags column `=` means "has
  the tag". An empty VALUE asks for a missing or empty cell (`note=`, `note!=`).
- `<`, `<=`, `>`, `>=`: numbers numerically (`eta>=0.01`; `val_acc>=40%` is 0.40), text in
  alphabetical order.
- `~` and `!~`: contains / does not contain, without regard to case (`run~sigmoid`).

A missing, NaN or unusable cell fails every comparison but `!=` and `!~`. Several expressions
must all hold. A bad expression raises FilterError with one line saying what is wrong.
"""

from __future__ import annotations

import difflib
import math
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from linclf.engine.errors import UsageError

# Column kinds: what a cell holds and so how a value compares with it.
NUMBER, TEXT, BOOL, TAGS, ANY = "number", "text", "bool", "tags", "any"
OPERATORS = ("<=", ">=", "!=", "==", "!~", "=", "<", ">", "~")
_EXPRESSION = re.compile(r"\s*([^\s<>=!~]+)\s*(<=|>=|!=|==|!~|=|<|>|~)\s*(.*?)\s*", re.DOTALL)
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")
NEGATIONS = ("!=", "!~")


class FilterError(UsageError):
    """An expression that cannot be used; the message is one line."""


def _number(text: str) -> float | None:
    scale = 1.0
    if text.endswith("%"):
        text, scale = text[:-1], 0.01
    try:
        return float(text) * scale
    except ValueError:
        return None


def _bool(text: str) -> bool | None:
    lowered = text.lower()
    return True if lowered in _TRUE else False if lowered in _FALSE else None


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


@dataclass(frozen=True)
class Condition:
    """One parsed expression: column, operator and the value(s) as given."""

    column: str
    operator: str
    values: tuple[str, ...]
    kind: str

    def matches(self, row: Mapping) -> bool:
        """Whether row (column → cell) satisfies the condition."""
        held = self._holds(row.get(self.column))
        return not held if self.operator in NEGATIONS else held

    def _holds(self, cell) -> bool:
        """The comparison without its negation (`!=` is not `=`, `!~` is not `~`)."""
        op = self.operator
        if self.values == ("",):  # `note=`: nothing there
            return cell is None or cell == "" or cell == () or _nan(cell)
        if isinstance(cell, tuple):  # tags
            return any(self._compare(item, op) for item in cell)
        return self._compare(cell, op)

    def _compare(self, cell, op: str) -> bool:
        if cell is None or _nan(cell) or not _fits(cell, self.kind):
            return False
        if op in ("~", "!~"):
            return any(value.lower() in _shown(cell).lower() for value in self.values)
        if isinstance(cell, bool):
            wanted = {_bool(value) for value in self.values}
            return op in ("=", "==", "!=") and cell in wanted
        if isinstance(cell, (int, float)):
            numbers = [n for n in map(_number, self.values) if n is not None]
            return any(_order(float(cell), n, op) for n in numbers)
        if isinstance(cell, str):
            return any(_order(cell.casefold(), v.casefold(), op) for v in self.values)
        return False


def _fits(cell, kind: str) -> bool:
    """Whether a cell holds what its column should (a crafted folder's may not)."""
    number = isinstance(cell, (int, float)) and not isinstance(cell, bool)
    return number if kind == NUMBER else isinstance(cell, bool) if kind == BOOL else True


def _nan(cell) -> bool:
    return isinstance(cell, float) and math.isnan(cell)


def _shown(cell) -> str:
    if isinstance(cell, bool):
        return "true" if cell else "false"
    return cell if isinstance(cell, str) else f"{cell:g}" if isinstance(cell, float) else str(cell)


def _order(cell, value, op: str) -> bool:
    if op in ("=", "==", "!="):
        if isinstance(cell, float):
            return math.isclose(cell, value, rel_tol=1e-9, abs_tol=0.0)
        return cell == value
    if op == "<":
        return cell < value
    if op == "<=":
        return cell <= value
    if op == ">":
        return cell > value
    return cell >= value


def parse(expression: str, kinds: Mapping[str, str]) -> Condition:
    """A Condition from `COLUMN OP VALUE`; kinds: every column that may be named → its kind
    (NUMBER, TEXT, BOOL, TAGS, or ANY for a column whose cells vary)."""
    shown = f"filter {expression!r}"
    found = _EXPRESSION.fullmatch(expression)
    if found is None:
        raise FilterError(f"{shown}: write COLUMN OP VALUE with OP one of {' '.join(OPERATORS)}")
    column, op, raw = found.groups()
    if column not in kinds:
        near = difflib.get_close_matches(column, list(kinds), n=1)
        hint = f" (did you mean {near[0]}?)" if near else f" (columns: {', '.join(kinds)})"
        raise FilterError(f"{shown}: no column {column!r}{hint}")
    kind = kinds[column]
    raw = _unquote(raw)
    values = (
        tuple(_unquote(v.strip()) for v in raw.split(",")) if op in ("=", "==", "!=") else (raw,)
    )
    if op in ("~", "!~") and kind in (NUMBER, BOOL):
        raise FilterError(f"{shown}: {op} needs a text column; {column} holds {kind}s")
    if values == ("",):
        if op not in ("=", "==", "!="):
            raise FilterError(f"{shown}: a value is missing after {op}")
    elif kind == NUMBER:
        bad = [v for v in values if _number(v) is None]
        if bad:
            raise FilterError(f"{shown}: {bad[0]!r} is not a number")
    elif kind == BOOL:
        bad = [v for v in values if _bool(v) is None]
        if bad or op not in ("=", "==", "!="):
            raise FilterError(f"{shown}: {column} is true or false, compared with = or !=")
    return Condition(column, "=" if op == "==" else op, values, kind)


def parse_all(expressions: Iterable[str], kinds: Mapping[str, str]) -> list[Condition]:
    return [parse(expression, kinds) for expression in expressions]


def parse_line(line: str, kinds: Mapping[str, str]) -> list[Condition]:
    """The expressions of one line, as a filter input takes them: separated by spaces, quoted
    where a value holds one (`head=sigmoid "note~too high"`)."""
    try:
        expressions = shlex.split(line)
    except ValueError as err:
        raise FilterError(f"filter {line!r}: {err}") from None
    return parse_all(expressions, kinds)


def matches_all(conditions: Iterable[Condition], row: Mapping) -> bool:
    return all(condition.matches(row) for condition in conditions)
