"""``parktwin evaluate``: observed against predicted at the monitors — measures, bootstrap intervals, model A vs B,
Q–Q and scatter plots, a CSV and a JSON table, and run.json last.

    parktwin evaluate --observed OBS --predicted PRED.nc [--predicted-b PRED2.nc] --out DIR
                      [--park park.yaml] [--threshold 1.0] [--block-hours 24] [--resamples 1000] [--seed N]

``OBS``: station CSV files, a folder of them, or a CF NetCDF (``twin.observations_io``); ``PRED.nc``: a model run's
station series (e.g. ``receptors.nc`` of a plume run with receptors at the monitors), see
``scenarios.evaluation.pairing``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from scenarios.evaluation.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, block_ids, bootstrap_measures, \
    compare_models
from scenarios.common.ledger import record_folder
from scenarios.evaluation.pairing import pair_series, read_predicted
from scenarios.evaluation.statistics import ACCEPTANCE, MEASURES, within_acceptance
from twin.atomic import write_text_atomic
from twin.errors import InputError
from twin.inputs import command_line, inputs_read, sha256_file
from twin.io import load_park
from twin.observations_io import read_observations
from twin.store import parktwin_version
from viz.evaluation_plots import write_qq_plot, write_scatter_plot

__all__ = ["EvaluationOptions", "evaluate_files", "evaluation_table"]

_UG = 1.0e9  # kg m-3 -> µg m-3 for the tables and plots (the unit of GB 3095-2012)


@dataclass(frozen=True)
class EvaluationOptions:
    """threshold: BOOT's lower threshold for MG, VG, FAC2 [kg m-3] (default 1 µg/m³, ParkTwin's choice: set it to
    your analysers' detection limit); block_hours: bootstrap block length [h]; resamples, seed: the bootstrap's;
    max_distance: how far a predicted station may lie from a monitor it stands for [m]."""

    threshold: float = 1.0e-9
    block_hours: int = 24
    resamples: int = DEFAULT_RESAMPLES
    seed: int = DEFAULT_SEED
    max_distance: float = 50.0
    substances: tuple[str, ...] = field(default_factory=tuple)


def evaluation_table(observed, predicted, blocks, options: EvaluationOptions, predicted_b=None) -> dict:
    """Measures with 95 % intervals, acceptance, and (with ``predicted_b``) model B and the A − B differences."""
    kwargs = dict(threshold=options.threshold, resamples=options.resamples, seed=options.seed)
    model_a = bootstrap_measures(observed, predicted, blocks, **kwargs)
    table = {"n_pairs": int(len(observed)), "n_blocks": int(np.unique(blocks).size), "model_a": model_a,
             "acceptance_a": within_acceptance({k: v["value"] for k, v in model_a.items()})}
    if predicted_b is not None:
        model_b = bootstrap_measures(observed, predicted_b, blocks, **kwargs)
        table["model_b"] = model_b
        table["acceptance_b"] = within_acceptance({k: v["value"] for k, v in model_b.items()})
        table["difference_a_minus_b"] = compare_models(observed, predicted, predicted_b, blocks, **kwargs)
    return table


def evaluate_files(observed, predicted: Path, out_dir: Path, *, predicted_b: Path | None = None,
                   park: Path | None = None, options: EvaluationOptions = EvaluationOptions()) -> dict:
    """Evaluate and write every output into ``out_dir``; return the JSON summary."""
    observations = read_observations(observed, load_park(park) if park is not None else None)
    model_a = read_predicted(predicted)
    model_b = read_predicted(predicted_b) if predicted_b is not None else None
    common = [k for k in map(str, observations.data_vars) if k in model_a
              and (model_b is None or k in model_b)]
    substances = list(options.substances) or common
    if not substances:
        raise InputError.field("evaluate", "substances", [], f"a substance both observed "
                               f"({', '.join(map(str, observations.data_vars))}) and predicted "
                               f"({', '.join(map(str, model_a.data_vars))})")
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = {"software": {"parktwin": parktwin_version()}, "threshold_ug_m3": options.threshold * _UG,
               "block_hours": options.block_hours, "resamples": options.resamples, "seed": options.seed,
               "interval": "95 % bootstrap percentile interval over resampled blocks",
               "acceptance_ranges_chang_hanna_2004": {k: list(v) for k, v in ACCEPTANCE.items()},
               "substances": {}}
    outputs = {}
    for key in substances:
        pairs = pair_series(observations, model_a, key, max_distance=options.max_distance)
        b_values = None
        if model_b is not None:
            pairs_b = pair_series(observations, model_b, key, max_distance=options.max_distance)
            if not (np.array_equal(pairs_b.observed, pairs.observed) and np.array_equal(pairs_b.station,
                                                                                            pairs.station)):
                raise InputError.field("evaluate", f"--predicted-b pairs of {key!r}", pairs_b.observed.size,
                                       f"the same monitor hours as --predicted ({pairs.observed.size})")
            b_values = pairs_b.predicted
        blocks = block_ids(pairs.station, pairs.hour, options.block_hours)
        entry = evaluation_table(pairs.observed, pairs.predicted, blocks, options, b_values)
        entry["stations"] = sorted({pairs.station_ids[s] for s in np.unique(pairs.station)})
        summary["substances"][key] = entry
        title = f"{key}: {pairs.observed.size} monitor-hours"
        for name, writer in (("scatter", write_scatter_plot), ("qq", write_qq_plot)):
            outputs[f"{name}_{key}"] = writer(
                out_dir / f"{name}_{key}.png", pairs.observed * _UG, pairs.predicted * _UG,
                threshold=options.threshold * _UG, title=title,
                predicted_b=None if b_values is None else b_values * _UG,
                labels=(Path(predicted).name, Path(predicted_b).name if predicted_b else ""))
    outputs["csv"] = write_text_atomic(out_dir / "evaluation.csv", _csv(summary))
    outputs["json"] = write_text_atomic(out_dir / "evaluation.json",
                                        json.dumps(_no_nan(summary), indent=2, ensure_ascii=False, allow_nan=False))
    manifest = {"command": "evaluate", "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "software": {"parktwin": parktwin_version()}, "command_line": command_line(),
                "inputs_sha256": inputs_read(), "outputs": {k: Path(v).name for k, v in sorted(outputs.items())}}
    write_text_atomic(out_dir / "run.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    named = [Path(p) for p in (predicted, predicted_b, park) if p is not None and Path(p).is_file()]
    record_folder("evaluate", out_dir, name="evaluate",  # the ledger (docs/ledger.md): inputs and outputs' digests
                  inputs={**inputs_read(), **{str(p.resolve()): sha256_file(p) for p in named}},
                  details={"substances": substances})
    return summary


def _no_nan(value):
    """The summary with NaN (an undefined measure, e.g. r of a constant series) as JSON null: strict JSON."""
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_nan(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _csv(summary: dict) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["substance", "model", "measure", "value", "ci95_low", "ci95_high", "accepted_chang_hanna_2004",
                     "significant", "n_pairs"])
    for key, entry in summary["substances"].items():
        for model, table_key, accept_key in (("A", "model_a", "acceptance_a"), ("B", "model_b", "acceptance_b"),
                                             ("A-B", "difference_a_minus_b", None)):
            if table_key not in entry:
                continue
            for name in MEASURES:
                row = entry[table_key][name]
                accepted = "" if accept_key is None or entry[accept_key][name] is None else entry[accept_key][name]
                writer.writerow([key, model, name, f"{row['value']:.6g}", f"{row['low']:.6g}", f"{row['high']:.6g}",
                                 accepted, row.get("significant", ""), entry["n_pairs"]])
    return buffer.getvalue()
