"""How well a territorial run ranks the states by homicides, against SESNSP 2015-2019.

    PYTHONPATH=src python -m cartelsim.territory.validation ../shared/data/observed \\
        [--runs 20] [--weeks 52] [--seed 0] [--calibrated]

The observed ranking: SESNSP homicide victims per state summed over 2015-01..2018-12 (the
four full years of the new methodology in `sesnsp_state_month.csv`; Oaxaca's missing
months count as missing, not zero: its total is scaled up by the months it has). The
model's ranking: mean `state_homicides` per state over a run. Agreement is Spearman's rank
correlation (scipy.stats.spearmanr), one per run; the interval is the 5-95 % range over
runs, and a second interval comes from resampling the observed years (bootstrap over the
four yearly rankings, 1,000 draws, the model's ensemble mean held fixed). Two naive
rankings are reported beside it: population alone (2020 census), and the model's conflict
deaths alone (without the baseline spread by population).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from scipy.stats import spearmanr

from cartelsim.errors import DataFileError
from cartelsim.system.csvtable import read_table

SESNSP_FILE = "sesnsp_state_month.csv"
YEARS = (2015, 2016, 2017, 2018)


def read_sesnsp(path: str | Path) -> pd.DataFrame:
    """SESNSP victims by state and month: columns state, year, month, victims (NaN when the
    cell is empty). One-line DataFileError on a malformed row."""
    path = Path(path)
    rows = []
    for row in read_table(path, ("state_code", "month", "homicide_victims")):
        month = row.text("month")
        try:
            year, number = (int(x) for x in month.split("-"))
        except ValueError:
            raise DataFileError(path, f"month {month!r}: expected YYYY-MM", row.line) from None
        raw = row.text("homicide_victims")
        try:
            victims = float(raw) if raw else math.nan
        except ValueError:
            raise DataFileError(path, f"homicide_victims {raw!r}: expected a number or empty",
                                row.line) from None
        rows.append((row.text("state_code"), year, number, victims))
    return pd.DataFrame(rows, columns=["state", "year", "month", "victims"])


def observed_by_year(table: pd.DataFrame, years=YEARS) -> pd.DataFrame:
    """Victims per state (rows) and year (columns); a state's missing months are filled
    with the mean of its reported months of that year."""
    table = table[table["year"].isin(years)]
    return table.groupby(["state", "year"])["victims"].apply(
        lambda v: v.mean() * 12.0).unstack("year")


def rank_agreement(ds: xr.Dataset, observed: pd.DataFrame, seed: int = 0,
                   draws: int = 1000) -> dict[str, object]:
    """Spearman rho between each run's mean state_homicides and the observed state totals."""
    observed = observed.reindex(list(ds.state.values))
    total = observed.sum(axis=1).to_numpy()
    model = ds["state_homicides"].isel(time=slice(1, None)).mean("time")
    per_run = np.array([spearmanr(model.isel(run=r).values, total).statistic
                        for r in range(model.sizes["run"])])
    mean = model.mean("run").values
    rng = np.random.default_rng(seed)
    yearly = observed.to_numpy()
    boot = np.array([spearmanr(mean, yearly[:, rng.integers(0, yearly.shape[1],
                                                           yearly.shape[1])].sum(axis=1)
                               ).statistic for _ in range(draws)])
    top_model = list(ds.state.values[np.argsort(-mean)[:5]])
    top_observed = list(observed.sum(axis=1).sort_values(ascending=False).index[:5])
    deaths = ds["state_deaths"].isel(time=slice(1, None)).mean(["time", "run"]).values
    return {
        "rho_ensemble_mean": float(spearmanr(mean, total).statistic),
        "rho_conflict_deaths_only": float(spearmanr(deaths, total).statistic),
        "rho_population_only": float(spearmanr(ds["state_population"].values,
                                               total).statistic),
        "rho_runs_median": float(np.median(per_run)),
        "rho_runs_5_95": [float(x) for x in np.quantile(per_run, [0.05, 0.95])],
        "rho_bootstrap_years_5_95": [float(x) for x in np.quantile(boot, [0.05, 0.95])],
        "top5_model": top_model, "top5_observed": top_observed,
    }


def main() -> None:
    from cartelsim.params.catalogue import Params
    from cartelsim.system.embedded import mexico_2025
    from cartelsim.world.run import run_world

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("observed", type=Path, help="folder with sesnsp_state_month.csv")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--calibrated", action="store_true",
                        help="territory parameters at the territory posterior's median")
    args = parser.parse_args()
    observed = observed_by_year(read_sesnsp(args.observed / SESNSP_FILE))
    params = Params.defaults()
    if args.calibrated:
        from cartelsim.calibration.posterior import PACKAGED_TERRITORY, load_posterior

        params = load_posterior(packaged=PACKAGED_TERRITORY).apply(params)
    ds = run_world(mexico_2025(), params, weeks=args.weeks, runs=args.runs,
                   engine="stochastic", seed=args.seed, start="2026-01-01", record="totals",
                   territory=True)
    print(json.dumps(rank_agreement(ds, observed, args.seed), indent=1))


if __name__ == "__main__":
    main()
