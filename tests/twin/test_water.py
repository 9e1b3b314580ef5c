"""park.yaml rivers: the GB 3838-2002 table, the river schema and its bad-input messages (file, field, value,
what is allowed)."""

from __future__ import annotations

import pytest

from tests.twin.park_factory import X0, Y0, small_spec, write_bundle
from tests.twin.water_factory import small_river
from twin.errors import InputError
from twin.io import load_park
from twin.water import river_geometry
from twin.water_standards import WATER_CLASSES, all_water_standards, water_limit


def test_gb3838_table_values():
    # GB 3838-2002 Table 1, items 3 (DO), 5 (COD), 7 (NH3-N), classes I..V in mg/L
    table = all_water_standards()
    assert [table["cod"].limit(c) * 1e3 for c in WATER_CLASSES] == pytest.approx([15, 15, 20, 30, 40])
    assert [table["ammonia_nitrogen"].limit(c) * 1e3 for c in WATER_CLASSES] == pytest.approx(
        [0.15, 0.5, 1.0, 1.5, 2.0])
    assert [table["dissolved_oxygen"].limit(c) * 1e3 for c in WATER_CLASSES] == pytest.approx([7.5, 6, 5, 3, 2])
    assert table["dissolved_oxygen"].sense == "minimum" and table["cod"].sense == "maximum"
    assert all("GB 3838-2002 Table 1" in row.source for row in table.values())
    assert water_limit("bod5", "III") == pytest.approx(4e-3)


def test_unknown_class_in_table_lookup():
    with pytest.raises(InputError, match=r"class must be one of I, II, III, IV, V, got 'VI'"):
        water_limit("cod", "VI")


def load_river(tmp_path, mutate=None):
    spec = small_spec()
    river = small_river()
    if mutate is not None:
        mutate(river)
    spec["rivers"] = [river]
    return load_park(write_bundle(tmp_path, spec))


def river_error(tmp_path, mutate) -> str:
    with pytest.raises(InputError) as info:
        load_river(tmp_path, mutate)
    assert info.value.exit_code == 65
    return str(info.value)


def test_valid_river_loads_in_si(tmp_path):
    river = load_river(tmp_path).spec.rivers[0]
    assert river.reaches[0].decay["cod"] == pytest.approx(0.2 / 86400)
    assert river.reaches[0].background["cod"] == pytest.approx(0.010)
    assert river.outfalls[0].effluent["cod"] == pytest.approx(0.050)
    geometry = river_geometry(river)
    assert geometry.length == pytest.approx(10000.0)
    assert geometry.chainage(X0, Y0 + 420.0) == pytest.approx(2000.0)
    assert list(geometry.reach_ends) == [4000.0, 10000.0]


def test_zero_flow_names_file_field_value_and_range(tmp_path):
    message = river_error(tmp_path, lambda r: r["reaches"][1].update(design_flow=0.0))
    assert message.startswith("park.yaml: rivers[0] (id 'RV1').reaches[1] (id 'B').design_flow: a plausible river "
                              "or effluent flow (> 0 and ≤ 1e+06 m**3 s-1")
    assert message.endswith("got 0 m**3 s-1")


def test_negative_flow_refused(tmp_path):
    message = river_error(tmp_path, lambda r: r["outfalls"][0].update(flow=-0.2))
    assert "rivers[0] (id 'RV1').outfalls[0] (id 'OF1').flow" in message and "got -0.2" in message


def test_outfall_off_the_river(tmp_path):
    message = river_error(tmp_path, lambda r: r["outfalls"][0].update(y=Y0 + 900.0))
    assert message == ("park.yaml: rivers[0] (id 'RV1'): river 'RV1': outfalls[0] (id 'OF1') at (600000.0, 3580900.0) "
                       "is 500.0 m from the river line; it must be within snap_tolerance 100 m of it (is it on "
                       "another river, or are x and y swapped?)")


def test_class_not_in_table(tmp_path):
    message = river_error(tmp_path, lambda r: r["control_sections"][0].update(water_class="VI"))
    assert message == ("park.yaml: rivers[0] (id 'RV1').control_sections[0] (id 'CS1').water_class: water_class "
                       "must be one of the GB 3838-2002 classes in twin/water_quality_standards.csv (I, II, III, IV, "
                       "V), got 'VI'")


def test_unknown_pollutant_lists_table_keys(tmp_path):
    message = river_error(tmp_path, lambda r: r["outfalls"][0]["effluent"].update(codcr="50 mg/L"))
    assert "outfalls[0] (id 'OF1').effluent: effluent: unknown pollutant 'codcr'" in message
    assert "cod, bod5, ammonia_nitrogen" in message


def test_reach_needs_depth_or_rating(tmp_path):
    message = river_error(tmp_path, lambda r: r["reaches"][0].pop("depth"))
    assert "reaches[0] (id 'A'): reach 'A': exactly one of depth [m] or stage_discharge" in message
    assert "got neither" in message


def test_reach_end_beyond_line(tmp_path):
    message = river_error(tmp_path, lambda r: r["reaches"][0].update(end=12000.0))
    assert "reaches[0] (id 'A').end must be > 0 m (the previous end) and ≤ the line length 10000.0 m, got 12000" \
        in message


def test_oxygen_model_needs_reaeration(tmp_path):
    message = river_error(tmp_path, lambda r: r["reaches"][1].pop("reaeration"))
    assert "reaeration [s-1, e.g. '0.5 1/d'] is required on every reach" in message and "missing on B" in message


def test_demo_park_has_its_river(tmp_path):
    from twin.demo import build_demo_park

    park = load_park(build_demo_park(tmp_path / "demo"))
    river = park.spec.rivers[0]
    assert [o.id for o in river.outfalls] == ["OF-WWTP", "OF-E12"]
    intake = [s for s in river.control_sections if s.kind == "intake"]
    assert len(intake) == 1 and intake[0].water_class == "II"
    geometry = river_geometry(river)
    chainages = {s.id: geometry.chainage(s.x, s.y) for s in river.control_sections}
    outfalls = [geometry.chainage(o.x, o.y) for o in river.outfalls]
    assert chainages["CS-INTAKE"] > max(outfalls)  # the intake is downstream of both outfalls
