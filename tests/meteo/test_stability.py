"""Stability classes: every cell of Turner's Table 6-4 and of GB/T 3840-91 Tables B1/B2, plus the procedures."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from meteo.stability import (
    CLASS_LABELS,
    class_codes,
    net_radiation_index_turner,
    radiation_grade_gb3840,
    stability_gb3840,
    stability_turner,
    turner_is_daytime,
)
from twin.errors import InputError

# --- Turner: EPA-454/R-99-005 Table 6-4 as printed (rows: wind m/s range; columns: NRI 4, 3, 2, 1, 0, −1, −2) ---
# http://www.webmet.com/met_monitoring/641.html — "0,1 0-0.7 1123467", "2,3 0.8-1.8 1223467", …
TABLE_6_4 = [
    ((0.0, 0.7), "1123467"),
    ((0.8, 1.8), "1223467"),
    ((1.9, 2.8), "1234456"),
    ((2.9, 3.3), "2234456"),
    ((3.4, 3.8), "2234445"),
    ((3.9, 4.8), "2334445"),
    ((4.9, 5.4), "3344445"),
    ((5.5, 5.9), "3344444"),
    ((6.0, 12.0), "3444444"),
]
NRI_COLUMNS = (4, 3, 2, 1, 0, -1, -2)


def _turner_inputs_for_index(index):
    """(solar_elevation °, cloud tenths, ceiling m, is_daytime) that give the net radiation index (Table 6-6)."""
    return {
        4: (70.0, 2, np.inf, True),  # strong insolation, cloud ≤ 5/10
        3: (45.0, 2, np.inf, True),
        2: (25.0, 2, np.inf, True),
        1: (10.0, 2, np.inf, True),
        0: (45.0, 10, 1000.0, True),  # 10/10 below 7000 ft
        -1: (-20.0, 7, 3000.0, False),  # night, cloud > 4/10
        -2: (-20.0, 2, np.inf, False),  # night, cloud ≤ 4/10
    }[index]


@pytest.mark.parametrize("row", range(len(TABLE_6_4)))
@pytest.mark.parametrize("column", range(len(NRI_COLUMNS)))
def test_turner_every_cell_of_table_6_4(row, column):
    (low, high), classes = TABLE_6_4[row]
    published = int(classes[column])
    expected_code = min(published, 6) - 1  # class 7 (G) merged into F for regulatory use (EPA §6.4.1)
    elevation, cloud, ceiling, day = _turner_inputs_for_index(NRI_COLUMNS[column])
    for wind in (low, high, 0.5 * (low + high)):  # both printed ends of the m/s range and its middle
        code = stability_turner(wind, elevation, cloud, ceiling, day)
        assert code == expected_code, f"wind {wind} m/s, NRI {NRI_COLUMNS[column]}"


@pytest.mark.parametrize(
    "elevation, cloud, ceiling_ft, day, expected",
    [
        (70.0, 10, 5000, True, 0),  # item 1: 10/10 and ceiling < 7000 ft → 0 by day …
        (-10.0, 10, 5000, False, 0),  # … and by night
        (-10.0, 4, 5000, False, -2),  # item 2a: night, ≤ 4/10
        (-10.0, 5, 5000, False, -1),  # item 2b: night, > 4/10
        (61.0, 5, 5000, True, 4),  # item 3b: ≤ 5/10 → insolation class (Table 6-5: > 60° strong = 4)
        (60.0, 5, 5000, True, 3),  # 35 < 60 → moderate = 3
        (35.0, 5, 5000, True, 2),  # 15 < 35 → slight = 2
        (15.0, 5, 5000, True, 1),  # ≤ 15 → weak = 1
        (61.0, 6, 5000, True, 2),  # item 3c(1): ceiling < 7000 ft → −2
        (61.0, 6, 10000, True, 3),  # 3c(2): 7000 ≤ ceiling < 16000 ft → −1
        (61.0, 10, 10000, True, 2),  # 3c(2)+(3): 10/10 → −1 more
        (61.0, 10, 20000, True, 3),  # 3c(3) alone: 10/10, ceiling ≥ 16000 ft
        (61.0, 6, 20000, True, 4),  # 3c(4): not modified
        (20.0, 6, 5000, True, 1),  # 3c(5): 2 − 2 = 0 → 1
    ],
)
def test_turner_net_radiation_index_procedure(elevation, cloud, ceiling_ft, day, expected):
    ceiling_m = ceiling_ft * 0.3048
    assert net_radiation_index_turner(elevation, cloud, ceiling_m, day) == expected


def test_turner_knot_rounding_reproduces_printed_m_s_boundaries():
    # 0.7 m/s is in the 0–1 kt row, 0.8 m/s in the 2–3 kt row, …, 5.9 in 11 kt, 6.0 in ≥ 12 kt (Table 6-4).
    strong = _turner_inputs_for_index(4)
    assert stability_turner(0.7, *strong) == 0 and stability_turner(0.8, *strong) == 0
    assert stability_turner(2.8, *strong) == 0 and stability_turner(2.9, *strong) == 1
    assert stability_turner(4.8, *strong) == 1 and stability_turner(4.9, *strong) == 2


def test_turner_daytime_is_one_hour_after_sunrise_to_one_hour_before_sunset():
    # 21 June at 31.9N 120E: sunrise ≈ 05:00, sunset ≈ 19:00 local mean solar time (analytic from Eq. B1).
    times = np.array(["2026-06-20T21:30", "2026-06-20T22:30", "2026-06-21T10:30", "2026-06-21T11:30"],
                     dtype="datetime64[ns]")  # 05:30, 06:30, 18:30, 19:30 at 120E (UTC+8 = LMST there)
    assert turner_is_daytime(times, 31.9, 120.0).tolist() == [False, True, False, False]


# --- GB/T 3840-91 Table B1 (radiation grade) and Table B2 (class), as printed ---------------------------------------
# Rows of B1: total/low cloud; columns: night, h0 ≤ 15°, 15°–35°, 35°–65°, > 65°.
TABLE_B1 = {
    "≤4/≤4": (-2, -1, +1, +2, +3),
    "5~7/≤4": (-1, 0, +1, +2, +3),
    "≥8/≤4": (-1, 0, 0, +1, +1),
    "≥5/5~7": (0, 0, 0, 0, +1),
    "≥8/≥8": (0, 0, 0, 0, 0),
}
# Representative (total, low) amounts for each row, in tenths, including both ends of each range.
B1_CLOUDS = {
    "≤4/≤4": [(0, 0), (4, 4), (3, 1)],
    "5~7/≤4": [(5, 0), (7, 4), (6, 2)],
    "≥8/≤4": [(8, 0), (10, 4), (9, 3)],
    "≥5/5~7": [(5, 5), (7, 7), (10, 5), (10, 7)],
    "≥8/≥8": [(8, 8), (10, 10), (10, 8)],
}
B1_ELEVATIONS = [(-30.0, 0.0), (0.1, 15.0), (15.1, 35.0), (35.1, 65.0), (65.1, 90.0)]

# Table B2: wind rows ≤1.9, 2~2.9, 3~4.9, 5~5.9, ≥6 m/s; columns: grade +3, +2, +1, 0, −1, −2.
TABLE_B2 = [
    ((0.0, 1.9), ("A", "A~B", "B", "D", "E", "F")),
    ((2.0, 2.9), ("A~B", "B", "C", "D", "E", "F")),
    ((3.0, 4.9), ("B", "B~C", "C", "D", "D", "E")),
    ((5.0, 5.9), ("C", "C~D", "D", "D", "D", "D")),
    ((6.0, 15.0), ("D", "D", "D", "D", "D", "D")),
]
GRADES = (3, 2, 1, 0, -1, -2)
# (total, low, elevation) giving each grade, taken from Table B1 itself.
GRADE_INPUTS = {3: (2, 1, 70.0), 2: (2, 1, 50.0), 1: (2, 1, 25.0), 0: (10, 10, 50.0), -1: (6, 2, -5.0),
                -2: (2, 1, -5.0)}
EXPECTED_CODE = {"A": 0, "A~B": 1, "B": 1, "B~C": 2, "C": 2, "C~D": 3, "D": 3, "E": 4, "F": 5}


@pytest.mark.parametrize("row", list(TABLE_B1))
@pytest.mark.parametrize("column", range(5))
def test_gb3840_every_cell_of_table_b1(row, column):
    for total, low in B1_CLOUDS[row]:
        for elevation in B1_ELEVATIONS[column]:
            assert radiation_grade_gb3840(total, low, elevation) == TABLE_B1[row][column], (total, low, elevation)


@pytest.mark.parametrize("row", range(len(TABLE_B2)))
@pytest.mark.parametrize("column", range(len(GRADES)))
def test_gb3840_every_cell_of_table_b2(row, column):
    (low, high), classes = TABLE_B2[row]
    total_cloud, low_cloud, elevation = GRADE_INPUTS[GRADES[column]]
    for wind in (low, high):
        code, label = stability_gb3840(wind, elevation, total_cloud, low_cloud)
        assert label == classes[column]
        assert code == EXPECTED_CODE[classes[column]]


def test_gb3840_intermediate_classes_map_toward_neutral():
    codes, labels = stability_gb3840([1.0, 3.0, 5.0], [50.0, 50.0, 50.0], [2, 2, 2], [1, 1, 1])
    assert labels.tolist() == ["A~B", "B~C", "C~D"]
    assert codes.tolist() == [1, 2, 3]
    assert codes.dtype == np.int8


def test_gb3840_rounds_wind_to_tenths_and_cloud_to_whole_tenths():
    # 1.94 m/s is observed as 1.9 (row ≤1.9), 1.95 as 2.0 (row 2~2.9); 4.4 tenths of cloud count as 4, 4.5 as 5.
    assert stability_gb3840(1.94, 70.0, 2, 1)[1] == "A"
    assert stability_gb3840(1.95, 70.0, 2, 1)[1] == "A~B"
    assert radiation_grade_gb3840(4.4, 0, -5.0) == -2  # night, ≤4/≤4
    assert radiation_grade_gb3840(4.5, 0, -5.0) == -1  # night, 5~7/≤4


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(wind_speed=-0.1), "wind_speed must be >= 0"),
        (dict(total_cloud=11), r"total_cloud must be in \[0, 10\]"),
        (dict(low_cloud=-1), "low_cloud"),
        (dict(low_cloud=5, total_cloud=3), "low_cloud must be <= total_cloud"),
        (dict(solar_elevation=95.0), "solar_elevation"),
        (dict(wind_speed=np.nan), "wind_speed"),
    ],
)
def test_gb3840_input_errors_name_argument_value_and_range(kwargs, match):
    arguments = dict(wind_speed=2.0, solar_elevation=30.0, total_cloud=5, low_cloud=2) | kwargs
    with pytest.raises(InputError, match=match):
        stability_gb3840(**arguments)


def test_turner_input_errors():
    with pytest.raises(InputError, match=r"stability_turner: cloud_cover\[1\] must be in \[0, 10\].*got 12.0"):
        stability_turner([1.0, 1.0], 30.0, [5, 12], np.inf, True)
    with pytest.raises(InputError, match="ceiling_height"):
        stability_turner(1.0, 30.0, 5, -1.0, True)


def test_class_codes():
    assert class_codes(list(CLASS_LABELS)).tolist() == [0, 1, 2, 3, 4, 5]
    with pytest.raises(InputError, match="G"):
        class_codes(["A", "G"])


_winds = hnp.arrays(np.float64, 20, elements=st.floats(0, 40))
_elevations = hnp.arrays(np.float64, 20, elements=st.floats(-90, 90))
_clouds = hnp.arrays(np.float64, 20, elements=st.floats(0, 10))


@given(wind=_winds, elevation=_elevations, total=_clouds, fraction=_clouds)
@settings(max_examples=50, deadline=None)
def test_gb3840_codes_always_in_0_to_5(wind, elevation, total, fraction):
    low = np.floor(total * fraction / 10.0)
    codes, labels = stability_gb3840(wind, elevation, total, low)
    assert codes.dtype == np.int8 and ((codes >= 0) & (codes <= 5)).all()
    assert set(labels.tolist()) <= set(EXPECTED_CODE)


@given(wind=_winds, elevation=_elevations, cloud=_clouds,
       ceiling=hnp.arrays(np.float64, 20, elements=st.floats(0, 20000)),
       day=hnp.arrays(np.bool_, 20))
@settings(max_examples=50, deadline=None)
def test_turner_codes_always_in_0_to_5(wind, elevation, cloud, ceiling, day):
    codes = stability_turner(wind, elevation, cloud, ceiling, day)
    assert codes.dtype == np.int8 and ((codes >= 0) & (codes <= 5)).all()


@given(elevation=st.floats(-90, 90), total=st.integers(0, 10), low=st.integers(0, 10), day=st.booleans(),
       wind=st.floats(0, 3.3))
@settings(max_examples=50, deadline=None)
def test_more_wind_never_makes_turner_class_more_extreme(elevation, total, low, day, wind):
    # Along every column of Table 6-4 the class moves toward D (code 3) as the wind increases.
    slow = int(stability_turner(wind, elevation, total, np.inf, day))
    fast = int(stability_turner(wind + 3.0, elevation, total, np.inf, day))
    assert abs(fast - 3) <= abs(slow - 3)
