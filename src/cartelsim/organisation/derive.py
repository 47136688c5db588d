"""Multi-scale coupling: the group-level leadership parameters (DESIGN.md §2 L2) derived
from ensembles of the organisation engine (L4), with their uncertainty.

L2 describes a group by one number, its command integrity L: a removal multiplies L by
(1 - delta_kind), or by (1 - settled_loss_factor x delta_kind) when the succession is
settled; L recovers as dL/dt = lambda (1 - L); while the succession is contested the group
splits with weekly hazard h_0 (1 - L)^gamma, a share f of its members leaving. L4 gives L as
the command reach of the organisation relative to the week before the removal, so:

* settled_loss_factor = loss(settled) / loss(contested), leader killed;
* succession_clarity = share of undecided successions after a killing that were settled;
* delta_kind = mean loss after an undecided succession of that kind, divided by
  (clarity x factor + 1 - clarity), the mean L2 loss per unit delta (so L2 reproduces the
  L4 mean); delta_lieutenant = mean loss after removing one lieutenant;
* lambda: least squares of 1 - delta e^(-lambda t) on the mean curve after a killing;
* h_0, gamma: maximum likelihood of the weekly split hazard along the contested runs
  (a run leaves the risk set when it splits or when L recovers to 0.9, as in L2);
* f: median share of members leaving with the splinter.

Each sample of the L4 parameters (Latin hypercube over their plausible ranges) gives one
set; the parameter file holds the median over samples and states the 90 % interval.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from scipy.optimize import minimize
from scipy.stats import qmc

from cartelsim.params.catalogue import CATALOGUE
from cartelsim.params.organisation import ORG_CATALOGUE

from .experiment import removal_experiment

PROVENANCE = "derived from the organisation engine"
# as in mechanisms.leadership: a contest ends when L is back to this (catalogue default)
CONSOLIDATED = CATALOGUE["succession_consolidated"].default
UNCERTAIN_PARAMETERS = ("allegiance_rate", "heir_acceptance", "standing_sigma",
                        "contest_ratio", "split_min_share", "promotion_rate", "rewire_rate",
                        "handover_captured", "handover_extradited")
DERIVED = ("integrity_loss_killed", "integrity_loss_captured", "integrity_loss_extradited",
           "integrity_loss_lieutenant", "integrity_recovery", "settled_loss_factor",
           "succession_clarity", "split_hazard", "split_exponent", "split_fraction")


@dataclass(frozen=True)
class Settings:
    """Size of the L4 ensembles behind a derivation."""

    members: int = 1000
    weeks: int = 156
    removal_week: int = 4
    runs: int = 30
    samples: int = 8
    seed: int = 0


def relative_integrity(ds: xr.Dataset) -> np.ndarray:
    """Command reach relative to the week before the removal, [run, weeks from removal]."""
    week = int(ds.attrs["removal_week"])
    reach = ds.command_reach.values
    before = np.maximum(reach[:, week - 1:week], 1e-9)
    return np.clip(reach[:, week:] / before, 0.0, 1.0)


def _loss(ds: xr.Dataset) -> float:
    return float(1.0 - relative_integrity(ds)[:, 0].mean())


def fit_recovery(curve: np.ndarray) -> float:
    """lambda of 1 - delta e^(-lambda t) fitted (least squares) to a mean integrity curve
    starting at the removal week, delta fixed at the observed first loss."""
    delta = 1.0 - curve[0]
    if delta <= 1e-6:
        return float(CATALOGUE["integrity_recovery"].maximum)
    t = np.arange(curve.size)

    def cost(log_rate: np.ndarray) -> float:
        return float(((curve - (1.0 - delta * np.exp(-np.exp(log_rate[0]) * t))) ** 2).sum())

    best = minimize(cost, np.array([np.log(0.03)]), method="Nelder-Mead")
    return float(np.clip(np.exp(best.x[0]), 1e-4, 1.0))


def fit_split_hazard(ds: xr.Dataset) -> tuple[float, float]:
    """(h_0, gamma) by maximum likelihood of splits in contested runs."""
    week = int(ds.attrs["removal_week"])
    integrity = relative_integrity(ds)
    spans, events = [], []
    for run in range(integrity.shape[0]):
        split = int(ds.split_week.values[run])
        lost = 1.0 - integrity[run]
        if split >= week:
            spans.append(lost[:split - week + 1])
            events.append(True)
        else:
            consolidated = np.flatnonzero(integrity[run] >= CONSOLIDATED)
            end = consolidated[0] if consolidated.size else lost.size
            spans.append(lost[:end])
            events.append(False)
    if not any(events):
        return 0.0, float(CATALOGUE["split_exponent"].default)

    def negative_log_likelihood(x: np.ndarray) -> float:
        h0, gamma = np.exp(x[0]), x[1]
        total = 0.0
        for lost, event in zip(spans, events, strict=True):
            hazard = np.minimum(h0 * np.maximum(lost, 1e-9) ** gamma, 50.0)
            if event:
                total += hazard[:-1].sum() - np.log(-np.expm1(-hazard[-1]) + 1e-300)
            else:
                total += hazard.sum()
        return float(total)

    best = minimize(negative_log_likelihood, np.array([np.log(0.1), 2.0]), method="L-BFGS-B",
                    bounds=[(np.log(1e-6), 0.0), (0.0, 10.0)])
    return float(np.exp(best.x[0])), float(best.x[1])


def derive_sample(settings: Settings, overrides: dict[str, float],
                  seed: int) -> tuple[dict[str, float], np.ndarray]:
    """The L2 leadership parameters from one set of L4 parameters, and the mean
    command-integrity curve after a killing (from the removal week on)."""
    common = dict(members=settings.members, weeks=settings.weeks, runs=settings.runs,
                  seed=seed, removal_week=settings.removal_week, exact_below=0,
                  efficiency_sources=1, **overrides)

    def experiment(strategy: str, succession: str, **extra: object) -> xr.Dataset:
        kwargs = {**common, **extra}
        members, weeks, runs, seed_ = (kwargs.pop(k) for k in ("members", "weeks", "runs", "seed"))
        return removal_experiment(members, strategy, succession, weeks, runs, seed_, **kwargs)

    contested = experiment("leader", "contested")
    settled = experiment("leader", "settled")
    killed = experiment("leader", "uncertain", kind="killed")
    factor = float(np.clip(_loss(settled) / max(_loss(contested), 1e-9), 0.0, 1.0))
    at_removal = killed.succession_week.values == settings.removal_week
    clarity = float((killed.succession.values[at_removal] == 0).mean()) if at_removal.any() \
        else 0.5
    per_delta = clarity * factor + 1.0 - clarity

    def delta(loss: float) -> float:  # mean L2 loss per unit delta; nearly 0: no information
        return float(np.clip(loss / per_delta, 0.0, 1.0)) if per_delta > 0.05 else \
            _loss(contested)

    values = {"settled_loss_factor": factor, "succession_clarity": clarity,
              "integrity_loss_killed": delta(_loss(killed))}
    for kind in ("captured", "extradited"):
        values[f"integrity_loss_{kind}"] = delta(_loss(experiment("leader", "uncertain",
                                                                  kind=kind)))
    values["integrity_loss_lieutenant"] = _loss(experiment("role:lieutenant", "uncertain"))
    values["integrity_recovery"] = fit_recovery(relative_integrity(killed).mean(axis=0))
    values["split_hazard"], values["split_exponent"] = fit_split_hazard(contested)
    shares = contested.split_share.values[contested.splits.values > 0]
    values["split_fraction"] = float(np.median(shares)) if shares.size else float("nan")
    return values, relative_integrity(killed).mean(axis=0)


def parameter_samples(samples: int, seed: int) -> list[dict[str, float]]:
    """Latin hypercube over the plausible ranges of the uncertain L4 parameters."""
    unit = qmc.LatinHypercube(d=len(UNCERTAIN_PARAMETERS), seed=seed).random(samples)
    low = np.array([ORG_CATALOGUE[n].low for n in UNCERTAIN_PARAMETERS])
    high = np.array([ORG_CATALOGUE[n].high for n in UNCERTAIN_PARAMETERS])
    points = low + unit * (high - low)
    return [dict(zip(UNCERTAIN_PARAMETERS, map(float, row), strict=True)) for row in points]


def derive_leadership(settings: Settings,
                      progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """One row per L4 parameter sample: the sampled values and the derived L2 values.
    attrs["integrity"] holds each sample's mean integrity curve after a killing
    [sample, weeks from the removal]."""
    rows, curves = [], []
    points = parameter_samples(settings.samples, settings.seed)
    for number, point in enumerate(points):
        derived, curve = derive_sample(settings, point, seed=settings.seed + number)
        rows.append({"sample": number, **point, **derived})
        curves.append(curve)
        if progress:
            progress(number + 1, len(points))
    table = pd.DataFrame(rows)
    table.attrs["integrity"] = np.array(curves)
    return table


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Median and 90 % interval over samples of each derived parameter, inside the
    catalogue's hard bounds."""
    rows = []
    for name in DERIVED:
        values = table[name].dropna().to_numpy()
        spec = CATALOGUE[name]
        if values.size == 0:
            rows.append({"parameter": name, "value": spec.default, "low": np.nan,
                         "high": np.nan, "samples": 0})
            continue
        low, mid, high = np.clip(np.quantile(values, [0.05, 0.5, 0.95]), spec.minimum,
                                 spec.maximum)
        rows.append({"parameter": name, "value": float(mid), "low": float(low),
                     "high": float(high), "samples": int(values.size)})
    return pd.DataFrame(rows).set_index("parameter")


def parameter_file_text(table: pd.DataFrame, settings: Settings,
                        sampled: Sequence[str] = UNCERTAIN_PARAMETERS) -> str:
    """A TOML parameter file for `parameters_file = ...` in scenarios (provenance in the
    comments; the values are the medians over L4 parameter samples)."""
    stats = summary(table)
    lines = [
        f"# Group-level leadership parameters ({PROVENANCE}; `cartelsim org derive`, "
        f"{dt.date.today().isoformat()}).",
        f"# L4 ensembles: {settings.samples} parameter samples x {settings.runs} runs of "
        f"{settings.members}-member organisations, {settings.weeks} weeks, removal at week "
        f"{settings.removal_week}, seed {settings.seed}.",
        "# Sampled over their plausible ranges (Latin hypercube): " + ", ".join(sampled) + ".",
        "# value = median over samples [90 % interval over samples]:",
    ]
    for name, row in stats.iterrows():
        interval = (f"[{row.low:.4g}, {row.high:.4g}]" if row.samples else
                    "(no sample produced a value; catalogue default kept)")
        lines.append(f"#   {name} = {row.value:.4g} {interval}")
    lines += ["", f"provenance = {PROVENANCE!r}", "", "[parameters]"]
    lines += [f"{name} = {float(row.value)!r}" for name, row in stats.iterrows()]
    return "\n".join(lines) + "\n"
