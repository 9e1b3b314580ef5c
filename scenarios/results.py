"""Read a finished run's results back: the NetCDF outputs as xarray datasets, the JSON outputs as dicts.

A run's folder is finished when its ``run.json`` exists (written last by every command, see
:func:`scenarios.common.results.write_manifest`); ``run.json`` lists the outputs, so nothing here guesses file names.
Runs nested in a run's folder — the triggered leak of a typhoon (``leak/``), the caps of an EIA run (``caps/``), the
flood of a forecast cycle — are read too, their keys prefixed with the sub-folder (``"leak/leak"``).
"""

from __future__ import annotations

import json
from pathlib import Path

import xarray as xr

from scenarios.common.results import read_manifest
from twin.errors import InputError, MissingInputError

__all__ = ["open_results", "read_json_results", "result_files"]

_MEMBER_FOLDERS = ("members",)  # ensemble member work files: not results a user reads


def result_files(out_dir: str | Path, suffix: str) -> dict[str, Path]:
    """The output files of the finished run in ``out_dir`` whose names end with ``suffix`` (``".nc"``, ``".json"``).

    Parameters
    ----------
    out_dir : str or Path
        The run's output folder (``RunResult.out_dir``, the ``--out`` of ``parktwin run``).
    suffix : str
        File-name ending to keep.

    Returns
    -------
    dict of str to Path
        Key: the file's path relative to ``out_dir`` without ``suffix`` (``"leak"``, ``"leak/impacts"``); value: the
        file. Nested finished runs (a sub-folder with its own ``run.json``, ensemble members excluded) are included.

    Raises
    ------
    MissingInputError
        ``out_dir`` holds no ``run.json`` (the run has not finished, or this is not a ParkTwin output folder), or a
        file ``run.json`` lists is gone.
    InputError
        ``run.json`` exists but cannot be read as a ParkTwin manifest.
    """
    root = Path(out_dir)
    listed = {root: _listed_outputs(root)}  # first: a folder that is no finished run fails before any search
    for path in sorted(root.rglob("run.json")):
        if path.parent != root and not any(part in _MEMBER_FOLDERS for part in path.relative_to(root).parts):
            listed[path.parent] = _listed_outputs(path.parent)
    found: dict[str, Path] = {}
    for folder, names in listed.items():
        manifest_path = folder / "run.json"
        for name in names:
            if not name.endswith(suffix):
                continue
            path = folder / name
            if not path.is_file():
                raise MissingInputError(f"{manifest_path}: lists output {name!r}, but {path} does not exist")
            found[path.relative_to(root).as_posix()[: -len(suffix)]] = path
    return found


def open_results(out_dir: str | Path, *, load: bool = False) -> dict[str, xr.Dataset]:
    """Every NetCDF output of the finished run in ``out_dir``, opened with xarray.

    Parameters
    ----------
    out_dir : str or Path
        The run's output folder.
    load : bool, default False
        False: open lazily (values are read when used; close the datasets, or use them in ``with``, when done).
        True: read everything into memory and close the files (mind an EIA run's ``hourly_fields``: GBs).

    Returns
    -------
    dict of str to xarray.Dataset
        Key: the file's path relative to ``out_dir`` without ``.nc`` — ``"plume"`` and ``"receptors"`` (plume),
        ``"leak"`` (leak), ``"flood"`` (typhoon; ``"leak/leak"`` for its triggered release), ``"eia"``,
        ``"eia_receptors"``, ``"transfer"`` (EIA), ``"<RISK SOURCE>/forecast"`` (a forecast cycle). Variables keep
        their CF ``units`` and ``long_name`` attributes.

    Raises
    ------
    MissingInputError
        No ``run.json`` in ``out_dir`` (the run has not finished), or a listed file is gone.
    InputError
        ``run.json`` is not a ParkTwin manifest.

    Examples
    --------
    >>> datasets = open_results("out/leak")                      # doctest: +SKIP
    >>> float(datasets["leak"]["max_mean_60min"].max())           # mg m-3   # doctest: +SKIP
    """
    datasets = {}
    for key, path in result_files(out_dir, ".nc").items():
        if load:
            with xr.open_dataset(path, engine="netcdf4") as dataset:
                datasets[key] = dataset.load()
        else:
            datasets[key] = xr.open_dataset(path, engine="netcdf4")
    return datasets


def read_json_results(out_dir: str | Path) -> dict[str, dict | list]:
    """Every JSON output of the finished run in ``out_dir`` (``impacts.json``, ``summary.json``, ``assets.json``, …).

    Keys as in :func:`open_results` (``"impacts"``, ``"leak/impacts"``); GeoJSON files (``.geojson``) are not
    included — read them with ``json`` or a GIS library. Raises as :func:`result_files`.
    """
    out = {}
    for key, path in result_files(out_dir, ".json").items():
        try:
            out[key] = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise InputError(f"{path}: must be JSON, got {error}") from error
    return out


def _listed_outputs(folder: Path) -> list[str]:
    """The file names ``folder/run.json`` lists: a dict role → name (scenario runs) or a list of relative paths
    (forecast cycles)."""
    manifest = read_manifest(folder)
    if manifest is None:
        if (folder / "run.json").exists():
            raise InputError(f"{folder / 'run.json'}: must be a ParkTwin run manifest (JSON), and is not")
        raise MissingInputError(f"{folder}: no run.json — the run has not finished, or this is not a ParkTwin "
                                f"output folder")
    outputs = manifest.get("outputs") if isinstance(manifest, dict) else None
    if isinstance(outputs, dict):
        return [str(name) for name in outputs.values()]
    if isinstance(outputs, list):
        return [str(name) for name in outputs]
    raise InputError.field(str(folder / "run.json"), "outputs", outputs,
                           "a mapping of output roles to file names, or a list of file paths")
