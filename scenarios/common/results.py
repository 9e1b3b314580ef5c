"""What every run leaves behind: the result handle, the output folder check, file-name slugs and ``run.json``.

``run.json`` is written last by every command that writes outputs (DESIGN.md): its presence, with the scenario's
SHA-256, marks a complete run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel

from scenarios.common.spec import scenario_hash
from twin.errors import OutputError
from twin.store import write_text_atomic

__all__ = ["RunResult", "slug", "check_writable", "write_manifest", "read_manifest"]


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


def check_writable(out_dir: Path) -> None:
    """Fail before the computation, not after it, when the output folder cannot be written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".parktwin-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise OutputError(f"output folder {str(out_dir)!r} must be writable, got {error.strerror or error}") from error


def write_manifest(out_dir: Path, scenario: BaseModel, paths: dict[str, Path]) -> Path:
    """run.json, written last: the scenario's SHA-256 and every output file — its presence marks a complete run."""
    manifest = {
        "scenario": scenario.name,
        "scenario_config_sha256": scenario_hash(scenario),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "outputs": {name: path.name for name, path in sorted(paths.items())},
    }
    return write_text_atomic(out_dir / "run.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")


def read_manifest(out_dir: Path) -> dict | None:
    """The run.json of a finished run in ``out_dir``, or None when the run did not finish."""
    try:
        return json.loads((Path(out_dir) / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
