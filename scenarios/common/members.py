"""Ensemble members as files: where each member's work file lives, how it proves it finished, and running members on
Dask (local threads or a ``dask.distributed`` cluster) — shared by the plume, leak and forecast ensembles.

Members write their own files atomically and return paths (docs/architecture.md); a re-run skips members whose finished file
carries the member's digest (the scenario hash + the member index), so a killed batch resumes and duplicates nothing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import hashlib
import json
import logging
import os
import zipfile
from pathlib import Path

import dask
import numpy as np

from twin.errors import InputError, SchedulerUnavailableError

__all__ = ["member_path", "member_finished", "member_digest", "member_config", "worker_context", "compute_members",
           "cluster_client"]

log = logging.getLogger("parktwin")


def member_path(out_dir: Path, index: int, suffix: str = ".npz") -> Path:
    """Work file of member ``index`` (``.npz`` for plume members; the leak ensemble keeps ``.nc``)."""
    return Path(out_dir) / "members" / f"member_{index:04d}{suffix}"


def member_finished(path: Path, digest: str) -> bool:
    """True if ``path`` is a complete member file carrying ``digest`` (a truncated or foreign file is not)."""
    if not path.is_file():
        return False
    try:
        with np.load(path, allow_pickle=False) as data:
            return str(data["digest"]) == digest
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return False


def member_digest(scenario_sha256: str, index: int) -> str:
    """SHA-256 of the member's configuration (scenario hash + member index): what its file must carry."""
    return hashlib.sha256(member_config(scenario_sha256, index).encode("utf-8")).hexdigest()


def member_config(scenario_sha256: str, index: int) -> str:
    """The canonical JSON a member's digest is the SHA-256 of (scenario hash + member index)."""
    return json.dumps({"scenario_sha256": scenario_sha256, "member": index}, sort_keys=True, separators=(",", ":"))


@functools.lru_cache(maxsize=4)
def _cached_context(loader, scenario_path: str, stamp: float):
    return loader(scenario_path, ".")


def worker_context(loader, scenario_path):
    """``loader(scenario_path, ".")`` once per worker process, again only when the scenario file changes (its
    modification time is part of the cache key): what the ``*_from_file`` tasks of both ensembles use."""
    return _cached_context(loader, str(scenario_path), os.stat(scenario_path).st_mtime)


def compute_members(run_local, run_from_file, scenario_path: Path, out_dir: Path, count: int, *,
                    scheduler: str | None = None, workers: int | None = None) -> list[Path]:
    """Run members 0..count-1 and return their files' paths, in member order.

    run_local(index) runs one member in this process: on Dask's local threads (``scheduler`` None or "threads";
    ``workers`` threads, default the number of cores) or one by one ("synchronous"). Any other ``scheduler`` (or
    ``DASK_SCHEDULER_ADDRESS``) is a ``dask.distributed`` address: there ``run_from_file(scenario_path, out_dir,
    index)`` runs, so only paths cross the wire, with 3 retries per member. The local callable should be a
    ``functools.partial`` of the shared context: Dask does not walk a partial's arguments per task.
    """
    scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or "threads"
    if scheduler in ("threads", "synchronous"):
        tasks = [dask.delayed(run_local, pure=False)(i) for i in range(count)]
        paths = list(dask.compute(*tasks, scheduler=scheduler, num_workers=workers or os.cpu_count()))
        log.info("%d/%d members done", count, count)
    else:
        from distributed import as_completed  # deferred: ~1 s to import, needed only with a cluster

        with cluster_client(scheduler) as client:
            futures = client.map(run_from_file, [str(Path(scenario_path).resolve())] * count,
                                 [str(Path(out_dir).resolve())] * count, list(range(count)), retries=3, pure=False)
            for done, _future in enumerate(as_completed(futures, loop=client.loop), start=1):
                log.info("%d/%d members done", done, count)
            paths = client.gather(futures)
        _remove_partial_files(Path(out_dir) / "members")
    return [Path(p) for p in paths]


def _remove_partial_files(folder: Path) -> None:
    """Delete what a killed worker left half-written (the atomic writer's hidden ``.*.part.*`` temporaries): every
    member is in place by now and the folder's lock keeps other runs out, so none of them is still being written."""
    for leftover in folder.glob(".*.part*"):
        leftover.unlink(missing_ok=True)
        log.info("removed %s, left half-written by a worker that was killed", leftover.name)


@contextlib.contextmanager
def cluster_client(scheduler: str, timeout: str = "30s"):
    """A ``dask.distributed`` client of the scheduler at ``scheduler``; a scheduler that cannot be reached, or that
    goes away while the block runs (workers killed, the scheduler restarted), is a SchedulerUnavailableError (exit
    75, retry later) naming the address — not a traceback."""
    from distributed import Client
    from distributed.comm.core import CommClosedError
    from distributed.scheduler import KilledWorker

    lost = (OSError, TimeoutError, CommClosedError, KilledWorker, asyncio.CancelledError,
            concurrent.futures.CancelledError)
    with _dask_scheduler_restored():  # even when the client's close does not complete
        try:
            # not the process's default client: distributed registers a default before it connects, so a Client
            # that fails to start (a bad address) would stay the default while anything holds its traceback, and
            # every later xarray write of the process would take that client's lock ("missing port number in
            # address"; seen in the test suite). The members are submitted to this client explicitly.
            client = Client(scheduler, timeout=timeout, set_as_default=False)
        except (*lost, ValueError, TypeError) as error:  # ValueError/TypeError: not an address at all
            if isinstance(error, (ValueError, TypeError)):
                raise InputError.field("--scheduler", "address", scheduler,
                                       "'threads', 'synchronous' or a dask.distributed address such as "
                                       "tcp://10.0.0.5:8786") from None
            raise SchedulerUnavailableError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({error}); "
                                            "retry later, or run on this machine without --scheduler") from None
        try:
            with client:
                yield client
        except lost as error:
            try:
                detail = f"{type(error).__name__}: {error}"
            except Exception:  # noqa: BLE001 - some distributed exceptions cannot format themselves
                detail = type(error).__name__
            raise SchedulerUnavailableError(f"--scheduler {scheduler}: the Dask cluster went away mid-run "
                                            f"({detail}); members already written are kept — retry later") from None


@contextlib.contextmanager
def _dask_scheduler_restored():
    """Dask's global ``scheduler`` setting as it was before the block, whatever happened in it: a distributed Client
    sets it to "dask.distributed" and puts it back only when its close completes — a cluster lost mid-run can leave
    it set, and every later xarray write of this process then asks for a client that is gone ("Requested
    dask.distributed scheduler but no Client active"; seen once in the test suite, on the worker that had run the
    lost-cluster test, in a run sharing the machine with a killed one)."""
    before = dask.config.get("scheduler", None)
    try:
        yield
    finally:
        if dask.config.get("scheduler", None) != before:
            dask.config.set(scheduler=before)

