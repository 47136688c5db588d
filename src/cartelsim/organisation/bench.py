"""Benchmark of the organisation engine beside the object-per-member reference, timed in
the same process (`cartelsim bench --l4`).

The engine runs one organisation of 175,000 members (the whole sector, EVIDENCE F18) for
520 weeks with a leader removal in week 26. The reference (benchmarks/
l4_object_per_member.py: one Python object per member, as a Mesa model would be written)
gives the same histories but is far slower, so it runs a smaller organisation for fewer
weeks; both are compared per member-week, and the engine is also timed on the reference's
exact configuration. Numba compilation happens before any timing.
"""

from __future__ import annotations

import importlib.util
import resource
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from cartelsim.organisation.experiment import (
    build_schedule,
    simulate_run,
    split_options,
)
from cartelsim.organisation.structure import generate

REFERENCE = Path(__file__).resolve().parents[3] / "benchmarks" / "l4_object_per_member.py"


def _engine_run(members: int, weeks: int, seed: int,
                **options: object) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process, result) of one run on one thread."""
    opts, params, _ = split_options(members, "leader", "uncertain", weeks,
                                    {"removal_week": min(26, weeks), **options})
    org = generate(members, params, seed)
    schedule = build_schedule(opts, params)
    start, cpu = time.perf_counter(), time.process_time()
    result = simulate_run(org, params, opts, schedule, seed, 0)
    return time.perf_counter() - start, time.process_time() - cpu, result


def _load_reference():
    if not REFERENCE.is_file():
        return None
    spec = importlib.util.spec_from_file_location("l4_object_per_member", REFERENCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def run_l4_benchmark(*, quick: bool = False,
                     progress: Callable[[str], None] | None = None) -> dict[str, object]:
    """Member-weeks per second of the engine (one run, one thread) and its speed ratio to
    the object-per-member reference measured in the same run, by wall clock and by this
    process's CPU time (on a shared machine the CPU time shows what an idle core would
    take)."""
    say = progress or (lambda _message: None)
    members, weeks = (20_000, 104) if quick else (175_000, 520)
    ref_members, ref_weeks = (1_000, 26) if quick else (5_000, 52)
    measure = {"efficiency_sources": 4, "efficiency_every": 4}  # as above 20,000 members

    say("compiling the organisation engine")
    start = time.perf_counter()
    _engine_run(300, 30, 0)
    compile_s = time.perf_counter() - start

    say(f"organisation engine: {members:,} members x {weeks} weeks")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    seconds, cpu_seconds, result = _engine_run(members, weeks, 1, **measure)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    state_mb = sum(a.nbytes for a in result.state if isinstance(a, np.ndarray)) / 2**20
    figures: dict[str, object] = {
        "l4_members": members, "l4_weeks": weeks, "l4_seconds": round(seconds, 2),
        "l4_member_weeks_per_s": round(members * weeks / seconds),
        "l4_cpu_seconds": round(cpu_seconds, 2),
        "l4_member_weeks_per_cpu_s": round(members * weeks / cpu_seconds),
        "l4_state_mb": round(state_mb, 1),
        "l4_peak_rss_mb": round(max(rss_before, rss_after) / 1024, 1),
        "l4_final_members": int(result.out[5, -1]),
        "l4_compile_s": round(compile_s, 2),
    }
    reference = _load_reference()
    if reference is None:
        figures["l4_reference"] = "benchmarks/l4_object_per_member.py not found"
        return figures
    say(f"object-per-member reference: {ref_members:,} members x {ref_weeks} weeks")
    start, cpu = time.perf_counter(), time.process_time()
    slow = reference.simulate_reference(ref_members, "leader", "uncertain", ref_weeks, 1,
                                        removal_week=min(26, ref_weeks), **measure)
    ref_seconds, ref_cpu = time.perf_counter() - start, time.process_time() - cpu
    same_seconds, same_cpu, same = _engine_run(ref_members, ref_weeks, 1, **measure)
    same_ok = bool(np.allclose(np.nan_to_num(same.out), np.nan_to_num(slow), rtol=1e-12, atol=0))
    ref_rate = ref_members * ref_weeks / ref_seconds
    figures.update({
        "l4_reference_members": ref_members, "l4_reference_weeks": ref_weeks,
        "l4_reference_seconds": round(ref_seconds, 2),
        "l4_reference_member_weeks_per_s": round(ref_rate),
        "l4_engine_same_size_member_weeks_per_s": round(ref_members * ref_weeks / same_seconds),
        "l4_speedup_vs_object_per_member": round(figures["l4_member_weeks_per_s"] / ref_rate, 1),
        "l4_speedup_same_size": round(ref_seconds / same_seconds, 1),
        "l4_reference_cpu_seconds": round(ref_cpu, 2),
        "l4_speedup_vs_object_per_member_cpu": round(
            figures["l4_member_weeks_per_cpu_s"] / (ref_members * ref_weeks / ref_cpu), 1),
        "l4_speedup_same_size_cpu": round(ref_cpu / max(same_cpu, 1e-9), 1),
        "l4_reference_same_history": same_ok,
    })
    return figures
