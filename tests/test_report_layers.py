"""The report's document is data: its renderers read blocks and import neither the document
nor each other in a circle. Every import between the report's modules counts, the ones inside
functions too."""

import ast
from pathlib import Path

REPORT = Path(__file__).resolve().parent.parent / "engine" / "report"


def _graph() -> dict[str, set[str]]:
    modules = {path.stem: path for path in REPORT.glob("*.py")}
    graph = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "linclf.engine.report"
            ):
                parts = node.module.split(".")[3:]
                found |= {parts[0]} if parts else {a.name for a in node.names} & modules.keys()
        graph[name] = found - {name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt, path + [nxt])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_the_report_modules_form_no_import_cycle():
    assert _cycle(_graph()) is None


def test_renderers_read_blocks_not_the_document():
    graph = _graph()
    for renderer in ("render_text", "render_typst", "latex", "blocks"):
        assert "document" not in graph[renderer], renderer
