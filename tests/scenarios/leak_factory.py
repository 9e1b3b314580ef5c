"""Stand-ins for the leak source-term tests: a scenario holding only a ``source_term``, a tank and a pipe risk source,
HJ 169-2018 §9 worst-case weather, and the numbers a sentence states (to compare the English and Chinese wording)."""

from __future__ import annotations

def source_scenario(**source_term):
    from types import SimpleNamespace

    from scenarios.leak.spec import SourceTermSpec

    return SimpleNamespace(source_term=SourceTermSpec(**source_term), duration_limit=1800.0, sampling_step=60.0)


def tank_source(**values):
    from types import SimpleNamespace

    return SimpleNamespace(**({"id": "T-1", "kind": "tank", "diameter": 4.0, "bund_area": None} | values))


def pipe_source(**values):
    from types import SimpleNamespace

    # P-CL01 of the demo park: a liquid-chlorine line, DN100 (0.1 m inner), 7.8 bar (a), 25 °C, 400 kg isolable
    return SimpleNamespace(**({"id": "P-CL01", "kind": "pipe", "diameter": 0.1, "bund_area": None,
                               "inventory": 400.0, "pressure": 7.8e5, "temperature": 298.15} | values))


WORST = {"ambient_pressure": 101325.0, "air_temperature": 298.15, "wind_speed": 1.5, "stability": 5}


def stated_numbers(text: str) -> set[str]:
    """The numbers a sentence states, as written (same rounding): '3.43', '169', '0.190', '1.752e+04'."""
    import re

    text = text.replace("mg/m3", "mg/m³")  # the same unit: the Chinese plan writes the superscript
    return set(re.findall(r"\d+(?:\.\d+)?(?:e[+-]\d+)?", text))
