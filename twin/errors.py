"""The one small error hierarchy of ParkTwin.

Every message names the field, the value received and what is allowed, so that a user (or a nightly batch) can act
on it without reading the code. The CLI maps each class to an exit code a cron job can act on (docs/architecture.md):
0 ok, 2 usage, 65 bad data, 66 missing input, 73 cannot write output, 75 retry later, 70 internal error.
"""

from __future__ import annotations

import os

__all__ = [
    "ParkTwinError",
    "InputError",
    "MissingInputError",
    "MeteoCoverageError",
    "WeatherFileCoverageError",
    "Unshown",
    "NumericalStabilityError",
    "UsageError",
    "OutputError",
    "SchedulerUnavailableError",
]


class ParkTwinError(Exception):
    """Base class of every error ParkTwin raises on purpose."""

    exit_code: int = os.EX_SOFTWARE  # 70: a bug, not the user's fault


class InputError(ParkTwinError, ValueError):
    """A park, scenario or weather file (or an argument) holds a value that is not allowed.

    Build it with :meth:`field` so the message always names the field, the value and what is allowed.
    """

    exit_code = os.EX_DATAERR  # 65

    @classmethod
    def field(cls, where: str, field: str, value: object, allowed: str) -> "InputError":
        """``InputError.field("stack 'S01'", "height", -3.0, "> 0 m")``."""
        return cls(f"{where}: {field} must be {allowed}, got {value!r}")


class MissingInputError(ParkTwinError, FileNotFoundError):
    """A file the input names does not exist (exit code 66)."""

    exit_code = os.EX_NOINPUT  # 66


class MeteoCoverageError(ParkTwinError):
    """The weather does not cover the time or area asked for (a forecast not yet published: retry later)."""

    exit_code = os.EX_TEMPFAIL  # 75


class SchedulerUnavailableError(ParkTwinError):
    """The Dask scheduler of ``--scheduler`` cannot be reached, or went away mid-run (a cluster restarting): retry
    later (exit code 75); members already written are kept and not recomputed."""

    exit_code = os.EX_TEMPFAIL  # 75


class WeatherFileCoverageError(MeteoCoverageError):
    """A weather *file* that is there and complete (a station CSV, an AERMET file, a track) does not cover the period:
    the input must change, waiting will not help (exit code 65, not 75 — a cron job would retry forever)."""

    exit_code = os.EX_DATAERR  # 65


class NumericalStabilityError(ParkTwinError):
    """No stable time step or a non-physical state was reached; the input must change."""

    exit_code = os.EX_DATAERR  # 65


class OutputError(ParkTwinError):
    """An output cannot be written (folder not writable, disk full): exit code 73 (EX_CANTCREAT)."""

    exit_code = os.EX_CANTCREAT  # 73


class UsageError(ParkTwinError):
    """The command line was used wrongly (exit code 2)."""

    exit_code = 2


class Unshown:
    """A file's line in an error message, by its length only: a file that does not parse as what a field names may
    be any file (``weather.path: /etc/passwd``), and its text must not travel in the message. ``repr`` describes it,
    so it drops into :meth:`InputError.field` where the value goes."""

    def __init__(self, text: str | list):
        self.length = len(text if isinstance(text, str) else ",".join(map(str, text)))

    def __repr__(self) -> str:
        return f"a line of {self.length} characters that is not one (not shown: the file may not be what was named)"
