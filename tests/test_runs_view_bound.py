"""The Runs view beyond the scan bound (issue 22, point 6): it says how many folders it left
out and how to narrow them, instead of silently dropping the newest runs."""

from __future__ import annotations

from runstore import fixed_history, write_run

from linclf.engine.store import runwatch
from linclf.tui.app import LinclfApp
from linclf.tui.widgets.line import Line


async def test_the_runs_view_says_what_it_left_out(tmp_path, monkeypatch):
    for day in range(1, 8):
        write_run(tmp_path / f"2026010{day}-000000-done", fixed_history(1), "completed")
    monkeypatch.setattr(runwatch, "MAX_FOLDERS", 4)
    app = LinclfApp(out=tmp_path, view="runs")
    async with app.run_test(size=(160, 40)) as pilot:
        text = ""
        for _ in range(200):
            await pilot.pause(0.05)
            text = app.query_one("#runs-help", Line).text.plain
            if "not read" in text:
                break
        assert "3 runs" in text and "4+ older folders not read" in text, text
        assert "narrower --out" in text
        names = sorted(path.name for path in app.snapshot.runs)
        assert names == [f"2026010{day}-000000-done" for day in (5, 6, 7)]  # the newest
