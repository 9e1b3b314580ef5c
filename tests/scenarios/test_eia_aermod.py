"""``kind: eia`` with ``model.dispersion: aermod``: the year run, its transfer matrices and its statistics go through
the AERMOD kernels (dispersion.point_sources), AERMOD's hour rules by default, and the mode's limits are named."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from pydantic import ValidationError

from dispersion.aermod import aermod_hours, aermod_weather
from dispersion.building_profile import park_building_profiles
from scenarios.eia.buildings import building_wakes
from scenarios.eia.report import eia_report_view
from scenarios.eia.run import run_eia_scenario, text_summary
from scenarios.eia.setup import prepare_eia
from scenarios.spec import load_scenario
from tests.scenarios.conftest import XDIST_GROUP, fill_park_lists
from tests.scenarios.test_eia import AERMET_EIA, _aermet_files

pytestmark = pytest.mark.xdist_group(XDIST_GROUP)


def _scenario(demo, tmp_path, model: str):
    shutil.copytree(demo.park_dir, tmp_path / "park")
    _aermet_files(tmp_path / "met")
    (tmp_path / "eia.yaml").write_text(AERMET_EIA + model, encoding="utf-8")
    return load_scenario(tmp_path / "eia.yaml")


def test_aermod_mode_runs_the_year_through_the_aermod_kernels(demo, tmp_path):
    scenario = _scenario(demo, tmp_path, "model: {dispersion: aermod}\n")
    assert (scenario.model.hour_rules, scenario.model.terrain) == ("aermod", "flat")  # the mode's defaults
    setup = prepare_eia(scenario, base_dir=tmp_path, where="eia.yaml")
    assert setup.options.dispersion == "aermod" and setup.hours.aermod is not None
    summary = run_eia_scenario(scenario, base_dir=tmp_path, out_dir=tmp_path / "out", where="eia.yaml")
    assert summary["hour_rules"] == "aermod" and summary["calm_hours"] == 1
    relief = float(np.ptp(np.concatenate([setup.receptors.ground_elevation, setup.stacks.base_elevation])))
    assert {k: summary["aermod"][k] for k in ("terrain", "profile_levels", "measured_turbulence_hours")} == \
        {"terrain": "flat", "profile_levels": 1, "measured_turbulence_hours": 0}
    english = eia_report_view(setup, summary, {}, "en")
    assert "AERMOD formulation (AERMET weather, flat terrain);" in english["footer"]
    notes = [p["text"] for section in english["sections"] for p in section["paragraphs"] if p.get("warn")]
    # a park with relief run flat: the report says AERMOD's regulatory default is elevated terrain
    assert (summary["aermod"].get("flat_terrain_relief_m") == relief) == (relief > 10.0)
    assert any("varies by" in text for text in notes) == (relief > 10.0)
    # the demo park's buildings: the AERMOD mode runs PRIME for the stacks in their wakes — the stacks carry their
    # BPIP-PRIME profiles, the stacks are counted and the run says so, and the cards are written for AERMOD
    # (dispersion.building_profile, checked against BPIPPRM elsewhere)
    wakes = summary["building_wakes"]
    profiles = park_building_profiles(setup.park, setup.stacks)
    np.testing.assert_array_equal(setup.stacks.buildings[..., 0], profiles.height)
    np.testing.assert_array_equal(setup.stacks.buildings[..., 4], profiles.ybadj)
    below = np.asarray(setup.stacks.height)[:, None] < profiles.wake_height()
    assert wakes["downwash_modelled"] is True and wakes["valid_hours"] == int(setup.hours.valid.sum())
    assert {row["id"] for row in wakes["stacks"]} <= {sid for sid, b in zip(setup.stacks.ids, below) if b.any()}
    assert wakes["stacks_below_wake_height"] == len(wakes["stacks"]) > 0
    hours = [row["hours_below_wake_height"] for row in wakes["stacks"]]
    assert hours == sorted(hours, reverse=True) and 0 < hours[0] <= wakes["valid_hours"]
    said = [p["text"] for section in english["sections"] for p in section["paragraphs"]]
    assert any("applies AERMOD's PRIME building downwash" in text for text in said)
    assert not any("PRIME building downwash" in text for text in notes)  # not a warning: it is modelled
    appendix = [section for section in english["sections"] if section["heading"].startswith("Appendix: stacks in")]
    assert len(appendix) == 1 and [row["cells"][0] for row in appendix[0]["rows"]] == \
        [row["id"] for row in wakes["stacks"][:20]]
    chinese = eia_report_view(setup, summary, {}, "zh")
    assert any(section["heading"].startswith("附：位于建筑物尾流") for section in chinese["sections"])
    cards = (tmp_path / "out" / "aermod_building_cards.txt").read_text(encoding="utf-8").splitlines()
    first = setup.stacks.ids[0]
    heights = [float(v) for line in cards if line.split()[1:3] == ["BUILDHGT", first] for v in line.split()[3:]]
    np.testing.assert_allclose(heights, profiles.height[0], atol=0.005)

    # the 1-h maxima and period means at the sensitive receptors are those of a direct AERMOD kernel run
    r = setup.receptors
    tail = slice(setup.n_grid, None)
    sensitive = r.subset(tail)
    rates = setup.park.emission_rates("sulfur_dioxide")[None, :] * setup.factors * 1e-3
    hourly = aermod_hours(setup.stacks, sensitive, setup.hours.aermod, rates) * 1e9
    assert hourly.max() > 0 and np.all(hourly[~setup.hours.valid] == 0.0)
    limits = {item["averaging"]: item for item in summary["pollutants"]["sulfur_dioxide"]["limits"]}
    for i, receptor in enumerate(limits["1h"]["receptors"]):
        assert receptor["contribution_ug_m3"] == pytest.approx(hourly[:, i].max(), rel=1e-9, abs=1e-12)
    for i, receptor in enumerate(limits["annual"]["receptors"]):
        assert receptor["contribution_ug_m3"] == pytest.approx(hourly[:, i].sum() / setup.hours.valid.sum(),
                                                                rel=1e-9, abs=1e-12)

    # the transfer matrices are AERMOD's too: Σ_s T_s(t) Q_s(t) reproduces the hourly field
    import xarray as xr

    with xr.open_dataset(tmp_path / "out" / "transfer.nc") as transfer:
        matrix = transfer["transfer_hourly"].transpose("time", "source", "station").values  # [µg m-3 per g s-1]
        ids = [str(s) for s in transfer["source_id"].values]
    stack_ids = [s.id for s in setup.park.stacks]
    base = setup.park.emission_rates("sulfur_dioxide")  # [g s-1], the schedule is inside the matrices
    rebuilt = np.einsum("tsr,s->tr", matrix, base[[stack_ids.index(i) for i in ids]])
    assert np.abs(rebuilt - hourly).max() <= 1e-5 * hourly.max()


def test_elevated_terrain_takes_hill_heights_from_the_park_dem(demo, tmp_path):
    # terrain: elevated — the receptors get AERMAP's hill heights from the park's DEM, and the year is a direct AERMOD
    # kernel run in elevated terrain (AermodTerrain "elevated"), not the flat one
    from dispersion.aermod import AermodTerrain
    from dispersion.hill_height import receptor_hill_heights

    scenario = _scenario(demo, tmp_path, "model: {dispersion: aermod, terrain: elevated}\n")
    setup = prepare_eia(scenario, base_dir=tmp_path, where="eia.yaml")
    r, dem = setup.receptors, setup.park.terrain
    assert setup.options.terrain == "elevated" and r.hill_height is not None
    np.testing.assert_array_equal(r.hill_height, receptor_hill_heights(r.x, r.y, r.ground_elevation, dem.x, dem.y,
                                                                       dem.elevation))
    assert np.all(r.hill_height >= r.ground_elevation - 1e-9)
    summary = run_eia_scenario(scenario, base_dir=tmp_path, out_dir=tmp_path / "out", where="eia.yaml")
    sensitive = r.subset(slice(setup.n_grid, None))
    rates = setup.park.emission_rates("sulfur_dioxide")[None, :] * setup.factors * 1e-3
    elevated = aermod_hours(setup.stacks, sensitive, setup.hours.aermod, rates,
                            terrain=AermodTerrain("elevated", sensitive.hill_height)) * 1e9
    flat = aermod_hours(setup.stacks, sensitive, setup.hours.aermod, rates) * 1e9
    limits = {item["averaging"]: item for item in summary["pollutants"]["sulfur_dioxide"]["limits"]}
    ours = np.array([receptor["contribution_ug_m3"] for receptor in limits["1h"]["receptors"]])
    np.testing.assert_allclose(ours, elevated.max(axis=0), rtol=1e-9, atol=1e-12)
    assert summary["aermod"]["terrain"] == "elevated"
    footer = eia_report_view(setup, summary, {}, "en")["footer"]
    assert "AERMOD formulation (AERMET weather, elevated terrain, hill heights from the park DEM)" in footer
    relief = np.ptp(np.concatenate([sensitive.ground_elevation, setup.stacks.base_elevation]))
    if relief > 1.0:  # the demo park is not flat: the terrain treatment must show
        assert np.abs(elevated.max(axis=0) - flat.max(axis=0)).max() > 1e-3 * flat.max()


@pytest.mark.parametrize("model, message", [
    ("model: {dispersion: aermod, terrain: simple}\n", "terrain"),
    ("model: {terrain: elevated}\n", "dispersion: aermod"),
    ("model: {dispersion: aermod, hour_rules: screening}\n", "hour_rules"),
    ("model: {dispersion: aermod, sigma: briggs_rural}\n", "sigma"),
    ("model: {dispersion: aermod, buoyancy_induced_dispersion: false}\n", "buoyancy_induced_dispersion"),
    ("model: {no2_conversion: arm2}\n", "dispersion: aermod"),
    ("model: {dispersion: aermod, arm2_ratios: [0.5, 0.9]}\n", "no2_conversion: arm2"),
    ("model: {dispersion: aermod, no2_conversion: arm2, arm2_ratios: [0.6, 0.5]}\n", "arm2_ratios"),
    ("model: {dispersion: aermod, no2_conversion: arm2, arm2_ratios: [0.5, 1.1]}\n", "arm2_ratios"),
    ("model: {dispersion: aermod, no2_conversion: ozone}\n", "no2_conversion"),
    ("model: {dispersion: aermod, no2_conversion: olm}\n", "olm"),
    ("model: {dispersion: aermod, no2_conversion: olm, olm: {}}\n", "in_stack_ratio"),
    ("model: {dispersion: aermod, no2_conversion: olm, olm: {in_stack_ratio: 1.5}}\n", "in_stack_ratio"),
    ("model: {dispersion: aermod, olm: {in_stack_ratio: 0.1}}\n", "no2_conversion: olm"),
])
def test_aermod_mode_names_what_it_does_not_take(demo, tmp_path, model, message):
    with pytest.raises((ValidationError, ValueError), match=message):
        _scenario(demo, tmp_path, model)


def test_aermod_mode_needs_aermet_weather_and_kind_eia(demo, tmp_path):
    shutil.copytree(demo.park_dir, tmp_path / "park")
    text = AERMET_EIA.replace("{source: aermet, path: met/SITE.SFC, pfl_path: met/SITE.PFL,", "{source: synthetic,")
    (tmp_path / "eia.yaml").write_text(text + "model: {dispersion: aermod}\n", encoding="utf-8")
    with pytest.raises(Exception, match="weather.source: aermet"):
        load_scenario(tmp_path / "eia.yaml")
    plume = text.replace("kind: eia", "kind: plume").replace("maps: false\n", "").replace(
        "pollutants: [sulfur_dioxide]\n", "")
    (tmp_path / "plume.yaml").write_text(plume + "model: {dispersion: aermod}\n", encoding="utf-8")
    with pytest.raises(Exception, match="kind: eia"):
        load_scenario(tmp_path / "plume.yaml")


def test_aermod_mode_runs_a_site_tower_profile(demo, tmp_path):
    """A PFL with a second level (a site tower): the year runs through AERMOD's gridded profiles, each stack with
    the wind direction at its mid-rise (meteo.aermod_tower; AERMOD's own run of such a tower:
    tests/dispersion/test_aermod_tower_deck.py)."""
    scenario = _scenario(demo, tmp_path, "model: {dispersion: aermod}\n")
    pfl = tmp_path / "met" / "SITE.PFL"
    lines = pfl.read_text().splitlines()
    tower = []
    for line in lines:
        fields = line.split()
        upper = fields[:4] + ["60.0", "1", f"{(float(fields[6]) + 25.0) % 360.0:.1f}", f"{float(fields[7]) * 1.4:.2f}",
                              "8.90", "99.00", "99.00"]
        tower += [" ".join(fields[:5] + ["0"] + fields[6:]), " ".join(upper)]
    pfl.write_text("\n".join(tower) + "\n")
    setup = prepare_eia(scenario, base_dir=tmp_path, where="eia.yaml")
    weather = setup.hours.aermod
    assert weather.veering.all() and np.ptp(weather.direction_profile[5]) > 10.0
    summary = run_eia_scenario(scenario, base_dir=tmp_path, out_dir=tmp_path / "out", where="eia.yaml")
    assert summary["hour_rules"] == "aermod" and summary["calm_hours"] == 1
    assert {k: summary["aermod"][k] for k in ("terrain", "profile_levels", "measured_turbulence_hours")} == \
        {"terrain": "flat", "profile_levels": 2, "measured_turbulence_hours": 0}
    # the report names the model as run (its footer said "flat terrain" for every AERMOD run before)
    english, chinese = (eia_report_view(setup, summary, {}, language) for language in ("en", "zh"))
    assert "AERMOD formulation (AERMET weather, flat terrain, site-tower profile of 2 levels)" in english["footer"]
    assert "平坦地形，2 层观测塔廓线" in chinese["footer"]


def _urban_park(tmp_path):
    path = tmp_path / "park" / "park.yaml"
    text = path.read_text(encoding="utf-8")
    assert "land_use: rural" in text
    path.write_text(text.replace("land_use: rural", "land_use: urban"), encoding="utf-8")


def test_aermod_mode_runs_an_urban_park_with_aermods_urban_option(demo, tmp_path):
    scenario = _scenario(demo, tmp_path, "model: {dispersion: aermod, urban_population: 800000}\n")
    _urban_park(tmp_path)
    setup = prepare_eia(scenario, base_dir=tmp_path, where="eia.yaml")
    assert setup.options.land_use == "urban" and setup.hours.aermod.urban.any()  # the stable hours, at least
    assert np.all(setup.hours.aermod.urban[setup.hours.aermod.obukhov_length > 0.0])
    summary = run_eia_scenario(scenario, base_dir=tmp_path, out_dir=tmp_path / "out", where="eia.yaml")
    assert summary["aermod"]["urban_population"] == 800000.0
    assert "urban option (population 800,000)" in eia_report_view(setup, summary, {}, "en")["footer"]
    # the sensitive receptors' 1-h maxima are the kernel's with the urban weather and SO2's 4-h half-life
    sensitive = setup.receptors.subset(slice(setup.n_grid, None))
    rates = setup.park.emission_rates("sulfur_dioxide")[None, :] * setup.factors * 1e-3
    hourly = aermod_hours(setup.stacks, sensitive, setup.hours.aermod, rates, decay=4.81e-5) * 1e9
    limits = {item["averaging"]: item for item in summary["pollutants"]["sulfur_dioxide"]["limits"]}
    for i, receptor in enumerate(limits["1h"]["receptors"]):
        assert receptor["contribution_ug_m3"] == pytest.approx(hourly[:, i].max(), rel=1e-9, abs=1e-12)
    rural = aermod_weather(setup.met, true_north_grid_bearing=setup.options.true_north_grid_bearing)
    assert np.abs(aermod_hours(setup.stacks, sensitive, rural, rates) * 1e9 - hourly).max() > 0.01 * hourly.max()


def test_arm2_turns_the_parks_nox_into_no2_hour_by_hour_and_leaves_so2_alone(demo, tmp_path):
    """``no2_conversion: arm2``: NO2's statistics at the sensitive receptors are those of ARM2 applied to each hour's
    NOx from every source (the kernel run directly), SO2's are unconverted, and the summary, the report and the
    transfer matrices (linear NOx) say so."""
    from dispersion.no2_chemistry import Arm2

    scenario = _scenario(demo, tmp_path, "model: {dispersion: aermod, no2_conversion: arm2, "
                                         "arm2_ratios: [0.55, 0.85]}\n")
    text = (tmp_path / "eia.yaml").read_text(encoding="utf-8")
    (tmp_path / "eia.yaml").write_text(text.replace("pollutants: [sulfur_dioxide]",
                                                    "pollutants: [sulfur_dioxide, nitrogen_dioxide]"), encoding="utf-8")
    scenario = load_scenario(tmp_path / "eia.yaml")
    setup = prepare_eia(scenario, base_dir=tmp_path, where="eia.yaml")
    summary = run_eia_scenario(scenario, base_dir=tmp_path, out_dir=tmp_path / "out", where="eia.yaml")
    assert summary["no2_conversion"] == {"method": "arm2", "arm2_ratios": [0.55, 0.85]}
    english = eia_report_view(setup, summary, {}, "en")["footer"]
    assert "NO2 from NOx by ARM2 (hourly NO2/NOx ratio 0.55–0.85)" in english
    assert "按 ARM2 换算" in eia_report_view(setup, summary, {}, "zh")["footer"]
    assert "NO2 from NOx: ARM2 (hourly NO2/NOx ratio 0.55–0.85)" in text_summary(summary)
    sensitive = setup.receptors.subset(slice(setup.n_grid, None))
    for key, convert in (("nitrogen_dioxide", Arm2(0.55, 0.85).convert), ("sulfur_dioxide", lambda c: c)):
        rates = setup.park.emission_rates(key, include_fugitive=True)[None, :] * setup.factors * 1e-3
        hourly = convert(aermod_hours(setup.stacks, sensitive, setup.hours.aermod, rates)) * 1e9
        assert hourly.max() > 0
        limits = {item["averaging"]: item for item in summary["pollutants"][key]["limits"]}
        for i, receptor in enumerate(limits["1h"]["receptors"]):
            assert receptor["contribution_ug_m3"] == pytest.approx(hourly[:, i].max(), rel=1e-9, abs=1e-12)
        for i, receptor in enumerate(limits["annual"]["receptors"]):
            assert receptor["contribution_ug_m3"] == pytest.approx(hourly[:, i].sum() / setup.hours.valid.sum(),
                                                                    rel=1e-9, abs=1e-12)
    assert _scenario(demo, tmp_path / "full", "model: {dispersion: aermod}\n").model.no2_conversion == "full"


def test_olm_takes_the_backgrounds_hourly_ozone_and_each_stacks_in_stack_ratio(demo, tmp_path):
    """``no2_conversion: olm``: the ozone of the background CSV (ppb, two empty cells: those hours fully converted),
    AERMOD's stable-hour floor, the in-stack ratios by id over the common one; NO2 at the sensitive receptors is the
    OLM of the kernel's NOx and emitted NO2, and the summary counts the ozone hours."""
    from datetime import datetime, timedelta, timezone

    from dispersion.no2_chemistry import Olm, olm_ozone

    from twin.io import load_park

    first = load_park(demo.park_dir / "park.yaml").stacks[0].id
    scenario = _scenario(demo, tmp_path, "model: {dispersion: aermod, no2_conversion: olm, olm: {in_stack_ratio: "
                                         f"0.1, in_stack_ratios: {{{first}: 0.4}}, equilibrium_ratio: 0.85}}}}\n"
                                         "background: {hourly_csv: ozone.csv}\n")
    text = (tmp_path / "eia.yaml").read_text(encoding="utf-8")
    (tmp_path / "eia.yaml").write_text(text.replace("pollutants: [sulfur_dioxide]", "pollutants: [nitrogen_dioxide]"),
                                       encoding="utf-8")
    start = datetime(2025, 3, 1, tzinfo=timezone(timedelta(hours=8)))
    raw = [2.0 + 8.0 * ((h % 24) / 23.0) for h in range(48)]  # low ozone, so that it limits the NO2
    rows = ["time,nitrogen_dioxide_ug_m3,ozone_ppb"] + [
        f"{(start + timedelta(hours=h)).isoformat()},20,{'' if h in (5, 30) else raw[h]}" for h in range(48)]
    (tmp_path / "ozone.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    scenario = load_scenario(tmp_path / "eia.yaml")
    setup = prepare_eia(scenario, base_dir=tmp_path, where="eia.yaml")
    summary = run_eia_scenario(scenario, base_dir=tmp_path, out_dir=tmp_path / "out", where="eia.yaml")
    conversion = summary["no2_conversion"]
    assert conversion["method"] == "olm" and conversion["equilibrium_ratio"] == 0.85
    assert conversion["ozone_hours"]["missing"] == 2 and conversion["ozone_hours"]["filled"] == 0
    assert "ozone limiting method (OLM, every source in one plume;" in eia_report_view(setup, summary, {}, "en")[
        "footer"]
    assert "NO2 from NOx: OLM, every source in one plume (equilibrium ratio 0.85); ozone: 2 hours missing, 0 of " \
        "them filled" in text_summary(summary)
    values = np.array([np.nan if h in (5, 30) else raw[h] for h in range(48)])
    ozone, missing, _ = olm_ozone(values, setup.hours.aermod.obukhov_length, units="ppb")
    np.testing.assert_array_equal(setup.hours.ozone, ozone)
    isr = np.array([0.4 if i == first else 0.1 for i in setup.stacks.ids])
    sensitive = setup.receptors.subset(slice(setup.n_grid, None))
    rates = setup.park.emission_rates("nitrogen_dioxide", include_fugitive=True)[None, :] * setup.factors * 1e-3
    nox = aermod_hours(setup.stacks, sensitive, setup.hours.aermod, np.stack([rates, rates * isr[None, :]]))
    hourly = Olm(ozone, missing, isr, 0.85).convert(nox[:, 0], nox[:, 1], slice(None)) * 1e9
    assert hourly.max() > 0 and np.any(hourly < 0.8 * nox[:, 0] * 1e9)  # the ozone limits some hours
    limits = {item["averaging"]: item for item in summary["pollutants"]["nitrogen_dioxide"]["limits"]}
    for i, receptor in enumerate(limits["1h"]["receptors"]):
        assert receptor["contribution_ug_m3"] == pytest.approx(hourly[:, i].max(), rel=1e-9, abs=1e-12)
    # each source on its own (AERMOD without OLMGROUP) reaches the run's options
    (tmp_path / "eia.yaml").write_text((tmp_path / "eia.yaml").read_text(encoding="utf-8").replace(
        "equilibrium_ratio: 0.85}", "equilibrium_ratio: 0.85, group: none}"), encoding="utf-8")
    assert prepare_eia(load_scenario(tmp_path / "eia.yaml"), base_dir=tmp_path,
                       where="eia.yaml").options.olm_grouped is False
    # no ozone at all, or a source without its ratio: named errors
    (tmp_path / "eia.yaml").write_text((tmp_path / "eia.yaml").read_text(encoding="utf-8").replace(
        "background: {hourly_csv: ozone.csv}", "background: {}"), encoding="utf-8")
    with pytest.raises(Exception, match="ozone"):
        prepare_eia(load_scenario(tmp_path / "eia.yaml"), base_dir=tmp_path, where="eia.yaml")
    (tmp_path / "eia.yaml").write_text((tmp_path / "eia.yaml").read_text(encoding="utf-8").replace(
        "background: {}", "background: {constant: {ozone: 60}}").replace("in_stack_ratio: 0.1, ", ""),
        encoding="utf-8")
    with pytest.raises(Exception, match="in-stack"):
        prepare_eia(load_scenario(tmp_path / "eia.yaml"), base_dir=tmp_path, where="eia.yaml")


def test_aermod_mode_on_an_urban_park_needs_the_population(demo, tmp_path):
    scenario = _scenario(demo, tmp_path, "model: {dispersion: aermod}\n")
    _urban_park(tmp_path)
    with pytest.raises(Exception, match="urban_population"):
        prepare_eia(scenario, base_dir=tmp_path, where="eia.yaml")
    with pytest.raises((ValidationError, ValueError), match="urban_population"):
        _scenario(demo, tmp_path / "screening", "model: {urban_population: 500000}\n")


def test_building_downwash_false_is_aermod_without_the_building_cards(demo, tmp_path):
    scenario = _scenario(demo, tmp_path, "model: {dispersion: aermod, building_downwash: false}\n")
    setup = prepare_eia(scenario, base_dir=tmp_path, where="eia.yaml")
    assert setup.stacks.buildings is None
    _, wakes = building_wakes(setup)
    assert wakes["downwash_modelled"] is False and wakes["stacks_below_wake_height"] > 0
    other = tmp_path / "screening"
    other.mkdir()
    screening = prepare_eia(_scenario(demo, other, "model: {dispersion: screening}\n"), base_dir=other,
                            where="eia.yaml")
    assert screening.stacks.buildings is None  # the screening plume has no building downwash


def _fugitive_park(tmp_path) -> list[str]:
    """Fugitive SO2 sources added to the demo park near its first two stacks: two volume sources (a ground-level
    tank farm, roof vents) and two area sources (a pond as a polygon, a tank yard as AERMOD's rotated rectangle);
    returns their ids, in the park's source order."""
    from twin.io import load_park

    path = tmp_path / "park" / "park.yaml"
    park = load_park(path)
    first, second = park.stacks[0], park.stacks[1]
    x, y = first.x, first.y
    fill_park_lists(path, f"""
volume_sources:
  - {{id: V01, name: 罐区无组织, enterprise: {first.enterprise}, x: {x + 60.0}, y: {y}, release_height: 2,
     initial_sigma_y: 23.26, initial_sigma_z: 1.86, emissions: {{sulfur_dioxide: 1.5}}}}
  - {{id: V02, name: 车间屋顶排风, enterprise: {second.enterprise}, x: {second.x}, y: {second.y + 60.0},
     release_height: 15 m, initial_sigma_y: 700 cm, initial_sigma_z: 7, emissions: {{sulfur_dioxide: 0.8}},
     enterprise_grade: B}}
area_sources:
  - {{id: A01, name: 调节池, enterprise: {first.enterprise}, release_height: 0,
     polygon: [[{x - 150.0}, {y}], [{x - 70.0}, {y + 20.0}], [{x - 40.0}, {y + 90.0}], [{x - 110.0}, {y + 140.0}]],
     emissions: {{sulfur_dioxide: 0.4}}}}
  - {{id: A02, name: 原料罐区, enterprise: {second.enterprise}, release_height: 4, initial_sigma_z: 1.9,
     rectangle: {{x: {second.x - 200.0}, y: {second.y - 200.0}, x_length: 100, y_length: 60, angle: 30}},
     emissions: {{sulfur_dioxide: 1.2}}, enterprise_grade: C}}
""")
    return ["V01", "V02", "A01", "A02"]


def test_fugitive_sources_run_in_the_aermod_mode_and_the_screening_mode_refuses_them(demo, tmp_path):
    """A park's volume and area sources (fugitive emissions, AERMOD VOLUME and AREA/AREAPOLY) enter the AERMOD year
    run after the stacks — statistics, transfer matrices, the report's source tables, the maps — and a screening run
    of that park is refused by name rather than leaving them out of the totals."""
    import xarray as xr

    from dispersion.plume import RELEASE_CODES

    scenario = _scenario(demo, tmp_path, "model: {dispersion: aermod}\n")
    ids = _fugitive_park(tmp_path)
    setup = prepare_eia(scenario, base_dir=tmp_path, where="eia.yaml")
    n = len(setup.park.stacks)
    assert list(setup.stacks.ids[n:]) == ids
    assert setup.stacks.release[n:].tolist() == [RELEASE_CODES["volume"]] * 2 + [RELEASE_CODES["area"]] * 2
    np.testing.assert_array_equal(setup.stacks.initial_sigma_y[n:], [23.26, 7.0, 0.0, 0.0])  # '700 cm': 7 m
    np.testing.assert_array_equal(setup.stacks.initial_sigma_z[n:], [1.86, 7.0, 0.0, 1.9])
    np.testing.assert_array_equal(setup.stacks.height[n:], [2.0, 15.0, 0.0, 4.0])
    # the rectangle as AERMOD's AREA has it: from the corner, y_length 30° clockwise from north, then x_length
    corner = np.array([setup.park.stacks[1].x - 200.0, setup.park.stacks[1].y - 200.0])
    expected = corner + np.array([[0.0, 0.0], [30.0, 51.9615242], [116.6025404, 1.9615242], [86.6025404, -50.0]])
    np.testing.assert_allclose(setup.stacks.area_vertices[n + 3], expected, atol=1e-6)
    assert np.isnan(setup.stacks.area_vertices[:n + 2]).all()
    assert setup.factors.shape[1] == n + 4
    summary = run_eia_scenario(scenario, base_dir=tmp_path, out_dir=tmp_path / "out", where="eia.yaml")
    # the sensitive receptors' 1-h maxima are a direct kernel run of stacks and fugitive sources together
    sensitive = setup.receptors.subset(slice(setup.n_grid, None))
    rates = setup.park.emission_rates("sulfur_dioxide", include_fugitive=True)[None, :] * setup.factors * 1e-3
    hourly = aermod_hours(setup.stacks, sensitive, setup.hours.aermod, rates) * 1e9
    for kept in (np.arange(n + 4) < n, np.arange(n + 4) < n + 2):  # without the fugitive / the area sources
        partial = aermod_hours(setup.stacks, sensitive, setup.hours.aermod, rates * kept) * 1e9
        assert np.abs(hourly - partial).max() > 1e-3 * hourly.max()  # each kind adds something
    limits = {item["averaging"]: item for item in summary["pollutants"]["sulfur_dioxide"]["limits"]}
    for i, receptor in enumerate(limits["1h"]["receptors"]):
        assert receptor["contribution_ug_m3"] == pytest.approx(hourly[:, i].max(), rel=1e-9, abs=1e-12)
    with xr.open_dataset(tmp_path / "out" / "transfer.nc") as transfer:
        kinds = dict(zip((str(s) for s in transfer["source_id"].values),
                         (str(k) for k in transfer["source_type"].values)))
    assert {i: kinds[i] for i in ids} == {"V01": "volume", "V02": "volume", "A01": "area", "A02": "area"}
    cards = (tmp_path / "out" / "aermod_building_cards.txt").read_text(encoding="utf-8")
    assert "V01" not in cards and "A01" not in cards and setup.stacks.ids[0] in cards  # no PRIME for them
    assert all(row["id"] not in ids for row in summary["building_wakes"]["stacks"])
    for language, volumes, areas in (("en", "Source parameters (volume sources)", "Source parameters (area sources)"),
                                     ("zh", "污染源参数（体源）", "污染源参数（面源）")):
        sections = eia_report_view(setup, summary, {}, language)["sections"]
        table = [s for s in sections if volumes in s["heading"]]
        assert len(table) == 1 and [row["cells"][0] for row in table[0]["rows"]] == ids[:2]
        assert table[0]["rows"][1]["cells"][6:9] == ["15", "7", "7"]
        table = [s for s in sections if areas in s["heading"]]
        assert len(table) == 1 and [row["cells"][0] for row in table[0]["rows"]] == ids[2:]
        shapes = {"en": ("polygon, 4 vertices", "rectangle 100 m × 60 m, turned 30° clockwise"),
                  "zh": ("多边形，4 个顶点", "矩形 100 m × 60 m，顺时针转 30°")}[language]
        assert table[0]["rows"][0]["cells"][8] == shapes[0]
        assert table[0]["rows"][1]["cells"][6:10] == ["4", "6000", shapes[1], "1.9"]  # height, m², shape, σ_z0
    stacks_table = [s for s in eia_report_view(setup, summary, {}, "en")["sections"]
                    if s["heading"] == "1. Source parameters"][0]
    assert len(stacks_table["rows"]) == n
    # the EIA maps mark them (the other scenarios' maps, which do not model them, do not)
    from scenarios.common.views import map_view

    box = (float(setup.gx.min()), float(setup.gx.max()), float(setup.gy.min()), float(setup.gy.max()))
    view = map_view(setup.park, None, title="t", extent=box, volume_sources=True)
    assert list(view.volume_sources.names) == ["罐区无组织", "车间屋顶排风"]
    np.testing.assert_array_equal(view.volume_sources.height, [2.0, 15.0])
    assert list(view.area_sources.names) == ["调节池", "原料罐区"] and len(view.area_sources.outlines[0]) == 4
    plain = map_view(setup.park, None, title="t", extent=box)
    assert plain.volume_sources is None and plain.area_sources is None
    # the screening mode would leave them out: refused, naming the field and the sources
    other = tmp_path / "screening"
    other.mkdir()
    screening = _scenario(demo, other, "model: {dispersion: screening}\n")
    _fugitive_park(other)
    with pytest.raises(Exception, match=r"model\.dispersion.*2 volume sources and 2 area sources.*'V01'.*got "
                                        r"'screening'"):
        prepare_eia(screening, base_dir=other, where="eia.yaml")


def test_circles_and_lines_reach_the_aermod_run_as_polygons(demo, tmp_path):
    """park.yaml's circle (AERMOD AREACIRC) and line (AERMOD LINE) area sources enter the EIA set-up as the polygons
    AERMOD makes of them — 20 and 4 vertices, the circle's area πr², the whole source's rate — and the EIA map
    outlines them."""
    from scenarios.common.views import map_view
    from twin.io import load_park

    scenario = _scenario(demo, tmp_path, "model: {dispersion: aermod}\n")
    path = tmp_path / "park" / "park.yaml"
    first = load_park(path).stacks[0]
    fill_park_lists(path, f"""
area_sources:
  - {{id: C01, name: 储罐顶, enterprise: {first.enterprise}, release_height: 12, initial_sigma_z: 2,
     circle: {{x: {first.x + 100.0}, y: {first.y}, radius: 15}}, emissions: {{sulfur_dioxide: 0.2}}}}
  - {{id: L01, name: 厂区道路, enterprise: {first.enterprise}, release_height: 1, initial_sigma_z: 1.5,
     line: {{start: [{first.x - 300.0}, {first.y - 200.0}], end: [{first.x}, {first.y + 200.0}], width: 12}},
     emissions: {{sulfur_dioxide: 0.1}}}}
""")
    setup = prepare_eia(scenario, base_dir=tmp_path, where="eia.yaml")
    n = len(setup.park.stacks)
    assert list(setup.stacks.ids[n:]) == ["C01", "L01"]
    circle, line = setup.stacks.area_vertices[n], setup.stacks.area_vertices[n + 1]
    assert circle.shape == (20, 2) and np.isfinite(circle).all() and np.isnan(line[4:]).all()
    from shapely.geometry import Polygon

    assert Polygon(circle).area == pytest.approx(np.pi * 15.0 ** 2) and Polygon(line[:4]).area == pytest.approx(6000.0)
    np.testing.assert_allclose(setup.park.emission_rates("sulfur_dioxide", include_fugitive=True)[n:], [0.2, 0.1])
    box = (float(setup.gx.min()), float(setup.gx.max()), float(setup.gy.min()), float(setup.gy.max()))
    view = map_view(setup.park, None, title="t", extent=box, volume_sources=True)
    assert [len(o) for o in view.area_sources.outlines] == [20, 4]


def test_the_report_gives_each_area_sources_shape_as_park_yaml_does():
    """HJ 2.2's 面源 parameters as the park gives them: a polygon's vertices, a rectangle's sides and turn, a
    circle's radius and sides (近圆形面源, AERMOD AREACIRC), a line's length and width (线源, AERMOD LINE)."""
    from scenarios.eia.report import WORDS, _area_shape
    from twin.park import AreaSource

    base = {"id": "A", "name": "n", "enterprise": "e", "release_height": 0.0, "emissions": {"vocs": 1.0}}
    sources = [AreaSource(**base, polygon=[[0, 0], [10, 0], [10, 10], [0, 10], [-5, 5]]),
               AreaSource(**base, rectangle={"x": 0, "y": 0, "x_length": 100, "y_length": 60, "angle": 30}),
               AreaSource(**base, circle={"x": 0, "y": 0, "radius": 15}),
               AreaSource(**base, line={"start": [0, 0], "end": [300, 400], "width": "12 m"})]
    expected = {"en": ["polygon, 5 vertices", "rectangle 100 m × 60 m, turned 30° clockwise",
                       "circle of radius 15 m, 20-sided", "line 500 m long, 12 m wide"],
                "zh": ["多边形，5 个顶点", "矩形 100 m × 60 m，顺时针转 30°", "近圆形，半径 15 m，20 边形",
                       "线源，长 500 m、宽 12 m"]}
    for language, texts in expected.items():
        assert [_area_shape(s, WORDS[language]) for s in sources] == texts


def test_fugitive_source_ids_must_differ_from_the_stacks_and_one_shape_per_area(demo, tmp_path):
    from twin.io import load_park

    _scenario(demo, tmp_path, "")
    _fugitive_park(tmp_path)
    path = tmp_path / "park" / "park.yaml"
    good = path.read_text(encoding="utf-8")
    first = load_park(path).stacks[0].id
    path.write_text(good.replace("id: V01", f"id: {first}"), encoding="utf-8")
    with pytest.raises(Exception, match=f"volume_sources\\[0\\] id '{first}' is also a stack's id"):
        load_park(path)
    path.write_text(good.replace("id: A02", "id: V02"), encoding="utf-8")
    with pytest.raises(Exception, match="area_sources\\[1\\] id 'V02' is also a volume source's id"):
        load_park(path)
    path.write_text(good.replace("initial_sigma_z: 7,", "initial_sigma_z: 7 km,"), encoding="utf-8")
    with pytest.raises(Exception, match="initial_sigma_z"):
        load_park(path)
    path.write_text(good.replace("release_height: 4, initial_sigma_z: 1.9,", "release_height: 4, initial_sigma_z: "
                                 "1.9, polygon: [[0, 0], [10, 0], [10, 10]],"), encoding="utf-8")
    with pytest.raises(Exception, match="exactly one of polygon .* got polygon and rectangle"):
        load_park(path)


def test_caps_cover_the_fugitive_sources(demo, tmp_path):
    """The total-emission caps of a park with volume and area sources: each emitting source gets its cap, and the
    verification re-run at the caps (stacks and fugitive sources together) holds every constraint."""
    from scenarios.eia.caps_run import run_caps

    scenario = _scenario(demo, tmp_path, "model: {dispersion: aermod, building_downwash: false}\n"
                                         "caps: {pollutant: sulfur_dioxide, upper_bound_factor: null, "
                                         "receptor_spacing: 2000}\n")
    ids = _fugitive_park(tmp_path)
    report = run_caps(scenario, base_dir=tmp_path, out_dir=tmp_path / "caps", where="eia.yaml")
    capped = {source["id"]: source for source in report["sources"]}
    assert set(ids) <= set(capped) and all(capped[i]["cap_g_s"] >= 0.0 for i in ids)
    assert [capped[i]["current_g_s"] for i in ids] == [1.5, 0.8, 0.4, 1.2]
    assert max(report["verification"]["constraint_rows_max_excess_of_capacity_scale"].values()) <= 1e-6
