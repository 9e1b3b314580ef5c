"""What every run leaves behind: the result handle, the output folder check, file-name slugs and ``run.json``.

``run.json`` is written last by every command that writes outputs (docs/architecture.md): its presence, with the scenario's
SHA-256, marks a complete run.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel

from scenarios.common.batch import BatchLock
from scenarios.common.ledger import record_folder
from scenarios.common.spec import scenario_hash
from twin.errors import OutputError
from twin.inputs import command_line, input_notes, inputs_read, recording_inputs
from twin.store import parktwin_version, write_text_atomic

__all__ = ["RunResult", "slug", "check_writable", "output_folder", "write_manifest", "write_folder_manifest",
           "read_manifest", "LOCK_NAME"]


@dataclass
class RunResult:
    """Where a run wrote its outputs (``paths`` by role) and the few lines it prints."""

    out_dir: Path
    paths: dict[str, Path] = field(default_factory=dict)
    summary_text: str = ""


def slug(name: str) -> str:
    """``name`` as one folder or file name: runs of characters other than letters, digits, ``.`` and ``-`` become
    ``-`` (so no ``/``), and leading or trailing dots and dashes go (so never ``..`` or a hidden name)."""
    return re.sub(r"[^\w.-]+", "-", name, flags=re.UNICODE).strip("-.") or "scenario"


LOCK_NAME = ".parktwin.lock"
_RUN_FOLDERS: ContextVar[Path | None] = ContextVar("parktwin_run_folder", default=None)  # the outermost run's folder


def check_writable(out_dir: Path) -> None:
    """Fail before the computation, not after it, when the output folder cannot be written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".parktwin-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise OutputError(f"output folder {str(out_dir)!r} must be writable, got {error.strerror or error}") from error


@contextmanager
def output_folder(out_dir: Path, what: str = "run", *, kind: str | None = None, details: dict | None = None):
    """Hold ``out_dir`` for one run: it must be writable (else OutputError, exit 73, before any computation); an
    exclusive lock file ``.parktwin.lock`` in it keeps a second run out (BatchLockedError, exit 75: retry later; a
    lock left by a process that no longer runs on this host is taken over); and the previous run's ``run.json`` is
    removed first, so a run killed midway never leaves new files beside an old marker that says "finished".

    When the block ends with a ``run.json`` in ``out_dir`` (the run finished), a record of kind ``kind`` (default
    ``what``) and with ``details`` goes to the ledger (:func:`scenarios.common.ledger.record_folder`: the input files
    read, every file in the folder), while the folder is still locked. Runs nested in another's folder are recorded
    with the outer one."""
    out_dir = Path(out_dir)
    created = not out_dir.exists()
    check_writable(out_dir)
    try:
        with BatchLock(out_dir / LOCK_NAME, what=what), recording_inputs():
            (out_dir / "run.json").unlink(missing_ok=True)
            outer = _RUN_FOLDERS.get() is None
            token = _RUN_FOLDERS.set(out_dir) if outer else None
            try:
                yield out_dir
            finally:
                if token is not None:
                    _RUN_FOLDERS.reset(token)
            manifest = read_manifest(out_dir) if outer else None
            if manifest is not None:
                record_folder(kind or what, out_dir, name=str(manifest.get("scenario", "")),
                              details={"scenario_config_sha256": manifest.get("scenario_config_sha256"),
                                       **(details or {})})
    finally:
        if created and out_dir.is_dir() and not any(out_dir.iterdir()):
            out_dir.rmdir()  # a run refused before it wrote anything leaves no empty folder behind


def write_folder_manifest(out_dir: Path, scenario: BaseModel) -> Path:
    """run.json for a run whose outputs are every file at the top of ``out_dir`` (an ensemble): written last."""
    paths = {p.name: p for p in sorted(Path(out_dir).iterdir())
             if p.is_file() and not p.name.startswith(".") and p.name != "run.json"}
    return write_manifest(out_dir, scenario, paths)


def write_manifest(out_dir: Path, scenario: BaseModel, paths: dict[str, Path]) -> Path:
    """run.json, written last: the scenario's SHA-256, the software version, the command line, the SHA-256 of every
    input file the run read (:mod:`twin.inputs`), what was done to inputs to use them (``input_notes``: a DEM
    reprojected to the park CRS, its voids filled) and every output file — its presence marks a complete run."""
    manifest = {
        "scenario": scenario.name,
        "scenario_config_sha256": scenario_hash(scenario),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "software": {"parktwin": parktwin_version()},
        "command_line": command_line(),
        "inputs_sha256": inputs_read(),
        "input_notes": input_notes(),
        "outputs": {name: path.name for name, path in sorted(paths.items())},
    }
    return write_text_atomic(out_dir / "run.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")


def read_manifest(out_dir: Path) -> dict | None:
    """The run.json of a finished run in ``out_dir``, or None when the run did not finish."""
    try:
        return json.loads((Path(out_dir) / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
