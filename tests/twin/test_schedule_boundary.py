"""Emission schedules (hour/weekday/month factors) and the park boundary."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from twin.park import EmissionSchedule


def test_schedule_factors_by_hand():
    schedule = EmissionSchedule(hour_of_day=[0.5] * 8 + [1.5] * 12 + [0.5] * 4,
                                day_of_week=[1.0] * 5 + [0.2, 0.2], month=[1.0] * 11 + [2.0])
    times = np.array(["2026-11-23T07", "2026-11-23T08", "2026-11-28T10", "2026-12-01T23"], dtype="datetime64[h]")
    # Mon 07:00 night 0.5; Mon 08:00 day 1.5; Sat 10:00 1.5 × 0.2; Tue 1 Dec 23:00 0.5 × 2 (December).
    np.testing.assert_allclose(schedule.factors(times), [0.5, 1.5, 0.3, 1.0])
    assert np.all(EmissionSchedule().factors(times) == 1.0)


def test_schedule_rejects_wrong_lengths_and_negative_factors():
    with pytest.raises(ValidationError, match="hour_of_day"):
        EmissionSchedule(hour_of_day=[1.0] * 23)
    with pytest.raises(ValidationError, match="month"):
        EmissionSchedule(month=[-1.0] + [1.0] * 11)
