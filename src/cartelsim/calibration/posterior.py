"""A calibrated posterior: parameter draws plus where they came from.

The calibration to the record (`cartelsim calibrate history`) writes one; the package ships
one as its default world (issue "Calibrated to the record"). The format is two files side by
side, both readable without cartelsim:

* `NAME.csv`: one row per posterior draw, one column per catalogue parameter (values in the
  catalogue's units), plus an optional `weight` column (importance weights, e.g. ABC-SMC's);
* `NAME.json`: metadata — the method and library, the data fitted (with the years), the
  simulation budget, the code revision, the seed and the date.

Users of the posterior (the brief, run, compare, history) ask for `median()` as the single
calibrated world and `sample(n, seed)` for intervals that carry parameter uncertainty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import CATALOGUE, Params

PACKAGED_NAME = "record-posterior"  # src/cartelsim/data/posterior/record-posterior.{csv,json}
# The same fit to the record up to 2021 only, for the out-of-sample scoring (`validate`).
PACKAGED_2021 = "record-posterior-2021"
# Stage 2: the territory fitted to the state record (`cartelsim calibrate territory`), applied
# on top of the national posterior when territory is on; and its fit to 2015-2017 only.
PACKAGED_TERRITORY = "territory-posterior"
PACKAGED_TERRITORY_2017 = "territory-posterior-2017"
NUISANCE_KEY = "nuisance_draws"  # the metadata's draws of the fitted model discrepancies


@dataclass(frozen=True)
class Posterior:
    """Posterior draws of some catalogue parameters, with optional importance weights."""

    draws: pd.DataFrame  # one column per parameter, one row per draw
    weights: np.ndarray  # normalised, one per draw
    meta: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(self.draws.columns)

    def quantile(self, q: float) -> dict[str, float]:
        """Weighted quantile of each parameter's marginal."""
        out = {}
        for name in self.draws.columns:
            values = self.draws[name].to_numpy(float)
            order = np.argsort(values, kind="stable")
            cumulative = np.cumsum(self.weights[order])
            index = int(np.searchsorted(cumulative, q * cumulative[-1]))
            out[name] = float(values[order][min(index, len(values) - 1)])
        return out

    def median(self) -> dict[str, float]:
        return self.quantile(0.5)

    def interval(self, name: str, mass: float = 0.9) -> tuple[float, float]:
        """The central `mass` interval of one parameter's marginal."""
        tail = (1.0 - mass) / 2.0
        return self.quantile(tail)[name], self.quantile(1.0 - tail)[name]

    def sample_rows(self, n: int, seed: int) -> np.ndarray:
        """The rows of n draws by weight (with replacement), reproducible from the seed."""
        rng = np.random.default_rng(np.random.SeedSequence([seed, 2001]))
        return rng.choice(len(self.draws), size=n, replace=True, p=self.weights)

    def sample(self, n: int, seed: int) -> pd.DataFrame:
        """n draws by weight (with replacement), reproducible from the seed."""
        return self.draws.iloc[self.sample_rows(n, seed)].reset_index(drop=True)

    def nuisance(self, name: str) -> np.ndarray:
        """The draws of a fitted model discrepancy (not a catalogue parameter, so kept in the
        metadata's ``nuisance_draws``), aligned with the rows; zeros when the file has none."""
        values = self.meta.get(NUISANCE_KEY, {}).get(name)
        if values is None or len(values) != len(self.draws):
            return np.zeros(len(self.draws))
        return np.asarray(values, dtype=float)

    def apply(self, params: Params, values: dict[str, float] | None = None) -> Params:
        """`params` with the posterior's values (the median unless given), origin 'calibrated'."""
        chosen = self.median() if values is None else values
        return params.override(chosen, f"calibrated ({self.source or 'posterior'})")

    def save(self, stem: Path) -> tuple[Path, Path]:
        """Write NAME.csv and NAME.json next to each other (written whole, then renamed)."""
        stem.parent.mkdir(parents=True, exist_ok=True)
        csv_path, json_path = stem.with_suffix(".csv"), stem.with_suffix(".json")
        table = self.draws.copy()
        table["weight"] = self.weights
        for path, write in ((csv_path, lambda p: table.to_csv(p, index=False, float_format="%.10g")),
                            (json_path, lambda p: p.write_text(json.dumps(self.meta, indent=2,
                                                                          sort_keys=True) + "\n"))):
            part = path.with_name(path.name + ".part")
            write(part)
            part.replace(path)
        return csv_path, json_path


def load_posterior(path: str | Path | None = None, packaged: str = PACKAGED_NAME) -> Posterior:
    """Read a posterior from NAME.csv (+ NAME.json); without a path, the packaged one
    called `packaged` (`PACKAGED_NAME` or `PACKAGED_2021`)."""
    if path is None:
        folder = resources.files("cartelsim") / "data" / "posterior"
        csv_text = (folder / f"{packaged}.csv").read_text() if (
            folder / f"{packaged}.csv").is_file() else None
        if csv_text is None:
            raise CartelsimError(f"no calibrated posterior {packaged!r} is packaged with this "
                                 "version (run `cartelsim calibrate history` to make one)")
        meta_file = folder / f"{packaged}.json"
        meta = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
        from io import StringIO
        return _from_table(pd.read_csv(StringIO(csv_text)), meta, f"packaged {packaged}")
    csv_path = Path(path).with_suffix(".csv")
    if not csv_path.is_file():
        raise CartelsimError(f"{csv_path}: no such posterior file (expected NAME.csv and NAME.json)")
    try:
        table = pd.read_csv(csv_path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise CartelsimError(f"{csv_path}: not a posterior table ({error})") from None
    json_path = csv_path.with_suffix(".json")
    try:
        meta = json.loads(json_path.read_text()) if json_path.is_file() else {}
    except json.JSONDecodeError as error:
        raise CartelsimError(f"{json_path}: not valid JSON (line {error.lineno})") from None
    return _from_table(table, meta, str(csv_path))


def _from_table(table: pd.DataFrame, meta: dict[str, Any], source: str) -> Posterior:
    """Check columns against the catalogue and values against the hard bounds."""
    if table.empty:
        raise CartelsimError(f"{source}: the posterior has no draws")
    weights = table.pop("weight").to_numpy(float) if "weight" in table.columns else np.ones(len(table))
    for name in table.columns:
        if name not in CATALOGUE:
            raise CartelsimError(f"{source}: column {name!r} is not a catalogue parameter")
        column = pd.to_numeric(table[name], errors="coerce")
        bad = np.flatnonzero(column.isna().to_numpy())
        if bad.size:
            raise CartelsimError(f"{source}, line {bad[0] + 2}: {name} is not a number")
        for row, value in enumerate(column.to_numpy(float)):
            CATALOGUE[name].check(value, f"{source}, line {row + 2}")
        table[name] = column.astype(float)
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise CartelsimError(f"{source}: column 'weight' must hold finite, non-negative numbers")
    return Posterior(table.reset_index(drop=True), weights / weights.sum(), meta, source)
