"""Beside the overlaid curves: the config of the highlighted run, the config diff of the runs
marked for comparison, and the leaderboard of a live search."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from linclf.engine import format as fmt
from linclf.engine.store.runwatch import RunSnap
from linclf.engine.store.searchread import SearchProgress
from linclf.engine.text import printable
from linclf.tui import describe as d
from linclf.tui.chosen import Chosen
from linclf.tui.widgets.curves import COLOURS, MARKERS, RICH_COLOURS


def config_text(snap: RunSnap) -> Text:
    """The whole config, compactly: "λ=0 η=0.001 batch=100 epochs=40 …"."""
    text = Text()
    for name, value in snap.info.config.items():
        text.append(f"{d.field_label(name)}=", style="dim")
        text.append(f"{d.value_text(value)}  ")
    return text


def diff_table(snaps: list[RunSnap], fields: list[str]) -> Table:
    """Fields that differ, one column per compared run (its marker and colour on top)."""
    table = Table(box=None, padding=(0, 1), title="config diff", title_justify="left")
    table.add_column("")
    for k, _ in enumerate(snaps):
        colour, marker = RICH_COLOURS[COLOURS[k % len(COLOURS)]], MARKERS[k % len(MARKERS)]
        table.add_column(Text(f"{marker} {k + 1}", style=f"bold {colour}"), justify="right")
    for name in fields or []:
        cells = [Text(d.value_text(s.info.config.get(name))) for s in snaps]
        table.add_row(Text(d.field_label(name), style="dim"), *cells)
    values = (Text(fmt.percent(d.last_val(s))) for s in snaps)
    table.add_row(Text(d.VAL, style="dim"), *values)
    table.add_row(Text("state", style="dim"), *(d.state_text(s.state) for s in snaps))
    return table


def leaderboard(search: SearchProgress, runs: list[RunSnap], chosen: Chosen | None) -> Group:
    """A search's progress and ETA, the chosen trial's test accuracy (best.json), and its best
    trials by the figure it chooses on (the last epoch's validation accuracy)."""
    title = Text(f"{printable(search.group or '.')}/{printable(search.name)} · ", style="bold")
    title.append_text(d.state_text(search.state))
    counts = d.search_progress(search, runs)
    if chosen is not None:
        counts.append(f" · chosen: test {fmt.percent(chosen.test_acc)}", style="bold green")
    table = Table(box=None, padding=(0, 1))
    table.add_column("#", justify="right")
    table.add_column(d.VAL, justify="right")
    table.add_column("config")
    table.add_column("state")
    for rank, snap in enumerate(search.leaders, 1):
        star = "★" if chosen is not None and chosen.is_run(snap.path) else ""
        table.add_row(
            f"{star}{rank}",
            Text(fmt.percent(d.last_val(snap))),
            Text(d.legend(snap, list(search.varied))),
            d.state_text(snap.state),
        )
    return Group(title, counts, table)


class ComparePanel(Static):
    """Text only, rebuilt when the selection or the runs change."""

    def show_run(
        self, snap: RunSnap, searches: tuple[SearchProgress, ...], system: str, runs, chosen
    ) -> None:
        parts: list[RenderableType] = [d.status_line(snap), d.note(snap), config_text(snap)]
        parts += [leaderboard(s, runs, chosen) for s in searches]
        if system:
            parts.append(Text(system, style="dim"))
        self.update(Group(*parts))

    def show_diff(self, snaps: list[RunSnap], fields: list[str]) -> None:
        legend = Text()
        for k, snap in enumerate(snaps):
            colour, marker = RICH_COLOURS[COLOURS[k % len(COLOURS)]], MARKERS[k % len(MARKERS)]
            legend.append(f"{marker} {k + 1} ", style=f"bold {colour}")
            legend.append(f"{printable(snap.path.name)}\n")
        self.update(Group(diff_table(snaps, fields), legend))

    def show_group(
        self, group: str, searches: tuple[SearchProgress, ...], system: str, runs, chosen
    ) -> None:
        parts: list = [leaderboard(s, runs, chosen) for s in searches] or [
            Text(
                f"{printable(group or '.')}/: no search plan here"
                " (runs of train, the TUI or a report)"
            )
        ]
        if system:
            parts.append(Text(system, style="dim"))
        self.update(Group(*parts))
