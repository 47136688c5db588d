"""`cartelsim history`: replay 2007 to mid-2026 and write the results into a folder.

A thin edge (STYLE.md 9): it parses options, checks the output folder before any work, calls
`cartelsim.record.api.history`, writes the files and prints where they are.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cartelsim.errors import CartelsimError
from cartelsim.record.api import DEFAULT_RUNS, DEFAULT_SEED

console = Console()


class Fragmentation(StrEnum):
    """The choices of [mechanisms] fragmentation, for the command line."""

    capped = "capped"
    open = "open"

FILTER_HELP = ("Leave out the events FILTER selects, in a paired counterfactual history "
               "(same seed and runs); see FILTER above.")


def history_command(
    out: Annotated[Path, typer.Option(
        help="Folder for history.nc, national_by_year.csv and history.png.")],
    runs: Annotated[int, typer.Option(min=1, max=100_000, help="Paired worlds (replicates).")
                    ] = DEFAULT_RUNS,
    seed: Annotated[int, typer.Option(min=0, help="Root seed: same seed, same numbers.")
                    ] = DEFAULT_SEED,
    events: Annotated[Path | None, typer.Option(
        help="Your own events file (the columns of the shipped events.csv), merged with the "
             "shipped timeline.")] = None,
    drop_events: Annotated[str | None, typer.Option(
        "--drop-events", metavar="FILTER", help=FILTER_HELP)] = None,
    fragmentation: Annotated[Fragmentation, typer.Option(
        help="open (default): splinters split again (the world engine); capped: one split "
             "per group (the older engines).")] = Fragmentation.open,
    posterior: Annotated[Path | None, typer.Option(
        help="A posterior file (NAME.csv + NAME.json, from `cartelsim calibrate history`); "
             "default: the one shipped with the package.")] = None,
    use_posterior: Annotated[bool, typer.Option(
        "--posterior-default/--no-posterior",
        help="Use the calibrated posterior (default) or the catalogue defaults.")] = True,
    posterior_draws: Annotated[int, typer.Option(
        min=0, help="Share the runs among N posterior draws, so the intervals carry "
                    "parameter uncertainty as well as noise (0: every run at the posterior "
                    "median).")] = 0,
    territory: Annotated[bool, typer.Option(
        help="Switch on the 32 states (needs --fragmentation open): history.nc then holds "
             "state_homicides and flow_north; with the posterior, the territory posterior "
             "(calibrate territory) too.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar or summary.")] = False,
) -> None:
    """Replay the record: the world of 2007 run weekly to mid-2026, driven by the timeline's leader removals, against observed homicides and group counts.

    Parameters: the median of the calibrated posterior shipped with the package (docs/calibration.md); --posterior-draws N shares the runs among N posterior draws; --no-posterior uses the catalogue defaults.

    Writes DIR/history.nc (national and per-group series; every group that ever existed, labelled with its parent and birth; the events and how each was used), DIR/national_by_year.csv and DIR/history.png.

    national_by_year.csv columns: year, homicides_p05, homicides_p50, homicides_p95 (homicides INEGI would register: organised crime plus a baseline; 5/50/95 % of runs), with a posterior that kept its fitted discrepancy predictive_homicides_p05, predictive_homicides_p50, predictive_homicides_p95 (the same times each run's draw of the discrepancy: the posterior predictive of INEGI's count), groups_p05, groups_p50, groups_p95 (groups with a member at the year's end), members_p50, observed_homicides (INEGI registered). With --drop-events also extra_homicides_p05, extra_homicides_p50, extra_homicides_p95 (replay minus counterfactual, run by run). The 2026 row covers January to June.

    FILTER: clauses key=value[,value...] separated by ';'. The values of one clause are alternatives; all clauses must hold. Keys: kind (event kinds or patterns such as leader_*; 'removal' = killed, captured, extradited or transferred), group (group ids, matching the event's group or other_group), person (name patterns; case and accents ignored), from and to (inclusive dates YYYY-MM-DD, YYYY-MM or YYYY).

    Example: --drop-events 'kind=leader_*;group=sinaloa,gulf;from=2006-01-01;to=2010-12-31'
    """
    from cartelsim.cli.progress import progress_bar
    from cartelsim.record.api import history
    from cartelsim.record.result import check_out_folder

    folder = check_out_folder(out)  # events and filter are checked before any run, too
    chosen = _posterior(posterior, use_posterior)
    if chosen is not None and not quiet:
        fitted = chosen.meta.get("replay", {}).get("fragmentation")
        console.print(f"parameters: calibrated posterior ({chosen.source}), "
                      + (f"{posterior_draws} draws" if posterior_draws else "median"))
        if fitted and fitted != fragmentation.value:
            console.print(f"note: the posterior was fitted with --fragmentation {fitted}; "
                          f"this replay uses {fragmentation.value}")
    with progress_bar("replay 2007-2026", quiet) as update:
        result = history(runs=runs, seed=seed, events=events, drop_events=drop_events,
                         fragmentation=fragmentation.value, posterior=chosen,
                         posterior_draws=posterior_draws, territory=territory,
                         progress=lambda phase, done, total: update(
                             done + (total if phase == "counterfactual" else 0),
                             total * (2 if drop_events is not None else 1)))
    paths = result.write(folder)
    if quiet:
        return
    table = result.national_by_year()
    applied = sum(u.acts and u.event.is_removal for u in result.uses)
    levers = sum(u.acts and not u.event.is_removal for u in result.uses)  # territory on
    also = f"; {levers} U.S. measures start or end a pressure lever" if levers else ""
    console.print(f"replayed {len(result.uses)} events ({applied} removals act on the groups "
                  f"of 2007{also}) in {runs} run(s), seed {seed}")
    if drop_events is not None:
        dropped = sum(u.dropped for u in result.uses)
        acting = sum(u.dropped and u.acts for u in result.uses)
        console.print(f"counterfactual without {dropped} event(s) ({acting} of them act in "
                      "the replay)")
    last = table[table["observed_homicides"].notna()].iloc[-1]
    console.print(f"{int(last['year'])}: homicides {last['homicides_p50']:,.0f} "
                  f"[{last['homicides_p05']:,.0f}, {last['homicides_p95']:,.0f}] vs "
                  f"{last['observed_homicides']:,.0f} registered by INEGI")
    if "predictive_homicides_p05" in table:
        from cartelsim.report.replay import coverage

        counted = coverage(table)
        console.print(f"INEGI {counted['first']}-{int(counted['rows'][-1]['year'])} inside the "
                      f"runs' 90 % band in {counted['inside']} of {counted['years']} years; "
                      "with the fitted discrepancy (posterior predictive, "
                      f"{last['predictive_homicides_p05']:,.0f} to "
                      f"{last['predictive_homicides_p95']:,.0f} in {int(last['year'])}) in "
                      f"{counted['predictive_inside']}", highlight=False)
    for path in paths.values():
        console.print(f"wrote {path}")


def _posterior(path: Path | None, use: bool):
    """The posterior to replay with: a user's file, the packaged one, or None (defaults)."""
    from cartelsim.calibration.posterior import load_posterior

    if not use:
        if path is not None:
            raise CartelsimError("--posterior and --no-posterior contradict each other")
        return None
    return load_posterior(path)
