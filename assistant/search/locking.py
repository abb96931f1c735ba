"""One writer per index: ingests and deletes into one data dir take turns.

An exclusive `flock` on `<data_dir>/write.lock`, held for the whole write; the file names
the holder, so a second writer can say whom it waits for. The lock is per machine; clients
of one Chroma server on several machines are not serialised (their upserts are idempotent).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.errors import IndexBusyError


@contextmanager
def write_lock(data_dir: Path, *, wait: float = 3600.0,
               notify: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the data dir's write lock; wait up to `wait` seconds for another writer."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "write.lock"
    with open(path, "a+") as handle:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        f"{data_dir} is being written by {holder}; wait for it to finish, "
                        "or use another --data-dir") from None
                if notify and not told:
                    notify(f"waiting for {holder} to finish writing to {data_dir}")
                    told = True
                time.sleep(0.2)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()} (since {time.strftime('%H:%M:%S')})")
            handle.flush()
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
