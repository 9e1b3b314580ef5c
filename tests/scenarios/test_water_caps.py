"""Water caps: the LP's loads keep every section within its class (binding ones exactly at the limit), the single
outfall cap equals the segment formula, the equal-proportion rule, and the bad-input messages."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dispersion.river import RiverModel
from dispersion.river_formulas import segment_capacity
from scenarios.water.caps import cap_rows, equal_proportion_water_cap, segment_cross_check, solve_water_cap
from tests.twin.park_factory import X0, Y0
from tests.twin.water_factory import small_river
from twin.errors import InputError
from twin.water import OXYGEN, River
from twin.water_standards import water_limit

DAY = 86400.0


def two_outfall_river() -> River:
    data = small_river()
    data["outfalls"].append({"id": "OF2", "name": "二号排口", "x": X0 + 4500, "y": Y0 + 400, "flow": 0.2,
                             "effluent": {"cod": "80 mg/L", "ammonia_nitrogen": "6 mg/L", "bod5": "20 mg/L",
                                          OXYGEN: "5 mg/L"}})
    data["control_sections"].append({"id": "CS2", "name": "取水口", "kind": "intake", "x": X0 + 7900,
                                     "y": Y0 + 400, "water_class": "II"})
    return River.model_validate(data)


def check_at_caps(model, pollutant, cap, rows):
    """Run the model itself at the caps: every row within its limit (+1e-6 relative), binding rows equal to it."""
    loads = {**model.current_loads(), pollutant: cap.loads}
    values = model.section_values(loads)
    for i, row in enumerate(rows):
        value = values[row.quantity][row.section]
        if row.sense == "maximum":
            assert value <= row.limit * (1 + 1e-6)
        else:
            assert value >= row.limit * (1 - 1e-6)
    assert cap.binding, "an optimum of a bounded LP has a binding row"
    for i, _ in cap.binding:
        assert values[rows[i].quantity][rows[i].section] == pytest.approx(rows[i].limit, rel=1e-6)


@pytest.mark.parametrize("pollutant", ["cod", "ammonia_nitrogen", "bod5"])
def test_lp_caps_keep_every_section_within_its_class(pollutant):
    model = RiverModel(two_outfall_river())
    rows, _ = cap_rows(model, pollutant, 0.9)
    cap = solve_water_cap(model, pollutant, rows)
    check_at_caps(model, pollutant, cap, rows)
    assert np.all(cap.loads >= 0)


def test_bod_rows_include_dissolved_oxygen():
    model = RiverModel(two_outfall_river())
    rows, _ = cap_rows(model, "bod5")
    assert {r.quantity for r in rows} == {"bod5", OXYGEN}
    assert all(r.sense == "minimum" for r in rows if r.quantity == OXYGEN)


def test_single_outfall_single_section_cap_is_the_segment_formula():
    # one reach, one outfall at 2 km, one class III section at 5 km: the LP cap of COD equals
    # W = Cs (Q + q) e^(K x/u') − C0' Q with C0' the background arriving at the outfall
    model = RiverModel(River.model_validate(small_river() | {"reaches": [small_river()["reaches"][0] | {"end": None}],
                                                             "oxygen_demand": None}))
    rows, _ = cap_rows(model, "cod")
    cap = solve_water_cap(model, "cod", rows)
    k, u, u2 = 0.2 / DAY, 10.0 / 100, 10.5 / 100
    c0 = 0.010 * math.exp(-k * 2000 / u)
    expected = segment_capacity(water_limit("cod", "III"), c0, 10.0, 0.5, k, 3000.0, u2)
    assert cap.loads[0] == pytest.approx(expected, rel=1e-9)


def test_segment_method_agrees_with_the_lp_alone():
    model = RiverModel(two_outfall_river())
    for pollutant in ("cod", "ammonia_nitrogen"):
        for item in segment_cross_check(model, pollutant, 0.9):
            assert item["relative_difference"] < 1e-9, item


def test_equal_proportion_binds_one_section():
    model = RiverModel(two_outfall_river())
    rows, _ = cap_rows(model, "ammonia_nitrogen")
    current = model.current_loads()["ammonia_nitrogen"]
    cap = equal_proportion_water_cap(model, "ammonia_nitrogen", rows, current)
    assert cap.loads / current == pytest.approx(np.full(2, cap.loads[0] / current[0]))
    check_at_caps(model, "ammonia_nitrogen", cap, rows)
    optimal = solve_water_cap(model, "ammonia_nitrogen", rows)
    assert optimal.total >= cap.total * (1 - 1e-9)


def test_background_beyond_the_class_is_named():
    data = two_outfall_river().model_dump()
    data["control_sections"][1]["water_class"] = "I"  # NH3-N class I: 0.15 mg/L, background 0.2 mg/L
    model = RiverModel(River.model_validate(data))
    rows, _ = cap_rows(model, "ammonia_nitrogen")
    with pytest.raises(InputError, match=r"no capacity for the outfalls at section 'CS2' \(取水口, class I\): "
                                         r"ammonia_nitrogen is 0\.1\d+ mg/L"):
        solve_water_cap(model, "ammonia_nitrogen", rows)


def test_outfall_without_a_section_below_needs_a_bound():
    data = two_outfall_river().model_dump()
    data["control_sections"] = [data["control_sections"][0]]  # CS1 at 5 km: OF2 (6.5 km) has nothing below it
    model = RiverModel(River.model_validate(data))
    rows, _ = cap_rows(model, "cod")
    with pytest.raises(InputError, match=r"outfalls must be outfalls with a control section judging cod downstream, "
                                         r"or an upper bound \(upper_bound_factor\), got \['OF2'\]"):
        solve_water_cap(model, "cod", rows)


def test_a_section_the_outfalls_do_not_reach_is_a_note_not_a_row():
    data = two_outfall_river().model_dump()
    data["control_sections"].append({"id": "CS0", "name": "上游断面", "x": X0 - 1500.0, "y": Y0 + 400.0,
                                     "water_class": "I"})  # upstream of both outfalls; NH3-N background 0.2 > 0.15
    model = RiverModel(River.model_validate(data))
    rows, notes = cap_rows(model, "ammonia_nitrogen")
    assert all(model.river.control_sections[r.section].id != "CS0" for r in rows)
    assert len(notes) == 1 and notes[0].startswith("section 'CS0' (上游断面): ammonia_nitrogen is 0.19")
    assert "beyond its class I limit 0.15 mg/L; the outfalls do not reach it" in notes[0]
    solve_water_cap(model, "ammonia_nitrogen", rows)  # the park's caps are still defined
