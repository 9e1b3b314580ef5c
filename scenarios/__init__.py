"""ParkTwin layer 5: scenario files, runs, outputs and the ``parktwin`` CLI (see DESIGN.md).

Kept light on purpose (``parktwin --help`` must answer at once): import the submodules you need —
``scenarios.spec`` (load_scenario), ``scenarios.run`` (run_scenario_file), ``scenarios.demo`` (run_demo).
"""

__all__: list[str] = []
