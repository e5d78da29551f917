"""The report as a list of blocks (headings, paragraphs, tables, images), rendered as
Markdown and as a standalone HTML page."""

from __future__ import annotations

import html
from pathlib import Path

from linclf.engine.files import atomic_write


class Document:
    """Blocks of the report, written as report.md and report.html in folder."""

    def __init__(self, folder: Path, title: str):
        self.folder = folder
        self.title = title
        self.blocks: list[tuple[str, object]] = []

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append((f"h{level}", text))

    def paragraph(self, text: str) -> None:
        self.blocks.append(("p", text))

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self.blocks.append(("table", (header, rows)))

    def image(self, name: str, alt: str) -> None:
        self.blocks.append(("img", (name, alt)))

    def figure(self, fig, name: str, alt: str) -> None:
        """Save a matplotlib Figure as name in the report folder and show it here."""
        from linclf.engine.plots import save_figure

        save_figure(fig, self.folder / name)
        self.image(name, alt)

    def markdown(self) -> str:
        out = [f"# {self.title}", ""]
        for kind, content in self.blocks:
            if kind.startswith("h"):
                out += ["#" * int(kind[1]) + " " + content, ""]
            elif kind == "p":
                out += [content, ""]
            elif kind == "table":
                header, rows = content
                out.append("| " + " | ".join(header) + " |")
                out.append("|" + "---|" * len(header))
                out += ["| " + " | ".join(row) + " |" for row in rows]
                out.append("")
            elif kind == "img":
                name, alt = content
                out += [f"![{alt}]({name})", ""]
        return "\n".join(out)

    def html(self) -> str:
        body = [f"<h1>{html.escape(self.title)}</h1>"]
        for kind, content in self.blocks:
            if kind.startswith("h"):
                body.append(f"<{kind}>{html.escape(content)}</{kind}>")
            elif kind == "p":
                body.append(f"<p>{html.escape(content)}</p>")
            elif kind == "table":
                header, rows = content
                head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
                cells = "".join(
                    "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                    for row in rows
                )
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
            elif kind == "img":
                name, alt = content
                body.append(f'<p><img src="{html.escape(name)}" alt="{html.escape(alt)}"></p>')
        style = (
            "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;"
            "text-align:right}img{max-width:100%}"
        )
        return (
            f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>"
            f"{html.escape(self.title)}</title><style>{style}</style></head><body>\n"
            + "\n".join(body)
            + "\n</body></html>\n"
        )

    def write(self) -> None:
        atomic_write(self.folder / "report.md", self.markdown().encode())
        atomic_write(self.folder / "report.html", self.html().encode())
