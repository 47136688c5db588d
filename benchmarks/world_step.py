"""Benchmarks of the world engine (`cartelsim.world`) against today's engines, same process.

    PYTHONPATH=src python benchmarks/world_step.py --data ../shared/data/bacrim2020 [--quick]

Prints one JSON object. Every figure is a median of repeats (wall and process CPU time);
compare the ratios, not absolute times: the machine is shared. Compilation is done before
any timing. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from cartelsim.engines.initial import zipf_sizes
from cartelsim.engines.plan import ConstantPlan
from cartelsim.engines.rates import ConflictStructure
from cartelsim.engines.simulate import run_arrays
from cartelsim.engines.streams import stream
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.params.catalogue import Params
from cartelsim.scenarios.examples import example_path
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import Scenario, load_scenario
from cartelsim.system.bacrim import load_bacrim
from cartelsim.system.embedded import mexico_2025
from cartelsim.world.run import _simulate_chunk, base_structure, run_world
from cartelsim.world.schedule import compile_interventions

ROOT = Path(__file__).resolve().parents[1]
WEEKS = 520


def timed(action: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall and CPU seconds of `repeats` calls."""
    wall, cpu = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return float(np.median(wall)), float(np.median(cpu))


def interleaved(first: Callable[[], object], second: Callable[[], object],
                repeats: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Median (wall, CPU) seconds of two actions timed alternately, so both meet the same
    load on a shared machine."""
    times: list[list[tuple[float, float]]] = [[], []]
    for _ in range(repeats):
        for slot, action in enumerate((first, second)):
            w0, c0 = time.perf_counter(), time.process_time()
            action()
            times[slot].append((time.perf_counter() - w0, time.process_time() - c0))
    return tuple(  # type: ignore[return-value]
        (float(np.median([w for w, _ in rows])), float(np.median([c for _, c in rows])))
        for rows in times)


def variant(scenario: Scenario, runs: int, fragmentation: str) -> Scenario:
    run = scenario.run.model_copy(update={"runs": runs, "record": "totals"})
    mechanisms = scenario.mechanisms.model_copy(update={"fragmentation": fragmentation})
    return scenario.model_copy(update={"run": run, "mechanisms": mechanisms})


PAIRS = {"flagship": ("status-quo", "cjng-leader-killed"),
         "finance": ("status-quo-money-protection", "hvt-plus-finance-protection")}


def flagship(runs: int, repeats: int, pair_name: str = "flagship") -> dict[str, float]:
    """A pair of scenarios (stochastic, 520 weeks), `runs` each, totals only as ensemble
    chunks record them; paired runs per second of each engine (wall and process CPU)."""
    first, second = PAIRS[pair_name]
    quo = load_scenario(example_path(first))
    kill = load_scenario(example_path(second))
    out: dict[str, float] = {}
    for engine, flag in (("today", "capped"), ("world", "open")):
        pair = (variant(quo, runs, flag), variant(kill, runs, flag))
        for scenario in pair:  # compile, warm caches
            run_scenario(variant(scenario, 2, flag))
        wall, cpu = timed(lambda pair=pair: [run_scenario(s) for s in pair], repeats)
        out[f"{pair_name}_{engine}_pairs_per_s"] = runs / wall
        out[f"{pair_name}_{engine}_pairs_per_cpu_s"] = runs / cpu
    out[f"{pair_name}_speedup"] = out[f"{pair_name}_world_pairs_per_s"] / out[
        f"{pair_name}_today_pairs_per_s"]
    out[f"{pair_name}_speedup_cpu"] = out[f"{pair_name}_world_pairs_per_cpu_s"] / out[
        f"{pair_name}_today_pairs_per_cpu_s"]
    return out


def l1(system, ensemble_runs: int, stochastic_runs: int, repeats: int) -> dict[str, float]:
    """One deterministic run (per-group output), deterministic and stochastic ensembles
    (totals only): engine arrays only, no Dataset, for both engines."""
    params = Params.defaults()
    structure = ConflictStructure.from_system(system)
    expected = zipf_sizes(system, params["initial_members"])
    single = expected[None, :]
    many = stream(0, "initial_sizes", 0).poisson(
        expected, size=(ensemble_runs, system.n_groups)).astype(float)
    effects = compile_interventions(system, params, [], __import__("pandas").Timestamp(
        "2012-01-01"), WEEKS)
    cap = system.n_groups + 32  # run_world's default start
    base = base_structure(system)

    def world(members, stochastic, keep):
        return _simulate_chunk(system, params, effects, members, WEEKS, stochastic, keep, 1,
                               0, cap, base=base)

    def today(members, engine, keep):
        return run_arrays(structure, members, ConstantPlan(params), WEEKS, engine=engine,
                          seed=1, record_groups=keep)

    world(single, False, True), world(many[:4], False, False), world(
        np.rint(many[:4]), True, False)
    today(single, "deterministic", True), today(many[:4], "deterministic", False), today(
        np.rint(many[:4]), "stochastic", False)
    out = {}
    few = np.rint(many[:stochastic_runs])
    cases = {
        "l1_single_run_ms": (lambda: world(single, False, True),
                             lambda: today(single, "deterministic", True), repeats * 10, 1),
        "l1_single_run_totals_ms": (lambda: world(single, False, False),
                                    lambda: today(single, "deterministic", False),
                                    repeats * 10, 1),
        "l1_deterministic_runs_per_s": (lambda: world(many, False, False),
                                        lambda: today(many, "deterministic", False), repeats,
                                        ensemble_runs),
        "l1_stochastic_runs_per_s": (lambda: world(few, True, False),
                                     lambda: today(few, "stochastic", False), repeats,
                                     stochastic_runs),
    }
    for name, (ours, theirs, count, runs) in cases.items():
        (w_wall, w_cpu), (t_wall, t_cpu) = interleaved(ours, theirs, count)
        if name.endswith("_ms"):
            out[f"{name}_world"], out[f"{name}_today"] = 1e3 * w_wall, 1e3 * t_wall
            out[f"{name}_cpu_world"], out[f"{name}_cpu_today"] = 1e3 * w_cpu, 1e3 * t_cpu
        else:
            out[f"{name}_world"], out[f"{name}_today"] = runs / w_wall, runs / t_wall
            out[f"{name}_cpu_world"], out[f"{name}_cpu_today"] = runs / w_cpu, runs / t_cpu
    return out


def fragmenting(intensities: tuple[int, ...], weeks: int) -> list[dict[str, float]]:
    """A 150-group world under removal campaigns of growing intensity (the N largest every
    2 weeks, contested, low split threshold): seconds per live-group-week."""
    system = mexico_2025()
    params = Params.defaults().override({"split_min_members": 50.0}, "benchmark")
    rows = []
    for largest in intensities:
        campaign = [InterventionSpec(action="remove_leader", kind="killed",
                                     succession="contested", start="2026-01-08",
                                     every_weeks=2, target={"largest": largest})]

        def go(campaign=campaign):
            return run_world(system, params, interventions=campaign, weeks=weeks, runs=1,
                             engine="stochastic", seed=3, start="2026-01-01",
                             record="totals")

        go()  # compile / warm
        wall, cpu = timed(go, 3)
        ds = go()
        live = ds.active_groups.values[0, 1:]
        rows.append({"largest": largest, "live_groups_end": int(live[-1]),
                     "live_group_weeks": int(live.sum()), "wall_s": wall, "cpu_s": cpu,
                     "us_per_live_group_week": 1e6 * wall / live.sum()})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True, help="folder with the BACRIM 2020 files")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=("pairs", "l1", "fragmenting"), default=None)
    args = parser.parse_args()
    quick = args.quick
    result: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
        "load_before": os.getloadavg(),
    }
    if args.only in (None, "pairs"):
        result.update(flagship(20 if quick else 200, 1 if quick else 3))
        result.update(flagship(10 if quick else 50, 1 if quick else 3, "finance"))
    if args.only in (None, "l1"):
        result.update(l1(load_bacrim(args.data), 500 if quick else 10_000,
                         50 if quick else 1_000, 1 if quick else 3))
    if args.only in (None, "fragmenting"):
        result["fragmenting"] = fragmenting((2, 4) if quick else (4, 10, 20, 40),
                                            104 if quick else 520)
    result["load_after"] = os.getloadavg()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
