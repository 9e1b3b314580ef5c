"""Unattended plumbing of a batch (the nightly forecast): an exclusive lock on the output folder, a JSON-lines log,
and file digests for idempotence."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
from datetime import datetime, timezone
from pathlib import Path

from twin.errors import ParkTwinError

__all__ = ["BatchLockedError", "BatchLock", "JsonLinesLog", "sha256_file"]

log = logging.getLogger("parktwin")


class BatchLockedError(ParkTwinError):
    """Another batch holds the lock on the output folder: retry later (exit code 75)."""

    exit_code = os.EX_TEMPFAIL  # 75


class JsonLinesLog:
    """One JSON object per line (``time`` UTC ISO 8601, ``level``, ``event``, fields), appended and flushed per line,
    mirrored to the ``parktwin`` logger. Lines are buffered in memory until :meth:`attach` names the file."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self._pending: list[str] = []

    @classmethod
    def to_logger(cls) -> "JsonLinesLog":
        """A log that only mirrors to the ``parktwin`` logger (no file, nothing kept in memory)."""
        journal = cls()
        journal._write = lambda line: None
        return journal

    def attach(self, path: Path) -> None:
        self.path = Path(path)
        pending, self._pending = self._pending, []
        for line in pending:
            self._write(line)

    def _write(self, line: str) -> None:
        if self.path is None:
            self._pending.append(line)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()

    def __call__(self, level: str, event: str, **fields) -> None:
        record = {"time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "level": level,
                  "event": event, **fields}
        self._write(json.dumps(record, ensure_ascii=False, default=str))
        log.log(logging.getLevelName(level.upper()), "%s %s", event,
                " ".join(f"{k}={v}" for k, v in fields.items()))


class BatchLock:
    """An exclusive lock file (``O_CREAT | O_EXCL``) holding ``{"pid", "host", "started"}``.

    A lock whose PID no longer runs on this host is stale: it is taken over (and said so in the log). A live one
    raises :class:`BatchLockedError` (75). Released on exit, also on errors; a SIGKILL leaves it behind, stale.
    """

    def __init__(self, path: Path, journal: JsonLinesLog | None = None, *, what: str = "forecast batch"):
        self.path = Path(path)
        self.journal = journal if journal is not None else JsonLinesLog.to_logger()
        self.what = what  # who holds such a lock, for the message: 'forecast batch', 'run'

    def _holder(self) -> dict | None:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    @staticmethod
    def _alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # exists, owned by someone else
            return True
        return True

    def __enter__(self) -> "BatchLock":
        me = {"pid": os.getpid(), "host": socket.gethostname(),
              "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        for _attempt in range(3):
            try:
                descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self._holder()
                if holder is None:  # being written right now, or garbage: look again shortly
                    time.sleep(0.2)
                    holder = self._holder()
                pid = holder.get("pid") if isinstance(holder, dict) else None
                same_host = isinstance(holder, dict) and holder.get("host") == me["host"]
                if isinstance(pid, int) and same_host and not self._alive(pid):
                    self.journal("warning", "stale_lock_taken_over", lock=str(self.path), dead_pid=pid,
                                 since=holder.get("started"))
                    self.path.unlink(missing_ok=True)
                    continue
                raise BatchLockedError(
                    f"lock {self.path}: another {self.what} is running and writing this folder (pid {pid}, host "
                    f"{holder.get('host') if isinstance(holder, dict) else '?'}, since "
                    f"{holder.get('started') if isinstance(holder, dict) else '?'}); retry later, or delete the lock "
                    f"file if that process is gone") from None
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(me))
            return self
        raise BatchLockedError(f"lock {self.path}: could not be taken after removing a stale lock; retry later")

    def __exit__(self, *exc) -> None:
        holder = self._holder()
        if isinstance(holder, dict) and holder.get("pid") == os.getpid():
            self.path.unlink(missing_ok=True)


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
