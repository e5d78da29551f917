"""The report's maths (Typst syntax) as LaTeX, for the Markdown file: GitHub, VS Code, Obsidian
and pandoc render $...$ and $$...$$ LaTeX, none renders Typst. It covers the subset the report
writes: words for symbols, f(x) calls, sub- and superscripts with (...) groups, a/b fractions,
"text" and \\/ (a literal slash)."""

from __future__ import annotations

import re

SYMBOLS = {
    "lambda": r"\lambda",
    "eta": r"\eta",
    "sigma": r"\sigma",
    "epsilon": r"\varepsilon",
    "partial": r"\partial",
    "tilde": r"\sim",
    "dot": r"\cdot",
    "times": r"\times",
    "quad": r"\quad",
    "in": r"\in",
    "RR": r"\mathbb{R}",
    "sum": r"\sum",
    "max": r"\max",
    "exp": r"\exp",
    "log": r"\log",
    "<-": r"\leftarrow",
    "!=": r"\neq",
}
WRAPPERS = {"bold": r"\mathbf", "cal": r"\mathcal", "sqrt": r"\sqrt"}
_TOKEN = re.compile(r'\s+|"[^"]*"|\\/|<-|!=|[A-Za-z]+|\d+(?:\.\d+)?|.')


def latex(source: str) -> str:
    tokens = [t for t in _TOKEN.findall(source)]
    out, _ = _sequence(tokens, 0, closing=None)
    return re.sub(" +", " ", "".join(out)).strip()


def _sequence(tokens: list[str], i: int, closing: str | None) -> tuple[list[str], int]:
    """Atoms up to closing (not consumed); fractions a/b joined as they come."""
    atoms: list[str] = []
    while i < len(tokens) and tokens[i] != closing and not (closing and tokens[i] in ",&"):
        token = tokens[i]
        if token == "/" and atoms:
            while atoms and atoms[-1] == " ":
                atoms.pop()
            i += 1
            while i < len(tokens) and tokens[i].isspace():
                i += 1
            denominator, i = _atom(tokens, i)
            atoms[-1] = rf"\frac{{{_ungroup(atoms[-1])}}}{{{_ungroup(denominator)}}}"
            continue
        atom, i = _atom(tokens, i)
        atoms.append(atom)
    return atoms, i


def _atom(tokens: list[str], i: int, scripts: bool = True) -> tuple[str, int]:
    """One atom with (if scripts) its sub- and superscripts; white space is an atom " "."""
    if i >= len(tokens):
        return "", i
    token = tokens[i]
    i += 1
    if token == "(":
        inner, i = _group(tokens, i)
        base = "(" + inner + ")"
    elif token in WRAPPERS and i < len(tokens) and tokens[i] == "(":
        inner, i = _group(tokens, i + 1)
        base = WRAPPERS[token] + "{" + inner + "}"
    elif token == "abs" and i < len(tokens) and tokens[i] == "(":
        inner, i = _group(tokens, i + 1)
        base = r"\left|" + inner + r"\right|"
    elif token == "op" and i < len(tokens) and tokens[i] == "(":
        inner, i = _group(tokens, i + 1)
        name = inner.replace(r"\text{", "").rstrip("}").replace(" ", r"\,")
        base = r"\operatorname{" + name + "}"
    elif token == "cases" and i < len(tokens) and tokens[i] == "(":
        base, i = _cases(tokens, i + 1)
    elif token.isalpha() and i < len(tokens) and tokens[i] == "(":
        inner, i = _group(tokens, i + 1)
        name = SYMBOLS.get(token, token)
        base = name + "(" + inner + ")"
    elif token.startswith('"'):
        base = r"\text{" + token[1:-1] + "}"
    elif token == "\\/":
        base = "/"
    elif token.isspace():
        base = " "
    else:
        base = SYMBOLS.get(token, token)
        if base.startswith("\\") and base[-1].isalpha():
            base += " "  # \neq k, not \neqk
    while scripts and i < len(tokens) and tokens[i] in ("_", "^"):
        mark = tokens[i]
        script, i = _atom(tokens, i + 1, scripts=False)
        base = base.rstrip() + mark + "{" + _ungroup(script.strip()) + "}"
    return base, i


def _group(tokens: list[str], i: int) -> tuple[str, int]:
    """The inside of (...) up to its closing parenthesis (consumed), "," and "&" kept."""
    text = ""
    while True:
        atoms, i = _sequence(tokens, i, closing=")")
        text += "".join(atoms)
        if i >= len(tokens) or tokens[i] == ")":
            return text, i + 1
        text += tokens[i]
        i += 1


def _cases(tokens: list[str], i: int) -> tuple[str, int]:
    inner, i = _group(tokens, i)
    rows, depth, start = [], 0, 0
    for position, char in enumerate(inner):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "," and depth == 0:
            rows.append(inner[start:position])
            start = position + 1
    rows.append(inner[start:])
    body = r" \\ ".join(row.strip().replace("&", " & ") for row in rows)
    return r"\begin{cases}" + body + r"\end{cases}", i


def _ungroup(atom: str) -> str:
    return atom[1:-1] if atom.startswith("(") and atom.endswith(")") else atom
