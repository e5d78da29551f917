"""The system line: CPU and memory of the processes that write a run or a search (psutil),
sampled by the watcher thread, like the system pane of W&B's LEET."""

from __future__ import annotations

import socket

import psutil


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit in ("B", "KB") else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


class ProcessSampler:
    """CPU percentages need two looks at a process: the sampler keeps each process it has
    seen, so every call gives the CPU used since the previous one."""

    def __init__(self):
        self.host = socket.gethostname()
        self._seen: dict[int, psutil.Process] = {}

    def _process(self, pid: int) -> psutil.Process | None:
        process = self._seen.get(pid)
        try:
            if process is None or not process.is_running():
                self._forget_ended()
                process = self._seen[pid] = psutil.Process(pid)
                process.cpu_percent(None)  # the first call only starts the count
        except (psutil.Error, OSError, ValueError):
            self._seen.pop(pid, None)
            return None
        return process

    def usage(self, pid: int | None, host: str | None, with_children: bool = False) -> str:
        """Figures of pid (and its children): "pid 123 · CPU 97% · RSS 310.2 MB", or why none."""
        if pid is None:
            return "unknown: no process figures"
        if host != self.host:
            return f"pid {pid} on {host}: no process figures from {self.host}"
        root = self._process(pid)
        if root is None:
            return f"pid {pid} on {host}: gone"
        processes = [root]
        if with_children:
            try:
                children = root.children(recursive=True)
            except (psutil.Error, OSError):
                children = []
            processes += [p for p in map(self._process, (c.pid for c in children)) if p]
        cpu = rss = 0.0
        for process in processes:
            try:
                cpu += process.cpu_percent(None)
                rss += process.memory_info().rss
            except (psutil.Error, OSError):
                continue
        workers = f" + {len(processes) - 1} workers" if with_children else ""
        return f"pid {pid}{workers} · CPU {cpu:.0f}% · RSS {_size(rss)}"

    def host_line(self) -> str:
        memory = psutil.virtual_memory()
        return (
            f"{self.host}: CPU {psutil.cpu_percent(None):.0f}% of {psutil.cpu_count()} cores · "
            f"memory {memory.percent:.0f}% used"
        )

    def _forget_ended(self) -> None:
        """Drop the processes that have ended: the sampler keeps no more than the processes
        alive that it was asked about."""
        for pid, process in list(self._seen.items()):
            try:
                running = process.is_running()
            except (psutil.Error, OSError):
                running = False
            if not running:
                del self._seen[pid]
