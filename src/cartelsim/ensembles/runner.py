"""Run an ensemble: validate, size it up front, run the pending chunks, stream them to disk."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import xarray as xr

from cartelsim.ensembles.design import Chunk, Design, Method, draw_samples, validate_parameters
from cartelsim.ensembles.executors import Executor
from cartelsim.ensembles.store import MANIFEST, EnsembleStore
from cartelsim.errors import CartelsimError
from cartelsim.io.export import NATIONAL, OBSERVED
from cartelsim.params.catalogue import Params
from cartelsim.scenarios.paired import WORLD, check_same_world, run_slices
from cartelsim.scenarios.schema import Scenario, load_scenario, parse_scenario
from cartelsim.sizes import readable_size

# Bytes a run keeps per week on disk: ~14 national float64 series (compression only helps).
BYTES_PER_RUN_WEEK = 14 * 8
# A chunk file's own size without data (NetCDF/HDF5 header and metadata, which carries every
# parameter's value and origin): at least 32.2 kB measured on the calibrated default world
# (a 3-run, 52-week chunk of 50.0 kB with at most 17.8 kB of series), so a margin above it.
BYTES_PER_CHUNK_FILE = 48_000
# Share of the free space an ensemble may fill; the rest stays for the system and the export.
FREE_SHARE = 0.9
# What a chunk keeps of each run: the national series a CSV export holds, and the status.
OUTPUTS = (*NATIONAL, *OBSERVED)
KEPT = (*OUTPUTS, "status")
# With `[mechanisms] territory = true` a chunk keeps the series of states and crossings too
# (the results contract of the territory: state_homicides (run, time, state), flow_north
# (run, time, crossing) and its split by drug ...), so an ensemble can be mapped and its
# diversion measured.
TERRITORY_KEPT = ("state_homicides", "flow_north", "flow_north_by_drug", "seized_north",
                  "us_pressure_state")
KEPT_DIMS = frozenset({"run", "time", "state", "crossing", "drug"})


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs for one chunk (plain data, cheap to send)."""

    chunk: Chunk
    scenario: dict  # the scenario as validated data
    source: str
    sample: dict[str, float]


def build_design(paths: list[Path], runs: int, samples: int, seed: int, method: Method,
                 parameters: list[str], chunk_runs: int) -> tuple[Design, list[Scenario]]:
    """Validate the inputs and fix the design (samples drawn once, from the seed)."""
    if not paths:
        raise CartelsimError("give at least one scenario file")
    if runs < 1 or samples < 1 or chunk_runs < 1:
        raise CartelsimError("runs, samples and chunk runs must be at least 1")
    if samples > 1 and not parameters:
        raise CartelsimError("--samples above 1 needs --parameters to sample (names from "
                             "`cartelsim params`)")
    if method not in ("lhs", "sobol"):
        raise CartelsimError(f"method must be 'lhs' or 'sobol', got {method!r}")
    if method == "sobol" and samples & (samples - 1):
        raise CartelsimError(f"Sobol samples must be a power of two, got {samples}")
    names = validate_parameters(parameters)
    scenarios = []
    for path in paths:
        scenario = load_scenario(path)
        file = scenario.parameters_file  # absolute, for workers started elsewhere (dask)
        scenarios.append(scenario.derive(
            run={"runs": runs, "seed": seed, "record": "totals"},
            parameters_file=file.resolve() if file is not None else None, source=str(path)))
    for scenario in scenarios:
        fixed = sorted(set(names) & set(scenario.parameters))
        if fixed:
            raise CartelsimError(f"{scenario.source} sets {', '.join(fixed)} in [parameters]; "
                                 "a parameter a scenario fixes cannot also be sampled")
    for other in scenarios[1:]:  # runs and seed are the ensemble's, the same for all
        check_same_world(scenarios[0], other, fields=WORLD)
    design = Design(
        scenarios=tuple(str(Path(p).resolve()) for p in paths),
        scenario_digests=tuple(s.digest for s in scenarios),
        runs=runs, samples=samples, seed=seed, method=method, parameters=names,
        chunk_runs=min(chunk_runs, runs), values=draw_samples(names, samples, seed, method),
    )
    return design, scenarios


def bytes_per_run_week(scenario: Scenario) -> int:
    """Bytes one run keeps per week: the national series, plus with territory on one float
    per state (state_homicides), two per crossing (flow_north, seized_north), one per drug
    and crossing (flow_north_by_drug) and the pressure state."""
    if not scenario.mechanisms.territory:
        return BYTES_PER_RUN_WEEK
    from cartelsim.territory.geometry import N_STATES
    from cartelsim.territory.market import DRUGS
    from cartelsim.territory.network import load_network

    crossings = len(load_network().crossings)
    return BYTES_PER_RUN_WEEK + (N_STATES + (2 + len(DRUGS)) * crossings + 1) * 8


def estimated_bytes(design: Design, weeks: int, chunks: Sequence[Chunk] | None = None,
                    per_run_week: int = BYTES_PER_RUN_WEEK) -> int:
    """Disk the chunk files take at most (of `chunks` only, when given): their series
    (`per_run_week` bytes a run and week, `bytes_per_run_week`) plus each file's own
    overhead. Counted without listing the chunks when all are meant, so a design too large
    to list is refused at once."""
    if chunks is None:
        files = len(design.scenarios) * design.samples * -(-design.runs // design.chunk_runs)
        runs = len(design.scenarios) * design.samples * design.runs
    else:
        files, runs = len(chunks), sum(chunk.runs for chunk in chunks)
    return runs * (weeks + 1) * per_run_week + files * BYTES_PER_CHUNK_FILE


def free_bytes(folder: Path) -> int:
    """Free space on the disk that holds (or will hold) `folder`."""
    return shutil.disk_usage(_existing(folder)).free


def _existing(folder: Path) -> Path:
    """`folder`, or the nearest folder above it that exists (where it will be made)."""
    for candidate in (folder, *folder.absolute().parents):
        if candidate.is_dir():
            return candidate
    return Path(".")


def check_room(design: Design, weeks: int, folder: Path, limit_gb: float, *,
               pending: Sequence[Chunk] | None = None,
               free: Callable[[Path], int] = free_bytes,
               per_run_week: int = BYTES_PER_RUN_WEEK) -> None:
    """Refuse an ensemble larger than the user's limit, or whose chunks still to write
    (`pending`; all of them for a new ensemble) would not fit in the free space."""
    whole = estimated_bytes(design, weeks, per_run_week=per_run_week)
    if whole > limit_gb * 1e9:
        raise CartelsimError(f"the ensemble would write about {readable_size(whole)}, above "
                             f"the limit of {limit_gb:g} GB (raise --max-gb or run fewer runs)")
    left = whole if pending is None else estimated_bytes(design, weeks, pending, per_run_week)
    room = free(folder)
    if left > FREE_SHARE * room:
        what = "would write" if pending is None or left == whole else "has left to write"
        raise CartelsimError(f"the ensemble {what} about {readable_size(left)} but only "
                             f"{readable_size(room)} are free at {_existing(folder)} (it keeps "
                             f"{1 - FREE_SHARE:.0%} of the free space spare)")


def chunk_params(scenario: Scenario, sample: dict[str, float]) -> Params:
    """The scenario's parameters (defaults, its parameter file, its [parameters] table),
    then the sample: each value keeps the chain of origins it went through.

    build_design refuses samples of parameters a scenario's table fixes, so those never
    clash; a sample may replace a parameter file's value (sampling around a calibration).
    """
    return scenario.params().override(sample, origin="sampled")


def run_chunk(task: ChunkTask) -> tuple[Chunk, xr.Dataset]:
    """Worker side: simulate one chunk and return its national series."""
    scenario = parse_scenario(task.scenario, source=task.source)
    ds = run_slices(scenario, params=chunk_params(scenario, task.sample),
                    first_run=task.chunk.first_run, runs=task.chunk.runs, keep=kept_series)
    return task.chunk, ds


def kept_series(ds: xr.Dataset) -> xr.Dataset:
    """What a chunk keeps of its runs: the national series (KEPT) on (run, time) and, with
    territory on, the state and crossing series (TERRITORY_KEPT) with their labels; the
    group axis and everything on it goes."""
    kept = ds[[v for v in (*KEPT, *TERRITORY_KEPT) if v in ds]]
    return kept.drop_vars([c for c in kept.coords
                           if c != "week" and not (kept[c].dims
                                                   and set(kept[c].dims) <= KEPT_DIMS)])


def chunk_task(chunk: Chunk, scenario: Scenario, sample: dict[str, float]) -> ChunkTask:
    """The task of one chunk: the scenario as plain validated data (cheap to send)."""
    return ChunkTask(chunk, scenario.model_dump(mode="json", exclude={"source", "digest"}),
                     scenario.source, sample)


def run_ensemble(design: Design, scenarios: list[Scenario], folder: Path, executor: Executor,
                 *, resume: bool = False, max_gb: float = 50.0,
                 progress: Callable[[int, int], None] | None = None,
                 free: Callable[[Path], int] = free_bytes) -> EnsembleStore:
    """Run every pending chunk; each finished chunk is on disk before the next is counted.

    `free` tells the free bytes at a folder (the disk's, unless a test says otherwise).
    """
    weeks = scenarios[0].horizon.weeks
    per_run_week = max(bytes_per_run_week(s) for s in scenarios)
    if resume and (folder / MANIFEST).is_file():  # opening an existing store writes nothing
        store = EnsembleStore.create(folder, design, resume)
        pending = store.pending()
        check_room(design, weeks, folder, max_gb, pending=pending, free=free,
                   per_run_week=per_run_week)
    else:
        check_room(design, weeks, folder, max_gb, free=free, per_run_week=per_run_week)
        store = EnsembleStore.create(folder, design, resume)
        pending = store.pending()
    # made one at a time as the executor asks for them (a million runs are many chunks)
    tasks = (chunk_task(chunk, scenarios[chunk.scenario], design.sample(chunk.sample))
             for chunk in pending)
    # progress counts runs (not chunks), so the bar shows runs per second
    total_runs = sum(chunk.runs for chunk in design.chunks())
    done = total_runs - sum(chunk.runs for chunk in pending)
    if progress is not None:
        progress(done, total_runs)
    for chunk, ds in executor.run(run_chunk, tasks):
        store.save_chunk(chunk, ds)
        done += chunk.runs
        if progress is not None:
            progress(done, total_runs)
    return store
