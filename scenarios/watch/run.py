"""``parktwin watch``: risk-source instrument readings against their thresholds → warning levels, logged and chained
into the ledger; an orange or red warning on a tank or pipe starts its leak scenario and plan draft.

One pass (:func:`watch_once`), unattended and idempotent:

1. **Lock** ``OUT/watch.lock`` (the batch lock of the nightly forecast: a second watcher exits 75, retry later; a
   lock left by a dead process is taken over). ``OUT/state.json`` (written atomically after every file) holds the
   files already read (name and SHA-256), each instrument's last reading and level, each unit's level and the leak
   started in its current episode.
2. **Files** dropped in ``FOLDER`` (:mod:`scenarios.watch.io`) are read in name order; a file read before with the
   same SHA-256 is skipped, so the same file twice starts nothing. A file that cannot be read (a malformed field, an
   unknown risk source) is logged as rejected and not read again until it changes; the pass goes on, and exits 65.
3. **Levels**: each reading, in time order, against its unit's ``thresholds:`` for that quantity in park.yaml
   (:mod:`twin.thresholds`). A reading not newer than the instrument's last one is skipped (the same readings in
   another file start nothing either). A change of an instrument's level — up or down — is a line in
   ``OUT/warnings.jsonl`` (UTC and local time with its offset, unit, quantity, value as read, threshold, previous and
   new level, the unit's level) and a ``warning`` record in the ledger (:mod:`scenarios.common.ledger`: the readings
   file's SHA-256, and ``warnings.jsonl``'s, so an edited log is caught).
4. **Leak**: when a tank's or pipe's level (the highest of its instruments) reaches orange or red, the unit's
   credible-worst leak runs on the current weather and writes its plan draft (:mod:`scenarios.watch.leak`), once
   per episode: a rise from orange to red does not start a second one; a fall below orange ends the episode. A leak
   that cannot run for now (weather not there yet: exit 75) is retried by the next pass.

Exit codes: 0 ok, 65 a readings file was rejected (or a leak's input is bad), 75 another watcher holds the lock or a
leak waits for its weather.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from scenarios.common.batch import BatchLock, JsonLinesLog, sha256_file
from scenarios.common.ledger import append_record, ledger_path_for, using_ledger
from scenarios.common.results import check_writable
from scenarios.common.times import local_text
from scenarios.watch.io import read_readings, reading_files
from scenarios.watch.leak import start_leak
from twin.atomic import write_text_atomic
from twin.errors import InputError, ParkTwinError
from twin.io import load_park
from twin.thresholds import QUANTITIES, level_rank, warning_level

__all__ = ["WatchSettings", "WatchResult", "watch_once", "watch_loop"]

log = logging.getLogger("parktwin")

LEAK_LEVEL = "orange"  # from this level on, a tank or pipe starts its leak scenario
LEAK_KINDS = ("tank", "pipe")


@dataclass(frozen=True)
class WatchSettings:
    """How triggered leaks run: weather file (None: the HJ 169 worst case), hours followed, grid, plan language."""

    weather: Path | None = None
    simulation_hours: int = 3
    grid_size: float = 10000.0
    grid_spacing: float = 100.0
    language: str = "zh"
    max_weather_age_hours: float = 3.0
    command_line: str = ""

    def check(self) -> None:
        if not 1 <= int(self.simulation_hours) <= 72:
            raise InputError.field("watch", "hours", self.simulation_hours, "between 1 and 72 h")
        if not (self.grid_size > 0 and 0 < self.grid_spacing <= self.grid_size):
            raise InputError.field("watch", "grid", (self.grid_size, self.grid_spacing),
                                   "a size > 0 m and a spacing in (0, size] m")
        if self.language not in ("zh", "en"):
            raise InputError.field("watch", "language", self.language, "zh or en")


@dataclass
class WatchResult:
    files_read: list[str] = field(default_factory=list)
    files_rejected: list[str] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    leaks: list[dict] = field(default_factory=list)
    exit_code: int = 0


def _read_state(path: Path) -> dict:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"files": {}, "instruments": {}, "sources": {}}
    except ValueError as error:
        raise InputError.field(str(path), "state", "not JSON", f"the watcher's state file ({error}); move it "
                               "aside to start afresh") from None
    return state


def watch_once(folder, park_yaml, out, settings: WatchSettings = WatchSettings()) -> WatchResult:
    """One pass over the readings files in ``folder`` (module docstring); outputs in ``out``."""
    folder, park_yaml, out = Path(folder), Path(park_yaml), Path(out)
    settings.check()
    if not folder.is_dir():
        from twin.errors import MissingInputError

        raise MissingInputError(f"watch: readings folder {str(folder)!r} does not exist")
    check_writable(out)
    journal = JsonLinesLog(out / "log.jsonl")
    result = WatchResult()
    with BatchLock(out / "watch.lock", journal, what="watcher"):
        park = load_park(park_yaml)
        sources = {source.id: source for source in park.risk_sources}
        state_path = out / "state.json"
        state = _read_state(state_path)
        ledger = ledger_path_for(out)
        context = _Pass(park, park_yaml, out, settings, state, journal, result, ledger)
        context.retry_pending_leaks()
        write_text_atomic(state_path, json.dumps(state, indent=1, ensure_ascii=False) + "\n")
        for path in reading_files(folder):
            digest = sha256_file(path)
            if state["files"].get(path.name, {}).get("sha256") == digest:
                continue
            try:
                readings = read_readings(path)
                unknown = [r for r in readings if r.risk_source not in sources]
                if unknown:
                    raise InputError.field(f"{path.name} line {unknown[0].line}", "risk_source",
                                           unknown[0].risk_source, f"one of the park's risk sources "
                                           f"({', '.join(sources)})")
            except InputError as error:
                journal("error", "readings_rejected", file=path.name, sha256=digest, error=str(error))
                state["files"][path.name] = {"sha256": digest, "status": "rejected", "error": str(error)}
                result.files_rejected.append(path.name)
                result.exit_code = result.exit_code or error.exit_code
                write_text_atomic(state_path, json.dumps(state, indent=1, ensure_ascii=False) + "\n")
                continue
            for reading in sorted(readings, key=lambda r: (r.time, r.line)):
                context.take(reading, sources[reading.risk_source], path, digest)
            state["files"][path.name] = {"sha256": digest, "status": "read", "readings": len(readings)}
            result.files_read.append(path.name)
            journal("info", "readings_read", file=path.name, sha256=digest, readings=len(readings))
            write_text_atomic(state_path, json.dumps(state, indent=1, ensure_ascii=False) + "\n")
    return result


class _Pass:
    """The state a pass changes, and what it does on a change of level."""

    def __init__(self, park, park_yaml, out, settings, state, journal, result, ledger):
        self.park, self.park_yaml, self.out, self.settings = park, park_yaml, out, settings
        self.state, self.journal, self.result, self.ledger = state, journal, result, ledger
        self.offset = park.spec.utc_offset_hours

    def take(self, reading, source, path: Path, digest: str) -> None:
        key = f"{reading.risk_source}/{reading.quantity}"
        last = self.state["instruments"].get(key)
        if last is not None and datetime.fromisoformat(last["time"]) >= reading.time:
            self.journal("info", "reading_not_newer", file=reading.file, line=reading.line, instrument=key,
                         time=reading.time.isoformat(), last=last["time"])
            return
        thresholds = getattr(source.thresholds, reading.quantity, None) if source.thresholds else None
        level = warning_level(thresholds, reading.value)
        previous = last["level"] if last is not None else "normal"
        self.state["instruments"][key] = {"time": reading.time.isoformat(), "value": reading.value, "level": level}
        if level == previous:
            return
        unit_state = self.state["sources"].setdefault(source.id, {"level": "normal", "leak": None})
        unit_levels = [v["level"] for k, v in self.state["instruments"].items() if k.rpartition("/")[0] == source.id]
        unit_level = max(unit_levels, key=level_rank)
        starts = dict(thresholds.starts()) if thresholds is not None else {}
        entry = {"time_utc": reading.time.isoformat(), "time_local": local_text(reading.time, self.offset,
                                                                                seconds=True),
                 "risk_source": source.id, "name": source.name, "kind": source.kind, "quantity": reading.quantity,
                 "value": reading.value, "unit": QUANTITIES[reading.quantity][0], "as_read": reading.as_read,
                 "threshold": starts.get(level), "previous_level": previous, "level": level,
                 "risk_source_level": unit_level, "file": reading.file, "line": reading.line}
        _append_line(self.out / "warnings.jsonl", entry)
        self.journal("warning" if level_rank(level) > level_rank(previous) else "info", "warning_level_changed",
                     risk_source=source.id, quantity=reading.quantity, previous=previous, now=level,
                     as_read=reading.as_read)
        self.result.changes.append(entry)
        if self.ledger is not None:
            append_record(self.ledger, "warning", name=f"{source.id} {reading.quantity}: {previous} -> {level}",
                          folder=self.out, inputs={str(path.resolve()): digest},
                          outputs={"warnings.jsonl": sha256_file(self.out / "warnings.jsonl")}, details=entry,
                          command_line=self.settings.command_line or None, utc_offset_hours=self.offset)
        unit_state["level"] = unit_level
        if level_rank(unit_level) < level_rank(LEAK_LEVEL):
            unit_state["leak"] = None  # the episode is over: a new orange starts a new leak
        elif unit_state["leak"] is None and source.kind in LEAK_KINDS:
            unit_state["leak"] = {"time": reading.time.isoformat(), "level": unit_level, "status": "pending"}
            self._leak(source, unit_state)

    def retry_pending_leaks(self) -> None:
        sources = {source.id: source for source in self.park.risk_sources}
        for source_id, unit_state in self.state["sources"].items():
            leak = unit_state.get("leak")
            if leak is not None and leak.get("status") == "pending" and source_id in sources:
                self._leak(sources[source_id], unit_state)

    def _leak(self, source, unit_state: dict) -> None:
        leak = unit_state["leak"]
        start = datetime.fromisoformat(leak["time"])
        self.journal("warning", "leak_starting", risk_source=source.id, warning=leak["level"], start=leak["time"])
        try:
            with using_ledger(self.ledger):  # the leak's record goes to the watcher's ledger
                done = start_leak(self.park, self.park_yaml, source, start, self.out, weather=self.settings.weather,
                                  simulation_hours=int(self.settings.simulation_hours),
                                  grid_size=float(self.settings.grid_size),
                                  grid_spacing=float(self.settings.grid_spacing), language=self.settings.language,
                                  max_weather_age_hours=self.settings.max_weather_age_hours,
                                  command_line=self.settings.command_line or "parktwin watch")
        except ParkTwinError as error:
            retry = error.exit_code == os.EX_TEMPFAIL
            leak.update(status="pending" if retry else "failed", error=str(error))
            self.journal("error", "leak_failed", risk_source=source.id, exit_code=error.exit_code, error=str(error),
                         retried_next_pass=retry)
            self.result.exit_code = self.result.exit_code or error.exit_code
            self.result.leaks.append({"risk_source": source.id, "status": leak["status"], "error": str(error)})
            return
        leak.update(status=done["status"], folder=done.get("folder"), reason=done.get("reason"))
        self.journal("warning" if done["status"] == "started" else "info", f"leak_{done['status']}",
                     risk_source=source.id, folder=done.get("folder"), reason=done.get("reason"))
        self.result.leaks.append({"risk_source": source.id, **done})


def _append_line(path: Path, entry: dict) -> None:
    """Append one JSON line with one write, flushed to disk (the log a warning leaves)."""
    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(descriptor, line)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def watch_loop(folder, park_yaml, out, settings: WatchSettings = WatchSettings(), *, interval: float = 60.0,
               passes: int | None = None) -> int:
    """Pass after pass every ``interval`` seconds (``passes``: stop after that many; None: until interrupted).
    A pass that fails for a reason waiting may cure (exit 75) or on a bad file (65) is logged and the loop goes on;
    returns the last pass's exit code."""
    done, code = 0, 0
    while passes is None or done < passes:
        started = time.monotonic()
        try:
            code = watch_once(folder, park_yaml, out, settings).exit_code
        except ParkTwinError as error:
            if error.exit_code not in (os.EX_TEMPFAIL, os.EX_DATAERR):
                raise
            log.error("watch pass failed (exit %d): %s", error.exit_code, error)
            code = error.exit_code
        done += 1
        if passes is None or done < passes:
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
    return code
