"""Writing results against simulating them: the goal is writing + checksum <= simulation.

    python benchmarks/writing.py [SCENARIO] [--repeat 3] [--old-runs 10] [--json out.json]

For the scenario (default: the packaged example hvt-campaign-us-pressure.toml, 300 stochastic runs of
520 weeks with per-group series, about 1.2 GB of numbers), each repeat times, in one process:

* `simulate_s`: `run_scenario` (Numba's compiled kernels loaded beforehand, not timed);
* `write_s`: `write_netcdf` to a temporary folder: the NetCDF file and its checksum;
* `checksum_s`: the checksum step alone (`written_digest` on the written file), part of write_s;
* `csv_s`: the national table as CSV, for scale; `load_s`: `load_results`, which verifies it;
* `ratio` = write_s / simulate_s (goal <= 1), in wall time and in CPU time.

Then the 0.1.0 code path (zlib level 4, then the checksum read back one run x week slice at a
time, as `io/digest.py` did at commit 3eef51f) against the current one, on the first
`--old-runs` runs (the old checksum costs about 2 s per run here; it grows linearly with the
runs, so the figure for all runs is also given, scaled). `--old-runs 0` skips it.

Machine, CPU count and load average (before and after) are printed with the figures. Compare
ratios measured in the same run, not absolute times across runs: the machine may be shared.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr

DEFAULT = Path(__file__).resolve().parents[1] / "src" / "cartelsim" / "scenarios" / "examples" / "hvt-campaign-us-pressure.toml"


def timed(work: Callable[..., object], *args: object) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process, result) of work(*args)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def machine() -> dict[str, object]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import netCDF4
    import numba

    return {"cpu": model or platform.processor() or "unknown", "cpus": os.cpu_count(),
            "system": f"{platform.system()} {platform.release()} {platform.machine()}",
            "python": platform.python_version(), "numpy": np.__version__,
            "xarray": xr.__version__, "netCDF4": netCDF4.__version__,
            "netcdf_c": netCDF4.__netcdf4libversion__, "hdf5": netCDF4.__hdf5libversion__,
            "numba_threads": numba.config.NUMBA_NUM_THREADS}


def old_checksum(path: Path) -> str:
    """The 0.1.0 checksum: the file read back one slice of the two leading axes at a time."""
    sha = hashlib.sha256()
    with xr.open_dataset(path, engine="netcdf4") as ds:
        for name in sorted(ds.data_vars):
            var = ds[name]
            sha.update(f"{name}|{var.dtype.str}|{tuple(var.shape)}|".encode())
            if var.ndim < 2:
                pieces = [np.asarray(var.values)]
            else:
                lead = var.dims[: min(2, var.ndim - 1)]
                pieces = (np.asarray(var.isel(dict(zip(lead, index, strict=True))).values)
                          for index in np.ndindex(*[var.sizes[d] for d in lead]))
            for values in pieces:
                if values.dtype.kind in "OUS":
                    for item in values.ravel():
                        sha.update(str(item).encode("utf-8") + b"\x1f")
                else:
                    sha.update(np.ascontiguousarray(values).tobytes())
    return sha.hexdigest()


def old_write(ds: xr.Dataset, path: Path) -> str:
    """0.1.0's write_netcdf: one to_netcdf call at zlib level 4, then the slice checksum."""
    import netCDF4

    encoding = {name: {"zlib": True, "complevel": 4} for name, var in ds.data_vars.items()
                if var.dtype.kind == "f" and var.size > 1000}
    ds.to_netcdf(path, engine="netcdf4", encoding=encoding)
    digest = old_checksum(path)
    with netCDF4.Dataset(path, "a") as out:
        out.setncattr("content_sha256", digest)
    return digest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--old-runs", type=int, default=10,
                        help="runs on which to time the 0.1.0 code path (0: skip)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from cartelsim.io.digest import ATTRIBUTE, written_digest
    from cartelsim.io.export import load_results, national_table, write_csv, write_netcdf
    from cartelsim.scenarios.runner import run_scenario
    from cartelsim.scenarios.schema import load_scenario, parse_scenario

    scenario = load_scenario(args.scenario)
    report: dict[str, object] = {"scenario": str(args.scenario), "machine": machine(),
                                 "load_before": os.getloadavg()}
    data = scenario.model_dump(exclude={"source", "digest"})
    data["run"]["runs"], data["horizon"]["weeks"] = 2, 8
    run_scenario(parse_scenario(data, source="warm-up"))  # load the compiled kernels first
    rows = []
    with tempfile.TemporaryDirectory(prefix="cartelsim-bench-") as folder:
        out = Path(folder)
        for repeat in range(args.repeat):
            sim_s, sim_cpu, ds = timed(run_scenario, scenario)
            assert isinstance(ds, xr.Dataset)
            target = out / f"r{repeat}.nc"
            write_s, write_cpu, _ = timed(write_netcdf, ds, target)
            check_s, _, digest = timed(written_digest, target, ds)
            csv_s, _, _ = timed(lambda d, p: write_csv(national_table(d), p), ds, out / "r.csv")
            load_s, _, _ = timed(load_results, target)
            with xr.open_dataset(target, engine="netcdf4") as back:
                assert back.attrs[ATTRIBUTE] == digest
            rows.append({"simulate_s": sim_s, "write_s": write_s, "checksum_s": check_s,
                         "csv_s": csv_s, "load_s": load_s, "ratio": write_s / sim_s,
                         "ratio_cpu": write_cpu / sim_cpu, "simulate_cpu_s": sim_cpu,
                         "write_cpu_s": write_cpu, "numbers_mb": ds.nbytes / 1e6,
                         "file_mb": target.stat().st_size / 1e6, "load": os.getloadavg()[0]})
            print(json.dumps({"repeat": repeat + 1, **{k: round(v, 3) for k, v in
                                                       rows[-1].items()}}), flush=True)
            target.unlink()
        report["repeats"] = rows
        if args.old_runs > 0:
            part = ds.isel(run=slice(0, args.old_runs))
            old_s, _, old_digest = timed(old_write, part, out / "old.nc")
            new_s, _, _ = timed(write_netcdf, part, out / "new.nc")
            with xr.open_dataset(out / "new.nc", engine="netcdf4") as back:
                same = back.attrs[ATTRIBUTE] == old_digest
            scale = ds.sizes["run"] / part.sizes["run"]
            report["previous_code"] = {
                "runs": part.sizes["run"], "old_write_s": old_s, "new_write_s": new_s,
                "speedup": old_s / new_s, "same_digest": same,
                "old_write_all_runs_s_scaled": old_s * scale,
                "new_write_all_runs_s_measured": float(np.median([r["write_s"] for r in rows])),
                "load": os.getloadavg()[0]}
            print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v)
                              for k, v in report["previous_code"].items()}), flush=True)
    report["load_after"] = os.getloadavg()
    report["goal_met_in_every_repeat"] = all(row["ratio"] <= 1 for row in rows)
    print(json.dumps({"machine": report["machine"], "load_before": report["load_before"],
                      "load_after": report["load_after"],
                      "goal_met_in_every_repeat": report["goal_met_in_every_repeat"]}))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
