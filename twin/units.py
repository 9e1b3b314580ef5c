"""Physical quantities at the input boundary: numbers with units, converted to SI, and the checks that catch a slip.

A value in ``park.yaml`` or a scenario may be a bare number, taken in the field's SI unit (the unit in brackets in
its description), or a string with its unit: ``'25 degC'``, ``'1.0 MPa'``, ``'50 °C'``, ``'36 km/h'``, ``'800 mm'``.
Units are read with pint (its default registry, SI and the customary units) and converted once, here; inside, every
value is SI. A NetCDF variable's ``units`` attribute (UDUNITS syntax: ``m s-1``, ``kg m-2 s-1``, ``%``) goes through
the same conversion (:func:`to_si`).

Every quantity field also has a *plausible range* for the thing it describes (a storage temperature, a stack's exit
velocity …). A value outside it is refused with the range and, when the same number in a usual wrong unit would be
plausible, that unit named: a bare ``temperature: 25`` is 25 K, so the error says "did you mean '25 degC'?". The
ranges are deliberately wide — they catch slips of a factor 10³ or an offset of 273 K, not unusual plants — and each
field states its range in its JSON Schema (``x-plausible``) and its description.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from pydantic import BeforeValidator, WithJsonSchema

__all__ = ["Plausible", "quantity", "described", "parse_quantity", "to_si", "UnitError"]

# '25 degC', '-3.5e2 Pa', '1,000 kg' is refused (a thousands separator is ambiguous); the unit is the rest.
_NUMBER_AND_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")
# UDUNITS writes powers as a signed integer after the unit ('m s-1', 'kg m-2 s-1', 'm2'); pint wants '**'.
_UDUNITS_POWER = re.compile(r"(?<=[A-Za-z])(-?\d+)(?![\d.])")
# Spellings of "dimensionless fraction" used by forecast centres (ERA5 writes '(0 - 1)', WRF '' or '1').
_FRACTION = {"", "1", "(0 - 1)", "0-1", "fraction", "dimensionless"}


class UnitError(ValueError):
    """A unit string that pint does not know, or one of the wrong dimension for the quantity."""


@functools.cache
def _registry():
    """pint's default unit registry, built on first use (about 0.2 s) so a run without units never pays for it."""
    import pint

    registry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    registry.formatter.default_format = "~"
    return registry


def _pint_unit(text: str):
    """A pint unit from a UDUNITS or pint spelling; UnitError if unknown."""

    spelled = "1" if text.strip() in _FRACTION else _UDUNITS_POWER.sub(r"**\1", text.strip()).replace("°C", "degC")
    spelled = re.sub(r"(?<=\w)\s+(?=[A-Za-z])", " * ", spelled)  # 'kg m**-2' -> 'kg * m**-2'
    try:
        return _registry().Unit(spelled)
    except Exception as error:  # noqa: BLE001 - pint's parser of user text raises PintError, but also KeyError
        # ('400.A0'), tokenize.TokenError ('m (' ), TypeError, AssertionError...: any of them means "not a unit"
        raise UnitError(f"unknown unit {text!r} ({error})") from None


def _convert(values, unit_text: str, si_unit: str):
    """``values`` [unit_text] in ``si_unit``; UnitError for an unknown unit or one of another dimension."""
    import pint

    source = _pint_unit(unit_text)
    target = _pint_unit(si_unit)
    if source.dimensionality != target.dimensionality:
        raise UnitError(f"{unit_text!r} is not a unit of {si_unit} (its dimension is {source.dimensionality}, "
                        f"{si_unit}'s is {target.dimensionality})")
    try:
        return _registry().Quantity(values, source).to(target).magnitude
    except pint.errors.PintError as error:
        raise UnitError(f"cannot convert {unit_text!r} to {si_unit}: {error}") from None


def parse_quantity(value: Any, si_unit: str) -> float:
    """A YAML value as a float in ``si_unit``: a bare number is already in it, a string '<number> <unit>' converts.

    Parameters
    ----------
    value : int, float or str
        e.g. ``298.15``, ``'25 degC'``, ``'1.2 MPa'``.
    si_unit : str
        The field's unit, in pint or UDUNITS spelling (``'K'``, ``'Pa'``, ``'m s-1'``).

    Raises
    ------
    ValueError
        The string is not a number followed by a known unit of the right dimension (pydantic turns it into one
        line that names the file and the field).
    """
    if isinstance(value, bool):
        raise ValueError(f"a number in {si_unit} or a string with its unit (e.g. '25 degC'), got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"a number in {si_unit} or a string with its unit, got {type(value).__name__} {value!r:.80}")
    match = _NUMBER_AND_UNIT.match(value)
    if match is None:
        raise ValueError(f"a number in {si_unit}, or a number and a unit such as '25 degC' or '1.0 MPa', "
                         f"got {value!r:.80}")
    number, unit = float(match.group(1)), match.group(2)
    if not unit:
        return number
    try:
        return float(_convert(number, unit, si_unit))
    except UnitError as error:
        raise ValueError(f"{error}; got {value!r:.80}") from None


def to_si(values: np.ndarray, unit_text: str | None, si_unit: str) -> np.ndarray:
    """An array in the unit its file states (``unit_text``, UDUNITS or pint spelling) converted to ``si_unit``.

    Raises UnitError when the unit is missing (None), unknown, or of another dimension.
    """
    if unit_text is None:
        raise UnitError(f"no 'units' attribute (expected a unit of {si_unit})")
    return np.asarray(_convert(np.asarray(values, dtype=np.float64), str(unit_text), si_unit), dtype=np.float64)


@dataclass(frozen=True)
class Plausible:
    """The range a quantity's value must fall in, and the wrong units a number outside it was probably meant in.

    low, high : the range, in the field's SI unit; ``low_open`` excludes ``low`` itself (for "> 0" quantities)
    what : the quantity in words, for the message (e.g. 'storage temperature')
    slips : units a user may have meant (e.g. ``('degC',)`` for a temperature in K)
    example : a value with its unit for the messages (default: 1 of the first slip unit, or of the SI unit)
    """

    si_unit: str
    low: float
    high: float
    what: str
    slips: tuple[str, ...] = ()
    low_open: bool = False
    example: str = ""

    def check(self, value: float) -> float:
        """``value`` if it lies in the range; else ValueError naming the range and the probable slip."""
        inside = (value > self.low if self.low_open else value >= self.low) and value <= self.high
        if math.isfinite(value) and inside:
            return value
        bound = ">" if self.low_open else "≥"
        message = (f"a plausible {self.what} ({bound} {self.low:g} and ≤ {self.high:g} {self.si_unit}; bare numbers "
                   f"are in {self.si_unit}, or write the unit, e.g. '{self._example()}'), got {value:g} "
                   f"{self.si_unit}")
        meant = [unit for unit in self.slips if self._plausible_in(value, unit)]
        if meant:
            message += " — did you mean " + " or ".join(f"'{value:g} {unit}'" for unit in meant) + "?"
        raise ValueError(message)

    def _plausible_in(self, value: float, unit: str) -> bool:
        if not math.isfinite(value):
            return False
        converted = float(_convert(value, unit, self.si_unit))
        return (converted > self.low if self.low_open else converted >= self.low) and converted <= self.high

    def _example(self) -> str:
        return self.example or (f"1 {self.slips[0]}" if self.slips else f"1 {self.si_unit}")


def quantity(plausible: Plausible):
    """The pydantic type of a physical-quantity field: a number in ``plausible.si_unit`` or a string with its unit,
    converted and checked against the plausible range. Give the field its text with :func:`described`."""

    def _parse(value):
        return plausible.check(parse_quantity(value, plausible.si_unit))

    schema = {"anyOf": [{"type": "number"}, {"type": "string", "pattern": _NUMBER_AND_UNIT.pattern}],
              "x-unit": plausible.si_unit, "x-plausible": [plausible.low, plausible.high]}
    return Annotated[float, BeforeValidator(_parse), WithJsonSchema(schema)]


def described(plausible: Plausible, description: str) -> str:
    """``description`` (ending with the unit in brackets) followed by how to write the value and its range."""
    bound = ">" if plausible.low_open else "≥"
    return (f"{description} A number in {plausible.si_unit} or a string with a unit (e.g. "
            f"'{plausible._example()}'); plausible: {bound} {plausible.low:g} and ≤ {plausible.high:g} "
            f"{plausible.si_unit}.")
