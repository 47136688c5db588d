"""One L1 ensemble as a whole process, for timing against an earlier release from outside.

    python benchmarks/l1_process.py world|old det|sto RUNS

BACRIM 2020 (150 groups), 520 weeks, initial sizes drawn as `cartelsim bench` draws them,
totals only, engine arrays (no Dataset). `world` runs this checkout's world engine
(`cartelsim.bench._world_engine`), `old` the capped engines' `run_arrays`, which is all an
earlier release such as 3eef51f has; run it with that release's interpreter and time both
processes alternately (`/usr/bin/time`), BENCHMARKS.md "Speed work of 2026-12-07".
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from cartelsim.engines.initial import zipf_sizes
from cartelsim.engines.plan import ConstantPlan
from cartelsim.engines.rates import ConflictStructure
from cartelsim.engines.simulate import run_arrays
from cartelsim.engines.streams import stream
from cartelsim.params.catalogue import Params
from cartelsim.system.bacrim import load_bacrim

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bacrim2020"


def main(mode: str, kind: str, runs: int) -> None:
    system = load_bacrim(DATA)
    params = Params.defaults()
    expected = zipf_sizes(system, params["initial_members"])
    members = stream(0, "initial_sizes", 0).poisson(
        expected, size=(runs, system.n_groups)).astype(float)
    engine = "deterministic" if kind == "det" else "stochastic"
    if engine == "stochastic":
        members = np.rint(members)
    if mode == "world":
        from cartelsim.bench import _world_engine

        _world_engine(system, params)(members, 520, engine=engine, record_groups=False)
    else:
        run_arrays(ConflictStructure.from_system(system), members, ConstantPlan(params), 520,
                   engine=engine, seed=1, record_groups=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
