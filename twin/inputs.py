"""The input files a run read, with their SHA-256: recorded where files are opened, written into ``run.json`` and into
every NetCDF file's attributes, so a result can be traced to the exact park, DEM, buildings, weather and track bytes
it came from.

The readers call :func:`record_input` with the path they open (``twin.textfiles.read_text``, the DEM and buildings
readers, the forecast and AERMET readers, ``load_yaml``). A run collects them inside :func:`recording_inputs`
(opened by the CLI and by ``scenarios.common.results.output_folder``); outside one, recording is a no-op. The
register is a ``contextvars.ContextVar``: two runs in one process (two threads, a notebook) keep their own lists.

A reader that had to change what it read to use it (a DEM reprojected to the park CRS, its voids filled) says so with
:func:`note_input`; the notes go beside the digests (run.json ``input_notes``, the NetCDF attribute ``input_notes``).
"""

from __future__ import annotations

import hashlib
import shlex
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

__all__ = ["record_input", "recording_inputs", "inputs_read", "note_input", "input_notes", "record_output_identity",
           "output_identity", "command_line", "sha256_file"]

_REGISTER: ContextVar[dict[str, str] | None] = ContextVar("parktwin_inputs_read", default=None)
_NOTES: ContextVar[dict[str, str] | None] = ContextVar("parktwin_input_notes", default=None)
_IDENTITY: ContextVar[dict[str, str] | None] = ContextVar("parktwin_output_identity", default=None)
_COMMAND: ContextVar[str | None] = ContextVar("parktwin_command_line", default=None)


def sha256_file(path: str | Path) -> str:
    """SHA-256 (hex) of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_input(path: str | Path) -> None:
    """Note that the current run read ``path`` (its absolute path and SHA-256); nothing outside a recording."""
    register = _REGISTER.get()
    if register is None:
        return
    resolved = Path(path).resolve()
    if str(resolved) not in register and resolved.is_file():
        register[str(resolved)] = sha256_file(resolved)


@contextmanager
def recording_inputs(command_line: list[str] | None = None):
    """Record the input files read inside the block (an enclosing recording keeps collecting: one list per run),
    and the command line that started the run (the CLI passes ``["parktwin", *argv]``)."""
    if _REGISTER.get() is not None:
        yield
        return
    token = _REGISTER.set({})
    notes = _NOTES.set({})
    identity = _IDENTITY.set({})
    command = _COMMAND.set(shlex.join(command_line) if command_line is not None else None)
    try:
        yield
    finally:
        _REGISTER.reset(token)
        _NOTES.reset(notes)
        _IDENTITY.reset(identity)
        _COMMAND.reset(command)


def record_output_identity(attrs: dict[str, str]) -> None:
    """The park's identity attributes (``park.yaml`` ``metadata:``: institution, creator_*, license) for every NetCDF
    file the current run writes; the first park loaded in a recording sets them. Nothing outside a recording."""
    identity = _IDENTITY.get()
    if identity is not None and not identity:
        identity.update(attrs)


def output_identity() -> dict[str, str]:
    """The identity attributes of the current recording (empty when none were given)."""
    return dict(_IDENTITY.get() or {})


def command_line() -> str | None:
    """The command line of the current recording (None for a run started from Python)."""
    return _COMMAND.get()


def inputs_read() -> dict[str, str]:
    """``{absolute path: sha256}`` of the files read so far in the current recording, sorted by path."""
    return dict(sorted((_REGISTER.get() or {}).items()))


def note_input(path: str | Path, note: str) -> None:
    """Note what the current run did to the input ``path`` to use it (e.g. 'DEM reprojected from EPSG:4326 …');
    nothing outside a recording. A second note on the same file replaces the first (the file was read again)."""
    register = _NOTES.get()
    if register is not None and note:
        register[str(Path(path).resolve())] = note


def input_notes() -> dict[str, str]:
    """``{absolute path: note}`` of the inputs the current recording changed to use them, sorted by path."""
    return dict(sorted((_NOTES.get() or {}).items()))
