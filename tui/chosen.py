"""A search's choice as its best.json records it (written by `linclf search` once it has
evaluated the chosen configuration on the test set): read without trust, like a run folder,
and again only when the file changes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from linclf.engine.store import runread
from linclf.engine.store.runwatch import signature


@dataclass(frozen=True)
class Chosen:
    run_dir: str | None  # the chosen trial's run folder, as the search wrote it
    val_acc: float | None
    test_acc: float | None

    def is_run(self, path: Path) -> bool:
        return self.run_dir is not None and Path(self.run_dir).name == path.name


class ChosenReader:
    def __init__(self) -> None:
        self._cache: dict[Path, tuple[tuple | None, Chosen | None]] = {}

    def read(self, folder: Path) -> Chosen | None:
        path = folder / "best.json"
        sig = signature(path)
        cached = self._cache.get(path)
        if cached is None or cached[0] != sig:
            cached = (sig, self._parse(runread.read_json(path)) if sig is not None else None)
            self._cache[path] = cached
        return cached[1]

    @staticmethod
    def _parse(data) -> Chosen | None:
        if not isinstance(data, dict):
            return None
        return Chosen(
            runread.text(data.get("run_dir")),
            runread.number(data.get("val_acc")),
            runread.number(data.get("test_acc")),
        )
