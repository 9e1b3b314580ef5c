"""A tamper-evident ledger of what the twin did: one hash-chained JSON record per run, evaluation, trace and warning.

The ledger is a JSON-lines file (``ledger.jsonl``), one record per line, each the canonical JSON of a dict (keys
sorted, no insignificant white space, UTF-8 kept: :func:`canonical`). A record holds

* ``seq`` — its sequence number, 0 for the first record, one more for each next;
* ``time_utc`` (ISO 8601, UTC) and ``time_local`` (local wall-clock time with its offset, what people read);
* ``kind`` — what made it (``run``, ``ensemble``, ``eia``, ``caps``, ``forecast``, ``warning``, ``evaluate``,
  ``trace``, …), ``name`` and ``details`` (the scenario's SHA-256, a warning's level, …);
* ``previous_sha256`` — the SHA-256 of the previous record (64 zeros for the first), and ``sha256`` — this record's
  own SHA-256, both computed over the record's canonical JSON *without* its ``sha256`` key (:func:`record_digest`);
* ``inputs`` — ``{absolute path: SHA-256}`` of the files the run read (park bundle, scenario, weather, observations;
  :mod:`twin.inputs`), ``folder`` (the output folder, relative to the ledger's folder when inside it, so a results
  tree can be moved whole) and ``outputs`` — ``{path relative to folder: SHA-256}`` of every file in it (hidden
  files, lock files and the ledger itself excepted: :func:`folder_digests`);
* ``software`` — the ParkTwin version and, when the code runs from a git checkout, its commit (and whether it had
  uncommitted changes), and ``command_line``.

**Where** (:func:`ledger_path_for`): the ``--ledger`` option of the CLI (:func:`using_ledger`), else the environment
variable ``PARKTWIN_LEDGER`` (``off`` disables the ledger), else ``ledger.jsonl`` in the output folder's parent — the
first ancestor that is not itself a finished run's folder (``caps/`` of an EIA run records in the EIA folder's
parent), so the runs of one results tree share one ledger.

**Appending** (:func:`append_record`) holds an exclusive ``fcntl.flock`` on the ledger file, reads its last record,
and appends the new line with one ``write`` on an ``O_APPEND`` descriptor, then ``fsync``: concurrent runs never
interleave or reuse a sequence number, and a lock held by a process that died is released by the kernel. A crash
(power loss) in the middle of an append can leave a last line without its newline: :func:`read_ledger` reports it as
an incomplete last record (crash while appending) and ignores it, and the next append (or :func:`repair_ledger`)
moves it aside into ``<ledger>.incomplete-<UTC time>`` and says so in its record (``repaired``), so the chain of
complete records stays valid and nothing is silently dropped.

**Verifying** (:func:`verify_ledger`) recomputes every record's SHA-256 and the chain, then the SHA-256 of the output
files each one names — a file is checked against the *latest* record that names it (a re-run into the same folder
legitimately replaces its outputs), input files only when asked (a park edited after a run is not tampering) — and
names the first record or file that changed.

A hash chain shows that records were changed, removed or reordered, and that files changed after they were recorded;
it cannot show that someone rewrote the whole chain from a changed record on. Against that, keep the head digest
(``parktwin ledger verify`` prints it) somewhere else — the seed case records such digests on a consortium
blockchain — and pass it back with ``--head``.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import subprocess
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from scenarios.common.times import local_text
from twin.errors import InputError, MissingInputError, OutputError
from twin.inputs import sha256_file

__all__ = ["LEDGER_NAME", "LEDGER_ENV", "GENESIS", "canonical", "record_digest", "ledger_path_for", "using_ledger",
           "folder_digests", "software_identity", "append_record", "record_folder", "read_ledger", "LedgerReport",
           "verify_ledger", "repair_ledger"]

LEDGER_NAME = "ledger.jsonl"
GENESIS = "0" * 64  # the previous_sha256 of the first record
LEDGER_ENV = "PARKTWIN_LEDGER"
_OFF = frozenset({"off", "none", "no", "0", "false"})
_LEDGER: ContextVar[Path | None] = ContextVar("parktwin_ledger", default=None)


def canonical(record: dict) -> str:
    """The canonical JSON of a record: keys sorted, no insignificant white space, UTF-8 kept as is."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def record_digest(record: dict) -> str:
    """SHA-256 (hex) of the canonical JSON of ``record`` without its own ``sha256`` key."""
    body = {key: value for key, value in record.items() if key != "sha256"}
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


@contextlib.contextmanager
def using_ledger(path: str | os.PathLike | None) -> Iterator[None]:
    """Within the block, records go to ``path`` (the CLI's ``--ledger``); None leaves the default rule."""
    token = _LEDGER.set(Path(path) if path is not None else None)
    try:
        yield
    finally:
        _LEDGER.reset(token)


def ledger_path_for(out_dir: str | os.PathLike) -> Path | None:
    """The ledger a run writing ``out_dir`` appends to (module docstring, "Where"); None when disabled."""
    chosen = _LEDGER.get()
    if chosen is not None:
        return chosen
    from_env = os.environ.get(LEDGER_ENV, "").strip()
    if from_env:
        return None if from_env.lower() in _OFF else Path(from_env)
    parent = Path(out_dir).resolve().parent
    while (parent / "run.json").is_file() and parent.parent != parent:
        parent = parent.parent  # a run nested in another run's folder records beside the outer run
    return parent / LEDGER_NAME


def _is_ledger_file(path: Path, ledger: Path | None) -> bool:
    name = path.name
    return (name == LEDGER_NAME or name.startswith(LEDGER_NAME + ".incomplete-")
            or (ledger is not None and path.resolve() == ledger.resolve()))


def folder_digests(folder: str | os.PathLike, ledger: Path | None = None) -> dict[str, str]:
    """``{path relative to folder (POSIX): SHA-256}`` of every file under ``folder``, sorted; files and folders whose
    name starts with ``.`` (locks, temporary ``.part`` files, work folders) and ledger files are left out."""
    root = Path(folder)
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file() or path.is_symlink():
            continue
        if _is_ledger_file(path, ledger):
            continue
        found[relative.as_posix()] = sha256_file(path)
    return found


@functools.lru_cache(maxsize=1)
def software_identity() -> dict:
    """``{"parktwin": version, "git_commit": hex or None, "git_dirty": bool or None}`` of the code running now: the
    commit of the checkout the package was imported from (its folder holds ``.git``), when git is installed;
    ``git_dirty``: tracked files differ from that commit."""
    from twin.store import parktwin_version

    identity = {"parktwin": parktwin_version(), "git_commit": None, "git_dirty": None}
    source = Path(__file__).resolve().parents[2]
    if not (source / ".git").exists():  # an installed copy, not a checkout: a surrounding repository is not ours
        return identity
    try:
        commit = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10, check=False)
        if commit.returncode == 0 and commit.stdout.strip():
            identity["git_commit"] = commit.stdout.strip()
            status = subprocess.run(["git", "-C", str(source), "status", "--porcelain", "--untracked-files=no"],
                                    capture_output=True, text=True, timeout=20, check=False)
            identity["git_dirty"] = bool(status.stdout.strip()) if status.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):  # no git, or not a checkout: the version alone
        pass
    return identity


def _folder_name(folder: Path, ledger: Path) -> str:
    """``folder`` relative to the ledger's folder (POSIX) when inside it, else absolute."""
    folder, base = folder.resolve(), ledger.resolve().parent
    try:
        return folder.relative_to(base).as_posix() or "."
    except ValueError:
        return str(folder)


def _folder_path(name: str, ledger: Path) -> Path:
    path = Path(name)
    return path if path.is_absolute() else ledger.resolve().parent / path


def _last_line(handle, size: int) -> bytes:
    """The last complete line of the open ledger (without its newline), b"" when there is none."""
    end, tail = size, b""
    while end > 0:
        start = max(0, end - (1 << 16))
        handle.seek(start)
        tail = handle.read(end - start) + tail
        end = start
        stripped = tail[:-1] if tail.endswith(b"\n") else tail
        if b"\n" in stripped or start == 0:
            return stripped.rsplit(b"\n", 1)[-1]
    return b""


def _set_aside_tail(ledger: Path, handle, size: int) -> dict | None:
    """When the ledger does not end with a newline (a crash while appending), move the incomplete last line into
    ``<ledger>.incomplete-<UTC>`` and truncate it away; return what was done (None when the file was whole)."""
    if size == 0:
        return None
    handle.seek(size - 1)
    if handle.read(1) == b"\n":
        return None
    handle.seek(0)
    data = handle.read(size)
    cut = data.rfind(b"\n") + 1
    fragment = data[cut:]
    aside = ledger.with_name(f"{ledger.name}.incomplete-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}")
    aside.write_bytes(fragment)
    os.truncate(handle.fileno(), cut)
    os.fsync(handle.fileno())
    return {"incomplete_bytes": len(fragment), "incomplete_sha256": hashlib.sha256(fragment).hexdigest(),
            "moved_to": aside.name}


def _parse(line: bytes, where: str) -> dict:
    try:
        record = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        record = None
    if not isinstance(record, dict):
        raise InputError(f"{where}: must be one JSON object per line (a ledger record), and is not; run "
                         f"'parktwin ledger verify' to see what changed")
    return record


def append_record(ledger: str | os.PathLike, kind: str, *, name: str = "", folder: str | os.PathLike | None = None,
                  inputs: dict[str, str] | None = None, outputs: dict[str, str] | None = None,
                  details: dict | None = None, command_line: str | None = None,
                  utc_offset_hours: float | None = None) -> dict:
    """Append one record to ``ledger`` (created with its folder if needed) and return it.

    ``utc_offset_hours``: the park's offset for ``time_local`` [h] (default: this machine's local zone).
    OutputError (exit 73) when the ledger cannot be written; InputError (65) when its last record is not JSON.
    """
    ledger = Path(ledger)
    now = datetime.now(timezone.utc)
    if utc_offset_hours is None:
        offset = now.astimezone().utcoffset()
        utc_offset_hours = offset.total_seconds() / 3600.0 if offset is not None else 0.0
    try:
        ledger.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(ledger, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError as error:
        raise OutputError(f"ledger {str(ledger)!r} must be writable, got {error.strerror or error} (choose another "
                          f"with --ledger or {LEDGER_ENV}; {LEDGER_ENV}=off disables it)") from error
    with os.fdopen(descriptor, "r+b", buffering=0) as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # released by close, also when the process dies
        try:
            size = os.fstat(handle.fileno()).st_size
            repaired = _set_aside_tail(ledger, handle, size)
            size = os.fstat(handle.fileno()).st_size
            last_line = _last_line(handle, size)
            if last_line:
                last = _parse(last_line, f"ledger {ledger}, last record")
                if not isinstance(last.get("seq"), int):
                    raise InputError.field(f"ledger {ledger}, last record", "seq", last.get("seq"),
                                           "a whole number; run 'parktwin ledger verify' to see what changed")
                seq, previous = last["seq"] + 1, record_digest(last)
            else:
                seq, previous = 0, GENESIS
            record = {"seq": seq, "time_utc": now.isoformat(timespec="milliseconds"),
                      "time_local": local_text(now, utc_offset_hours, seconds=True), "kind": kind, "name": name,
                      "previous_sha256": previous, "software": software_identity(), "command_line": command_line,
                      "inputs": dict(sorted((inputs or {}).items())),
                      "folder": _folder_name(Path(folder), ledger) if folder is not None else None,
                      "outputs": dict(sorted((outputs or {}).items())), "details": details or {}}
            if repaired is not None:
                record["repaired"] = repaired
            record["sha256"] = record_digest(record)
            line = (canonical(record) + "\n").encode("utf-8")
            written = os.write(handle.fileno(), line)  # one write on an O_APPEND descriptor
            if written != len(line):
                raise OSError(f"short write: {written} of {len(line)} bytes")
            os.fsync(handle.fileno())
        except OSError as error:
            raise OutputError(f"ledger {str(ledger)!r}: cannot append a record: {error}") from error
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return record


def record_folder(kind: str, out_dir: str | os.PathLike, *, name: str = "", inputs: dict[str, str] | None = None,
                  details: dict | None = None, command_line: str | None = None,
                  utc_offset_hours: float | None = None, ledger: str | os.PathLike | None = None) -> dict | None:
    """Append the record of a finished output folder: the digests of every file in ``out_dir`` (outputs), the
    ``inputs`` given (default: the input files of the current recording, :func:`twin.inputs.inputs_read`). The ledger
    is ``ledger`` or :func:`ledger_path_for`; returns the record, or None when the ledger is disabled."""
    from twin.inputs import command_line as recorded_command_line
    from twin.inputs import inputs_read

    path = Path(ledger) if ledger is not None else ledger_path_for(out_dir)
    if path is None:
        return None
    return append_record(path, kind, name=name, folder=out_dir, inputs=inputs if inputs is not None else inputs_read(),
                         outputs=folder_digests(out_dir, path), details=details,
                         command_line=command_line if command_line is not None else recorded_command_line(),
                         utc_offset_hours=utc_offset_hours)


def read_ledger(ledger: str | os.PathLike) -> tuple[list[tuple[int, dict | None, bytes]], bytes | None]:
    """(``[(line number, record or None when the line is not a JSON object, raw line)]``, the incomplete last line
    when the file does not end with a newline, else None). MissingInputError when there is no ledger."""
    ledger = Path(ledger)
    try:
        data = ledger.read_bytes()
    except FileNotFoundError:
        raise MissingInputError(f"ledger {str(ledger)!r} does not exist") from None
    incomplete = None
    if data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        data, incomplete = data[:cut], data[cut:]
    rows = []
    for number, line in enumerate(data.split(b"\n")[:-1] if data else [], start=1):
        try:
            record = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            record = None
        rows.append((number, record if isinstance(record, dict) else None, line))
    return rows, incomplete


@dataclass
class LedgerReport:
    """What :func:`verify_ledger` found: ``problems`` (the first one names the first record or file that changed),
    ``notes`` (not failures: an incomplete last record), the records checked, the files checked, the head digest."""

    ledger: Path
    records: int = 0
    files_checked: int = 0
    head_sha256: str | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        lines = [f"ledger {self.ledger}: {self.records} records, {self.files_checked} files checked"]
        lines += [f"note: {note}" for note in self.notes]
        if self.ok:
            lines.append(f"OK: the chain is intact and every recorded file matches; head sha256 {self.head_sha256}")
        else:
            lines.append(f"CHANGED: {self.problems[0]}")
            lines += [f"  also: {problem}" for problem in self.problems[1:]]
        return "\n".join(lines)


def _chain_problems(rows, report: LedgerReport) -> list[dict]:
    """Check every record and the chain; return the records that passed up to the first break."""
    good: list[dict] = []
    previous = GENESIS
    seqs = [record.get("seq") if record is not None else None for _, record, _ in rows]
    for index, (number, record, _line) in enumerate(rows):
        if record is None:
            report.problems.append(f"line {number}: not a JSON record (the line was changed)")
            return good
        seq = record.get("seq")
        if record.get("sha256") != record_digest(record):
            report.problems.append(f"record seq {seq} (line {number}, {record.get('kind')} {record.get('name')!r}): "
                                   f"its content was changed (its SHA-256 no longer matches)")
            return good
        if seq != index:
            later = [s for s in seqs[index + 1:] if isinstance(s, int)]
            if index in later:
                report.problems.append(f"records out of order at line {number}: it holds seq {seq}, expected seq "
                                       f"{index}, which comes later (line {seqs.index(index, index) + 1}): records "
                                       f"were reordered")
            elif isinstance(seq, int) and seq > index:
                missing = f"seq {index}" if seq == index + 1 else f"seq {index}..{seq - 1}"
                report.problems.append(f"record {missing} is missing before line {number} (which holds seq {seq}): "
                                       f"a record was deleted")
            else:
                report.problems.append(f"line {number}: holds seq {seq}, expected {index} (a record was copied or "
                                       f"renumbered)")
            return good
        if record.get("previous_sha256") != previous:
            report.problems.append(f"record seq {seq} (line {number}): previous_sha256 does not match record seq "
                                   f"{index - 1}: the chain is broken there (a record was replaced)")
            return good
        previous = record["sha256"]
        good.append(record)
    return good


def verify_ledger(ledger: str | os.PathLike, *, check_inputs: bool = False, head: str | None = None) -> LedgerReport:
    """Recompute the chain and the recorded files' digests of ``ledger``; see the module docstring.

    ``check_inputs``: also check the input files (each against the latest record naming it). ``head``: a head digest
    kept elsewhere (a prefix of 8+ hex digits will do); a problem when no record of the chain has it.
    """
    ledger = Path(ledger)
    report = LedgerReport(ledger=ledger)
    rows, incomplete = read_ledger(ledger)
    if incomplete is not None:
        report.notes.append(f"incomplete last record (crash while appending): {len(incomplete)} bytes after line "
                            f"{len(rows)} ignored; 'parktwin ledger repair' or the next record moves them aside")
    report.records = len(rows)
    good = _chain_problems(rows, report)
    if good:
        report.head_sha256 = good[-1]["sha256"]
    if head is not None:
        if len(head) < 8 or not any(record["sha256"].startswith(head.lower()) for record in good):
            report.problems.append(f"head {head!r}: no intact record of the ledger has this SHA-256 (the chain was "
                                   f"rewritten or cut after that record was anchored)")
    latest: dict[tuple[str, Path], tuple[int, str]] = {}  # (role, file) → (seq, digest) of the latest record
    for record in good:
        if record.get("folder") is not None:
            base = _folder_path(record["folder"], ledger)
            for relative, digest in (record.get("outputs") or {}).items():
                latest["output", base / relative] = (record["seq"], digest)
        if check_inputs:
            for path, digest in (record.get("inputs") or {}).items():
                latest["input", Path(path)] = (record["seq"], digest)
    for (role, path), (seq, digest) in sorted(latest.items(), key=lambda item: (item[1][0], str(item[0][1]))):
        report.files_checked += 1
        if not path.is_file():
            report.problems.append(f"{role} file {path} (record seq {seq}) is missing")
        elif sha256_file(path) != digest:
            report.problems.append(f"{role} file {path} (record seq {seq}) was changed: its SHA-256 no longer "
                                   f"matches the record")
    return report


def repair_ledger(ledger: str | os.PathLike) -> dict | None:
    """Move an incomplete last line (crash while appending) aside, under the ledger's lock; return what was done
    (None when the ledger was whole). Complete records are never changed."""
    ledger = Path(ledger)
    if not ledger.is_file():
        raise MissingInputError(f"ledger {str(ledger)!r} does not exist")
    with open(ledger, "r+b", buffering=0) as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            return _set_aside_tail(ledger, handle, os.fstat(handle.fileno()).st_size)
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
