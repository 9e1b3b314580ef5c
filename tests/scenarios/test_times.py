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


def test_the_leak_summary_printed_by_parktwin_run_gives_local_times_with_their_offset():
    # The lines `parktwin run` prints for a leak: the release start and each arrival as local time with the offset
    # (the arrival crosses midnight here: the plan's HH:MM alone would not say which day).
    from scenarios.leak.outputs import summary_text
    from tests.viz.test_views import _receptor, leak_view_dict
    from viz.views import LeakPlanView

    view = LeakPlanView.from_dict(leak_view_dict(start="2026-07-15 23:50 +08:00",
                                                 receptors=[_receptor(arrival="00:21", arrival_minutes=31)]))
    text = summary_text(view)
    assert "Release start: 2026-07-15 23:50 +08:00" in text
    assert "东村 (residential): arrival 2026-07-16 00:21 +08:00 (+31 min)" in text
    assert "Z" not in text.replace("ParkTwin", "")
