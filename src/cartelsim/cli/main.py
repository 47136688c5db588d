"""`cartelsim` command line.

User mistakes (CartelsimError, bad options) print one line `error: ...` on stderr and exit
with code 2; no traceback.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from typer.exceptions import Abort, Exit, TyperException

from cartelsim.cli.brief import brief_command
from cartelsim.cli.examples import examples_app
from cartelsim.cli.history import history_command
from cartelsim.cli.org import org_app
from cartelsim.cli.progress import errors, progress_bar, working
from cartelsim.cli.serve import serve_command
from cartelsim.cli.validate import validate_command
from cartelsim.errors import CartelsimError

app = typer.Typer(
    name="cartelsim",
    help="Simulate Mexican criminal groups, the state and outside pressure; test strategies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Get and check data sets.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.command(name="serve")(serve_command)
app.command(name="brief")(brief_command)
app.command(name="history")(history_command)
app.command(name="validate")(validate_command)
app.add_typer(org_app, name="org")
app.add_typer(examples_app, name="examples")

console = Console()


def _frame_table(frame, title: str, index_label: str = "") -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(index_label)
    for column in frame.columns:
        table.add_column(str(column), justify="right")
    for label, row in frame.iterrows():
        table.add_row(str(label), *[str(v) for v in row.values])
    return table


@app.command()
def run(
    scenario: Annotated[Path | None, typer.Argument(
        help="Scenario TOML file; without it, the status quo on Mexico 2025.")] = None,
    runs: Annotated[int | None, typer.Option(min=1, help="Replicates (overrides the file).")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Root seed (overrides the file).")] = None,
    engine: Annotated[str | None, typer.Option(
        help="deterministic or stochastic (overrides the file).")] = None,
    weeks: Annotated[int | None, typer.Option(min=1, help="Horizon in weeks.")] = None,
    out: Annotated[Path | None, typer.Option(help="NetCDF results file.")] = None,
    csv: Annotated[Path | None, typer.Option(help="Tidy CSV of national series.")] = None,
    figure: Annotated[Path | None, typer.Option(help="PNG figure of national series.")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar or tables.")] = False,
) -> None:
    """Run a scenario and write NetCDF, CSV and a figure (default folder: outputs/)."""
    from cartelsim.analysis.figures import national_figure, save_figure
    from cartelsim.analysis.summary import national_summary, top_groups
    from cartelsim.io.atomic import check_target
    from cartelsim.io.export import national_table, write_csv, write_netcdf
    from cartelsim.scenarios.runner import run_scenario
    from cartelsim.scenarios.schema import load_scenario, parse_scenario

    base = load_scenario(scenario) if scenario else parse_scenario(
        {"name": "status-quo",
         "description": "The published rates continued on Mexico 2025 (no intervention)."},
        source="built-in status quo")
    overrides = {k: v for k, v in {"runs": runs, "seed": seed, "engine": engine}.items()
                 if v is not None}
    chosen = base.derive(run=overrides, horizon={} if weeks is None else {"weeks": weeks},
                         source=f"{base.source} (with command-line options)"
                         if overrides or weeks else base.source)
    default_stem = Path("outputs") / chosen.name
    nc_path = check_target(out or chosen.output.path or default_stem.with_suffix(".nc"))
    csv_path = check_target(csv or nc_path.with_suffix(".csv"))
    png_path = check_target(figure or nc_path.with_suffix(".png"))

    chosen.params()  # refuse bad values before any work starts
    with progress_bar(f"{chosen.name}: {chosen.run.runs} {chosen.run.engine} run(s)", quiet) as bar:
        ds = run_scenario(chosen, progress=bar)
    failed = int((ds["status"] != 0).sum())
    with progress_bar(f"writing {nc_path} (MB)", quiet) as bar:
        write_netcdf(ds, nc_path, progress=bar)
    with working(f"writing {csv_path} and {png_path}", quiet):
        write_csv(national_table(ds), csv_path)
        save_figure(national_figure(ds, f"{chosen.name} on {ds.attrs['system']}"), png_path)
    if not quiet:
        console.print(f"[bold]{chosen.name}[/bold] on {ds.attrs['system']} "
                      f"({ds.sizes['run']} {ds.attrs['engine']} run(s), seed {ds.attrs['seed']})")
        if chosen.description:
            console.print(chosen.description)
        console.print(_frame_table(national_summary(ds), "National series "
                                   "(median [5-95 %] over runs)"))
        if "members" in ds:
            top = top_groups(ds)
            top["start"] = top["start"].map("{:,.0f}".format)
            top["end"] = top["end"].map("{:,.0f}".format)
            top["share_end"] = top["share_end"].map("{:.1%}".format)
            top["synthetic"] = top["synthetic"].map({True: "yes", False: ""})
            console.print(_frame_table(top.set_index("group"), "Largest groups at the end"))
        synthetic = int(ds.attrs.get("synthetic_groups", "0"))
        if synthetic:
            console.print(f"{synthetic} of {ds.sizes.get('group', 0)} groups are a synthetic "
                          "tail (labelled 'synthetic' in every output).")
    if failed:
        errors.print(f"warning: {failed} run(s) failed; see the 'status' variable")
    console.print(f"Results: {nc_path}  |  table: {csv_path}  |  figure: {png_path}")


@app.command()
def compare(
    base: Annotated[Path, typer.Argument(help="Baseline scenario (e.g. status quo).")],
    policy: Annotated[Path, typer.Argument(help="Policy scenario to compare with it.")],
    runs: Annotated[int | None, typer.Option(min=1, help="Paired runs (both scenarios).")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Root seed (both scenarios).")] = None,
    engine: Annotated[str | None, typer.Option(help="deterministic or stochastic.")] = None,
    horizons: Annotated[str, typer.Option(
        help="Months after the first intervention, comma-separated.")] = "3,12,36",
    group: Annotated[list[str] | None, typer.Option(
        help="Also compare this group's command integrity and members (repeatable).")] = None,
    out: Annotated[Path | None, typer.Option(help="CSV of the comparison table.")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        help="Folder for both results (NetCDF), the table (CSV) and a figure (PNG).")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Run two scenarios on the same random worlds and print paired differences."""
    from cartelsim.analysis.compare import first_intervention, paired_differences
    from cartelsim.io.export import write_csv
    from cartelsim.scenarios.paired import check_same_world, run_paired
    from cartelsim.scenarios.schema import load_scenario

    months = _parse_horizons(horizons)
    overrides = {k: v for k, v in {"runs": runs, "seed": seed, "engine": engine}.items()
                 if v is not None}
    chosen = [load_scenario(path).derive(run=overrides) for path in (base, policy)]
    first, second = chosen
    hint = " (use --runs/--seed/--engine)"
    check_same_world(first, second, hint=hint)
    for scenario in chosen:
        scenario.params()  # refuse a bad parameter file before any work starts
    with progress_bar(f"{second.name} vs {first.name}: 2 x {first.run.runs} run(s)",
                      quiet) as bar:
        pair = run_paired(first, second, progress=lambda share: bar(round(1000 * share), 1000),
                          hint=hint)
    results = [pair.base, pair.policy]
    groups = tuple(group or ())
    since = first_intervention(first, second)
    table = paired_differences(results[0], results[1], months, groups=groups, since=since)
    counted = f"; months after {since}, the first intervention" if since else ""
    shown = Table(title=f"{second.name} minus {first.name}: paired over {first.run.runs} "
                  f"{first.run.engine} world(s), seed {first.run.seed}{counted}",
                  title_justify="left")
    for column in ("variable", "months", "base", "policy", "difference [90 %]", "relative",
                   "P(lower)"):
        shown.add_column(column, justify="left" if column == "variable" else "right")
    for row in table.itertuples():
        digits = 2 if abs(row.base) < 10 else 0  # command integrity lives in [0, 1]
        shown.add_row(row.variable, f"{row.horizon_months:g}", f"{row.base:,.{digits}f}",
                      f"{row.policy:,.{digits}f}",
                      f"{row.difference:+,.{digits}f} [{row.low:+,.{digits}f}, "
                      f"{row.high:+,.{digits}f}]",
                      f"{100 * row.relative:+.1f} %", f"{row.p_lower:.2f}")
    console.print(shown)
    written = []
    if out is not None:
        written.append(write_csv(table, out))
    if out_dir is not None:
        from cartelsim.analysis.figures import comparison_figure, save_figure
        from cartelsim.io.export import write_netcdf

        for scenario, ds in zip(chosen, results, strict=True):
            target = out_dir / f"{scenario.name}.nc"
            with progress_bar(f"writing {target} (MB)", quiet) as bar:
                written.append(write_netcdf(ds, target, progress=bar))
        stem = out_dir / f"{second.name}-vs-{first.name}"
        written.append(write_csv(table, stem.with_suffix(".csv")))
        figure = comparison_figure(results[0], results[1], groups[0] if groups else None)
        save_figure(figure, stem.with_suffix(".png"))
        written.append(stem.with_suffix(".png"))
    if written:
        console.print("Written: " + "  |  ".join(str(p) for p in written))


@app.command()
def ensemble(
    scenarios: Annotated[list[Path], typer.Argument(
        help="Scenario files; the first is the baseline of the summaries.")],
    out: Annotated[Path, typer.Option(help="Folder for the ensemble (manifest and chunks).")],
    runs: Annotated[int, typer.Option(min=1, help="Replicates per sample and scenario.")] = 100,
    samples: Annotated[int, typer.Option(min=1, help="Parameter samples.")] = 1,
    seed: Annotated[int, typer.Option(min=0, help="Root seed of everything.")] = 0,
    parameters: Annotated[str, typer.Option(
        help="Parameters to sample over their plausible ranges, comma-separated.")] = "",
    method: Annotated[str, typer.Option(help="lhs or sobol.")] = "lhs",
    executor: Annotated[str, typer.Option(help="serial, processes or dask.")] = "processes",
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address (tcp://HOST:PORT); default: a local cluster.")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes.")] = None,
    chunk_runs: Annotated[int, typer.Option(min=1, help="Runs per chunk on disk.")] = 100,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted ensemble.")] = False,
    max_gb: Annotated[float, typer.Option(help="Refuse ensembles larger than this.")] = 50.0,
) -> None:
    """Run scenarios x parameter samples x replicates, streaming chunks to disk."""
    from cartelsim.ensembles.executors import make_executor
    from cartelsim.ensembles.runner import build_design, run_ensemble

    if method not in ("lhs", "sobol"):
        raise CartelsimError(f"--method must be lhs or sobol, got {method!r}")
    if not 0 < max_gb < float("inf"):  # also refuses nan, which would disable the check
        raise CartelsimError(f"--max-gb must be a positive number of gigabytes, got {max_gb}")
    _ensemble_folder(out)
    names = [p.strip() for p in parameters.split(",") if p.strip()]
    design, loaded = build_design(scenarios, runs, samples, seed, method, names,  # type: ignore[arg-type]
                                  chunk_runs)
    pool = make_executor(executor, scheduler, workers)
    try:
        started = time.perf_counter()
        with progress_bar(f"ensemble runs ({executor})", False) as bar:
            store = run_ensemble(design, loaded, out, pool, resume=resume, max_gb=max_gb,
                                 progress=bar)
        seconds = time.perf_counter() - started
    finally:
        pool.close()
    total = len(design.chunks())
    runs_all = len(design.scenarios) * design.samples * design.runs
    console.print(f"Ensemble complete: {len(design.scenarios)} scenario(s) x {design.samples} "
                  f"sample(s) x {design.runs} run(s) = {runs_all:,} runs in {total} chunk(s), "
                  f"{seconds:.1f} s this session, in {store.folder}")
    console.print(f"Next: cartelsim summarize {out}   |   cartelsim export {out} --out FILE.nc")


@app.command()
def export(
    folder: Annotated[Path, typer.Argument(help="Ensemble folder.")],
    out: Annotated[Path, typer.Option(help="NetCDF file for the whole ensemble.")],
) -> None:
    """Gather a finished ensemble into one labelled Dataset (scenario, sample, run, time).

    Written chunk by chunk, so one chunk is in memory at a time."""
    from cartelsim.ensembles.store import EnsembleStore
    from cartelsim.io.export import write_ensemble_netcdf

    with progress_bar("export: chunks", False) as bar:
        write_ensemble_netcdf(EnsembleStore.open(_ensemble_folder(folder)), out, progress=bar)
    import xarray as xr

    with xr.open_dataset(out, engine="netcdf4") as ds:
        console.print(f"{out}: dims {dict(ds.sizes)}")


@app.command()
def summarize(
    folder: Annotated[Path, typer.Argument(help="Ensemble folder.")],
    horizons: Annotated[str, typer.Option(help="Months, comma-separated.")] = "3,12,36",
    out: Annotated[Path | None, typer.Option(help="CSV of the summary.")] = None,
    figures: Annotated[bool, typer.Option(
        help="Fan charts of each scenario against the first, saved in the ensemble folder.")
    ] = True,
) -> None:
    """Paired differences of every scenario against the first, over samples and runs.

    Computed online, one paired block of chunks at a time, so memory stays bounded."""
    import pandas as pd

    from cartelsim.ensembles.online import DEFAULT_BUDGET_BYTES, summarize_online
    from cartelsim.ensembles.store import EnsembleStore
    from cartelsim.io.export import write_csv

    months = _parse_horizons(horizons)
    with progress_bar("summarize: paired blocks", False) as bar:
        summary = summarize_online(EnsembleStore.open(_ensemble_folder(folder)), months,
                                   progress=bar,
                                   fan=figures)
    if not (summary.exact_table and summary.exact_fan):
        console.print(f"Above the {DEFAULT_BUDGET_BYTES / 2**20:.0f} MiB budget: quantiles from "
                      "fixed-resolution histograms (error at most half a bin; see 'resolution'"
                      "); counts and P(lower) exact.")
    tables = []
    for index in range(1, len(summary.scenarios)):
        name = summary.scenarios[index]
        table = summary.table[summary.table["scenario"] == name].reset_index(drop=True)
        if figures:
            from cartelsim.analysis.figures import save_figure
            from cartelsim.analysis.summary import fan_figure

            figure_path = folder / f"summary-{name.replace(':', '_')}.png"
            save_figure(fan_figure(summary, index), figure_path)
            console.print(f"Figure: {figure_path}")
        tables.append(table)
        shown = Table(title=f"{name} minus {summary.scenarios[0]} "
                      f"({summary.worlds} paired worlds)", title_justify="left")
        for column in ("variable", "months", "difference [90 %]", "relative", "P(lower)"):
            shown.add_column(column)
        for row in table.itertuples():
            shown.add_row(row.variable, f"{row.horizon_months:g}",
                          f"{row.difference:+,.0f} [{row.low:+,.0f}, {row.high:+,.0f}]",
                          f"{100 * row.relative:+.1f} %", f"{row.p_lower:.2f}")
        console.print(shown)
    if not tables:
        console.print("Only one scenario: nothing to compare.")
    elif out is not None:
        write_csv(pd.concat(tables, ignore_index=True), out)
        console.print(f"Table: {out}")


@app.command()
def sensitivity(
    scenario: Annotated[Path, typer.Argument(help="Scenario file to vary.")],
    parameters: Annotated[str, typer.Option(help="Parameters to vary, comma-separated.")],
    method: Annotated[str, typer.Option(help="morris (screening) or sobol (variance).")] = "morris",
    samples: Annotated[int, typer.Option(
        min=2, help="Morris trajectories, or Sobol base samples (a power of two).")] = 16,
    output: Annotated[str, typer.Option(help="National output to explain.")] = "homicides",
    horizon: Annotated[float, typer.Option(help="Months after the start.")] = 36.0,
    runs: Annotated[int | None, typer.Option(min=1, help="Runs per point (mean).")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Seed of sampling and runs.")] = 0,
    executor: Annotated[str, typer.Option(help="serial, processes or dask.")] = "processes",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address.")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes.")] = None,
    out: Annotated[Path, typer.Option(help="CSV of the indices (a PNG goes beside it).")] = Path(
        "outputs/sensitivity.csv"),
) -> None:
    """Global sensitivity (SALib Morris or Sobol) of one output to chosen parameters."""
    from cartelsim.analysis.figures import save_figure
    from cartelsim.analysis.sensitivity import indices, indices_figure
    from cartelsim.ensembles import sensitivity as sens
    from cartelsim.ensembles.executors import make_executor
    from cartelsim.io.export import write_csv
    from cartelsim.scenarios.schema import load_scenario

    chosen = load_scenario(scenario).derive(
        run={"seed": seed, **({"runs": runs} if runs else {})})
    problem = sens.problem_for([p.strip() for p in parameters.split(",") if p.strip()])
    points = sens.sample(problem, method, samples, seed)
    pool = make_executor(executor, scheduler, workers)
    try:
        with progress_bar(f"sensitivity: {len(points)} points", False) as bar:
            values = sens.evaluate(chosen, problem, points, output, horizon, pool, bar)
    finally:
        pool.close()
    table = indices(method, problem, points, values, seed)
    title = f"{output} at {horizon:g} months, {chosen.name} ({method}, {len(points)} points)"
    shown = Table(title=title, title_justify="left")
    for column in table.columns:
        shown.add_column(column)
    for row in table.itertuples(index=False):
        shown.add_row(*[f"{v:.4g}" if isinstance(v, float) else str(v) for v in row])
    console.print(shown)
    write_csv(table, out)
    save_figure(indices_figure(table, method, title), out.with_suffix(".png"))
    console.print(f"Indices: {out}  |  figure: {out.with_suffix('.png')}")


@app.command()
def calibrate(
    target: Annotated[str | None, typer.Argument(
        help="'history': fit the replay of 2007-2026 to the record (homicides, group counts, "
             "members, the kingpin effect) and write a posterior file; 'territory': fit the "
             "territory to SESNSP state shares and CBP field offices (stage 2, national "
             "posterior fixed); omit for the national series of --system.")] = None,
    parameters: Annotated[str, typer.Option(help="Parameters to fit, comma-separated.")] = (
        "recruitment_rate,conflict_lethality"),
    data: Annotated[Path | None, typer.Option(
        help="BACRIM 2020 folder (its national series 2012-2021 is the target).")] = None,
    shares: Annotated[str, typer.Option(
        help="Shares of victims who are members to refit under (EVIDENCE F21).")] = "0.05,0.1,0.2",
    out: Annotated[Path | None, typer.Option(help=(
        "Parameter file to write (TOML; default outputs/calibrated.toml); for 'history' the "
        "posterior's stem: STEM.csv, STEM.json and the identifiability report (default "
        "outputs/record-posterior); for 'territory' STEM.csv and STEM.json (default "
        "outputs/territory-posterior)."))] = None,
    method: Annotated[str, typer.Option(help="least-squares or bayes (emcee).")] = "least-squares",
    system_name: Annotated[str, typer.Option("--system", help=(
        "bacrim2020 (--data) or mexico2025 (embedded, backcast from 2012)."))] = "bacrim2020",
    walkers: Annotated[int, typer.Option(help="bayes: emcee walkers (even).")] = 32,
    steps: Annotated[int, typer.Option(help="bayes: steps per walker.")] = 2000,
    burn: Annotated[int, typer.Option(help="bayes: steps dropped as burn-in.")] = 500,
    seed: Annotated[int, typer.Option(min=0, help="bayes, history: seed of the chain.")] = 0,
    budget: Annotated[int | None, typer.Option(min=1, help=(
        "history with --sampler emcee: parameter points the sampler proposes (each point "
        "inside the prior simulates 12 paired replays); 16000 (default) made the emcee "
        "posteriors shipped before session 9. "
        "territory: 4 replays a point; default 2000."))] = None,
    until: Annotated[int | None, typer.Option(help=(
        "history: fit the record up to this year only (default 2024; 2021 for the "
        "out-of-sample scoring). territory: last year of state counts fitted (SESNSP to "
        "2018, INEGI state points to 2024; default 2024; 2017 scores 2018 out of sample)."))] = None,
    coordinates: Annotated[str | None, typer.Option(help=(
        "history with --sampler emcee: where the walkers move, 'logit' (default; the shipped "
        "fits: no proposal falls outside the prior) or 'unit' (the [0, 1] box of the fits "
        "before session 6; docs/calibration.md)."))] = None,
    sampler: Annotated[str | None, typer.Option(help=(
        "history: 'smc' (default: tempered sequential Monte Carlo started around the mode a "
        "search finds) or 'emcee' (the same search, then an affine-invariant ensemble; "
        "chosen when --budget or --coordinates is given, as in the commands recorded by "
        "fits before SMC became the default). docs/calibration.md."))] = None,
    particles: Annotated[int | None, typer.Option(help=(
        "history with --sampler smc: particles (default 500)."))] = None,
    mcmc_steps: Annotated[int | None, typer.Option(help=(
        "history with --sampler smc: Metropolis steps per particle at each tempering stage "
        "(default 15)."))] = None,
    search_points: Annotated[int | None, typer.Option(min=0, help=(
        "history with --sampler smc: points of the mode search the particles start around "
        "(default 5000; 0 starts them from the prior)."))] = None,
    start: Annotated[str | None, typer.Option(help=(
        "history with --sampler smc: how the particles start around the mode, 'mode' "
        "(default: truncated normals, sd a quarter of each range) or 'slices' (the same, "
        "but uniform along each parameter whose likelihood slice through the mode is flat; "
        "docs/calibration.md)."))] = None,
) -> None:
    """Fit parameters to data: the national series, the record (history) or the states (territory).

    Without a target: least squares or Bayesian MCMC on the national violence series; it
    reports what the data pin down, and how the inferred membership moves with the victims'
    member share (least squares) or the posterior intervals (bayes). `calibrate history`
    fits the replay of 2007-2026 to the record and `calibrate territory` its states
    (docs/calibration.md)."""
    from cartelsim.calibration.command import load_system, run_bayes

    history_only = {"--coordinates": coordinates, "--particles": particles,
                    "--mcmc-steps": mcmc_steps, "--search-points": search_points,
                    "--start": start,
                    "--sampler": sampler}
    for option, value in history_only.items():
        if value is not None and target != "history":
            raise CartelsimError(f"{option} applies to `calibrate history` only")
    if target == "territory":
        from cartelsim.calibration.territory_command import (
            DEFAULT_BUDGET,
            run_territory_calibration,
        )

        run_territory_calibration(out or Path("outputs/territory-posterior"),
                                  budget=budget or DEFAULT_BUDGET, seed=seed,
                                  until=2024 if until is None else until, console=console,
                                  progress_bar=progress_bar)
        return
    if target is not None:
        if target != "history":
            raise CartelsimError(f"calibrate: unknown target {target!r}; the targets are "
                                 "'history' and 'territory' (omit it to fit the national "
                                 "series)")
        from cartelsim.calibration.history_command import run_history_calibration

        run_history_calibration(out or Path("outputs/record-posterior"),
                                budget=budget, seed=seed,
                                until=2024 if until is None else until,
                                console=console, progress_bar=progress_bar,
                                coordinates=coordinates, sampler=sampler,
                                particles=particles, mcmc_steps=mcmc_steps,
                                search_points=search_points, start=start)
        return
    out = out or Path("outputs/calibrated.toml")
    if method not in ("least-squares", "bayes"):
        raise CartelsimError(f"--method must be least-squares or bayes, got {method!r}")
    if method == "bayes":
        names = [p.strip() for p in parameters.split(",") if p.strip()]
        run_bayes(load_system(system_name, data), names, walkers=walkers, steps=steps,
                  burn=burn, seed=seed, out=out, console=console, progress_bar=progress_bar)
        return
    from cartelsim.calibration.least_squares import (
        calibrate as fit_parameters,
    )
    from cartelsim.calibration.least_squares import (
        membership_by_share,
        parameter_file_text,
    )
    from cartelsim.io.atomic import write_atomically

    names = [p.strip() for p in parameters.split(",") if p.strip()]
    try:
        share_values = tuple(float(v) for v in shares.split(",") if v.strip())
    except ValueError:
        raise CartelsimError(f"--shares must be numbers separated by commas, got {shares!r}") \
            from None
    if not all(0 < v <= 1 for v in share_values):
        raise CartelsimError(f"--shares must lie in (0, 1], got {shares!r}")
    system = load_system(system_name, data)
    fit = fit_parameters(system, names)
    table = fit.table()
    shown = Table(title=f"Least-squares fit to yearly homicides + missing persons "
                  f"{fit.observed.index.min()}-{fit.observed.index.max()} ({system.name})",
                  title_justify="left")
    for column in ("parameter", "value", "relative SE", "pinned down by the data?"):
        shown.add_column(column)
    for row in table.itertuples():
        bound = " (at the search bound)" if row.at_search_bound else ""
        shown.add_row(row.parameter, f"{row.value:.4g}{bound}", f"{row.relative_se:.3g}",
                      "yes" if row.identified else "[red]no[/red]")
    console.print(shown)
    strong = [(a, b, fit.correlation[i, j]) for i, a in enumerate(fit.names)
              for j, b in enumerate(fit.names) if i < j and abs(fit.correlation[i, j]) > 0.9]
    for a, b, r in strong:
        console.print(f"{a} and {b} are nearly collinear (correlation {r:+.2f}): the data "
                      "fix a combination of them, not each one.")
    members = membership_by_share(system, names, share_values)
    shares_table = Table(title="Inferred members at the end of the fit, by assumed share of "
                         "victims who are members (EVIDENCE F21)", title_justify="left")
    for column in ("share", "members", "relative cost"):
        shares_table.add_column(column, justify="right")
    for row in members.itertuples():
        shares_table.add_row(f"{row.victim_member_share:g}", f"{row.members_end:,.0f}",
                             f"{row.relative_cost:.3g}")
    console.print(shares_table)
    write_atomically(out, lambda tmp: tmp.write_text(parameter_file_text(fit, system),
                                                     encoding="utf-8"))
    console.print(f"Parameter file: {out} (use it with parameters_file = \"{out}\" in a "
                  "scenario)")


def _ensemble_folder(folder: Path) -> Path:
    """An ensemble lives in a folder: refuse an existing file in one line."""
    if folder.exists() and not folder.is_dir():
        raise CartelsimError(f"{folder} is a file, not an ensemble folder")
    return folder


def _parse_horizons(horizons: str) -> tuple[float, ...]:
    try:
        months = tuple(float(h) for h in horizons.split(",") if h.strip())
    except ValueError:
        raise CartelsimError(f"--horizons must be months separated by commas, got {horizons!r}") \
            from None
    if not months or not all(0 < m < 12 * 1000 for m in months):  # also refuses nan and inf
        raise CartelsimError(f"--horizons must be positive, finite months, got {horizons!r}")
    return months


@app.command()
def reproduce(
    paper: Annotated[str, typer.Argument(help="Which paper: prieto2023.")],
    data: Annotated[Path | None, typer.Option(
        help="Folder with the BACRIM 2020 CSV files (default: the download cache).")] = None,
    out: Annotated[Path, typer.Option(help="Tidy CSV of all scenarios.")] = Path(
        "outputs/prieto2023.csv"),
    figure: Annotated[Path | None, typer.Option(help="PNG figure.")] = None,
) -> None:
    """Reproduce a published model run and compare it with the paper's claims."""
    from cartelsim.analysis.figures import reproduction_figure, save_figure
    from cartelsim.experiments import prieto2023
    from cartelsim.io.export import write_csv
    from cartelsim.system.bacrim import load_bacrim
    from cartelsim.system.fetch import default_data_dir

    if paper != "prieto2023":
        raise CartelsimError(f"unknown paper {paper!r}; available: prieto2023")
    system = load_bacrim(data or default_data_dir())
    results = prieto2023.run(system)
    frame = prieto2023.tidy(results)
    write_csv(frame, out)
    save_figure(reproduction_figure(frame), figure or out.with_suffix(".png"))
    table = Table(title="Prieto-Curiel, Campedelli & Hope (2023) reproduced on BACRIM 2020",
                  title_justify="left")
    for column in ("#", "claim", "published", "model", "verdict"):
        table.add_column(column, overflow="fold")
    checks = prieto2023.compare(results, system)
    for number, check in enumerate(checks, start=1):
        verdict = "[green]agrees[/green]" if check.agrees else "[red]disagrees[/red]"
        table.add_row(str(number), check.claim, check.published, check.model, verdict)
    console.print(table)
    for number, check in enumerate(checks, start=1):
        note = "; ".join(p for p in (check.note, check.source) if p)
        console.print(f"  {number}. {note}", highlight=False)
    disagree = [c.claim for c in checks if not c.agrees]
    if disagree:
        console.print("The model and the paper's text disagree on: " + "; ".join(disagree) + ".")
    else:
        console.print("The model agrees with every published claim checked.")
    console.print(f"Results: {out}  |  figure: {figure or out.with_suffix('.png')}")


@app.command()
def params(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    layer: Annotated[str | None, typer.Option(
        help="Only this layer (L1, L2, money, ...; L4 = the organisation engine).")] = None,
) -> None:
    """List every model parameter with its default, unit, range and source; parameters fitted to the record say "calibrated" with the shipped posterior's median and 90 % interval."""
    from cartelsim.calibration.passport import calibrated_values
    from cartelsim.params.catalogue import CATALOGUE
    from cartelsim.params.organisation import ORG_CATALOGUE

    specs = list(CATALOGUE.values())
    if layer is not None:
        every = specs + list(ORG_CATALOGUE.values())
        specs = [s for s in every if s.layer.lower() == layer.lower()]
        if not specs:
            known = sorted({s.layer for s in every})
            raise CartelsimError(f"--layer {layer!r}: no such layer; choose one of "
                                 f"{', '.join(known)}")

    calibrated = calibrated_values()
    if as_json:
        rows = [{"name": s.name, "default": s.default, "unit": s.unit, "low": s.low,
                 "high": s.high, "description": s.description, "source": s.source,
                 "layer": s.layer,
                 **({"calibrated": {"median": calibrated[s.name].median,
                                    "low_5": calibrated[s.name].low,
                                    "high_95": calibrated[s.name].high,
                                    "posterior": calibrated[s.name].source}}
                    if s.name in calibrated else {})} for s in specs]
        print(json.dumps(rows, indent=2))
        return
    table = Table(title="Model parameters", title_justify="left", show_lines=True)
    table.add_column("name", no_wrap=True)
    for column in ("default", "unit", "plausible range", "source"):
        table.add_column(column, overflow="fold")
    for spec in specs:
        source = spec.source
        if spec.name in calibrated:
            source = f"{calibrated[spec.name].text()}; prior range from: {spec.source}"
        table.add_row(spec.name, f"{spec.default:g}", spec.unit, f"{spec.low:g} - {spec.high:g}",
                      source)
    console.print(table)


@app.command()
def actions(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    markdown: Annotated[bool, typer.Option(
        help="The docs page (docs/actions.md) as Markdown.")] = False,
) -> None:
    """List every intervention action: its meaning, range, unit and the mechanism it needs.

    From the action registry; also whether the action lasts or happens once."""
    from cartelsim.interventions.actions import catalogue
    from cartelsim.interventions.docs import actions_markdown

    if markdown:
        print(actions_markdown(), end="")
        return
    listed = catalogue()
    if as_json:
        print(json.dumps(listed, indent=2))
        return
    from rich.markup import escape

    table = Table(title=escape("Intervention actions ([[interventions]] action = ...)"),
                  title_justify="left", show_lines=True)
    table.add_column("action", no_wrap=True)
    for column in ("meaning", "effect", "range", "kind", "needs"):
        table.add_column(column, overflow="fold")
    for name, a in listed.items():
        extra: dict[str, str] = a["options"]  # type: ignore[assignment]
        options = "".join(f"\n{key}: {text}" for key, text in extra.items())
        table.add_row(name, escape(f"{a['meaning']}{options}"),
                      escape(f"{a['effect']} [{a['unit']}]"),
                      f"{a['low']:g} - {a['high']:g}", str(a["kind"]),
                      ", ".join(a["needs"]) or "-")  # type: ignore[arg-type]
    console.print(table)
    console.print("Schedules: start, end, every_weeks, and when = { national_homicides_above"
                  " | group_members_above | us_pressure_above = level } (docs/actions.md).")


@data_app.command("fetch")
def data_fetch(
    dataset: Annotated[str, typer.Argument(help="Data set name: bacrim2020.")],
    dest: Annotated[Path | None, typer.Option(help="Folder to download into.")] = None,
) -> None:
    """Download a data set with pinned checksums (only what is missing)."""
    from cartelsim.system.fetch import fetch_bacrim

    if dataset != "bacrim2020":
        raise CartelsimError(f"unknown data set {dataset!r}; available: bacrim2020")
    folder = fetch_bacrim(dest)
    console.print(f"BACRIM 2020 is in {folder}")


@data_app.command("verify")
def data_verify(
    folder: Annotated[Path, typer.Argument(help="Folder holding the BACRIM 2020 files.")],
) -> None:
    """Check the BACRIM 2020 files in a folder against the pinned checksums."""
    from cartelsim.system.fetch import verify_bacrim

    bad = verify_bacrim(folder)
    if bad:
        raise CartelsimError(f"{folder}: missing or modified: {', '.join(bad)}")
    console.print(f"{folder}: all BACRIM 2020 files match their checksums")


@app.command()
def bench(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON line.")] = False,
    data: Annotated[Path | None, typer.Option(
        help="BACRIM 2020 folder (default: download cache; else Mexico 2025).")] = None,
    quick: Annotated[bool, typer.Option(help="Small sizes, for a smoke test.")] = False,
    ensembles: Annotated[int, typer.Option(
        min=0, help="Also time paired ensembles of this many runs per scenario on local "
        "processes and on Dask (0: skip).")] = 0,
    l4: Annotated[bool, typer.Option("--l4", help="Also time the organisation engine (175,000 "
        "members x 520 weeks) beside its object-per-member reference.")] = False,
    engine: Annotated[str, typer.Option(
        help="L1 engine to time: capped (today's engines) or world (the world step).")
    ] = "capped",
) -> None:
    """Measure engine speed beside reference implementations timed in the same run."""
    from cartelsim.bench import run_benchmarks
    from cartelsim.system.bacrim import load_bacrim
    from cartelsim.system.embedded import mexico_2025
    from cartelsim.system.fetch import default_data_dir, verify_bacrim

    folder = data or default_data_dir()
    if data is not None or not verify_bacrim(folder):
        system = load_bacrim(folder)
    else:
        errors.print("BACRIM 2020 not found; benchmarking on Mexico 2025 (150 groups)")
        system = mexico_2025()
    say = None if as_json else lambda m: errors.print(f"... {m}")
    if engine not in ("capped", "world"):
        raise CartelsimError(f"--engine must be capped or world, got {engine!r}")
    result = run_benchmarks(system, quick=quick, engine=engine, progress=say)
    if ensembles:
        from cartelsim.bench import run_ensemble_benchmarks

        result |= run_ensemble_benchmarks(ensembles, progress=say)
    if l4:
        from cartelsim.organisation.bench import run_l4_benchmark

        result |= run_l4_benchmark(quick=quick, progress=say)
    if as_json:
        print(json.dumps(result))
        return
    table = Table(title="cartelsim benchmarks", title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        table.add_row(key, f"{value:,}" if isinstance(value, int | float) else str(value))
    console.print(table)


def main() -> None:
    """Entry point: turn user mistakes into one line on stderr and exit code 2."""
    try:
        app(standalone_mode=False)
    except CartelsimError as exc:
        errors.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except (Abort, KeyboardInterrupt):
        errors.print("aborted", markup=False)
        sys.exit(130)
    except TyperException as exc:  # bad option or argument
        errors.print(f"error: {exc.format_message()} (see --help)", markup=False,
                     highlight=False, soft_wrap=True)
        sys.exit(2)
    except Exit as exc:
        sys.exit(exc.exit_code)
