"""Cost of the territory sub-step (issue 14, "Speed"): a full world run with territory
against the same run without it, timed alternately in the same process.

    PYTHONPATH=src python benchmarks/territory.py [--runs 100] [--repeats 5]

Mexico 2025 (150 groups), 520 weeks, stochastic (or --engine deterministic), the crossing-crackdown campaign plus a
leader-removal campaign (so splinters exist), national totals recorded (as ensembles do),
with money on in both. Prints one JSON object: median wall and process-CPU seconds of each,
and their ratio (goal: at most 2). Compilation is done before any timing. Never part of the
test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

from cartelsim.interventions.spec import InterventionSpec
from cartelsim.system.embedded import mexico_2025
from cartelsim.world.run import run_world

WEEKS = 520
CAMPAIGN = [
    InterventionSpec(action="remove_leader", kind="killed", succession="contested",
                     start="2026-01-08", every_weeks=8, end="2029-01-01",
                     target={"largest": 3}),
    InterventionSpec(action="crossing_crackdown", crossing="nuevo_laredo", effect=3.0,
                     start="2026-07-02", end="2028-07-06"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--engine", choices=("stochastic", "deterministic"),
                        default="stochastic")
    args = parser.parse_args()
    system = mexico_2025()

    def run(territory: bool) -> None:
        campaign = CAMPAIGN if territory else CAMPAIGN[:1]
        run_world(system, interventions=campaign, weeks=WEEKS, runs=args.runs,
                  engine=args.engine, seed=7, start="2026-01-01", record="totals",
                  money=True, territory=territory)

    load_before = os.getloadavg()
    compile0 = time.perf_counter()
    for territory in (False, True):  # compile (or load from the cache) first
        run_world(system, interventions=CAMPAIGN if territory else CAMPAIGN[:1], weeks=40,
                  runs=2, engine=args.engine, seed=7, start="2026-01-01", record="totals",
                  money=True, territory=territory)
    compile_s = time.perf_counter() - compile0
    rows: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    for _ in range(args.repeats):
        for territory in (False, True):
            w0, c0 = time.perf_counter(), time.process_time()
            run(territory)
            rows[territory].append((time.perf_counter() - w0, time.process_time() - c0))
    median = {k: (float(np.median([w for w, _ in v])), float(np.median([c for _, c in v])))
              for k, v in rows.items()}
    print(json.dumps({
        "engine": args.engine, "runs": args.runs, "weeks": WEEKS, "repeats": args.repeats,
        "without_wall_s": round(median[False][0], 3), "with_wall_s": round(median[True][0], 3),
        "without_cpu_s": round(median[False][1], 3), "with_cpu_s": round(median[True][1], 3),
        "ratio_wall": round(median[True][0] / median[False][0], 3),
        "ratio_cpu": round(median[True][1] / median[False][1], 3),
        "compile_or_cache_s": round(compile_s, 2),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(), "python": platform.python_version(),
    }, indent=1))


if __name__ == "__main__":
    main()
