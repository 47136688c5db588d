"""Validation of the leadership mechanism (DESIGN.md §2 L2) against published evidence
(../shared/EVIDENCE.md) and the article's claim C1 (DESIGN.md §1).

The experiment: the state removes CJNG's leader on 2026-02-22 (the date of the flagship
scenario, examples/cjng-leader-killed.toml) in Mexico 2025 with default parameters, and
each result is compared with the paired status quo (same seed, same runs).

Engine: deterministic, 40 runs with one seed. Demography is then the expected flows, and
the runs differ only in their 'events' streams (whether and when a contested succession
splits CJNG), so the median over runs is the median over split histories without
demographic noise. With the default parameters this median moved by less than 0.02
across seeds 0, 1, 2 and 11 (stochastic engine, 40 runs: within 0.04 of it), so the
tests do not hang on one lucky seed. All runs cover 5 years after the removal.

Thresholds are the published numbers or the EVIDENCE simulation checks; they were not
tuned to pass. A test that fails here is a finding about the model.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cartelsim.params.catalogue import Params
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import parse_scenario

START = pd.Timestamp("2026-01-01")
REMOVAL = pd.Timestamp("2026-02-22")
W = round((REMOVAL - START).days / 7)  # week of the removal (7)
RUNS = 40
SEED = 2026
SIX_MONTHS = slice(W + 1, W + 27)  # flows of the 26 weeks after the removal
YEARS_4_5 = slice(W + 157, W + 261)  # flows of weeks 157..260 after the removal
WEEKS = W + 260


def scenario(interventions: list[dict]) -> dict:
    """The mechanisms are checked at the catalogue's values, where their published anchors
    were set; VALIDATION.md reports the same checks at the calibrated posterior."""
    return {"system": {"name": "mexico2025"}, "defaults": "catalogue",
            "horizon": {"start": START.date(), "weeks": WEEKS},
            "run": {"engine": "deterministic", "runs": RUNS, "seed": SEED},
            "interventions": interventions}


class Experiments:
    """Status quo and leader removals of CJNG, each run once per module."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str] | None, xr.Dataset] = {}

    def status_quo(self) -> xr.Dataset:
        if None not in self._cache:
            self._cache[None] = run_scenario(parse_scenario(scenario([])))
        return self._cache[None]

    def removal(self, kind: str, succession: str) -> xr.Dataset:
        key = (kind, succession)
        if key not in self._cache:
            self._cache[key] = run_scenario(parse_scenario(scenario([{
                "action": "remove_leader", "kind": kind, "succession": succession,
                "start": REMOVAL.date(), "target": {"groups": ["cjng"]}}])))
        return self._cache[key]

    def six_month_rise(self, kind: str, succession: str, group: str = "cjng") -> np.ndarray:
        """Per run: the group's conflict deaths over the 26 weeks after the removal,
        relative to the paired status quo (0.365 = +36.5 %)."""
        policy = self.removal(kind, succession).deaths.sel(group=group)
        base = self.status_quo().deaths.sel(group=group)
        return (policy.isel(time=SIX_MONTHS).sum("time").values
                / base.isel(time=SIX_MONTHS).sum("time").values - 1.0)


@pytest.fixture(scope="module")
def experiments() -> Experiments:
    return Experiments()


def test_the_removal_happens_on_the_scenario_date(experiments) -> None:
    assert W == 7
    ds = experiments.removal("killed", "contested")
    assert pd.Timestamp(ds.time.values[W]) == START + pd.Timedelta(weeks=W)
    assert abs((pd.Timestamp(ds.time.values[W]) - REMOVAL).days) <= 3


# --------------------------------------------------------------------------- F3


def test_f3_six_month_rise_after_a_contested_killing(experiments) -> None:
    """EVIDENCE F3 — Calderón, Robles, Díaz-Cayeros & Magaloni (2015), J. Conflict
    Resolution 59(8): +36.5 % drug-related violence in the municipality in the first 6
    months after a leader removal (DiD + synthetic control).
    Tolerance: the EVIDENCE simulation check's band, +25 % to +50 %; the paper's
    confidence interval was not retrieved, and the model has no municipalities, so the
    band is for the targeted group's conflict deaths (its members killed), median over
    paired runs.
    Measured (default parameters, seed 2026): median +43.5 % (runs +37 % to +45 %);
    stochastic engine, 40 runs: +38 % to +40 % across seeds.
    Note: the splinter's own losses are not included. With them (CJNG + splinter) the
    median is about +1,800 %: the splinter has no allies (its conflict term is divided by
    s^A + 1 = 1, CJNG's by 28) and inherits CJNG's 13 rivalries plus a rivalry of 13 with
    its parent, so it loses ~1 % of its members a week.
    """
    rise = experiments.six_month_rise("killed", "contested")
    median = float(np.median(rise))
    assert 0.25 <= median <= 0.50, f"median six-month rise {median:+.3f}"


# --------------------------------------------------------------------------- F6


def test_f6a_a_settled_succession_brings_little_violence(experiments) -> None:
    """EVIDENCE F6 — Jones (2013), Trends in Organized Crime 16(2): kingpins removed with a
    respected, ready successor -> no rise in homicides; contested -> internecine war.
    Tolerance: no number is published. 'No rise' is read as: the settled six-month rise is
    below +15 % (under half the F3 effect) and under a third of the contested rise.
    Measured: settled +9.4 %, contested +43.5 % (ratio 0.22).
    """
    settled = float(np.median(experiments.six_month_rise("killed", "settled")))
    contested = float(np.median(experiments.six_month_rise("killed", "contested")))
    assert settled < 0.15, f"settled six-month rise {settled:+.3f}"
    assert settled < contested / 3, f"settled {settled:+.3f} vs contested {contested:+.3f}"


def test_f6b_a_contested_succession_usually_splits_the_group(experiments) -> None:
    """EVIDENCE F6 (Jones 2013) and F5 (Phillips 2015): contested successions end in
    internecine war and splinters; a ready successor keeps the group whole.
    Tolerance: no published frequency. 'Most' is > 1/2 of runs within one year of the
    removal; the catalogue (split_hazard) aims at about 3 in 4. Settled: never.
    Measured: 90 % of runs split within a year (seed 2026; 70-85 % for seeds 0, 1, 2,
    11), 0 % when settled.
    """
    first_year = slice(0, W + 53)
    contested = experiments.removal("killed", "contested")
    split = contested.splits.isel(time=first_year).sum("time").values > 0
    assert split.mean() > 0.5, f"share of runs with a split: {split.mean():.2f}"
    # the split moved members from CJNG into its splinters and nowhere else
    moved = contested.split_transfers.sum("time").values  # [run, group]
    ever = contested.splits.sum("time").values > 0
    cjng = list(contested.group.values).index("cjng")
    splinters = splinters_of_cjng(contested)
    np.testing.assert_array_equal(moved[:, cjng] < 0, ever)
    np.testing.assert_array_equal(np.where(splinters, moved, 0.0).sum(axis=1) > 0, ever)
    splinters[:, cjng] = True
    assert (moved[~splinters] == 0).all()
    settled = experiments.removal("killed", "settled")
    assert (settled.splits.values == 0).all()
    members = settled.members.sum("time").values
    assert (members[splinters_of_cjng(settled)] == 0).all()


def test_f6c_violence_does_not_return_to_its_level_after_a_contested_succession(
        experiments) -> None:
    """EVIDENCE F6 (Jones 2013): after the conflict, rates fell but not to pre-conflict
    levels (hysteresis); with a ready successor there was no rise at all.
    Tolerance: no published number. Contested: national conflict deaths in years 4-5 after
    the removal stay above the paired status quo (median paired difference > 0). Settled:
    back within ±2 % of the status quo (the settled shock is 0.15 of integrity and
    recovers with a 33-week time constant, so 3 years later almost nothing is left).
    Measured: contested median +5.8 % (36 of 40 runs above; the 4 runs without a split
    are -0.2 %), settled -0.05 %.
    """
    base = experiments.status_quo().total_deaths.isel(time=YEARS_4_5).sum("time").values
    contested = experiments.removal("killed", "contested").total_deaths
    settled = experiments.removal("killed", "settled").total_deaths
    contested_rel = contested.isel(time=YEARS_4_5).sum("time").values / base - 1.0
    settled_rel = settled.isel(time=YEARS_4_5).sum("time").values / base - 1.0
    assert np.median(contested_rel) > 0, f"contested years 4-5: {np.median(contested_rel):+.4f}"
    assert np.all(np.abs(settled_rel) <= 0.02), f"settled years 4-5: {settled_rel}"


# --------------------------------------------------------------------------- F5


@pytest.mark.parametrize("succession", ["contested", "settled"])
def test_f5_killings_of_the_top_leader_hurt_more_than_arrests_and_lieutenants(
        experiments, succession) -> None:
    """EVIDENCE F5 — Phillips (2015), J. Politics 77(2): removals differ by kind; the
    violence-reducing arrests are those of mid-level leaders, killings of the top leader
    never reduce violence. Tolerance: the paper's magnitudes were not retrieved, so only
    the ordering of the six-month rise in the targeted group's deaths is asserted,
    killed (top) > captured (top) > lieutenant, strictly, with the same succession.
    Known limitation: the model has no short-term dip after arrests (integrity loss
    only raises conflict), so Phillips' dip is not tested.
    Measured: contested +43.5 % > +32.0 % > +9.4 %; settled +9.4 % > +7.0 % > +2.3 %.
    """
    killed, captured, lieutenant = (
        float(np.median(experiments.six_month_rise(kind, succession)))
        for kind in ("killed", "captured", "lieutenant"))
    assert killed > captured > lieutenant > 0, (killed, captured, lieutenant)


# --------------------------------------------------------------------------- C1


def test_c1_a_removal_interrupts_command_and_control_temporarily(experiments) -> None:
    """DESIGN.md §1 claim C1: removing a leader 'temporarily interrupts command and
    control'. Command integrity of CJNG falls below 0.5 for the first weeks and recovers
    90 % of the loss in ln(10)/integrity_recovery weeks (76.8 weeks at the default), ± 2
    weeks for the weekly grid. It is back to 90 % of its pre-removal level earlier
    (ln(delta/0.1)/lambda = 59.7 weeks for a killing).
    Measured: 0.40 right after the removal, < 0.5 for 7 weeks, 90 % of the loss back after
    77 weeks, 90 % of the level after 60 weeks.
    """
    lam = Params.defaults()["integrity_recovery"]
    integrity = experiments.removal("killed", "contested").command_integrity.sel(group="cjng")
    integrity = integrity.values  # [run, time]
    assert (integrity[:, :W] == 1.0).all()  # intact before
    before = integrity[:, W - 1]
    assert (integrity[:, W:W + 5] < 0.5).all()  # the first month after the removal
    loss = before - integrity[:, W]
    recovered_loss = integrity[:, W:] >= before[:, None] - 0.1 * loss[:, None]
    weeks_loss = recovered_loss.argmax(axis=1)
    assert recovered_loss.any(axis=1).all()
    target = math.log(10) / lam
    assert (np.abs(weeks_loss - target) <= 2).all(), (weeks_loss, target)
    back_to_level = integrity[:, W:] >= 0.9 * before[:, None]
    weeks_level = back_to_level.argmax(axis=1)
    assert back_to_level.any(axis=1).all() and (weeks_level <= target + 2).all()


# --------------------------------------------------------------------------- outputs


def test_hvt_removals_count_the_removal_on_its_date(experiments) -> None:
    hvt = experiments.removal("killed", "contested").hvt_removals.values  # [run, time]
    expected = np.zeros_like(hvt)
    expected[:, W] = 1
    np.testing.assert_array_equal(hvt, expected)
    assert (experiments.status_quo().hvt_removals.values == 0).all()


def test_untouched_groups_keep_integrity_exactly_one(experiments) -> None:
    """Groups outside CJNG's lineage keep integrity 1 wherever they exist (NaN: a group of
    the world engine that has ended); a splinter has none before its parent split."""
    ds = experiments.removal("killed", "contested")
    integrity = ds.command_integrity.values  # [run, time, group]
    lineage = splinters_of_cjng(ds)
    lineage[:, list(ds.group.values).index("cjng")] = True
    untouched = integrity.transpose(0, 2, 1)[~lineage]  # [group of a run, time]
    assert ((untouched == 1.0) | np.isnan(untouched)).all()
    split_week = np.where(ds.splits.values.any(axis=1), ds.splits.values.argmax(axis=1), WEEKS + 1)
    splinters = splinters_of_cjng(ds)
    for run, week in enumerate(split_week):  # an empty slot is 1, a world-engine column NaN
        before = integrity[run, :week][:, splinters[run]]
        assert ((before == 1.0) | np.isnan(before)).all()


def splinters_of_cjng(ds: xr.Dataset) -> np.ndarray:
    """bool [run, group]: the groups descended from CJNG by splits (capped engines: its slot
    `cjng_splinter`; world engine: every group whose lineage's root is CJNG)."""
    groups = list(ds.group.values)
    if "group_root" not in ds:
        names = np.array([g == "cjng_splinter" for g in groups])
        return np.broadcast_to(names, (ds.sizes["run"], len(groups))).copy()
    cjng = groups.index("cjng")
    return (ds.group_root.values == cjng) & (np.arange(len(groups)) != cjng)
