"""Track readers (CMA best track, IBTrACS-style CSV) and the design typhoon (meteo.typhoon_tracks).

The sample files under tests/meteo/data/ are constructed (see the README there), not real storms.
"""

import math
import re
from pathlib import Path

import numpy as np
import pytest

from meteo.typhoon import rmax_willoughby_2006
from meteo.typhoon_tracks import (
    EARTH_RADIUS,
    complete_track,
    design_typhoon_track,
    read_cma_best_track,
    read_ibtracs_csv,
)
from meteo.typhoon_wind import convert_to_10min_mean, typhoon_wind_field
from twin.errors import InputError, MissingInputError

DATA = Path(__file__).parent / "data"
CMA = DATA / "cma_constructed_sample.txt"
IBTRACS = DATA / "ibtracs_constructed_sample.csv"


def test_cma_reader_on_constructed_sample():
    track = read_cma_best_track(CMA, storm="PARKTEST")
    assert track.sizes["time"] == 8
    assert track.time.values[0] == np.datetime64("2026-09-01T00:00", "ns")
    assert track.time.values[-1] == np.datetime64("2026-09-02T18:00", "ns")
    # Line "2026090100 1 150 1305 1000      15": 15.0°N 130.5°E, 1000 hPa, 15 m/s (2-min mean)
    first = track.isel(time=0)
    assert float(first.latitude) == pytest.approx(15.0)
    assert float(first.longitude) == pytest.approx(130.5)
    assert float(first.central_pressure) == pytest.approx(100000.0)
    assert float(first.max_wind_speed) == pytest.approx(15.0)
    assert track.max_wind_speed.attrs["averaging_period"] == 120
    assert track.intensity_category.values.tolist() == [1, 2, 3, 4, 5, 6, 6, 5]
    assert track.attrs["international_number"] == "2699" and track.attrs["storm_name"] == "PARKTEST"
    assert np.isnan(track.radius_of_maximum_wind.values).all()
    # Moving north-west at about 17 km/h: 0.8° of latitude in 6 h ≈ 4.1 m/s northward, westward component < 0.
    assert float(track.translation_northward[1]) == pytest.approx(0.8 * math.pi / 180 * EARTH_RADIUS / 21600,
                                                                  rel=0.1)
    assert np.all(track.translation_eastward.values < 0)
    ten_minute = convert_to_10min_mean(track.max_wind_speed.values, track.max_wind_speed.attrs["averaging_period"])
    assert np.all(ten_minute < track.max_wind_speed.values)  # CMA 2-min mean > 10-min mean


def test_cma_reader_picks_storms_and_lists_them():
    nameless = read_cma_best_track(CMA, storm="0022")  # by serial number: its international number is 0000
    assert nameless.sizes["time"] == 3
    listed = r"storm must be one of the storms in the file: \['2699/0021 PARKTEST', '0000/0022 \(nameless\)'\]"
    with pytest.raises(InputError, match=listed):
        read_cma_best_track(CMA)
    with pytest.raises(InputError, match="storm must be one of"):
        read_cma_best_track(CMA, storm="NOSUCH")
    with pytest.raises(InputError, match="storm must be one of"):
        read_cma_best_track(CMA, storm="0000")


def _write(tmp_path, text):
    path = tmp_path / "CH2026BST.txt"
    path.write_text(text)
    return path


HEADER = "66666 2699    2 0021 2699 0 6 PARKTEST                         20261124\n"


@pytest.mark.parametrize("line, column, value", [
    ("2026093100 1 150 1305 1000      15", "column 1 time YYYYMMDDHH", "2026093100"),
    ("2026090106 7 150 1305 1000      15", "column 2 intensity category I", "7"),
    ("2026090106 1 950 1305 1000      15", r"column 3 latitude LAT \(0.1 degree N\)", "950"),
    ("2026090106 1 150 13x5 1000      15", r"column 4 longitude LON \(0.1 degree E\)", "13x5"),
    ("2026090106 1 150 1305  100      15", r"column 5 pressure PRES \(hPa\)", "100"),
    ("2026090106 1 150 1305 1000     150", r"column 6 wind WND \(2-min mean, m/s\)", "150"),
])
def test_cma_bad_value_names_file_line_column_value_allowed(tmp_path, line, column, value):
    path = _write(tmp_path, HEADER + "2026090100 1 150 1305 1000      15\n" + line + "\n")
    with pytest.raises(InputError) as error:
        read_cma_best_track(path)
    message = str(error.value)
    assert f"{path} line 3" in message
    assert re.search(column, message)
    assert repr(value) in message and "must be" in message


def test_cma_header_count_and_structure(tmp_path):
    path = _write(tmp_path, HEADER + "2026090100 1 150 1305 1000      15\n")
    with pytest.raises(InputError, match=r"line 1: column 3 CCC \(number of data lines\) must be the number of data "
                                         r"lines that follow \(1\), got 2"):
        read_cma_best_track(path)
    path = _write(tmp_path, "2026090100 1 150 1305 1000      15\n")
    with pytest.raises(InputError, match="first record must be a '66666' header line"):
        read_cma_best_track(path)
    with pytest.raises(MissingInputError, match="file not found"):
        read_cma_best_track(tmp_path / "missing.txt")


def test_ibtracs_reader_on_constructed_sample():
    track = read_ibtracs_csv(IBTRACS)
    assert track.sizes["time"] == 4
    assert float(track.central_pressure[0]) == pytest.approx(100000.0)
    # Row 3 has blank WMO columns: pressure and wind fall back to USA_PRES / USA_WIND.
    assert float(track.central_pressure[2]) == pytest.approx(97800.0)
    assert float(track.max_wind_speed[2]) == pytest.approx(60 * 1852 / 3600)
    assert float(track.radius_of_maximum_wind[0]) == pytest.approx(40 * 1852.0)
    assert np.isnan(float(track.radius_of_maximum_wind[3]))
    assert track.attrs["storm_id"] == "2026244N15131"


def test_ibtracs_bad_value(tmp_path):
    text = IBTRACS.read_text().replace("15.8,129.2", "95.8,129.2")
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=r"bad.csv line 4: column LAT must be a number in \[-90, 90\] degree or "
                                         r"blank, got '95.8'"):
        read_ibtracs_csv(path)


def test_design_track_geometry():
    # Heading 315° (towards the north-west) at 5 m/s: 18 km per hour, landfall at t = 0.
    track = design_typhoon_track(121.8, 29.8, 315.0, 5.0, 92000.0, 30e3, 24, 12, 1.0,
                                 landfall_time="2026-09-01T06:00")
    assert track.sizes["time"] == 37
    landfall = track.sel(time=np.datetime64("2026-09-01T06:00", "ns"))
    assert float(landfall.latitude) == pytest.approx(29.8) and float(landfall.longitude) == pytest.approx(121.8)
    speed = np.hypot(track.translation_eastward, track.translation_northward)
    np.testing.assert_allclose(speed, 5.0, rtol=1e-3)
    assert np.all(track.translation_eastward < 0) and np.all(track.translation_northward > 0)
    # 24 h before landfall the centre is 432 km back along the track (great-circle distance on the sphere).
    start = track.isel(time=0)
    lat1, lon1, lat2, lon2 = map(math.radians, (float(start.latitude), float(start.longitude), 29.8, 121.8))
    distance = EARTH_RADIUS * math.acos(math.sin(lat1) * math.sin(lat2)
                                        + math.cos(lat1) * math.cos(lat2) * math.cos(lon2 - lon1))
    assert distance == pytest.approx(432e3, rel=1e-9)
    with pytest.raises(InputError, match="design typhoon: forward_speed must be > 0 m/s, got -1"):
        design_typhoon_track(121.8, 29.8, 315.0, -1, 92000.0, 30e3, 24, 12, 1.0)


def test_super_typhoon_landfall_20_km_south_of_the_park():
    # Planner's question: a super typhoon (Δp ≈ 88 hPa, R_max 25 km) moving north makes landfall 20 km south of the
    # park. At landfall the park sits 20 km north of the centre, inside R_max: strong westward wind (NH
    # counter-clockwise: north of the centre the flow is towards the west).
    park_lat, park_lon = 30.0, 121.5
    landfall_lat = park_lat - math.degrees(20e3 / EARTH_RADIUS)
    track = design_typhoon_track(park_lon, landfall_lat, 0.0, 6.0, 92000.0, 25e3, 12, 6, 1.0, max_wind_speed=55.0)
    landfall = track.sel(time=np.datetime64(track.attrs["landfall_time"].rstrip("Z"), "ns"))
    u, v, p = typhoon_wind_field(landfall, 0.0, 20e3)
    assert float(u) < -30.0 and abs(float(v)) < abs(float(u))
    assert 92000.0 < float(p) < 100830.0


def test_complete_cma_track_then_wind_field():
    raw = read_cma_best_track(CMA, storm="PARKTEST")
    with pytest.raises(InputError, match=r"averaging_period'\] must be 600 s \(convert first"):
        typhoon_wind_field(raw.isel(time=6), 0.0, 30e3)
    track = complete_track(raw)
    assert track.max_wind_speed.attrs["averaging_period"] == 600
    np.testing.assert_allclose(track.max_wind_speed, convert_to_10min_mean(raw.max_wind_speed.values, 120))
    assert "Willoughby et al. (2006) Eq. 7a" in track.radius_of_maximum_wind.attrs["source"]
    # Point 7: 58 m/s (2-min) -> 56.10 m/s (10-min); V_g = V_s / K(V_g) = 56.10 / 0.66 = 85.0 m/s; Eq. 7a at 20.8°N.
    vs = 58.0 * convert_to_10min_mean(1.0, 120)
    assert float(track.radius_of_maximum_wind[6]) == pytest.approx(rmax_willoughby_2006(vs / 0.66, 20.8), rel=1e-9)
    assert np.all((track.radius_of_maximum_wind > 5e3) & (track.radius_of_maximum_wind < 60e3))
    x = np.linspace(1.0, 200e3, 2001)
    u, v, _ = typhoon_wind_field(track.isel(time=6), x, np.zeros_like(x), use_coriolis=False, asymmetry_fraction=0)
    assert np.hypot(u, v).max() == pytest.approx(vs, rel=5e-3)  # B fitted to the track's 10-min wind
    with pytest.raises(InputError, match="averaging_period must be one of"):
        complete_track(read_ibtracs_csv(IBTRACS))  # agency dependent: the caller must say which
    assert complete_track(read_ibtracs_csv(IBTRACS), averaging_period=600).sizes["time"] == 4
