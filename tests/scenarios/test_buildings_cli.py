"""``parktwin buildings``: GEP stack heights and AERMOD's building cards of the demo park, equal to the BPIP-PRIME
profiles of ``dispersion.building_profile`` (themselves checked against EPA's BPIPPRM on the same park); the
EIA run's building-wake counts; ``parktwin bpip`` on a BPIP input file against BPIPPRM, and its bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from dispersion.building_profile import park_building_profiles, park_tiers
from tests.scenarios.conftest import XDIST_GROUP, parktwin
from twin.demo import build_demo_park
from twin.io import load_park

pytestmark = pytest.mark.xdist_group(XDIST_GROUP)


def test_buildings_writes_gep_heights_and_building_cards(demo, tmp_path):
    result = parktwin("buildings", demo.park_dir / "park.yaml", "--out", tmp_path / "b")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "below their GEP formula height" in result.stdout
    park = load_park(demo.park_dir / "park.yaml")
    profiles = park_building_profiles(park)
    with (tmp_path / "b" / "gep.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["stack_id"] for row in rows] == [s.id for s in park.stacks]
    np.testing.assert_allclose([float(row["gep_formula_height_m"]) for row in rows], profiles.gep_formula, atol=0.005)
    np.testing.assert_allclose([float(row["gep_stack_height_m"]) for row in rows],
                               np.maximum(65.0, profiles.gep_formula), atol=0.005)
    heights = np.array([s.height for s in park.stacks])
    assert [row["below_gep_formula_height"] == "yes" for row in rows] == list(heights < profiles.gep_formula)
    assert [int(row["directions_below_wake_height"]) for row in rows] == \
        list((heights[:, None] < profiles.wake_height()).sum(axis=1))
    # GB 16297-1996 7.1: the tallest roof within 200 m of the stack, above its base, and 5 m clear of it
    from shapely.geometry import Point

    arrays = park.stack_arrays()
    for i in (0, 40, len(rows) - 1):
        stack = Point(arrays["x"][i], arrays["y"][i])
        tops = [t.base + t.height - arrays["base_elevation"][i] for b, t in zip(park.buildings, park_tiers(park))
                if b.footprint.distance(stack) <= 200.0]
        if tops:
            assert float(rows[i]["tallest_building_within_200m_m"]) == pytest.approx(max(tops), abs=0.005)
            assert rows[i]["gb16297_5m_above_buildings"] == ("yes" if heights[i] >= max(tops) + 5.0 else "no")
        else:
            assert rows[i]["tallest_building_within_200m_m"] == "" == rows[i]["gb16297_5m_above_buildings"]
    # the same table on a map: RFC 7946 points in WGS84, numbers as numbers
    geojson = json.loads((tmp_path / "b" / "gep.geojson").read_text(encoding="utf-8"))
    assert [f["properties"]["stack_id"] for f in geojson["features"]] == [row["stack_id"] for row in rows]
    lon, lat = park.to_lonlat(arrays["x"][0], arrays["y"][0])
    assert geojson["features"][0]["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-6)
    assert geojson["features"][0]["properties"]["gep_formula_height_m"] == float(rows[0]["gep_formula_height_m"])
    cards = (tmp_path / "b" / "aermod_building_cards.txt").read_text(encoding="utf-8").splitlines()
    for card, field in (("BUILDWID", "width"), ("XBADJ", "xbadj")):
        last = park.stacks[-1].id
        values = [float(v) for line in cards if line.split()[1:3] == [card, last] for v in line.split()[3:]]
        np.testing.assert_allclose(values, getattr(profiles, field)[-1], atol=0.005)


def test_buildings_names_a_missing_park(tmp_path):
    result = parktwin("buildings", tmp_path / "nope.yaml", "--out", tmp_path / "b")
    assert result.returncode == 66 and "nope.yaml" in result.stderr
    assert not (tmp_path / "b").exists()


def test_building_wakes_counts_valid_hours_in_the_flow_sector(tmp_path):
    """Three hours: flow to the north, flow to the south, a missing hour with no direction (NaN) — each stack's
    counts are its own columns of the building profiles for those two sectors; the NaN hour counts for nothing."""
    from types import SimpleNamespace

    from scenarios.common.models import park_stacks
    from scenarios.eia.buildings import building_wakes

    park = load_park(build_demo_park(tmp_path / "park"))
    stacks = park_stacks(park)
    hours = SimpleNamespace(valid=np.array([True, True, False]), wind_to_x=np.array([0.0, 0.0, np.nan]),
                            wind_to_y=np.array([1.0, -1.0, np.nan]))
    profiles, summary = building_wakes(SimpleNamespace(park=park, stacks=stacks, hours=hours,
                                                       building_profiles=park_building_profiles(park, stacks)))
    north, south = 35, 17
    heights = np.asarray(stacks.height)
    below = (heights < profiles.wake_height()[:, north]).astype(int) + \
        (heights < profiles.wake_height()[:, south]).astype(int)
    with_structure = (profiles.height[:, north] > 0).astype(int) + (profiles.height[:, south] > 0).astype(int)
    assert summary["valid_hours"] == 2 and summary["stacks_below_wake_height"] == int(np.count_nonzero(below))
    assert summary["stacks_with_structures"] == int(np.count_nonzero(with_structure))
    for row in summary["stacks"]:
        i = stacks.ids.index(row["id"])
        assert (row["hours_below_wake_height"], row["hours_with_structure"]) == (below[i], with_structure[i])


def test_bpip_does_bpipprms_work_on_its_input(tmp_path):
    """``parktwin bpip`` on BPIP's user's-guide test case 2 (three 3-tier buildings, 10 stacks): the cards BPIPPRM
    printed, to its two decimals, and its GEP formula heights."""
    from tests.bpip_reference import read_bpip_output

    data = Path(__file__).resolve().parents[1] / "data" / "bpip" / "A5p"
    result = parktwin("bpip", data / "BPIP.INP", "--out", tmp_path / "b")
    assert result.returncode == 0, result.stderr[-2000:]
    reference, gep = read_bpip_output(data / "BPIP.OUT")
    ours: dict = {}
    for line in (tmp_path / "b" / "bpip_cards.txt").read_text(encoding="utf-8").splitlines():
        words = line.split()
        if words[0] == "SO":
            ours.setdefault(words[2], {}).setdefault(words[1], []).extend(float(v) for v in words[3:])
    assert set(ours) == set(reference)
    for stack, cards in reference.items():
        for card, values in cards.items():
            np.testing.assert_allclose(ours[stack][card], values, atol=0.011, err_msg=f"{stack} {card}")
    with (tmp_path / "b" / "gep.csv").open(encoding="utf-8") as handle:
        rows = {row["stack_id"]: row for row in csv.DictReader(handle)}
    for stack, value in gep.items():
        assert float(rows[stack]["gep_formula_height_m"]) == pytest.approx(value, abs=0.011)


@pytest.mark.parametrize(("text", "named"), [
    ("'t'\n'P'\n'METERS' 1.0\n'UTMN' 0\n1\n'B1' 1 0\n4 abc\n", "line 7, tier height"),
    ("'t'\n'X'\n", "line 2, run switch"),
    ("'t'\n'P'\n'METERS' 1.0\n'UTMN' 0\n1\n'B1' 1 0\n4 10\n0 0\n10 0\n10 10\n", "end of file"),
    ("'t'\n'P'\n'METERS' 1.0\n'UTMN' 0\n0\n2\n'S1' 0 20 0 0\n'S1' 0 20 5 5\n", "line 8, stack name"),
])
def test_bpip_names_the_line_and_field_of_bad_input(tmp_path, text, named):
    (tmp_path / "BPIP.INP").write_text(text)
    result = parktwin("bpip", tmp_path / "BPIP.INP", "--out", tmp_path / "b")
    assert result.returncode == 65 and named in result.stderr, result.stderr[-1000:]
    assert not (tmp_path / "b" / "bpip_cards.txt").exists()


def test_building_cards_name_source_ids_aermod_cannot_take(tmp_path):
    """AERMOD's source IDs are at most 12 ASCII characters without blanks: the cards file says which to rename."""
    from dispersion.building_profile import BuildingProfiles
    from scenarios.eia.buildings import write_building_cards

    zeros = np.zeros((3, 36))
    profiles = BuildingProfiles(zeros, zeros, zeros, zeros, zeros, np.zeros(3), np.zeros(3), np.zeros(3))
    text = write_building_cards(profiles, ["S001", "BOILER-STACK-0001", "锅炉1"], tmp_path / "c.txt").read_text(
        encoding="utf-8")
    assert "give these shorter IDs in the deck: BOILER-STACK-0001, 锅炉1" in text
    ok = write_building_cards(profiles, ["S001", "S002", "S003"], tmp_path / "d.txt").read_text(encoding="utf-8")
    assert "shorter IDs" not in ok and ok.count("SO BUILDHGT") == 18

