# %% [markdown]
# # How far do the toxic endpoints reach for three hole sizes?
#
# The demo's chlorine leak (`leak.yaml`: the outlet of liquid-chlorine tank T-CL01 breaks at 02:00 in the HJ 169-2018
# worst-case weather) run for three hole diameters, each into its own folder, on a coarse grid so the whole script
# takes well under a minute. The results are read back with xarray (`leak.nc`) and from `impacts.json`.
#
# Run it as a script (`python examples/leak_hole_sizes.py`) or cell by cell in an editor that understands `# %%`
# (VS Code, Spyder, Jupytext). Outputs go to a fresh temporary folder, or to `$PARKTWIN_EXAMPLES_OUT` when set.
# The API used here is documented in `docs/api.md`; the leak scenario's fields in `docs/scenarios/leak.md`.

# %%
import os
import tempfile
from pathlib import Path

import yaml

import scenarios as pt

HOLE_DIAMETERS_M = (0.005, 0.010, 0.020)  # DN5, DN10, DN20 equivalent holes [m]

work = Path(os.environ.get("PARKTWIN_EXAMPLES_OUT") or tempfile.mkdtemp(prefix="parktwin-example-"))
print(f"working in {work}")

# %% [markdown]
# ## The demo park and its leak scenario
#
# `write_demo` writes the park bundle (`park/park.yaml`, `dem.tif`, `buildings.geojson`, `weather.csv`) and the demo's
# scenario files without running them. The leak scenario's `park:` path is relative, so every run below passes
# `base_dir=work`: the folder relative paths start from.

# %%
files = pt.write_demo(work)
park = pt.load_park(files["park"])
print(f"park: {park.spec.name_en}, {len(park.risk_sources)} risk sources, {len(park.receptors)} receptors")

base = yaml.safe_load(files["leak"].read_text(encoding="utf-8"))  # the demo leak as a dict
base["grid"] = {"size": [12000, 12000], "spacing": 300}  # coarse: 41 x 41 receptors (zones use a finer transect)
base["simulation_hours"] = 1.5  # follow the cloud 90 minutes (the release is isolated after 30)
base["language"] = "en"

# %% [markdown]
# ## One run per hole size
#
# Each variant is validated by `scenario_from_dict` (a misspelt key or a value out of range is an `InputError` that
# names the field) and run into its own folder.

# %%
runs = {}
for diameter in HOLE_DIAMETERS_M:
    data = {**base, "name": f"chlorine-leak-hole-{diameter * 1000:g}mm",
            "source_term": {**base["source_term"], "hole_diameter": diameter}}
    scenario = pt.scenario_from_dict(data, where=f"hole {diameter} m")
    runs[diameter] = pt.run_scenario(scenario, base_dir=work, out_dir=work / f"hole_{diameter * 1000:g}mm")

# %% [markdown]
# ## Read the results
#
# `open_results` opens every NetCDF output a finished run lists in its `run.json` (here `leak.nc`);
# `read_json_results` reads its JSON outputs (here `impacts.json`, with the threat zones).

# %%
rows = []
for diameter, result in runs.items():
    datasets = pt.open_results(result.out_dir, load=True)
    leak = datasets["leak"]
    impacts = pt.read_json_results(result.out_dir)["impacts"]
    zones = {zone["name"]: zone for zone in impacts["zones"]}
    rows.append({
        "hole_mm": diameter * 1000.0,
        "peak_rate_kg_s": float(leak["airborne_release_rate"].max()),  # kg s-1
        "released_kg": impacts["released_kg"],
        "max_60min_mg_m3": float(leak["max_mean_60min"].max()),  # mg m-3, on the grid
        "endpoint1_m": zones["HJ 169 endpoint-1"]["farthest_m"],
        "endpoint2_m": zones["HJ 169 endpoint-2"]["farthest_m"],
    })

# %% [markdown]
# ## The table
#
# Farthest distance from the source of the HJ 169-2018 endpoint-1 and endpoint-2 zones (60-min means); under the
# constant preset weather a zone is cut at 10 km (`docs/scenarios/leak.md`, validity).

# %%
print()
print(f"{'hole [mm]':>9} {'peak rate [kg/s]':>16} {'released [kg]':>13} {'max 60-min [mg/m3]':>18} "
      f"{'endpoint-1 [m]':>14} {'endpoint-2 [m]':>14}")
for row in rows:
    print(f"{row['hole_mm']:>9g} {row['peak_rate_kg_s']:>16.3f} {row['released_kg']:>13.1f} "
          f"{row['max_60min_mg_m3']:>18.1f} {row['endpoint1_m']:>14d} {row['endpoint2_m']:>14d}")
