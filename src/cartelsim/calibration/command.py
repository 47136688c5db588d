"""`cartelsim calibrate --method bayes`: sample, report, write the parameter file and figures.

Kept apart from cli/main.py so the shared command stays a thin switch between methods.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from cartelsim.calibration.bayesian import Posterior, parameter_file_text, sample
from cartelsim.errors import CartelsimError
from cartelsim.system.model import System

SYSTEMS = ("bacrim2020", "mexico2025")


def load_system(name: str, data: Path | None) -> System:
    """The system whose national series is fitted: BACRIM 2020 (2012-2021, from --data) or
    the embedded Mexico 2025 (2012-2024, run backwards from 2012: see mexico_2026_check)."""
    if name == "bacrim2020":
        from cartelsim.system.bacrim import load_bacrim
        from cartelsim.system.fetch import default_data_dir

        return load_bacrim(data or default_data_dir())
    if name == "mexico2025":
        if data is not None:
            raise CartelsimError("--data is for --system bacrim2020; mexico2025 is embedded")
        from cartelsim.system.embedded import mexico_2025

        return mexico_2025()
    raise CartelsimError(f"--system must be one of {', '.join(SYSTEMS)}, got {name!r}")


def mexico_2026_check(system: System, posterior: Posterior) -> dict[str, float]:
    """What the calibrated rates imply where Mexico 2025 scenarios start (2026-01-01, the
    embedded sizes): homicides a week in the first month, against INEGI's last year / 52;
    and the fit's own members at its end, against the embedded stock."""
    from cartelsim.engines.simulate import simulate
    from cartelsim.params.catalogue import Params

    params = posterior.params(Params.defaults())
    ds = simulate(system, params, weeks=4, start="2026-01-01", initial="sizes",
                  record="totals")
    last = int(posterior.target.years.max())
    observed = float(posterior.target.homicides[-1]) / 52.0
    return {"homicides_per_week_2026": float(ds.homicides.isel(run=0)[1:].mean()),
            "observed_per_week": observed, "observed_year": last,
            "embedded_members": float(np.nansum(system.size_hint)),
            "fit_members_end": float(np.median(posterior.members_end))}


def run_bayes(system: System, names: list[str], *, walkers: int, steps: int, burn: int,
              seed: int, out: Path, console: Console,
              progress_bar: Callable[[str, bool], AbstractContextManager]) -> Posterior:
    """Sample, print the posterior and its diagnostics, write the file and the figures."""
    from cartelsim.analysis.figures import save_figure
    from cartelsim.calibration.figures import posterior_figure, predictive_figure
    from cartelsim.io.atomic import write_atomically

    with progress_bar(f"emcee: {walkers} walkers x {steps} steps", False) as bar:
        posterior = sample(system, names, walkers=walkers, steps=steps, burn=burn, seed=seed,
                           progress=bar)
    target = posterior.target
    shown = Table(title=f"Posterior ({system.name}, homicides and disappearances "
                  f"{target.years.min()}-{target.years.max()}, {target.count} values; "
                  "log-uniform priors)", title_justify="left")
    for column in ("parameter", "median", "90 % interval", "prior range",
                   "interval / prior (log)", "autocorr. time"):
        shown.add_column(column)
    for row in posterior.table().itertuples():
        shown.add_row(row.parameter, f"{row.median:.4g}", f"{row.low_5:.4g} - {row.high_95:.4g}",
                      f"{row.prior_low:.3g} - {row.prior_high:.3g}",
                      f"{row.interval_share_of_prior:.2f}", f"{row.tau_steps:.1f}")
    console.print(shown)
    console.print(f"Mean acceptance fraction {np.mean(posterior.acceptance):.3f}; "
                  f"{posterior.kept_steps} steps kept after {burn} burn-in; "
                  f"about {posterior.samples.shape[0] / np.nanmax(posterior.tau):,.0f} "
                  "independent draws.")
    for a, b, r in posterior.correlated_pairs():
        console.print(f"{a} and {b} are strongly correlated in the posterior (r = {r:+.2f} in "
                      "log): the data fix a combination of them, not each one.")
    for note in posterior.warnings():
        console.print(f"[red]warning:[/red] {note}")
    if system.name == "mexico2025" and system.size_hint is not None:
        check = mexico_2026_check(system, posterior)
        console.print(
            f"Mexico 2025 (backcast from 2012 on the 2025 network): the fit ends with "
            f"{check['fit_members_end']:,.0f} members on 1 Jan {target.years.max() + 1}; the "
            f"embedded stock for 2026 is {check['embedded_members']:,.0f}. From the embedded "
            f"sizes, the calibrated rates give {check['homicides_per_week_2026']:,.0f} "
            f"homicides a week in Jan 2026 (INEGI {check['observed_year']}: "
            f"{check['observed_per_week']:,.0f}).")
    write_atomically(out, lambda tmp: tmp.write_text(parameter_file_text(posterior),
                                                     encoding="utf-8"))
    figure = out.with_suffix(".png")
    predictive = out.with_name(out.stem + "-predictive.png")
    save_figure(posterior_figure(posterior), figure)
    save_figure(predictive_figure(posterior), predictive)
    console.print(f"Parameter file: {out} (posterior medians; use it with parameters_file = "
                  f"\"{out}\" in a scenario)  |  figures: {figure}, {predictive}")
    return posterior
