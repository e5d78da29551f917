"""The insight keys that act on the app's screen: e, y and u set how every plot draws its
curves; p exports what is on screen. The model behind them (filter, rows, flags) is
tui/insight.py, which knows no widget."""

from __future__ import annotations

from linclf.engine.errors import LinclfError
from linclf.engine.insight import export
from linclf.tui import curveaxes as ax

EXPORTS = "exports"  # the folder under the run store's root that exports go to


def cycle_curves(app, setting: str) -> None:
    """e: smoothing off → low → high; y: log y; u: x by epoch / update step — on every plot."""
    from linclf.tui.widgets.curves import Curves

    for curves in app.query(Curves):
        if setting == "level":
            curves.level = ax.LEVELS[(ax.LEVELS.index(curves.level) + 1) % len(ax.LEVELS)]
        elif setting == "log_y":
            curves.log_y = not curves.log_y
        else:
            curves.x_by = "step" if curves.x_by == "epoch" else "epoch"


def export_shown(app) -> None:
    """p: the marked runs' histories (else the run on screen) as CSV and the current plot as
    PNG into the run store's exports/; the paths in a toast."""
    from linclf.engine.insight import curveplot
    from linclf.tui.widgets.curves import Curves
    from linclf.tui.widgets.runs import RunsPanel

    panel = app.query_one(RunsPanel)
    in_runs = app.query_one("#tabs").active == "runs"
    if in_runs:
        table = panel.table
        snaps = [table.snaps[p] for p in table.marked if p in table.snaps]
        snaps = snaps or [s for s in [table.highlighted_run()] if s is not None]
        curves = app.query_one("#run-curves", Curves)
    else:
        followed = app.snapshot.followed
        snaps = [followed] if followed is not None and followed.path == app.followed else []
        curves = app.query_one("#curves", Curves)
    if not snaps:
        app.notify("Nothing to export: mark runs with space, or follow one", markup=False)
        return
    runs = [(s.path.name, s.info.config, s.history) for s in snaps]
    folder = app.out / EXPORTS
    try:
        csv = export.write_histories(runs, export.new_path(folder, "runs", ".csv"))
        png = curveplot.curves_png(
            runs,
            export.new_path(folder, "curves", ".png"),
            f"val_{curves.metric}",  # the validation curve: what compared runs show
            curves.level,
            curves.log_y,
            curves.drawn_x,
        )
    except (OSError, LinclfError) as err:
        app.notify(f"Export failed: {err}", severity="error", markup=False)
        return
    app.notify(f"Exported {len(runs)} run(s): {csv} and {png}", timeout=10, markup=False)
