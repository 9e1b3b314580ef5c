"""Bad AERMET input (issue 12, "Bad input"): every damaged surface or profile file is refused with an InputError
that names the file, the line and the field; a missing hour (AERMET's missing codes) follows AERMOD's rule instead.

Each case is a copy of the first 48 hours of EPA's Anchorage 1999 files (the reference deck,
tests/data/aermod/anchorage-1999: 27 fields per SFC record, one 7 m level per PFL hour) with one fault written in.
The reader's fast column-wise path gives up on every one of them, so these also check that the line-by-line parser
finds what the fast path refused.
"""

import numpy as np
import pytest
import xarray as xr

import meteo._aermet_pfl as pfl_module
import meteo._aermet_sfc as sfc_module
from meteo import read_aermet
from tests.aermod_reference import REFERENCE
from twin.errors import InputError

HOURS = 48
SFC_LINES = (REFERENCE / "ANCH-99_ADJU.SFC").read_text().splitlines()[:HOURS + 1]  # header + 48 records
PFL_LINES = (REFERENCE / "ANCH-99_ADJU.PFL").read_text().splitlines()[:HOURS]
OFFSET = -9.0  # Alaska standard time


def _write(tmp_path, sfc_lines=SFC_LINES, pfl_lines=PFL_LINES):
    sfc, pfl = tmp_path / "ANCH.SFC", tmp_path / "ANCH.PFL"
    sfc.write_text("\n".join(sfc_lines) + "\n")
    pfl.write_text("\n".join(pfl_lines) + "\n")
    return sfc, pfl


def _field(line: str, k: int, value: str) -> str:
    """``line`` with its k-th field (1-based) replaced."""
    words = line.split()
    words[k - 1] = value
    return " ".join(words)


def _two_levels(lines):
    """Every PFL hour with a second level: its 7 m level (top flag 0) and a 9 m level that closes it."""
    out = []
    for line in lines:
        out += [_field(line, 6, "0"), _field(_field(line, 5, "9.0"), 6, "1")]
    return out


def _sfc(edit):
    lines = list(SFC_LINES)
    edit(lines)
    return lines


def _pfl(edit, lines=PFL_LINES):
    lines = list(lines)
    edit(lines)
    return lines


def _set(index, function):
    def edit(lines):
        lines[index] = function(lines[index])
    return edit


# (what, SFC lines, PFL lines, file named, line named, field named): SFC line n is SFC_LINES[n - 1], PFL line n is
# PFL_LINES[n - 1].
CASES = [
    ("header without VERSION", _sfc(_set(0, lambda h: h[:h.index("VERSION:")])), PFL_LINES,
     "ANCH.SFC", "line 1 (header)", "VERSION:"),
    ("no header line", SFC_LINES[1:], PFL_LINES, "ANCH.SFC", "line 1 (header)", "header"),
    ("latitude without N/S", _sfc(_set(0, lambda h: h.replace("61.217N", "61.217Q"))), PFL_LINES,
     "ANCH.SFC", "line 1, column 1", "latitude"),
    ("a second header of another AERMET version", _sfc(lambda r: r.insert(25, SFC_LINES[0].replace("24142", "19191"))),
     PFL_LINES, "ANCH.SFC", "line 26 (header record)", "VERSION:"),
    ("non-numeric u*", _sfc(_set(4, lambda r: _field(r, 7, "0.2x9"))), PFL_LINES,
     "ANCH.SFC", "line 5, column 7", "friction_velocity"),
    ("non-numeric relative humidity", _sfc(_set(6, lambda r: _field(r, 23, "8x3."))), PFL_LINES,
     "ANCH.SFC", "line 7, column 23", "relative_humidity"),
    ("a fractional hour", _sfc(_set(3, lambda r: _field(r, 5, "3.5"))), PFL_LINES,
     "ANCH.SFC", "line 4, column 5", "hour"),
    ("a truncated record", _sfc(_set(9, lambda r: " ".join(r.split()[:25]))), PFL_LINES,
     "ANCH.SFC", "line 10, column 26", "wind_data_flag"),
    ("two records joined", _sfc(lambda r: r.__setitem__(9, r[9] + " " + r.pop(10))), PFL_LINES,
     "ANCH.SFC", "line 10, column 28", "beyond substitution_flag"),
    ("a record under 20 fields", _sfc(_set(2, lambda r: " ".join(r.split()[:17]))), PFL_LINES,
     "ANCH.SFC", "line 3, column 18", "wind_reference_height"),
    ("an unknown wind-data flag", _sfc(_set(11, lambda r: _field(r, 26, "XYZ-SFC"))), PFL_LINES,
     "ANCH.SFC", "line 12, column 26", "wind_data_flag"),
    ("a surface hour twice", _sfc(lambda r: r.insert(5, r[4])), PFL_LINES,
     "ANCH.SFC", "line 6, columns 1-5", "date and hour"),
    ("a surface hour skipped", _sfc(lambda r: r.pop(5)), PFL_LINES,
     "ANCH.SFC", "line 6, columns 1-5", "date and hour"),
    ("two surface hours swapped", _sfc(lambda r: r.__setitem__(slice(5, 7), [r[6], r[5]])), PFL_LINES,
     "ANCH.SFC", "line 6, columns 1-5", "date and hour"),
    ("a profile hour missing", SFC_LINES, _pfl(lambda r: r.pop(9)),
     "ANCH.PFL", "line 10, columns 1-4", "date and hour"),
    ("a profile hour twice", SFC_LINES, _pfl(lambda r: r.insert(9, r[8])),
     "ANCH.PFL", "line 10, columns 1-4", "date and hour"),
    ("two profile hours swapped", SFC_LINES, _pfl(lambda r: r.__setitem__(slice(9, 11), [r[10], r[9]])),
     "ANCH.PFL", "line 10, columns 1-4", "date and hour"),
    ("a profile hour the surface file lacks", SFC_LINES, PFL_LINES + [
        (REFERENCE / "ANCH-99_ADJU.PFL").read_text().splitlines()[HOURS]], "ANCH.PFL", "line 49, columns 1-4",
     "date and hour"),
    ("a profile file that ends early", SFC_LINES, PFL_LINES[:-3], "ANCH.PFL", "line 46 (end of file)",
     "date and hour"),
    ("an unknown top flag", SFC_LINES, _pfl(_set(14, lambda r: _field(r, 6, "2"))),
     "ANCH.PFL", "line 15, column 6", "top_flag"),
    ("a missing top level", SFC_LINES, _pfl(lambda r: r.pop(7), _two_levels(PFL_LINES)),
     "ANCH.PFL", "line 8, columns 1-4", "date and hour"),
    ("a level repeated", SFC_LINES, _pfl(lambda r: r.insert(7, r[6]), _two_levels(PFL_LINES)),
     "ANCH.PFL", "line 8, column 5", "height"),
    ("a level of 10 fields", SFC_LINES, _pfl(_set(20, lambda r: " ".join(r.split()[:10]))),
     "ANCH.PFL", "line 21, column 11", "sigma_w"),
    ("a level of 12 fields", SFC_LINES, _pfl(_set(20, lambda r: r + " 99.00")),
     "ANCH.PFL", "line 21, column 12", "beyond sigma_w"),
    ("a non-numeric temperature", SFC_LINES, _pfl(_set(30, lambda r: _field(r, 9, "-1O.60"))),
     "ANCH.PFL", "line 31, column 9", "temperature"),
    # unit slips AERMOD would run with (12.5 K) or drop without a word (a profile level in kelvin)
    ("a surface temperature in degrees Celsius", _sfc(_set(7, lambda r: _field(r, 19, "12.5"))), PFL_LINES,
     "ANCH.SFC", "line 8, column 19", "in degrees Celsius?"),
    ("a profile temperature in kelvin", SFC_LINES, _pfl(_set(12, lambda r: _field(r, 9, "263.15"))),
     "ANCH.PFL", "the profile of 1999-01-01 hour 13 (surface-file line 14), level 7 m, column 9", "in kelvin?"),
]


@pytest.mark.parametrize(("sfc_lines", "pfl_lines", "file", "line", "field"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_bad_input_names_file_line_and_field(tmp_path, sfc_lines, pfl_lines, file, line, field):
    sfc, pfl = _write(tmp_path, sfc_lines, pfl_lines)
    with pytest.raises(InputError) as caught:
        read_aermet(sfc, pfl, utc_offset_hours=OFFSET, fill_missing=True)
    message = str(caught.value)
    assert f"{file}'" in message and f": {line}" in message and field in message, message
    assert " must be " in message and ", got " in message, message  # what is allowed, and the value
    assert caught.value.exit_code == 65


def test_messages_say_what_is_wrong(tmp_path):
    """The wording of a few messages in full: the value received and what is allowed."""
    def message(sfc_lines=SFC_LINES, pfl_lines=PFL_LINES):
        with pytest.raises(InputError) as caught:
            read_aermet(*_write(tmp_path, sfc_lines, pfl_lines), utc_offset_hours=OFFSET, fill_missing=True)
        return str(caught.value)

    assert "line 6, columns 1-5 (date and hour) must be 1999-01-01 hour 5, the hour after line 5's" in message(
        _sfc(lambda r: r.insert(5, r[4])))
    assert "got '1999-01-01 hour 4 a second time (first at line 5)'" in message(_sfc(lambda r: r.insert(5, r[4])))
    text = message(pfl_lines=_pfl(lambda r: r.insert(9, r[8])))
    assert "must be 1999-01-01 hour 10, the hour of surface-file line 11" in text
    assert "got '1999-01-01 hour 9 a second time (its profile began at line 9)'" in text
    assert "column 26 (wind_data_flag) must be the wind-data flag: NAD or ADJ" in message(
        _sfc(_set(11, lambda r: _field(r, 26, "XYZ-SFC"))))
    assert "got 'XYZ-SFC'" in message(_sfc(_set(11, lambda r: _field(r, 26, "XYZ-SFC"))))
    assert "column 6 (top_flag) must be 0 (a level below the top) or 1" in message(
        pfl_lines=_pfl(_set(14, lambda r: _field(r, 6, "2"))))


def test_missing_hour_follows_aermods_rule_not_an_error(tmp_path):
    """AERMET's missing codes (wind speed 999, L -99999, …; AERMOD METEXT CHKMSG) make an hour missing: under
    AERMOD's hour rules (``fill_missing=True``, what ``hour_rules='aermod'`` passes) it is flagged and counted, not
    refused; the profile file's missing codes in that hour (999 / 99) are fine too."""
    def missing(record):
        for k, value in ((16, "999.00"), (17, "999.0"), (12, "-99999.0")):
            record = _field(record, k, value)
        return record

    clean = read_aermet(*_write(tmp_path), utc_offset_hours=OFFSET, fill_missing=True)
    sfc_lines = _sfc(_set(3, missing))  # line 4: 1999-01-01 hour 3, complete in EPA's file
    pfl_lines = _pfl(_set(2, lambda r: _field(_field(r, 8, "999.00"), 7, "999.0")))
    met = read_aermet(*_write(tmp_path, sfc_lines, pfl_lines), utc_offset_hours=OFFSET, fill_missing=True)
    assert met.sizes["time"] == HOURS
    assert clean["aermet_hour_flag"].values[2] == 0 and met["aermet_hour_flag"].values[2] == 2
    assert met.attrs["aermet_filled_missing_hours"] == clean.attrs["aermet_filled_missing_hours"] + 1 == 6
    with pytest.raises(InputError, match=r"ANCH\.SFC'.*6 of 48 hours missing: line 4 \(1999-01-01 hour 3: "
                                         r"wind_speed = 999\)"):
        read_aermet(*_write(tmp_path, sfc_lines, pfl_lines), utc_offset_hours=OFFSET)


@pytest.mark.parametrize("code", ["99.00", "-99.00", "999.0", "-999.0"])
def test_every_missing_code_of_a_profile_temperature_is_missing_not_refused(tmp_path, code):
    """AERMOD PFLCNV takes any profile temperature outside (−90, 90) °C as missing; AERMET writes ±99 and ±999
    (EPA's AERMET2.PFL of the AERMOD test cases has −99.00 at its 50 m level), and each is read as a missing level
    of an hour that is not missing — while 263.15 (kelvin in the °C column) is still refused above."""
    pfl_lines = _pfl(_set(2, lambda r: _field(r, 9, code)), _two_levels(PFL_LINES))  # hour 2's 7 m level
    met = read_aermet(*_write(tmp_path, SFC_LINES, pfl_lines), utc_offset_hours=OFFSET, fill_missing=True)
    assert np.isnan(met["profile_air_temperature"].values[1, 0])
    assert np.isfinite(met["profile_air_temperature"].values[1, 1]) and met["aermet_hour_flag"].values[1] == 0


def test_fast_path_and_fallback_give_the_same_dataset(monkeypatch, tmp_path):
    """On a clean copy: the fast column-wise parsers and the line-by-line fallback give identical datasets — forced
    by disabling the fast path, and reached naturally through a comma-separated copy (AERMOD's list-directed READ
    takes commas; the fast path does not)."""
    plain = read_aermet(*_write(tmp_path), utc_offset_hours=OFFSET, fill_missing=True)
    calls = []
    monkeypatch.setattr(sfc_module, "fast_table", lambda *args: calls.append(args))
    monkeypatch.setattr(pfl_module, "fast_table", lambda *args: calls.append(args))
    forced = read_aermet(*_write(tmp_path), utc_offset_hours=OFFSET, fill_missing=True)
    assert len(calls) == 2
    monkeypatch.undo()
    xr.testing.assert_identical(plain, forced)

    commas = tmp_path / "commas"
    commas.mkdir()
    sfc_lines = SFC_LINES[:1] + [",".join(line.split()) for line in SFC_LINES[1:]]
    pfl_lines = [", ".join(line.split()) for line in PFL_LINES]
    assert sfc_module.fast_table(sfc_lines[1:], 2, 20, 25) is None
    via_fallback = read_aermet(*_write(commas, sfc_lines, pfl_lines), utc_offset_hours=OFFSET, fill_missing=True)
    xr.testing.assert_identical(plain, via_fallback)
    assert plain.sizes["time"] == HOURS and plain.attrs["aermet_profile_wind_hours"] > 0


def test_a_clean_year_takes_the_fast_path(monkeypatch):
    """EPA's whole Anchorage 1999 deck never reaches the line-by-line parsers (the fast path is what keeps a year
    at about 0.1 s CPU): a check added to one path and not the other would send every clean file down the slow one."""
    def refuse(*args):
        raise AssertionError("the line-by-line parser ran on a clean file")

    monkeypatch.setattr(sfc_module, "_slow_sfc", refuse)
    monkeypatch.setattr(pfl_module, "_slow_pfl", refuse)
    met = read_aermet(REFERENCE / "ANCH-99_ADJU.SFC", REFERENCE / "ANCH-99_ADJU.PFL", utc_offset_hours=OFFSET,
                      fill_missing=True)
    assert met.sizes["time"] == 8760
