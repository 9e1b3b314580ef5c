"""Times people read: local wall-clock time with its UTC offset, from the UTC instants the model keeps.

Inside, every instant is UTC (numpy datetime64 without a zone, or an aware datetime); NetCDF files keep UTC (CF).
Whatever a person reads — a plan, a report, a brief, the CLI's summary — gives the park's local time and says its
offset, ``2026-09-15 06:30 +08:00``: a duty officer who reads 22:30Z as local time acts eight hours late.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np

__all__ = ["local_text", "local_zone"]


def local_zone(utc_offset_hours: float) -> timezone:
    """The fixed-offset zone of a park (``park.yaml`` ``utc_offset_hours``; China +8)."""
    return timezone(timedelta(minutes=round(utc_offset_hours * 60)))


def local_text(moment, utc_offset_hours: float, *, seconds: bool = False) -> str:
    """``moment`` as local wall-clock time with its offset, e.g. ``2026-09-15 06:30 +08:00``.

    moment : numpy datetime64 or naive datetime (both UTC), an aware datetime, or an ISO 8601 string (a trailing
    ``Z`` or an offset; without one it is read as UTC). utc_offset_hours : the park's offset from UTC [h].
    """
    if isinstance(moment, str):
        text = moment.strip()
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    if isinstance(moment, np.datetime64):
        microseconds = moment.astype("datetime64[us]").astype(np.int64)
        moment = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=int(microseconds))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(local_zone(utc_offset_hours))
    offset = local.strftime("%z")
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M") + f" {offset[:3]}:{offset[3:]}"
