"""A run's history.jsonl, read as it grows, holding a bounded picture of it.

A history may have a million lines, or be a gigabyte of garbage. The reader never holds more
than KEEP_ROWS recent epochs exactly plus at most SAMPLES older ones, evenly thinned, so that a
view of it (a table of the newest epochs, curves over all of them) costs the same for 10 or
10^6 epochs:

- the first read of a history longer than TAIL_BYTES starts TAIL_BYTES before its end, and
  takes SAMPLES_FIRST lines spread over what it skipped by seeking (the curves still span the
  whole run);
- each later read goes on from where the last stopped, at most CHUNK bytes per call;
- once more than 2 × KEEP_ROWS exact rows are held, the older ones join the thinned samples
  (every stride-th row; the stride doubles whenever the samples would exceed SAMPLES).

How many epochs the run has recorded (`count`) and their summed seconds (`seconds`) are kept
for all of them, estimated for a skipped head.
"""

from __future__ import annotations

import math
from pathlib import Path

from linclf.engine.files import read_slice
from linclf.engine.records import EpochStats
from linclf.engine.store import runread

CHUNK = 8 << 20  # bytes read per call: a long history arrives over several polls
TAIL_BYTES = 2 << 20  # a longer history is first read from this far before its end
KEEP_ROWS = 5000  # the newest epochs held exactly
SAMPLES = 2000  # older epochs held, evenly thinned
SAMPLES_FIRST = 500  # lines read by seeking into a skipped head
MAX_LINE = 64 << 10  # a sampled line longer than this is not one linclf wrote


def _finite(value: float | None) -> float:
    return value if value is not None and math.isfinite(value) else 0.0


class HistoryTail:
    """The reader's memory of one history.jsonl between calls of read()."""

    def __init__(self, path: Path):
        self.path = path
        self._start(None)

    def _start(self, inode) -> None:
        """Forget everything read: read() starts again at offset 0 of the file with inode."""
        self.offset, self.inode = 0, inode
        self.recent: list[EpochStats] = []
        self.older: list[EpochStats] = []
        self.stride, self._moved = 1, 0
        self.count, self.seconds = 0, 0.0

    def rows(self) -> tuple[EpochStats, ...]:
        return (*self.older, *self.recent)

    def reset(self, inode) -> None:
        self._start(inode)

    def read(self, size: int, inode, ended: bool) -> bool:
        """Read on from the last offset, given the file's current size and inode; ended: a
        last line without its line break counts too. True when there is more to read."""
        if inode != self.inode or size < self.offset:  # replaced or truncated: start over
            self.reset(inode)
        if self.offset == 0 and size > TAIL_BYTES:
            self._skip_head(size - TAIL_BYTES)
        start = self.offset
        try:
            data = read_slice(self.path, start, min(size - start, CHUNK))
        except OSError:
            return False
        whole = data if ended and start + len(data) == size else data[: data.rfind(b"\n") + 1]
        if not whole and len(data) == CHUNK:  # no line break in a whole chunk: not linclf's
            whole = data
        self.offset = start + len(whole)
        self.add(runread.parse_lines(whole))
        return start + len(data) < size

    def _skip_head(self, skip: int) -> None:
        """Sample the first skip bytes by seeking, and go on from the line after them."""
        samples, sampled_bytes = [], 0
        for k in range(SAMPLES_FIRST):
            try:
                data = read_slice(self.path, skip * k // SAMPLES_FIRST, MAX_LINE)
            except OSError:
                return
            lines = data.split(b"\n", 2)
            if len(lines) == 3:  # the first line, else the one after where the seek landed
                line = lines[1 if k else 0]
                samples.extend(runread.parse_lines(line))
                sampled_bytes += len(line) + 1
        try:
            head = read_slice(self.path, skip, MAX_LINE)
        except OSError:
            return
        cut = head.find(b"\n")
        if cut < 0:  # no line break where a line should end: go on from after what was read
            self.offset = skip + len(head)
            return
        self.offset = skip + cut + 1
        # Epochs skipped: the writer numbers them from 1; else estimated from line lengths.
        after = runread.parse_lines(head[cut + 1 :].split(b"\n", 1)[0])
        epoch = after[0].epoch if after else None
        if epoch is not None and 1 <= epoch <= self.offset:
            skipped = epoch - 1
        else:
            skipped = self.offset * SAMPLES_FIRST // max(1, sampled_bytes)
        self.older = samples
        self.stride = max(1, skipped // max(1, len(samples)))
        self.count = skipped
        mean = sum(_finite(s.seconds) for s in samples) / max(1, len(samples))
        self.seconds = skipped * mean

    def add(self, rows: list[EpochStats]) -> None:
        """Take rows as the newest epochs."""
        self.count += len(rows)
        self.seconds += sum(_finite(s.seconds) for s in rows)
        self.recent.extend(rows)
        if len(self.recent) <= 2 * KEEP_ROWS:
            return
        moving, self.recent = self.recent[:-KEEP_ROWS], self.recent[-KEEP_ROWS:]
        for stats in moving:
            if self._moved % self.stride == 0:
                self.older.append(stats)
            self._moved += 1
        while len(self.older) > SAMPLES:
            self.older = self.older[::2]
            self.stride *= 2
