"""What one parameter point of the calibration to the record costs, batched and one by one.

    python benchmarks/calibration_point.py [--repeat 3] [--points 5] [--json out.json]

For `--points` prior draws (seeded), each repeat times in one process (Numba's kernels
loaded beforehand, not timed):

* `batched_s`: one replay call of 12 runs per point, as `cartelsim calibrate history` does;
* `single_s`: 12 replay calls of one run per point, as a sampler that simulates one
  particle per call (ABC-SMC in pyabc) would;
* `ratio` = single_s / batched_s, in wall and CPU time;
* `groups_point_s` and `lineages_point_s`: a whole point as the fit computes it (12 replays
  and the summaries, `record_fit.ReplaySimulator`) keeping every group's series, as the
  fits before 7 Dec 2026 did, against keeping members and deaths per lineage only, as they
  do now (run.record = "lineages"); `lineage_ratio` = groups / lineages, CPU time.

Machine, CPU count and load average (before and after) are printed with the figures. Compare
ratios measured in the same run, not absolute times across runs: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

from cartelsim.calibration.record_fit import (
    ENGINE,
    FITTED,
    FRAGMENTATION,
    RUNS_PER_POINT,
    ReplaySimulator,
    Space,
    _generator,
)
from cartelsim.calibration.record_targets import record_targets
from cartelsim.record.events import load_events
from cartelsim.record.replay import build_replay, run_replay


RECORDS = ("groups", "lineages")


def _timed(call) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--points", type=int, default=5)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    events = load_events()
    space = Space(FITTED)
    points = space.values(space.prior_draws(args.points, _generator(0, 99)))
    values = [dict(zip(FITTED, map(float, p[:len(FITTED)]), strict=True)) for p in points]

    def replay(parameters: dict[str, float], runs: int, seed: int) -> None:
        run_replay(build_replay(events, runs=runs, seed=seed, engine=ENGINE,
                                fragmentation=FRAGMENTATION, parameters=parameters))

    replay(values[0], 2, 0)  # compile / load the kernels
    by_record = {record: ReplaySimulator(record_targets(), 0) for record in RECORDS}
    for record, simulator in by_record.items():
        simulator.record = record
        simulator(values[0])
    load_before = os.getloadavg()
    rows = []
    for repeat in range(args.repeat):
        points = {record: _timed(lambda s=simulator: [s(v) for v in values])
                  for record, simulator in by_record.items()}
        batched = _timed(lambda: [replay(v, RUNS_PER_POINT, 1) for v in values])
        single = _timed(lambda: [replay(v, 1, 1 + k) for v in values
                                 for k in range(RUNS_PER_POINT)])
        rows.append({"repeat": repeat + 1, "points": len(values),
                     "batched_s_per_point": batched[0] / len(values),
                     "single_s_per_point": single[0] / len(values),
                     "ratio_wall": single[0] / batched[0], "ratio_cpu": single[1] / batched[1],
                     "groups_point_s": points["groups"][1] / len(values),
                     "lineages_point_s": points["lineages"][1] / len(values),
                     "lineage_ratio": points["groups"][1] / points["lineages"][1]})
    report = {"machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
              "cpus": os.cpu_count(), "python": platform.python_version(),
              "load_before": load_before, "load_after": os.getloadavg(), "rows": rows}
    print(json.dumps(report, indent=2))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)


if __name__ == "__main__":
    main()
