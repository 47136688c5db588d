"""Guards every engine's run passes through: refuse a run that would not fit in memory
before any array is made, and mark runs whose numbers went non-finite as failed (data, not
half-filled arrays: STYLE.md 10). Shared by today's engines (`scenarios.runner`) and the
world engine (`world.run`)."""

from __future__ import annotations

import os

import numpy as np
import xarray as xr

from cartelsim.errors import CartelsimError
from cartelsim.scenarios.schema import Scenario
from cartelsim.sizes import readable_size

# Share of the machine's memory one simulation may plan to use; above it the process would
# swap or be killed by the kernel (a 1,000,000-run scenario once was), so it is refused.
MEMORY_SHARE = 0.5


def estimated_bytes(scenario: Scenario, runs: int, groups: int) -> int:
    """Bytes the engine arrays of `runs` runs take (an upper estimate: results are copied
    once into the Dataset). Per-group series: members and four flows when recorded, command
    integrity always, money and protection when those mechanisms are on."""
    steps = scenario.horizon.weeks + 1
    per_group = 1 + (5 if scenario.run.record == "groups" else 0)
    per_group += 2 if (scenario.mechanisms.money or scenario.mechanisms.protection) else 0
    per_run_week = per_group * groups + 20
    return 2 * 8 * runs * steps * per_run_week


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not available on this platform
        return None


def check_memory(scenario: Scenario, runs: int, groups: int) -> None:
    """Refuse, before any work, a simulation too large for this machine's memory."""
    total = _physical_memory()
    need = estimated_bytes(scenario, runs, groups)
    if total is None or need <= MEMORY_SHARE * total:
        return
    raise CartelsimError(
        f"{scenario.source}: {runs:,} run(s) x {scenario.horizon.weeks:,} weeks x {groups:,} "
        f"groups would need about {readable_size(need)} of memory, more than half of this "
        f"machine's {readable_size(total)}; use fewer runs or weeks, record = \"totals\", or "
        "`cartelsim ensemble`, which streams chunks of runs to disk"
    )


# Beside the engines' status codes (engines.kernels): a run whose numbers went NaN or infinite
# in a mechanism while the engine itself reported no failure.
STATUS_NOT_FINITE = 3
STATUS_NOT_FINITE_MESSAGE = ("a mechanism produced values that are not finite numbers (NaN or "
                             "infinity); the run is not usable")


def flag_non_finite_runs(ds: xr.Dataset) -> int:
    """Mark runs failed whose national series hold NaN or infinities under status ok, so a
    broken run is never presented as complete (STYLE.md 10). Returns how many were marked."""
    series = [name for name in ds.data_vars if name.startswith("total_")]
    if not series or "status" not in ds:
        return 0
    broken = np.zeros((ds.sizes["run"], ds.sizes["time"]), dtype=bool)  # [run, time]
    for name in series:
        values = ds[name].values.copy()
        if name != "total_members":
            values[:, 0] = 0.0  # flows are NaN on the first date by definition
        broken |= ~np.isfinite(values)
    bad = broken.any(axis=1) & (ds["status"].values == 0)
    if bad.any():
        ds["status"].values[bad] = STATUS_NOT_FINITE
        if "active_groups" in ds:  # as the engines mark a failure: -1 from then on
            first = np.argmax(broken, axis=1)
            for r in np.flatnonzero(bad):
                ds["active_groups"].values[r, first[r]:] = -1
        description = ds["status"].attrs.get("description", "")
        ds["status"].attrs["description"] = (
            f"{description}; {STATUS_NOT_FINITE} = {STATUS_NOT_FINITE_MESSAGE}".lstrip("; "))
    return int(bad.sum())
