"""Paired summaries of an ensemble on disk, computed online: one paired block at a time.

A paired block is the chunk of every scenario for the same runs of the same sample (the same
random worlds), so memory holds at most one chunk per scenario, however many runs there are.

What is exact and what is not:
- counts, the share of worlds where the policy is lower (P(lower)) and the number of worlds
  are exact, always;
- quantiles (medians, 90 % intervals, fan-chart bands) are exact while every world's value of
  every summarised cell fits in `budget_bytes` (the values are kept, 8 bytes each, and the
  quantiles are those of numpy, equal to the in-memory summary). Beyond the budget the
  values are binned instead: a first pass finds each cell's range, a second pass counts the
  values in `bins` equal bins over it, and a quantile is read from the bin counts. Its error
  is then at most half a bin width, (max - min) / (2 bins) of that cell; the resolution is
  reported with the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from cartelsim.analysis.compare import COMPARED, FLOW_WINDOW_WEEKS, FLOWS, months_to_weeks
from cartelsim.ensembles.store import EnsembleStore
from cartelsim.errors import CartelsimError

DEFAULT_BUDGET_BYTES = 256 * 2**20
DEFAULT_BINS = 2000
FAN_VARIABLES = ("homicides", "total_members", "active_groups")  # as the comparison figure
FAN_LEVELS = (5.0, 50.0, 95.0)


class Quantiles:
    """Quantiles over worlds of many cells, fed block by block ([world, *cells] arrays).

    NaN values are ignored (a failed run, a flow at the first date). Exact mode keeps every
    value; binned mode (two passes: `observe_range`, then `add`) keeps `bins` counts a cell.
    """

    def __init__(self, cells: tuple[int, ...], worlds: int, budget_bytes: int, bins: int):
        self.cells = cells
        self.worlds = worlds
        self.bins = bins
        self.exact = worlds * int(np.prod(cells)) * 8 <= budget_bytes
        self.filled = 0
        if self.exact:
            self.values = np.full((worlds, *cells), np.nan)
        else:
            self.low = np.full(cells, np.inf)
            self.high = np.full(cells, -np.inf)
            self.counts = np.zeros((*cells, bins), dtype=np.int64)

    @property
    def needs_range_pass(self) -> bool:
        return not self.exact

    @property
    def state_bytes(self) -> int:
        """Memory of what is kept (independent of the number of worlds when binned)."""
        if self.exact:
            return self.values.nbytes
        return self.low.nbytes + self.high.nbytes + self.counts.nbytes

    def observe_range(self, block: np.ndarray) -> None:
        with np.errstate(invalid="ignore"):
            self.low = np.fmin(self.low, np.nanmin(block, axis=0, initial=np.inf))
            self.high = np.fmax(self.high, np.nanmax(block, axis=0, initial=-np.inf))

    def add(self, block: np.ndarray) -> None:
        if self.exact:
            self.values[self.filled:self.filled + len(block)] = block
            self.filled += len(block)
            return
        width = self.high - self.low
        scale = np.where(width > 0, self.bins / np.where(width > 0, width, 1.0), 0.0)
        with np.errstate(invalid="ignore"):
            index = np.floor((block - self.low) * scale)
        ok = np.isfinite(index)
        index = np.clip(np.where(ok, index, 0), 0, self.bins - 1).astype(np.int64)
        flat_cell = np.broadcast_to(np.arange(int(np.prod(self.cells))).reshape(self.cells),
                                    block.shape)
        codes = (flat_cell * self.bins + index)[ok]
        self.counts += np.bincount(codes, minlength=self.counts.size).reshape(self.counts.shape)
        self.filled += len(block)

    def resolution(self) -> np.ndarray:
        """Largest possible error of a quantile, per cell (0 when exact)."""
        if self.exact:
            return np.zeros(self.cells)
        width = np.where(np.isfinite(self.high - self.low), self.high - self.low, 0.0)
        return width / (2 * self.bins)

    def percentiles(self, levels: tuple[float, ...]) -> np.ndarray:
        """[level, *cells]; NaN for a cell without a finite value."""
        if self.exact:
            import warnings

            with warnings.catch_warnings():  # an all-NaN cell gives NaN, as intended
                warnings.simplefilter("ignore", RuntimeWarning)
                return np.nanpercentile(self.values, list(levels), axis=0)
        return self._binned(np.asarray(levels) / 100.0)

    def _binned(self, quantiles: np.ndarray) -> np.ndarray:
        """Linear interpolation between order statistics k and k+1 at rank q (n - 1), each
        placed at the centre of its bin: at most half a bin from the exact value."""
        counts = self.counts.reshape(-1, self.bins)
        total = counts.sum(axis=1)
        cumulative = np.cumsum(counts, axis=1)
        width = (self.high - self.low).reshape(-1)
        centre = self.low.reshape(-1, 1) + (np.arange(self.bins) + 0.5) * \
            np.where(width > 0, width, 0.0)[:, None] / self.bins
        out = np.full((len(quantiles), counts.shape[0]), np.nan)
        for c in np.flatnonzero(total):
            rank = quantiles * (total[c] - 1)
            k = np.floor(rank).astype(np.int64)
            f = rank - k
            below = np.searchsorted(cumulative[c], k, side="right")
            above = np.searchsorted(cumulative[c], np.minimum(k + 1, total[c] - 1), side="right")
            out[:, c] = (1 - f) * centre[c, below] + f * centre[c, above]
        return out.reshape(len(quantiles), *self.cells)


@dataclass
class OnlineSummary:
    """What `summarize` prints and draws, from one or two passes over the chunks."""

    scenarios: list[str]
    times: np.ndarray
    worlds: int
    table: pd.DataFrame  # like analysis.compare.paired_differences, plus 'scenario'
    fan: dict[str, np.ndarray]  # variable -> [level, series, time]; series = scenarios then
    #                              each policy minus the baseline
    exact_table: bool
    exact_fan: bool
    fan_resolution: dict[str, float] = field(default_factory=dict)  # largest error per variable
    passes: int = 1


def _horizon_values(ds: xr.Dataset, variables: list[str], steps: list[int]) -> np.ndarray:
    """[run, variable, horizon]: stocks at the step, flows averaged over the 4 weeks ending
    there (the same operations as analysis.compare.paired_differences, so equal bits)."""
    out = np.empty((ds.sizes["run"], len(variables), len(steps)))
    for v, var in enumerate(variables):
        for h, step in enumerate(steps):
            window = slice(max(1, step - FLOW_WINDOW_WEEKS + 1), step + 1) \
                if var in FLOWS else slice(step, step + 1)
            out[:, v, h] = ds[var].isel(time=window).mean("time").values.astype(float)
    return out


def summarize_online(store: EnsembleStore, horizons_months: tuple[float, ...],
                     level: float = 0.90, budget_bytes: int = DEFAULT_BUDGET_BYTES,
                     bins: int = DEFAULT_BINS, fan: bool = True,
                     progress: Callable[[int, int], None] | None = None) -> OnlineSummary:
    """Paired differences of every scenario against the first, and fan-chart bands, read
    one paired block at a time (see the module docstring for what is exact)."""
    store.require_complete()
    design = store.design
    names = store.scenario_names()
    scenarios = len(names)
    worlds = design.samples * design.runs
    first = design.chunks()[0]
    with xr.open_dataset(store.path(first), engine="netcdf4") as head:
        times = head["time"].values
        present = set(head.data_vars)
    count = len(times)
    steps = []
    for months in horizons_months:
        step = months_to_weeks(months)
        if step < 1:
            raise CartelsimError(f"horizon {months:g} months is less than a week")
        if step >= count:
            raise CartelsimError(f"horizon {months:g} months is beyond the simulated "
                                 f"{count - 1} weeks")
        steps.append(step)
    variables = [v for v in COMPARED if v in present]
    fan_vars = [v for v in FAN_VARIABLES if v in present] if fan else []
    policies = scenarios - 1
    share = budget_bytes // (1 + len(fan_vars))  # the budget is for all accumulators together
    # table cells: [policy, variable, horizon, (base, policy, difference)]
    table_q = Quantiles((max(policies, 1), len(variables), len(steps), 3), worlds, share,
                        bins)
    ok_count = np.zeros((max(policies, 1), len(variables), len(steps)), dtype=np.int64)
    lower_count = np.zeros_like(ok_count)
    fan_q = {var: Quantiles((2 * scenarios - 1, count), worlds, share, bins)
             for var in fan_vars}

    def blocks():
        for _, _, chunks in store.blocks():
            yield [store.read(chunk) for chunk in chunks]

    def table_cells(parts: list[xr.Dataset]) -> np.ndarray:
        values = np.stack([_horizon_values(ds, variables, steps) for ds in parts])
        base = values[0]
        cells = np.full((base.shape[0], max(policies, 1), len(variables), len(steps), 3),
                        np.nan)
        for i in range(policies):
            diff = values[i + 1] - base
            ok = np.isfinite(diff)
            cells[:, i, ..., 0] = np.where(ok, base, np.nan)
            cells[:, i, ..., 1] = np.where(ok, values[i + 1], np.nan)
            cells[:, i, ..., 2] = np.where(ok, diff, np.nan)
        return cells

    def fan_cells(parts: list[xr.Dataset], var: str) -> np.ndarray:
        series = [np.asarray(ds[var].values, dtype=float) for ds in parts]
        series += [s - series[0] for s in series[1:]]
        return np.stack(series, axis=1)  # [run, series, time]

    total_blocks = sum(1 for _ in store.blocks())
    binned = [q for q in (table_q, *fan_q.values()) if q.needs_range_pass]
    passes = 2 if binned else 1
    done = 0
    if binned:
        for parts in blocks():
            if table_q.needs_range_pass and policies:
                table_q.observe_range(table_cells(parts))
            for var, q in fan_q.items():
                if q.needs_range_pass:
                    q.observe_range(fan_cells(parts, var))
            done += 1
            if progress is not None:
                progress(done, total_blocks * passes)
            del parts
    for parts in blocks():
        if policies:
            cells = table_cells(parts)
            table_q.add(cells)
            finite = np.isfinite(cells[..., 2])
            ok_count += finite.sum(axis=0)
            lower_count += (np.where(finite, cells[..., 2], 0.0) < 0).sum(axis=0)
        for var, q in fan_q.items():
            q.add(fan_cells(parts, var))
        done += 1
        if progress is not None:
            progress(done, total_blocks * passes)
        del parts

    table = _table(names, variables, horizons_months, steps, times, table_q, ok_count,
                   lower_count, level) if policies else pd.DataFrame()
    bands = {var: q.percentiles(FAN_LEVELS) for var, q in fan_q.items()}
    return OnlineSummary(
        scenarios=names, times=times, worlds=worlds, table=table, fan=bands,
        exact_table=table_q.exact, exact_fan=all(q.exact for q in fan_q.values()),
        fan_resolution={var: float(np.nanmax(q.resolution())) for var, q in fan_q.items()},
        passes=passes)


def _table(names, variables, months, steps, times, quantiles: Quantiles, ok_count,
           lower_count, level: float) -> pd.DataFrame:
    tail = (1.0 - level) / 2.0
    if quantiles.exact:
        def cell_quantiles(i, v, h):
            base, policy, diff = (quantiles.values[:, i, v, h, k] for k in range(3))
            ok = np.isfinite(diff)
            low, mid, high = np.quantile(diff[ok], [tail, 0.5, 1.0 - tail])
            return float(np.median(base[ok])), float(np.median(policy[ok])), low, mid, high
    else:
        bands = quantiles.percentiles((100 * tail, 50.0, 100 * (1 - tail)))
        resolution = quantiles.resolution()

        def cell_quantiles(i, v, h):
            low, mid, high = bands[:, i, v, h, 2]
            return float(bands[1, i, v, h, 0]), float(bands[1, i, v, h, 1]), low, mid, high
    rows = []
    for i in range(len(names) - 1):
        for h, (m, step) in enumerate(zip(months, steps, strict=True)):
            for v, var in enumerate(variables):
                if ok_count[i, v, h] == 0:
                    continue
                base_mid, policy_mid, low, mid, high = cell_quantiles(i, v, h)
                row = {
                    "scenario": names[i + 1], "variable": COMPARED[var], "horizon_months": m,
                    "date": pd.Timestamp(times[step]).date(), "base": base_mid,
                    "policy": policy_mid, "difference": float(mid), "low": float(low),
                    "high": float(high),
                    "relative": float(mid / base_mid) if base_mid else float("nan"),
                    "p_lower": float(lower_count[i, v, h] / ok_count[i, v, h]),
                    "runs": int(ok_count[i, v, h]),
                }
                if not quantiles.exact:
                    row["resolution"] = float(resolution[i, v, h].max())
                rows.append(row)
    return pd.DataFrame(rows)
