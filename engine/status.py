"""The one vocabulary of run states, recorded where a run ends and read by every door.

A run folder's run.json holds one of these (documented in outputs/README.md). A reader may
find "running" in a folder whose writer is gone; it then shows the run as dead (its own
judgement, JUDGED below, never written to the folder).
"""

from __future__ import annotations

PENDING = "pending"
RUNNING = "running"
COMPLETED = "completed"
STOPPED = "stopped"
INTERRUPTED = "interrupted"
DIVERGED = "diverged"
FAILED = "failed"

STATUSES = {
    PENDING: "created; training has not started",
    RUNNING: "training",
    COMPLETED: "every epoch trained",
    STOPPED: "ended early on request (Stop in the TUI); the finished epochs are kept",
    INTERRUPTED: "ended early by a signal (Ctrl-C, SIGTERM, SIGHUP) or by quitting; the "
    "finished epochs are kept",
    DIVERGED: "a loss or cost became NaN or inf, or the loss (without the λ term) ran away; "
    "the parameters are those of the epoch before",
    FAILED: "an error ended the run; run.json says which",
}
# A run with one of these has ended; its folder will not change any more.
FINAL = frozenset({COMPLETED, STOPPED, INTERRUPTED, DIVERGED, FAILED})

# What a reader concludes about a run without a final status (engine/runread.judge); never
# written to a folder.
DEAD = "dead"
STALLED = "stalled"
UNKNOWN = "unknown"
JUDGED = {
    DEAD: "no final status and the writer is gone: killed, out of memory, or its machine went "
    "down; the recorded epochs are kept",
    STALLED: "the writer still exists but has stopped beating (suspended, or its disk is slow)",
    UNKNOWN: "run.json holds no status this linclf knows (a newer linclf, or an edited file)",
}
