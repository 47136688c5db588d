"""Executors: serial, local processes and a Dask cluster give the same ensemble, bit for bit.

The Dask LocalCluster and the process pool (two workers each) start once for the module.
Connecting to an unreachable scheduler takes the client's 10 s timeout, and a failed client
may leave global state behind, so those checks run in subprocesses started with the module
and collected by the last tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cartelsim.ensembles.design import Chunk
from cartelsim.ensembles.executors import (
    IN_FLIGHT_PER_WORKER,
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
)
from cartelsim.ensembles.runner import ChunkTask, build_design, run_chunk, run_ensemble
from cartelsim.errors import CartelsimError

UNREACHABLE = "tcp://127.0.0.1:9"  # nothing listens on the discard port
MALFORMED = ["localhost", "127.0.0.1", "http://127.0.0.1:8786"]  # no port, wrong scheme
PROBE = """
import json, sys, time
start = time.monotonic()
import dask.base
from cartelsim.ensembles.executors import make_executor
try:
    make_executor("dask", sys.argv[1], 1)
    outcome = {"type": "none", "message": ""}
except BaseException as exc:
    outcome = {"type": type(exc).__name__, "message": str(exc)}
outcome["seconds"] = time.monotonic() - start
# a half-made Client left as dask's default scheduler breaks later NetCDF writes
outcome["default_scheduler"] = repr(dask.base.get_scheduler())
print(json.dumps(outcome))
"""


@pytest.fixture(scope="module", autouse=True)
def probes():
    """make_executor('dask', <address>) in one subprocess per address, started at once:
    a failed Client must not outlive its test, and the unreachable one takes 10 s."""
    started = time.monotonic()
    running = {address: subprocess.Popen([sys.executable, "-c", PROBE, address],
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         text=True)
               for address in [UNREACHABLE, *MALFORMED]}
    yield running, started
    for process in running.values():
        if process.poll() is None:
            process.kill()
            process.communicate()


def _outcome(probes, address: str) -> dict:
    running, started = probes
    process = running[address]
    stdout, stderr = process.communicate(timeout=max(1.0, 40 - (time.monotonic() - started)))
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
    return json.loads(stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def design(tmp_path_factory, make_scenario):
    folder = tmp_path_factory.mktemp("scenarios")
    files = [make_scenario(folder, "a", weeks=60),
             make_scenario(folder, "b", policy=True, weeks=60)]
    return build_design(files, runs=8, samples=2, seed=21, method="lhs",
                        parameters=["recruitment_rate", "succession_clarity"], chunk_runs=3)


@pytest.fixture(scope="module")
def serial_result(design, tmp_path_factory):
    design_, scenarios = design
    folder = tmp_path_factory.mktemp("serial") / "ens"
    return run_ensemble(design_, scenarios, folder, SerialExecutor()).gather()


@pytest.fixture(scope="module")
def processes():
    executor = make_executor("processes", workers=2)
    assert isinstance(executor, ProcessExecutor)
    yield executor
    executor.close()


@pytest.fixture(scope="module")
def dask():
    executor = make_executor("dask", workers=2)
    assert isinstance(executor, DaskExecutor)
    yield executor
    executor.close()


def test_the_dask_client_is_not_current_while_the_caller_handles_a_result(dask) -> None:
    """The caller writes each result to NetCDF; were the client current then, xarray would
    take a scheduler-held lock for the write, which hung a killed ensemble for ever."""
    from distributed import Client

    results = []
    for result in dask.run(abs, [-1, -2, -3]):
        with pytest.raises(ValueError):
            Client.current(allow_global=False)
        results.append(result)
    assert sorted(results) == [1, 2, 3]


@pytest.fixture(params=["processes", "dask"])
def parallel(request):
    return request.getfixturevalue(request.param)


def test_every_executor_gives_the_serial_result(design, serial_result, parallel,
                                                tmp_path: Path, same_data) -> None:
    design_, scenarios = design
    store = run_ensemble(design_, scenarios, tmp_path / "ens", parallel)
    assert store.complete()
    result = store.gather()
    same_data(result, serial_result)
    assert dict(result.sizes) == {"scenario": 2, "sample": 2, "run": 8, "time": 61}


def test_chunk_files_hold_the_same_numbers(design, parallel, tmp_path: Path,
                                           same_data) -> None:
    """Each chunk a worker returns equals the chunk computed here."""
    design_, scenarios = design
    chunks = design_.chunks()[4:8]  # mixed lengths (3, 2, 3, 3 runs)
    tasks = [ChunkTask(c, scenarios[c.scenario].model_dump(mode="json",
                                                           exclude={"source", "digest"}),
                       scenarios[c.scenario].source, design_.sample(c.sample)) for c in chunks]
    here = dict(SerialExecutor().run(run_chunk, tasks))
    there = dict(parallel.run(run_chunk, tasks))
    assert set(there) == set(chunks)
    for chunk in chunks:
        same_data(there[chunk], here[chunk])


def test_parallel_executors_hold_a_bounded_window_of_tasks(parallel) -> None:
    """Tasks are taken from the iterable as results come back, never all at once: a
    million-run ensemble keeps a few chunks in memory, not all of them (the results of
    the first version stayed referenced until the end)."""
    taken = []

    def tasks():
        for number in range(40):
            taken.append(number)
            yield -number

    results = parallel.run(abs, tasks())
    first = next(results)
    assert len(taken) <= IN_FLIGHT_PER_WORKER * 2 + 1  # two workers, and one refill
    assert sorted([first, *results]) == list(range(40))
    assert len(taken) == 40


@pytest.fixture(params=["serial", "processes", "dask"])
def any_executor(request):
    if request.param == "serial":
        return SerialExecutor()
    return request.getfixturevalue(request.param)


def test_a_failing_chunk_raises_the_users_error(design, any_executor) -> None:
    """A bad sampled value fails in the worker and reaches the caller as CartelsimError."""
    _, scenarios = design
    data = scenarios[0].model_dump(mode="json", exclude={"source", "digest"})
    bad = ChunkTask(Chunk(0, 0, 0, 1), data, scenarios[0].source, {"recruitment_rate": -1.0})
    with pytest.raises(CartelsimError, match="recruitment_rate"):
        list(any_executor.run(run_chunk, [bad]))


# --------------------------------------------------------------------------- make_executor


def test_executors_by_name() -> None:
    executor = make_executor("serial")
    assert isinstance(executor, SerialExecutor)
    assert list(executor.run(abs, [-1, 2, -3])) == [1, 2, 3]
    executor.close()


@pytest.mark.parametrize("name", ["foo", "Serial", "", "thread"])
def test_unknown_executor_is_refused(name: str) -> None:
    with pytest.raises(CartelsimError, match="serial, processes, dask"):
        make_executor(name)


@pytest.mark.parametrize("name", ["serial", "processes"])
def test_a_scheduler_needs_the_dask_executor(name: str) -> None:
    with pytest.raises(CartelsimError, match="--scheduler needs --executor dask"):
        make_executor(name, scheduler="tcp://127.0.0.1:8786")


def test_an_unreachable_scheduler_is_a_clear_error_not_a_hang(probes) -> None:
    """The connection attempt is bounded (10 s); the generous bound here only tells a
    bounded wait from a hang on a loaded machine, it is not a speed goal."""
    outcome = _outcome(probes, UNREACHABLE)
    assert outcome["type"] == "CartelsimError", outcome
    assert outcome["seconds"] < 120, outcome
    assert UNREACHABLE in outcome["message"] and "\n" not in outcome["message"]
    assert outcome["default_scheduler"] == "None", outcome


@pytest.mark.parametrize("address", MALFORMED)
def test_a_malformed_scheduler_address_is_a_clear_error(probes, address: str) -> None:
    """A typo in --scheduler (no port, wrong scheme) is a user mistake (STYLE.md 10), and
    the failed client must not stay behind as dask's default scheduler: in the same process
    every later NetCDF write (chunks of a serial ensemble too) then fails with the same
    ValueError."""
    outcome = _outcome(probes, address)
    assert outcome["type"] == "CartelsimError", outcome
    assert address in outcome["message"] and "\n" not in outcome["message"]
    assert outcome["default_scheduler"] == "None", outcome
