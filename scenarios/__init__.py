"""ParkTwin layer 5: scenario files, runs, outputs and the ``parktwin`` CLI (see docs/architecture.md) — and the Python API.

The functions a user calls, from a script or a notebook (``docs/api.md`` documents each one)::

    import scenarios as pt
    files = pt.write_demo("demo")                         # the demo park bundle and its scenario files
    park = pt.load_park(files["park"])                   # a checked park bundle
    leak = pt.load_scenario(files["leak"])               # or pt.scenario_from_dict({...})
    result = pt.run_scenario(leak, base_dir="demo", out_dir="out/leak")
    datasets = pt.open_results(result.out_dir)           # {"leak": xarray.Dataset}

They are imported on first use (PEP 562 ``__getattr__``): ``import scenarios`` stays light, so ``parktwin --help``
answers at once; the heavy libraries (Numba, xarray, matplotlib) load when a function that needs them is first
touched.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the lazy names are, for editors and type checkers
    from scenarios.demo import run_demo, write_demo
    from scenarios.common.ledger import verify_ledger
    from scenarios.forecast.run import run_forecast
    from scenarios.registry import KINDS
    from scenarios.results import open_results, read_json_results
    from scenarios.run import RunResult, run_scenario, run_scenario_file
    from scenarios.spec import load_scenario, scenario_from_dict, scenario_json_schema
    from scenarios.watch.run import watch_once
    from twin.errors import (
        InputError,
        MeteoCoverageError,
        MissingInputError,
        NumericalStabilityError,
        OutputError,
        ParkTwinError,
    )
    from twin.io import load_park

# public name -> module that defines it
_EXPORTS = {
    "load_park": "twin.io",
    "write_demo": "scenarios.demo",
    "run_demo": "scenarios.demo",
    "load_scenario": "scenarios.spec",
    "scenario_from_dict": "scenarios.spec",
    "scenario_json_schema": "scenarios.spec",
    "KINDS": "scenarios.registry",
    "run_scenario": "scenarios.run",
    "run_scenario_file": "scenarios.run",
    "RunResult": "scenarios.run",
    "open_results": "scenarios.results",
    "read_json_results": "scenarios.results",
    "run_forecast": "scenarios.forecast.run",
    "watch_once": "scenarios.watch.run",
    "verify_ledger": "scenarios.common.ledger",
    "ParkTwinError": "twin.errors",
    "InputError": "twin.errors",
    "MissingInputError": "twin.errors",
    "OutputError": "twin.errors",
    "MeteoCoverageError": "twin.errors",
    "NumericalStabilityError": "twin.errors",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import a public name on first use and keep it as a module attribute."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'scenarios' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
