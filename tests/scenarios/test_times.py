"""Local time with its offset in everything people read (scenarios.common.times)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from scenarios.common.times import local_text


@pytest.mark.parametrize("moment", [np.datetime64("2026-09-14T22:30"), "2026-09-14T22:30Z",
                                    "2026-09-14T22:30:00+00:00", datetime(2026, 9, 14, 22, 30),
                                    datetime(2026, 9, 15, 6, 30, tzinfo=timezone(timedelta(hours=8))),
                                    np.datetime64("2026-09-14T22:30:00.000000000")])
def test_every_form_of_the_same_instant_reads_the_same(moment):
    assert local_text(moment, 8.0) == "2026-09-15 06:30 +08:00"


def test_offsets_that_are_not_whole_hours_and_west_of_greenwich():
    assert local_text("2026-01-01T00:00Z", 5.75) == "2026-01-01 05:45 +05:45"
    assert local_text("2026-01-01T00:00Z", -9.0) == "2025-12-31 15:00 -09:00"
    assert local_text("2026-01-01T00:00:07Z", 0.0, seconds=True) == "2026-01-01 00:00:07 +00:00"
