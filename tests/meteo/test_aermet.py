"""AERMET reader (meteo.aermet) and the Golder (1972) class from the Obukhov length (meteo.stability).

The small SFC/PFL files below are written here in AERMET's layout (compare the AERMET outputs of the EPA test
cases, e.g. atmmod/pyaermod tests/fixtures/aermet/runs/metprep_success/EX01_MP.SFC); their values are chosen to
exercise the reader — a stable, a calm, a missing, two convective hours — not to describe a real night.
"""

import math

import numpy as np
import xarray as xr
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispersion.plume import PlumeOptions, StackSet, source_hours
from meteo.aermet import read_aermet
from meteo.stability import (
    CLASS_LABELS,
    GOLDER_1972_INVERSE_OBUKHOV_COEFFICIENTS,
    GOLDER_1972_ROUGHNESS_RANGE,
    stability_from_obukhov,
)
from meteo.weather import make_weather, prepare_dispersion_met
from twin.errors import InputError, MissingInputError

HEADER = ("   31.900N  121.200E          UA_ID: 00058362  SF_ID: 58362     OS_ID:              "
          "VERSION: 24142    CCVR_Sub TEMP_Sub")
# Columns: yr mo dy jday hr | H u* w* VPTG zic zim L z0 Bowen albedo | Ws Wd zref T ztemp | ipcode pamt rh pres
# ccvr, then the wind-data flags (AERMET v11059+); only the first 20 fields are read.
SFC_RECORDS = [
    "2026 12 31 365 22  -20.0  0.300 -9.000 -9.000 -999.  400.     40.0  0.1000   1.00  1.00   "
    "3.00  270.0  10.0  275.0   2.0  0 -9.00 999. 1013.  2 NAD-SFC NoSubs",
    "2026 12 31 365 23 -999.0 -9.000 -9.000 -9.000 -999. -999. -99999.0  0.1000   1.00  1.00   "
    "0.00    0.0  10.0  274.0   2.0  0 -9.00 999. 1013.  2 NAD-SFC NoSubs",
    "2026 12 31 365 24  -15.0  0.250 -9.000 -9.000 -999.  300.     50.0  0.1000   1.00  1.00 "
    "999.00  999.0  10.0  273.5   2.0  0 -9.00 999. 1013.  2 NAD-SFC NoSubs",
    "2027  1  1   1  1  150.0  0.400  1.500  0.005  900.  500.    -10.0  0.1000   1.00  0.20   "
    "4.00   90.0   6.1  280.0   2.0  0 -9.00 999. 1013.  0 NAD-SFC NoSubs",
    "2027  1  1   1  2   50.0  0.200  0.800  0.005  300.  700.    -50.0  0.1000   1.00  0.20   "
    "0.50  180.0  10.0  281.0   2.0  0 -9.00 999. 1013.  0 NAD-SFC NoSubs",
    "2027  1  1   1  3   80.0  0.350  1.200  0.005 4500.  600.    -30.0  0.1000   1.00  0.20   "
    "2.00   45.0  10.0  282.0   2.0  0 -9.00 999. 1013.  0 NAD-SFC NoSubs",
]
#        yr mo dy hr  height top  Wd      Ws     T(C)  sigmaA  sigmaW   (2-digit years on purpose)
PFL_RECORDS = [
    "26 12 31 22    10.0 0   270.0     3.00     1.80    99.00    99.00",
    "26 12 31 22    50.0 1   275.0     5.00     2.00    99.00    99.00",
    "26 12 31 23    10.0 0     0.0     0.00     0.90    99.00    99.00",
    "26 12 31 23    50.0 1   280.0     1.00     1.00    99.00    99.00",
    "26 12 31 24    10.0 0   999.0   999.00     0.40    99.00    99.00",
    "26 12 31 24    50.0 1   999.0   999.00     0.50    99.00    99.00",
    "27  1  1  1    10.0 0    95.0     4.60     7.50    99.00    99.00",
    "27  1  1  1    50.0 1   100.0     6.00     6.00    99.00    99.00",
    "27  1  1  2    10.0 0   999.0   999.00    99.00    99.00    99.00",
    "27  1  1  2    50.0 1   200.0     3.00     6.00    99.00    99.00",
    "27  1  1  3    10.0 0    45.0     2.00     9.00    99.00    99.00",
    "27  1  1  3    50.0 1    50.0     3.00     8.00    99.00    99.00",
]


def _write(tmp_path, records, name="T.SFC", header=HEADER):
    path = tmp_path / name
    lines = ([header] if header is not None else []) + list(records)
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def sfc(tmp_path):
    return _write(tmp_path, SFC_RECORDS)


@pytest.fixture
def pfl(tmp_path):
    return _write(tmp_path, PFL_RECORDS, name="T.PFL", header=None)


# --- Golder (1972) --------------------------------------------------------------------------------------------------

def test_golder_class_centres_at_z0_0p1():
    # 1/L = a + b log10(0.1) = a − b: A −0.125 → L = −8.0; B −0.066 → −15.2; C −0.020 → −50; D 0 → ∞;
    # E 0.022 → 45.5; F 0.071 → 14.1 m (values of the brief, computed from the Seinfeld & Pandis coefficients).
    lengths = [-8.0, -15.2, -50.0, math.inf, 45.5, 14.1]
    assert stability_from_obukhov(lengths, 0.1).tolist() == [0, 1, 2, 3, 4, 5]
    assert stability_from_obukhov(lengths, 0.1).dtype == np.int8


def test_golder_neutral_and_sign():
    assert stability_from_obukhov([1e9, -1e9, math.inf, -math.inf], 0.3).tolist() == [3, 3, 3, 3]
    assert stability_from_obukhov(-2.0, 0.1) == 0  # very unstable → A
    assert stability_from_obukhov(2.0, 0.1) == 5  # very stable → F


def test_golder_boundary_is_midpoint():
    # At z0 = 0.1 m the D/E boundary is 1/L = 0.011 m-1 (halfway between 0 and 0.022): on it → E, just below → D.
    assert stability_from_obukhov(1.0 / 0.011, 0.1) == 4
    assert stability_from_obukhov(1.0 / 0.0109, 0.1) == 3


def test_golder_rejects_zero_length_and_bad_roughness():
    with pytest.raises(InputError, match=r"obukhov_length\[1\].*non-zero"):
        stability_from_obukhov([10.0, 0.0], 0.1)
    with pytest.raises(InputError, match="roughness_length"):
        stability_from_obukhov(10.0, 0.0)
    with pytest.raises(InputError, match="obukhov_length"):
        stability_from_obukhov(math.nan, 0.1)


@settings(max_examples=200, deadline=None)
@given(z0=st.floats(1e-4, 5.0), inverse=st.lists(st.floats(-0.5, 0.5).filter(lambda v: abs(v) > 1e-12),
                                                  min_size=2, max_size=30))
def test_golder_class_is_monotone_in_inverse_length(z0, inverse):
    inverse = np.sort(np.asarray(inverse))
    codes = stability_from_obukhov(1.0 / inverse, z0)
    assert np.all(np.diff(codes.astype(int)) >= 0)


@settings(max_examples=100, deadline=None)
@given(z0=st.floats(*GOLDER_1972_ROUGHNESS_RANGE))
def test_golder_each_class_centre_gives_its_class(z0):
    for code, label in enumerate(CLASS_LABELS):
        a, b = GOLDER_1972_INVERSE_OBUKHOV_COEFFICIENTS[label]
        inverse = a + b * math.log10(z0)
        length = math.inf if inverse == 0.0 else 1.0 / inverse
        assert stability_from_obukhov(length, z0) == code


# --- read_aermet ----------------------------------------------------------------------------------------------------

def test_missing_hour_raises_unless_filled(sfc):
    with pytest.raises(InputError, match=r"1 of 6 hours missing: line 4 \(2026-12-31 hour 24: wind_speed = 999\)"):
        read_aermet(sfc, utc_offset_hours=8.0)


def test_times_are_hour_starts_in_utc_with_hour_24_rollover(sfc):
    met = read_aermet(sfc, utc_offset_hours=8.0, fill_missing=True)
    # Hour h of local day d → d + (h−1) h local (UTC+8) → minus 8 h. Hour 24 of 31 Dec → 23:00 local = 15:00 UTC;
    # hour 1 of 1 Jan → 00:00 local = 16:00 UTC on 31 Dec.
    expected = np.datetime64("2026-12-31T13:00", "ns") + np.arange(6) * np.timedelta64(1, "h")
    np.testing.assert_array_equal(met["time"].values, expected)
    assert met["time"].dtype == np.dtype("datetime64[ns]")
    # The kernel's local days: 31 Dec holds hours 22–24, 1 Jan hours 1–3.
    stacks = StackSet(ids=("S1",), x=np.zeros(1), y=np.zeros(1), base_elevation=np.zeros(1),
                      height=np.array([30.0]), inner_diameter=np.array([1.0]), exit_velocity=np.array([10.0]),
                      exit_temperature=np.array([400.0]))
    days = source_hours(stacks, met, PlumeOptions(utc_offset_hours=8.0)).day.astype("datetime64[D]")
    assert [str(d) for d in days] == ["2026-12-31"] * 3 + ["2027-01-01"] * 3


def test_values_units_calm_missing_stable_convective(sfc):
    met = read_aermet(sfc, utc_offset_hours=8.0, fill_missing=True)
    log_factor = math.log(10.0 / 0.1) / math.log(6.1 / 0.1)  # neutral log law 6.1 m → 10 m, z0 = 0.1 m
    np.testing.assert_allclose(met["wind_speed"], [3.0, 0.0, 0.0, 4.0 * log_factor, 0.5, 2.0])
    np.testing.assert_allclose(met["model_wind_speed"], [3.0, 1.0, 1.0, 4.0 * log_factor, 1.0, 2.0])
    assert met["calm_flag"].values.tolist() == [0, 1, 1, 0, 1, 0]
    # 0 observed, 1 calm (state of the last non-calm hour), 2 missing (copy of the previous complete hour, a calm).
    assert met["aermet_hour_flag"].values.tolist() == [0, 1, 2, 0, 0, 0]
    np.testing.assert_allclose(met["wind_from_direction"], [270.0, 270.0, 270.0, 90.0, 180.0, 45.0])
    np.testing.assert_allclose(met["air_temperature"], [275.0, 274.0, 274.0, 280.0, 281.0, 282.0])
    np.testing.assert_allclose(met["obukhov_length"], [40.0, 40.0, 40.0, -10.0, -50.0, -30.0])
    # Golder at z0 = 0.1: 1/40 = 0.025 → E; −1/10 → A; −1/50 = −0.02 → C; −1/30 → C.
    assert met["stability_class"].values.tolist() == [4, 4, 4, 0, 2, 2]
    assert met["stability_class"].dtype == np.int8
    assert met["stability_label"].values.tolist() == ["E", "E", "E", "A", "C", "C"]
    # Stable and calm: zim; convective: max(zic, zim) with zic capped at 4000 m (AERMOD SET_METDATA).
    np.testing.assert_allclose(met["atmosphere_boundary_layer_thickness"], [400.0, 400.0, 400.0, 900.0, 700.0,
                                                                           4000.0])
    np.testing.assert_allclose(met["friction_velocity"], [0.3, 0.3, 0.3, 0.4, 0.2, 0.35])
    np.testing.assert_allclose(met["sensible_heat_flux"], [-20.0, -20.0, -20.0, 150.0, 50.0, 80.0])
    np.testing.assert_allclose(met["convective_velocity_scale"], [np.nan, np.nan, np.nan, 1.5, 0.8, 1.2])
    np.testing.assert_allclose(met["surface_roughness_length"], 0.1)
    np.testing.assert_allclose(met["reference_wind_height"], [10.0, 10.0, 10.0, 6.1, 10.0, 10.0])
    assert met.attrs["site_latitude"] == pytest.approx(31.9)
    assert met.attrs["site_longitude"] == pytest.approx(121.2)
    assert met.attrs["aermet_calm_hours"] == 1 and met.attrs["aermet_filled_missing_hours"] == 1


def test_attributes_match_prepare_dispersion_met(sfc):
    met = read_aermet(sfc, utc_offset_hours=8.0, fill_missing=True)
    weather = make_weather(np.array(["2026-07-01T00:00"], dtype="datetime64[ns]"), [3.0], [90.0], [300.0],
                           [0.5], [0.2])
    prepared = prepare_dispersion_met(weather, latitude=31.9, longitude=121.2, stability_method="gb3840",
                                      land_use="rural")
    for name in ("model_wind_speed", "calm_flag"):
        assert met[name].attrs.keys() == prepared[name].attrs.keys(), name
        for key, value in prepared[name].attrs.items():
            assert np.array_equal(met[name].attrs[key], value), (name, key)
    for name in ("wind_speed", "wind_from_direction", "air_temperature", "atmosphere_boundary_layer_thickness",
                 "solar_elevation_angle", "stability_label"):
        for key in ("standard_name", "units", "height"):
            assert met[name].attrs.get(key) == prepared[name].attrs.get(key), (name, key)
    for key in ("long_name", "flag_meanings"):
        assert met["stability_class"].attrs[key] == prepared["stability_class"].attrs[key]
    np.testing.assert_array_equal(met["stability_class"].attrs["flag_values"],
                                  prepared["stability_class"].attrs["flag_values"])
    assert met["calm_flag"].dtype == prepared["calm_flag"].dtype
    assert met["obukhov_length"].attrs["standard_name"] == "atmosphere_obukhov_length"
    assert met["friction_velocity"].attrs["units"] == "m s-1"
    assert met["sensible_heat_flux"].attrs["standard_name"] == "surface_upward_sensible_heat_flux"


def test_profile_level_nearest_10m_is_preferred(sfc, pfl):
    met = read_aermet(sfc, pfl, utc_offset_hours=8.0, fill_missing=True)
    # Hour 1: the PFL 10 m level (4.6 m/s, 95°, 7.5 °C) beats the SFC 6.1 m wind and 2 m temperature.
    assert float(met["wind_speed"][3]) == pytest.approx(4.6)
    assert float(met["wind_from_direction"][3]) == pytest.approx(95.0)
    assert float(met["air_temperature"][3]) == pytest.approx(7.5 + 273.15)
    assert float(met["reference_wind_height"][3]) == pytest.approx(10.0)
    # Hour 2: the PFL 10 m wind and temperature are missing; 50 m is farther from 10 m than the SFC values → SFC.
    assert float(met["wind_speed"][4]) == pytest.approx(0.5)
    assert float(met["wind_from_direction"][4]) == pytest.approx(180.0)
    assert float(met["air_temperature"][4]) == pytest.approx(281.0)
    # Hour 22: PFL 10 m temperature 1.8 °C replaces the SFC 2 m value; calm status still from the SFC (hour 23).
    assert float(met["air_temperature"][0]) == pytest.approx(1.8 + 273.15)
    assert met["calm_flag"].values.tolist() == [0, 1, 1, 0, 1, 0]
    assert met.attrs["aermet_profile_wind_hours"] == 3


def test_two_digit_years_and_z0_override(tmp_path):
    records = [r.replace("2026 12 31", "  26 12 31").replace("2027  1  1", "  27  1  1") for r in SFC_RECORDS]
    records[2] = SFC_RECORDS[2].replace("999.00  999.0", "  2.00  300.0")  # repair the missing hour
    met = read_aermet(_write(tmp_path, records), utc_offset_hours=8.0, z0_override=0.5)
    assert str(met["time"].values[0])[:16] == "2026-12-31T13:00"
    np.testing.assert_allclose(met["surface_roughness_length"], 0.5)
    log_factor = math.log(10.0 / 0.5) / math.log(6.1 / 0.5)
    assert float(met["wind_speed"][3]) == pytest.approx(4.0 * log_factor)
    assert met.attrs["roughness_length_source"] == "z0_override"


def test_malformed_value_names_file_line_column(tmp_path):
    records = list(SFC_RECORDS)
    records[3] = records[3].replace("0.400", "0.4x0")
    path = _write(tmp_path, records)
    with pytest.raises(InputError, match=r"T\.SFC.*line 5, column 7 \(friction_velocity\) must be a number "
                                         r"\(m s-1; -9 = missing\), got '0\.4x0'"):
        read_aermet(path, utc_offset_hours=8.0)


@pytest.mark.parametrize(("edit", "pattern"), [
    (lambda r: r[:3] + [r[3].replace("  1  1   1  1", "  1  1   1 25")], r"line 5, column 5 \(hour\).*1\.\.24"),
    (lambda r: r[:3] + [r[3].replace("  1  1   1  1", "  1  1   2  1")], r"line 5, column 4 \(julian_day\)"),
    (lambda r: r[:3] + [r[3].replace("2027  1  1", "2027  2 30")], r"line 5, column 3 \(day\)"),
    (lambda r: r[:1] + r[2:], r"line 3, columns 1-5 .*must be 2026-12-31 hour 23, the hour after line 2"),
    (lambda r: [r[0][:60]], r"line 2, column \d+ \(.*a record has at least 20 fields"),
])
def test_malformed_records(tmp_path, edit, pattern):
    path = _write(tmp_path, edit(list(SFC_RECORDS)))
    with pytest.raises(InputError, match=pattern):
        read_aermet(path, utc_offset_hours=8.0, fill_missing=True)


def test_bad_header_and_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"line 1 \(header\)"):
        read_aermet(_write(tmp_path, SFC_RECORDS, header=None), utc_offset_hours=8.0)
    with pytest.raises(InputError, match=r"line 1, column 1 \(latitude\)"):
        read_aermet(_write(tmp_path, SFC_RECORDS, header=HEADER.replace("31.900N", "31.900X")),
                    utc_offset_hours=8.0)
    with pytest.raises(MissingInputError, match="not found"):
        read_aermet(tmp_path / "absent.SFC", utc_offset_hours=8.0)
    with pytest.raises(InputError, match="utc_offset_hours"):
        read_aermet(tmp_path / "absent.SFC", utc_offset_hours=20.0)


def test_profile_mismatch_names_profile_line(tmp_path, sfc):
    records = list(PFL_RECORDS)
    records[4] = records[4].replace("26 12 31 24", "26 12 31 23")
    with pytest.raises(InputError, match=r"T\.PFL.*line 5, columns 1-4 .*surface-file line 4"):
        read_aermet(sfc, _write(tmp_path, records, name="T.PFL", header=None), utc_offset_hours=8.0,
                    fill_missing=True)
    with pytest.raises(InputError, match=r"line 12, column 6 \(top_flag\)"):
        read_aermet(sfc, _write(tmp_path, PFL_RECORDS[:-1] + [PFL_RECORDS[-1].replace(" 1   50.0", " 0   50.0")
                                                               .replace("    50.0 1", "    50.0 0")],
                                name="T.PFL", header=None), utc_offset_hours=8.0, fill_missing=True)


def test_all_calm_file_is_refused(tmp_path):
    path = _write(tmp_path, [SFC_RECORDS[1]])
    with pytest.raises(InputError, match="calm"):
        read_aermet(path, utc_offset_hours=8.0)


def test_leading_calm_takes_the_first_non_calm_state_and_small_length_is_floored(tmp_path):
    calm = SFC_RECORDS[1].replace("2026 12 31 365 23", "2027  1  1   1 23")
    convective = (SFC_RECORDS[3].replace("2027  1  1   1  1", "2027  1  1   1 24")
                  .replace("    -10.0  0.1000", "     -0.4  0.1000"))
    records = [calm, convective]
    met = read_aermet(_write(tmp_path, records), utc_offset_hours=0.0)
    # |L| < 1 m → ±1 m (AERMOD METQA); the opening calm hour takes the next hour's state (direction, L, zi).
    np.testing.assert_allclose(met["obukhov_length"], [-1.0, -1.0])
    np.testing.assert_allclose(met["wind_from_direction"], [90.0, 90.0])
    np.testing.assert_allclose(met["atmosphere_boundary_layer_thickness"], [900.0, 900.0])
    assert met["aermet_hour_flag"].values.tolist() == [1, 0]
    assert str(met["time"].values[1])[:16] == "2027-01-01T23:00"


def test_fast_and_line_by_line_readers_agree(monkeypatch, tmp_path):
    """The column-wise fast path of the SFC/PFL reader gives exactly what the line-by-line parser gives (which names
    the line and column of any fault): on EPA's Anchorage 1999 files (8760 h, calm and missing hours) and on a
    profile file whose hours have different numbers of levels."""
    import meteo._aermet_records as records
    import meteo._aermet_pfl as pfl_module
    import meteo._aermet_sfc as sfc_module
    from tests.aermod_reference import REFERENCE

    sfc, pfl = REFERENCE / "ANCH-99_ADJU.SFC", REFERENCE / "ANCH-99_ADJU.PFL"
    lines = pfl.read_text().splitlines()
    uneven = []
    for k, line in enumerate(lines[:48]):  # the first 48 hours; every other hour gets a 9 m level above its 7 m one
        if k % 2:  # the hour's own level (top flag 0 now), then a 9 m level that closes it
            words = line.split()
            uneven.append(" ".join(words[:5] + ["0"] + words[6:]))
            uneven.append(" ".join(words[:4] + ["9.0", "1"] + words[6:]))
        else:
            uneven.append(line)
    (tmp_path / "short.SFC").write_text("\n".join(sfc.read_text().splitlines()[:49]) + "\n")
    (tmp_path / "short.PFL").write_text("\n".join(uneven) + "\n")
    cases = [(sfc, pfl), (tmp_path / "short.SFC", tmp_path / "short.PFL")]
    fast = [read_aermet(a, b, utc_offset_hours=-9.0, fill_missing=True) for a, b in cases]
    calls = []

    def no_fast_path(*args):
        calls.append(args)

    assert records.fast_table is sfc_module.fast_table is pfl_module.fast_table
    monkeypatch.setattr(sfc_module, "fast_table", no_fast_path)
    monkeypatch.setattr(pfl_module, "fast_table", no_fast_path)
    slow = [read_aermet(a, b, utc_offset_hours=-9.0, fill_missing=True) for a, b in cases]
    assert len(calls) == 4  # the slow path really ran
    for quick, reference in zip(fast, slow):
        xr.testing.assert_identical(quick, reference)
    assert fast[0].sizes["time"] == 8760 and fast[0].attrs["aermet_calm_hours"] > 0
    assert fast[1]["reference_wind_height"].values[1] != fast[1]["reference_wind_height"].values[0]


def _one_level(records, keep_height="10.0"):
    """The profile's ``keep_height`` level alone, closing its hour (top flag 1)."""
    kept = [r for r in records if r.split()[4] == keep_height]
    return [r[:20] + "1" + r[21:] for r in kept]


def test_profile_shape_counts_levels_and_measured_turbulence(tmp_path, sfc, pfl):
    met = read_aermet(sfc, pfl, utc_offset_hours=8.0, fill_missing=True)
    # Hour 22 (usable) has two wind and two temperature levels; calm and missing hours are not counted.
    assert met.attrs["aermet_profile_most_wind_levels"] == 2
    assert met.attrs["aermet_profile_most_temperature_levels"] == 2
    assert met.attrs["aermet_profile_first_wind_profile_hour"] == "2026-12-31 hour 22"
    assert met.attrs["aermet_profile_turbulence_hours"] == 0
    records = _one_level(PFL_RECORDS)
    assert records[0] == "26 12 31 22    10.0 1   270.0     3.00     1.80    99.00    99.00"
    records[3] = records[3].replace("99.00    99.00", "12.00    99.00")  # σθ in hour 1 (usable)
    records[2] = records[2].replace("99.00    99.00", "99.00     0.40")  # σw in hour 24 (missing: not counted)
    met = read_aermet(sfc, _write(tmp_path, records, name="ONE.PFL", header=None), utc_offset_hours=8.0,
                      fill_missing=True)
    assert met.attrs["aermet_profile_most_wind_levels"] == 1
    assert met.attrs["aermet_profile_most_temperature_levels"] == 1
    assert met.attrs["aermet_profile_turbulence_hours"] == 1
    assert met.attrs["aermet_profile_first_turbulence_hour"] == "2027-01-01 hour 1"


def test_a_tower_profile_keeps_its_levels_for_aermod_mode(tmp_path, sfc, pfl):
    """Two levels: the dataset keeps them as AERMOD PFLCNV reads them, and AERMOD mode grids them (each stack then
    takes its own direction); a one-level file has no level variables. Attributes that say tower without the
    levels (a dataset built by hand) are refused, not profiled from one level."""
    from dispersion.aermod import aermod_weather
    met = read_aermet(sfc, pfl, utc_offset_hours=8.0, fill_missing=True)
    assert met["profile_height"].dims == ("time", "profile_level")
    np.testing.assert_array_equal(met["profile_height"].values[0], [10.0, 50.0])
    assert np.isnan(met["profile_wind_speed"].values[1, 0])  # hour 23, 10 m: Ws = Wd = 0 is missing
    assert met["profile_wind_from_direction"].values[3, 0] == 95.0
    assert met["profile_air_temperature"].values[0, 1] == pytest.approx(2.0 + 273.15)
    assert met["aermet_sfc_wind_height"].values[3] == 6.1
    weather = aermod_weather(met)
    assert weather.veering.all() and weather.direction_profile.shape == (6, weather.heights.size)
    assert weather.direction_profile[0, 0] == 270.0 and weather.direction_profile[0, -1] == 275.0
    one = read_aermet(sfc, _write(tmp_path, _one_level(PFL_RECORDS), name="ONE.PFL", header=None),
                      utc_offset_hours=8.0, fill_missing=True)
    assert "profile_height" not in one and not aermod_weather(one).veering.any()
    with pytest.raises(InputError, match=r"T\.PFL.*profile_height must be the tower's levels"):
        aermod_weather(met.drop_vars([name for name in met.data_vars if name.startswith("profile_")]))


def test_measured_turbulence_becomes_sigma_v_and_sigma_w_as_aermod_converts_it(tmp_path, sfc):
    records = _one_level(PFL_RECORDS)
    records[3] = records[3].replace("99.00    99.00", "12.00     0.01")  # hour 1: σθ 12°, σw 0.01 m/s
    met = read_aermet(sfc, _write(tmp_path, records, name="TURB.PFL", header=None), utc_offset_hours=8.0,
                      fill_missing=True)
    sigma = math.radians(12.0)
    epsilon = math.sin(sigma) * (1.0 - 0.073864 * sigma)
    assert met["profile_sigma_v"].values[3, 0] == pytest.approx(sigma * 4.6 * math.sqrt(1.0 - epsilon ** 2))
    assert met["profile_sigma_w"].values[3, 0] == 0.02  # AERMOD's floor on a measured σw
    assert np.isnan(met["profile_sigma_v"].values[4, 0])


def test_aermod_mode_refuses_adj_ustar_with_bulkrn(tmp_path, sfc):
    """AERMET's BULKRN with ADJ_U* makes AERMOD take the stable θ* from the cloud cover, which is not read: the
    header is named rather than the hours run with another θ*."""
    from dispersion.aermod import aermod_weather
    path = _write(tmp_path, SFC_RECORDS, name="B.SFC", header=HEADER + "  ADJ_U*  BULKRN")
    with pytest.raises(InputError, match=r"B\.SFC.*ADJ_U\* and BULKRN"):
        aermod_weather(read_aermet(path, utc_offset_hours=8.0, fill_missing=True))
    aermod_weather(read_aermet(_write(tmp_path, SFC_RECORDS, name="A.SFC", header=HEADER + "  ADJ_U*"),
                               utc_offset_hours=8.0, fill_missing=True))
