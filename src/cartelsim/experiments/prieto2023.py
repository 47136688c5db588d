"""Reproduce Prieto-Curiel, Campedelli & Hope (2023), Science 381:1312-1316.

The published run: 150 BACRIM 2020 groups, 115,000 members on 2012-01-01 spread by Zipf
rank, 520 weekly steps to 2022 with the fitted rates. From the week-520 state, four
continuations of 520 more weeks: rates unchanged, no recruitment, incapacitation doubled
and recruitment halved. `compare` sets the model's numbers beside the paper's published
claims (EVIDENCE.md F18, F19) and says plainly where they agree and where they do not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from cartelsim.engines.simulate import simulate
from cartelsim.params.catalogue import Params
from cartelsim.system.model import System

START = pd.Timestamp("2012-01-01")
WEEKS = 520
CONTINUATIONS: dict[str, dict[str, float]] = {
    "unchanged": {},
    "zero_recruitment": {"recruitment_rate": 0.0},
    "double_incapacitation": {"incapacitation_factor": 2.0},
    "half_recruitment": {"recruitment_factor": 0.5},
}
COLUMNS = ["scenario", "week", "date", "members", "recruits", "arrests", "deaths", "exits",
           "active_groups"]
SOURCE = "Prieto-Curiel, Campedelli & Hope (2023), Science 381:1312"


def continuation_params(base: Params, name: str) -> Params:
    """Parameters of one published continuation, derived from `base`."""
    change = CONTINUATIONS[name]
    origin = f"prieto2023 continuation {name}"
    params = base
    if "recruitment_rate" in change:
        params = params.override({"recruitment_rate": change["recruitment_rate"]}, origin)
    if "incapacitation_factor" in change:
        params = params.scaled("incapacitation", change["incapacitation_factor"], origin)
    if "recruitment_factor" in change:
        params = params.scaled("recruitment_rate", change["recruitment_factor"], origin)
    return params


def run(system: System, params: Params | None = None) -> dict[str, xr.Dataset]:
    """The baseline 2012-2022 and the four continuations 2022-2032, one Dataset each."""
    params = params or Params.defaults()
    baseline = simulate(system, params, weeks=WEEKS, start=START, initial="zipf")
    state = baseline["members"].isel(run=0, time=-1).values
    start = pd.Timestamp(baseline.time.values[-1])
    results = {"baseline": baseline}
    for name in CONTINUATIONS:
        results[name] = simulate(
            system, continuation_params(params, name), weeks=WEEKS, start=start,
            week_offset=WEEKS, initial=state,
        )
        # the week that ends at the switch was lived under the baseline's rates
        for flow in ("recruits", "arrests", "deaths", "exits"):
            results[name][f"total_{flow}"][0, 0] = baseline[f"total_{flow}"][0, -1]
    return results


def tidy(results: dict[str, xr.Dataset]) -> pd.DataFrame:
    """One row per scenario and absolute week, with the issue's exact column names."""
    frames = []
    for name, ds in results.items():
        run0 = ds.isel(run=0)
        frames.append(pd.DataFrame({
            "scenario": name,
            "week": run0["week"].values,
            "date": pd.to_datetime(run0["time"].values),
            "members": run0["total_members"].values,
            "recruits": run0["total_recruits"].values,
            "arrests": run0["total_arrests"].values,
            "deaths": run0["total_deaths"].values,
            "exits": run0["total_exits"].values,
            "active_groups": run0["active_groups"].values,
        }))
    return pd.concat(frames, ignore_index=True)[COLUMNS]


@dataclass(frozen=True)
class Check:
    """One published claim beside the model's number."""

    claim: str
    published: str
    model: str
    agrees: bool
    note: str
    source: str


def _at(frame: pd.DataFrame, scenario: str, week: int, column: str) -> float:
    row = frame[(frame.scenario == scenario) & (frame.week == week)]
    return float(row[column].iloc[0])


def compare(results: dict[str, xr.Dataset], system: System) -> list[Check]:
    """The model against each published claim it can be checked on."""
    frame = tidy(results)
    w22, w27, w32 = WEEKS, WEEKS + 260, 2 * WEEKS
    members22 = _at(frame, "baseline", w22, "members")
    recruits22 = _at(frame, "baseline", w22, "recruits")
    losses22 = sum(_at(frame, "baseline", w22, c) for c in ("arrests", "deaths", "exits"))
    decade = frame[(frame.scenario == "baseline") & (frame.week > 0)]
    recruits_avg = float(decade["recruits"].mean())
    killed_jailed_avg = float((decade["arrests"] + decade["deaths"]).mean())
    killed_jailed22 = _at(frame, "baseline", w22, "arrests") + _at(frame, "baseline", w22, "deaths")
    growth = members22 - _at(frame, "baseline", 0, "members")
    sq_members = _at(frame, "unchanged", w27, "members") / members22 - 1
    sq_deaths = _at(frame, "unchanged", w27, "deaths") / _at(frame, "baseline", w22, "deaths") - 1
    half32 = _at(frame, "half_recruitment", w32, "members")
    double32 = _at(frame, "double_incapacitation", w32, "members")
    double_deaths32 = _at(frame, "double_incapacitation", w32, "deaths")
    deaths22 = _at(frame, "baseline", w22, "deaths")
    zero32 = _at(frame, "zero_recruitment", w32, "members")
    members_by_group = results["baseline"]["members"].isel(run=0, time=-1).values
    shares = members_by_group / members_by_group.sum()

    def share_of(name_fragment: str) -> float:
        idx = [i for i, n in enumerate(system.group_names) if name_fragment in n]
        return float(shares[idx[0]]) if idx else float("nan")

    cjng, sinaloa = share_of("Jalisco Nueva Generación"), share_of("Cártel de Sinaloa")
    checks = [
        Check("members in 2022", "160,000-185,000", f"{members22:,.0f}",
              160_000 <= members22 <= 185_000, "", f"{SOURCE}; EVIDENCE F18"),
        Check("growth 2012-2022", "about 60,000", f"{growth:,.0f}",
              abs(growth - 60_000) <= 0.1 * 60_000, "tolerance ±10 %", "press summaries; EVIDENCE F18"),
        Check("recruits per week (average 2012-2022)", "350-370", f"{recruits_avg:,.0f}",
              350 <= recruits_avg <= 370,
              f"in the last week of 2021 alone: {recruits22:,.0f} recruits against "
              f"{losses22:,.0f} members lost", f"{SOURCE}; EVIDENCE F18"),
        Check("members killed or incapacitated per week (average 2012-2022)", "about 200",
              f"{killed_jailed_avg:,.0f}", abs(killed_jailed_avg - 200) <= 0.1 * 200,
              f"tolerance ±10 %; {killed_jailed22:,.0f} in the last week of 2021; press "
              "summary, weak", "EVIDENCE F18"),
        Check("status quo to 2027: members", "+26 %", f"{100 * sq_members:+.0f} %",
              abs(sq_members - 0.26) <= 0.05, "tolerance ±5 points; press summary",
              "EVIDENCE F19"),
        Check("status quo to 2027: cartel deaths", "+40 %", f"{100 * sq_deaths:+.0f} %",
              abs(sq_deaths - 0.40) <= 0.05, "tolerance ±5 points; press summary", "EVIDENCE F19"),
        Check("halving recruitment: members fall", "only scenario where membership falls",
              f"{half32:,.0f} in 2032 vs {members22:,.0f} in 2022", half32 < members22,
              "", f"{SOURCE} abstract; EVIDENCE F19"),
        Check("doubling incapacitation: members still above 2022", "members keep growing",
              f"{double32:,.0f} in 2032", double32 > members22, "", "EVIDENCE F19, F21"),
        Check("doubling incapacitation: deaths still above 2022",
              "more homicides than today (abstract)", f"{double_deaths32:,.0f}/week in 2032 vs "
              f"{deaths22:,.0f}", double_deaths32 > deaths22, "", f"{SOURCE} abstract; EVIDENCE F19"),
        Check("no recruitment: members collapse", "(not published; sanity check)",
              f"{zero32:,.0f} in 2032", zero32 < 0.5 * members22, "", "model property"),
        Check("CJNG share of members", "17.9 %", f"{100 * cjng:.1f} %", abs(cjng - 0.179) <= 0.02,
              "tolerance ±2 points", f"{SOURCE}; EVIDENCE F18"),
        Check("Sinaloa Cartel share of members", "8.9 %", f"{100 * sinaloa:.1f} %",
              abs(sinaloa - 0.089) <= 0.02, "tolerance ±2 points", f"{SOURCE}; EVIDENCE F18"),
    ]
    if not np.isfinite(cjng) or not np.isfinite(sinaloa):
        checks = [c for c in checks if "share" not in c.claim]
    return checks
