"""Progress reporting: a bar on a terminal, plain log lines otherwise (cron, CI, pipes)."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Iterator

__all__ = ["Stages"]

log = logging.getLogger("parktwin")


class Stages:
    """Named stages of a run: ``with stages.stage("kernel"): ...``.

    On a terminal a rich progress bar shows the stages; otherwise each stage logs a start and an end line with its
    duration, which is what a nightly batch's log should hold.
    """

    def __init__(self, total: int, title: str) -> None:
        self.total = total
        self.title = title
        self.done = 0
        self._bar = None
        self._task = None
        if sys.stderr.isatty():
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                                 TimeElapsedColumn(), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(title, total=total)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        if self._bar is not None:
            self._bar.update(self._task, description=f"{self.title}: {name}")
        else:
            log.info("%s: stage %d/%d %s", self.title, self.done + 1, self.total, name)
        yield
        self.done += 1
        elapsed = time.perf_counter() - started
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)
        else:
            log.info("%s: %s done in %.2f s", self.title, name, elapsed)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
