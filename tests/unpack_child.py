"""Child process for the archive tests: locate (and so unpack) a data folder, then read every
batch in it; optionally die or be interrupted part-way through the unpack.

    python unpack_child.py FOLDER [--kill-after N | --interrupt-after N] [--start-at T]

Prints 'unpacking' when this process starts writing members, then 'ok' or the DataError."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from linclf.engine.data import archive
from linclf.engine.data.batchfile import BATCH_FILES, read_batch
from linclf.engine.errors import DataError


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--kill-after", type=int)
    parser.add_argument("--interrupt-after", type=int)
    parser.add_argument("--start-at", type=float, default=0.0)
    args = parser.parse_args()

    class Watched(archive.TarStream):
        def __iter__(self):
            print("unpacking", flush=True)
            for count, item in enumerate(super().__iter__()):
                if count == args.kill_after:
                    os.kill(os.getpid(), signal.SIGKILL)
                if count == args.interrupt_after:
                    raise KeyboardInterrupt
                yield item

    archive.TarStream = Watched
    time.sleep(max(0.0, args.start_at - time.time()))  # start together with a sibling
    try:
        folder = archive.locate(args.folder)
        for name in BATCH_FILES:
            read_batch(folder / name)
    except DataError as err:
        print(f"DataError: {err}", flush=True)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(130)
    print("ok", flush=True)


if __name__ == "__main__":
    main()
