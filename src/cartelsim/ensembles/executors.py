"""Executors: where chunks run. In this process, in local processes, or on a Dask cluster.

Every executor runs the same pure function on the same chunk descriptions and hands back
small labelled results (national series as an xarray Dataset), never engine objects, so the
results are identical whichever executor runs them.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from itertools import islice
from typing import Any, Protocol

from cartelsim.errors import CartelsimError

EXECUTORS = ("serial", "processes", "dask")
# Tasks queued per local worker: enough that a worker never waits for the next chunk, few
# enough that results waiting to be written stay a handful of chunks (assumption: a chunk
# takes far longer to simulate than to hand over).
IN_FLIGHT_PER_WORKER = 2


class Executor(Protocol):
    def run(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield function(task) for every task, in the order they finish."""

    def close(self) -> None: ...


class SerialExecutor:
    """Everything in this process, one chunk after another."""

    def run(self, function, tasks):
        for task in tasks:
            yield function(task)

    def close(self) -> None:
        pass


def _single_threaded_worker() -> None:
    """Each worker process is one of several: no nested thread pools fighting for cores."""
    import numba

    numba.set_num_threads(1)


class ProcessExecutor:
    """Local worker processes (one per core by default)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        # spawn, not fork: forking a process that runs Numba's thread pool is not safe
        self.pool = ProcessPoolExecutor(max_workers=self.workers,
                                        mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_single_threaded_worker)

    def run(self, function, tasks):
        """At most IN_FLIGHT_PER_WORKER tasks per worker are submitted at a time, and a
        result is dropped once yielded: memory stays bounded however many chunks an
        ensemble has (a future keeps its result for as long as it is referenced)."""
        pending = iter(tasks)
        running: set[Future] = set()
        try:
            for task in islice(pending, IN_FLIGHT_PER_WORKER * self.workers):
                running.add(self.pool.submit(function, task))
            while running:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    result = future.result()
                    next_task = next(pending, None)
                    if next_task is not None:
                        running.add(self.pool.submit(function, next_task))
                    yield result
                del done, future, result
        finally:
            for future in running:
                future.cancel()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


# What a scheduler address looks like (checked before any client is made: distributed
# leaves a half-made client behind for malformed addresses).
SCHEDULER_ADDRESS = re.compile(r"^(tcp|tls|ws|wss|ucx)://\[?[\w.:-]+\]?:\d{1,5}$")


class DaskExecutor:
    """A Dask distributed cluster: an existing scheduler, or a LocalCluster when none."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None) -> None:
        if scheduler is not None and not SCHEDULER_ADDRESS.match(scheduler):
            raise CartelsimError(f"--scheduler {scheduler!r} is not a scheduler address; "
                                 "expected one like tcp://HOST:8786")
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - distributed is a dependency
            raise CartelsimError("the dask executor needs the 'distributed' package") from None
        self.cluster = None
        # set_as_default=False: the client is used explicitly, and must never become the
        # scheduler of unrelated dask work in this process (such as writing NetCDF files)
        try:
            if scheduler:
                self.client = Client(scheduler, timeout="10s", set_as_default=False)
            else:
                self.cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1,
                                            threads_per_worker=1, processes=True,
                                            dashboard_address=None)
                self.client = Client(self.cluster, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            if self.cluster is not None:
                self.cluster.close()
            where = scheduler or "a local cluster"
            raise CartelsimError(f"cannot reach the Dask scheduler at {where} "
                                 f"(expected an address like tcp://HOST:8786): {exc}") from None

    def run(self, function, tasks):
        from distributed import as_completed as dask_completed

        # A bounded window of submitted tasks, each released once its result is here, so
        # neither this process nor the workers hold more than a few chunks' results.
        pending = iter(tasks)
        window = IN_FLIGHT_PER_WORKER * max(1, sum(self.client.nthreads().values()))
        running = set(self.client.submit(function, task, pure=False)
                      for task in islice(pending, window))
        try:
            # The client is current while the next result is fetched, never across the
            # yield: the caller writes each result to NetCDF, and with this client current
            # xarray would guard that write with a lock held by the scheduler, which hangs
            # for ever once the cluster is dying (a killed ensemble).
            with self.client.as_current():
                finished = dask_completed(running)
            while True:
                with self.client.as_current():
                    future = next(finished, None)
                    if future is None:
                        return
                    result = future.result()
                    running.discard(future)
                    future.release()
                    task = next(pending, None)
                    if task is not None:
                        following = self.client.submit(function, task, pure=False)
                        running.add(following)
                        finished.add(following)
                yield result
        finally:
            self.client.cancel(list(running))

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(name: str, scheduler: str | None = None, workers: int | None = None) -> Executor:
    """An executor by name; a scheduler address only makes sense with 'dask'."""
    if name not in EXECUTORS:
        raise CartelsimError(f"executor must be one of {', '.join(EXECUTORS)}, got {name!r}")
    if scheduler and name != "dask":
        raise CartelsimError("--scheduler needs --executor dask")
    if name == "serial":
        return SerialExecutor()
    if name == "processes":
        return ProcessExecutor(workers)
    return DaskExecutor(scheduler, workers)
