"""`cartelsim org`: removal experiments on the organisation engine (L4), and the
derivation of the group-level leadership parameters from them.

A thin edge (STYLE.md 9): parse, call `cartelsim.organisation`, render.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from cartelsim.errors import CartelsimError

org_app = typer.Typer(help="Members and their network: the organisation engine (L4).",
                      no_args_is_help=True)
console = Console()
STRUCTURES = ("hierarchical", "compartmentalised")


def _settings(values: list[str] | None) -> dict[str, float]:
    """--set name=value pairs (organisation parameters, `cartelsim params --layer L4`)."""
    parsed: dict[str, float] = {}
    for item in values or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CartelsimError(f"--set {item!r}: expected name=value")
        try:
            parsed[name.strip()] = float(value)
        except ValueError:
            raise CartelsimError(f"--set {item!r}: {value!r} is not a number") from None
    return parsed


def removal_week_of(date: dt.datetime | None, start: dt.datetime, weeks: int) -> int | None:
    """The week (1..weeks) in which a calendar date falls; outside the horizon is an error."""
    if date is None:
        return None
    week = (date.date() - start.date()).days // 7 + 1
    if not 1 <= week <= weeks:
        end = start.date() + dt.timedelta(weeks=weeks)
        raise CartelsimError(f"--removal-date {date.date()} is outside the horizon "
                             f"({start.date()} to {end}, {weeks} weeks)")
    return week


def _interval(values: np.ndarray, digits: int = 2) -> str:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return "n/a"
    lo, mid, hi = np.percentile(values, [5, 50, 95])
    return f"{mid:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


@org_app.command("simulate")
def simulate(
    members: Annotated[int, typer.Option(min=2, help="Members at the start.")] = 2000,
    structure: Annotated[str, typer.Option(
        help="hierarchical (lateral ties across cells) or compartmentalised.")] = "hierarchical",
    strategy: Annotated[str, typer.Option(
        help="leader, degree, betweenness, random, role:<role> or none.")] = "leader",
    count: Annotated[int, typer.Option(min=1, help="Members removed each time (top-k).")] = 1,
    succession: Annotated[str, typer.Option(
        help="settled, contested or uncertain (decided by the contenders).")] = "uncertain",
    kind: Annotated[str, typer.Option(help="killed, captured or extradited (leader).")] = "killed",
    removal_week: Annotated[int | None, typer.Option(
        help="Week of the removal (default: min(52, weeks/4)).")] = None,
    removal_date: Annotated[dt.datetime | None, typer.Option(
        formats=["%Y-%m-%d"], help="Date of the removal (instead of --removal-week).")] = None,
    start: Annotated[dt.datetime, typer.Option(
        formats=["%Y-%m-%d"], help="Calendar date of week 0.")] = dt.datetime(2026, 1, 1),
    repeat_every: Annotated[int, typer.Option(min=0, help="Weeks between repeated removals.")] = 0,
    repeats: Annotated[int, typer.Option(min=0, help="Removals after the first.")] = 0,
    lieutenants: Annotated[int | None, typer.Option(help="Number of lieutenants.")] = None,
    sweep_fraction: Annotated[float, typer.Option(
        help="Share of members arrested in a one-week sweep.")] = 0.0,
    sweep_week: Annotated[int, typer.Option(help="Week of the sweep.")] = 0,
    pressure: Annotated[float, typer.Option(help="Factor on weekly arrests.")] = 1.0,
    weeks: Annotated[int, typer.Option(min=1, help="Horizon in weeks.")] = 260,
    runs: Annotated[int, typer.Option(min=1, help="Replicate organisations.")] = 100,
    seed: Annotated[int, typer.Option(min=0, help="Root seed.")] = 0,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="Organisation parameter name=value (repeatable).")] = None,
    out: Annotated[Path, typer.Option(help="NetCDF results.")] = Path("outputs/org.nc"),
    figure: Annotated[Path | None, typer.Option(
        help="PNG of command reach over time (default: beside --out).")] = None,
    network: Annotated[Path | None, typer.Option(
        help="PNG of a network sample before and after (default: beside --out).")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Remove members of replicate organisations and follow command week by week.

    Reach, efficiency, components and splinters, each week after the removal."""
    from cartelsim.analysis.figures import save_figure
    from cartelsim.cli.progress import progress_bar
    from cartelsim.io.export import write_netcdf
    from cartelsim.organisation import removal_experiment, weeks_to_recover
    from cartelsim.organisation.experiment import split_options, states_at
    from cartelsim.organisation.figures import network_figure, network_sample, reach_figure

    if structure not in STRUCTURES:
        raise CartelsimError(f"--structure must be one of {', '.join(STRUCTURES)}, "
                             f"got {structure!r}")
    if removal_date is not None and removal_week is not None:
        raise CartelsimError("give --removal-week or --removal-date, not both")
    week = removal_week_of(removal_date, start, weeks) or removal_week
    options = dict(_settings(set_), kind=kind, removal_count=count, repeat_every=repeat_every,
                   repeats=repeats, compartmentalised=structure == "compartmentalised",
                   sweep_fraction=sweep_fraction, sweep_week=sweep_week, pressure=pressure)
    if week is not None:
        options["removal_week"] = week
    if lieutenants is not None:
        options["lieutenants"] = lieutenants
    if out.suffix.lower() != ".nc":
        raise CartelsimError(f"--out {out}: expected a file name ending in .nc")
    parsed, _, _ = split_options(members, strategy, succession, weeks, dict(options))
    with progress_bar(f"{runs} organisations of {members:,} members", quiet) as bar:
        ds = removal_experiment(members, strategy, succession, weeks, runs, seed,
                                progress=bar, **options)
    ds.attrs["start"] = start.date().isoformat()
    w = int(ds.attrs["removal_week"])
    written = [write_netcdf(ds, out)]
    figure = figure or out.with_name(out.stem + "-reach.png")
    save_figure(reach_figure(ds), figure)
    written.append(figure)
    if strategy != "none":
        network = network or out.with_name(out.stem + "-network.png")
        after = min(weeks, w + 52)
        states = states_at(members, strategy, succession, weeks, seed, [w - 1, w, after],
                           **options)
        labels = [f"before (week {w - 1})", f"just after (week {w})", f"week {after}"]
        save_figure(network_figure(list(zip(labels, states, strict=True)),
                                   network_sample(states[0])), network)
        written.append(network)

    reach = ds.command_reach.values
    event = (f"{strategy} removal (x{parsed.removal_count}) in week {w} "
             f"({(start + dt.timedelta(weeks=w - 1)).date()}), {succession} succession"
             if w >= 1 else "no removal")
    if parsed.sweep_fraction:
        event += f"; {parsed.sweep_fraction:.0%} arrested in week {parsed.sweep_week}"
    table = Table(title=f"{event}: {runs} organisations of {members:,} members, seed {seed}",
                  title_justify="left")
    table.add_column("measure")
    table.add_column("median [5-95 %] over runs", justify="right")
    if w >= 1:
        table.add_row("command reach, week before", _interval(reach[:, w - 1]))
        for offset in (0, 4, 26, 52, 156):
            if w + offset <= weeks:
                table.add_row(f"command reach, +{offset} weeks", _interval(reach[:, w + offset]))
        recover = weeks_to_recover(ds)
        table.add_row("weeks to recover 90 % of reach",
                      f"{_interval(recover, 0)} (recovered in {np.isfinite(recover).mean():.0%})")
        table.add_row("efficiency, week before / end",
                      f"{_interval(ds.efficiency.values[:, w - 1], 3)} / "
                      f"{_interval(ds.efficiency.values[:, -1], 3)}")
    sweep = parsed.sweep_week
    if parsed.sweep_fraction and sweep >= 1:
        for label, week in (("week before the sweep", sweep - 1), ("week of the sweep", sweep),
                            ("4 weeks after the sweep", sweep + 4)):
            if week <= weeks:
                table.add_row(f"command reach, {label}", _interval(reach[:, week]))
    table.add_row("share of runs that split", f"{(ds.splits.values > 0).mean():.2f}")
    table.add_row("members at the end", _interval(ds.members.values[:, -1], 0))
    console.print(table)
    console.print("Written: " + "  |  ".join(str(p) for p in written))


@org_app.command("derive")
def derive(
    members: Annotated[int, typer.Option(min=20, help="Members of each organisation.")] = 1000,
    weeks: Annotated[int, typer.Option(min=20, help="Weeks followed.")] = 156,
    runs: Annotated[int, typer.Option(min=2, help="Runs per condition and sample.")] = 30,
    samples: Annotated[int, typer.Option(min=1, help="Samples of the L4 parameters.")] = 8,
    seed: Annotated[int, typer.Option(min=0, help="Root seed.")] = 0,
    out: Annotated[Path, typer.Option(help="Parameter file to write (TOML).")] = Path(
        "outputs/leadership-derived.toml"),
) -> None:
    """Derive the group-level leadership parameters from L4 ensembles.

    Loss by kind of removal, settled factor, succession clarity, recovery, split hazard and
    size."""
    from cartelsim.cli.progress import progress_bar
    from cartelsim.io.atomic import write_atomically
    from cartelsim.io.export import write_csv
    from cartelsim.organisation.derive import (
        Settings,
        derive_leadership,
        parameter_file_text,
        summary,
    )
    from cartelsim.params.catalogue import CATALOGUE

    if out.suffix.lower() != ".toml":
        raise CartelsimError(f"--out {out}: expected a file name ending in .toml")
    settings = Settings(members=members, weeks=weeks, runs=runs, samples=samples, seed=seed)
    with progress_bar(f"L4 parameter samples ({6 * runs} runs each)", False) as bar:
        samples_table = derive_leadership(settings, progress=bar)
    stats = summary(samples_table)
    table = Table(title=f"Leadership parameters derived from the organisation engine "
                  f"({samples} samples x {runs} runs, {members:,} members)",
                  title_justify="left")
    for column in ("parameter", "derived", "90 % interval", "catalogue default"):
        table.add_column(column, justify="left" if column == "parameter" else "right")
    for name, row in stats.iterrows():
        table.add_row(name, f"{row.value:.3g}", f"[{row.low:.3g}, {row.high:.3g}]",
                      f"{CATALOGUE[name].default:g}")
    console.print(table)
    text = parameter_file_text(samples_table, settings)
    write_atomically(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    csv = write_csv(samples_table, out.with_suffix(".csv"))
    console.print(f"Parameter file: {out} (use it with parameters_file = \"{out}\" in a "
                  f"scenario)  |  samples: {csv}")
