"""`HistoryResult`: a replay (and its paired counterfactual) with the record beside it.

It holds results, never runs the model (STYLE.md 8): tables by year, the labelled dataset
written as ``history.nc``, a figure, and `write` for the command line's files.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from cartelsim.errors import CartelsimError
from cartelsim.record.counterfactual import (
    paired_difference,
    run_quantiles,
    usable_runs,
)
from cartelsim.record.filters import EventFilter
from cartelsim.record.observation import COMPARABLE, annual, year_end
from cartelsim.record.replay import EventUse

NETCDF_NAME = "history.nc"
CSV_NAME = "national_by_year.csv"
FIGURE_NAME = "history.png"
# The contract of national_by_year.csv (README, `cartelsim history --help`).
COLUMNS = ("year", "homicides_p05", "homicides_p50", "homicides_p95", "groups_p05",
           "groups_p50", "groups_p95", "members_p50", "observed_homicides")
EXTRA_COLUMNS = ("extra_homicides_p05", "extra_homicides_p50", "extra_homicides_p95")
PREDICTIVE_COLUMNS = ("predictive_homicides_p05", "predictive_homicides_p50",
                      "predictive_homicides_p95")
# Model groups are active, as in `active_groups`, with at least one member.
ACTIVE = 1.0
SPLINTER_SUFFIX = "_splinter"  # the ids `mechanisms.splinters` gives new groups
# The years the replay is held to the record (issue 13: INEGI's count inside the 90 % band
# "in most years" of 2010-2024): from 2010, since the replay starts from the groups of 2007
# and its first years are its settling from that start, to the last year fitted.
COVERAGE_YEARS = (2010, 2024)


@dataclasses.dataclass(frozen=True)
class HistoryResult:
    """A replay of 2007 to mid-2026 and, optionally, a paired counterfactual history.

    Attributes:
        factual: the replay (dims run, time, group), with the observed series of
            `cartelsim.record.observation`.
        counterfactual: the same worlds without the dropped events, or None.
        uses: how each event of the timeline was used (`EventUse`).
        drop_filter: the filter that chose the dropped events, or None.
        observed: national homicides by year (`national_homicides`).
        counts: published counts of active groups (`group_counts`, EVIDENCE F12).
        founders: ids of the groups of 2007 (`history_groups`) and the year each was first
            seen.
        parameters: where the parameters came from, for the figure's title (e.g. "at the
            calibrated posterior's median").
        discrepancy: log-normal factors [run, year] that take each run's yearly homicides
            to the posterior predictive of INEGI's count (the fitted model discrepancy,
            `record.draws.predictive_factors`), or None without one.
    """

    factual: xr.Dataset
    counterfactual: xr.Dataset | None
    uses: tuple[EventUse, ...]
    drop_filter: EventFilter | None
    observed: pd.DataFrame
    counts: pd.DataFrame
    founders: dict[str, int]
    parameters: str = "at the catalogue defaults"
    discrepancy: xr.DataArray | None = None

    # --- tables ------------------------------------------------------------------------------

    def national_by_year(self) -> pd.DataFrame:
        """The contract table: one row per calendar year of the replay.

        ``homicides_*``: 5/50/95 % over runs of the homicides INEGI would register (organised
        crime + baseline, `observation`) summed over the year; ``groups_*``: groups with at
        least one member at the year's last simulated date; ``members_p50``: median members
        then; ``observed_homicides``: INEGI registered homicides (NaN where none). With a
        counterfactual, ``extra_homicides_*``: quantiles of the paired difference factual -
        counterfactual. With a fitted discrepancy, ``predictive_homicides_*``: the same
        homicides times each run's draw of it, the posterior predictive of what INEGI
        registers. The last year (2026) holds only the weeks simulated (to June).
        """
        summary = self.annual_summary()
        columns = list(COLUMNS)
        if self.discrepancy is not None:
            columns[4:4] = PREDICTIVE_COLUMNS  # after the replay's own homicides
        if self.counterfactual is not None:
            columns += EXTRA_COLUMNS
        return summary[columns]

    def annual_summary(self) -> pd.DataFrame:
        """`national_by_year` plus the other observed series (organised-crime homicides,
        SESNSP victims, missing persons, the observed SESNSP figures), the weeks of each year
        simulated and the runs summarised, for figures and text."""
        ds = self.factual
        ok = usable_runs(ds, *([self.counterfactual] if self.counterfactual is not None else []))
        frames = {
            "homicides": run_quantiles(annual(ds, "homicides_inegi"), ok),
            "groups": run_quantiles(year_end(ds, "active_groups"), ok),
            "members": run_quantiles(year_end(ds, "total_members"), ok),
            "organised_crime_homicides": run_quantiles(annual(ds, "homicides_organised_crime"),
                                                       ok),
            "sesnsp_victims": run_quantiles(annual(ds, "victims_sesnsp"), ok),
            "missing_persons": run_quantiles(annual(ds, "missing_persons"), ok),
        }
        if self.discrepancy is not None:
            frames["predictive_homicides"] = run_quantiles(self.predictive_homicides(), ok)
        extra = self.extra_homicides()
        if extra is not None:
            frames["extra_homicides"] = run_quantiles(extra, ok)
        table = pd.concat({k: v.add_prefix(f"{k}_") for k, v in frames.items()}.values(), axis=1)
        table["observed_homicides"] = self.observed["inegi_registered"].reindex(table.index)
        table["observed_sesnsp_victims"] = self.observed["sesnsp_victims"].reindex(table.index)
        years = pd.DatetimeIndex(ds["time"].values[1:]).year  # flows: the weeks after the start
        table["weeks"] = pd.Series(years).value_counts().reindex(table.index, fill_value=0)
        table["runs"] = int(ok.sum())
        return table.reset_index()

    def predictive_homicides(self) -> xr.DataArray:
        """Yearly INEGI-comparable homicides times the fitted discrepancy ([run, year]): the
        posterior predictive of INEGI's count (the replay's own without a discrepancy)."""
        homicides = annual(self.factual, "homicides_inegi")
        return homicides if self.discrepancy is None else homicides * self.discrepancy

    def extra_homicides(self) -> xr.DataArray | None:
        """Paired difference of INEGI-comparable homicides per year, factual minus
        counterfactual ([run, year]); None without a counterfactual."""
        if self.counterfactual is None:
            return None
        return paired_difference(annual(self.factual, "homicides_inegi"),
                                 annual(self.counterfactual, "homicides_inegi"))

    def events_table(self) -> pd.DataFrame:
        """One row per event of the timeline: date, kind, groups, person, how the replay used
        it (``use``), the intervention that carries it (0: none), whether it was dropped."""
        return pd.DataFrame.from_records(
            [{"date": u.event.date, "kind": u.event.kind, "group": u.event.group,
              "other_group": u.event.other_group, "person": u.event.person, "use": u.status,
              "intervention": u.intervention, "dropped": u.dropped,
              "source_url": u.event.source_url} for u in self.uses],
            columns=["date", "kind", "group", "other_group", "person", "use", "intervention",
                     "dropped", "source_url"])

    # --- the labelled dataset ----------------------------------------------------------------

    def dataset(self) -> xr.Dataset:
        """What ``history.nc`` holds.

        The replay's national and per-group series (every variable the engine returned, plus
        the observed series), restricted to the groups that ever had a member in some run and
        labelled with ``parent`` (the group it split from, "" for the groups of 2007),
        ``founded`` (first year seen, from groups.csv; -1 for groups the model made) and
        ``birth`` [run, group] (first date with a member; NaT if never in that run); per-group
        series are stored with dims (run, group, time). Beside
        them: yearly model and observed homicides (dim year), the events and their use (dim
        event) and, with a counterfactual, its national series and the paired difference.
        """
        ds = self.factual.copy()
        if "members" in ds and "group" in ds.dims:
            ds = _label_groups(ds, self.founders)
        ds = ds.assign_coords(year=annual(self.factual, "homicides_inegi")["year"].values)
        ds["homicides_inegi_by_year"] = annual(self.factual, "homicides_inegi")
        ds["homicides_inegi_by_year"].attrs["comparable_to"] = COMPARABLE["homicides_inegi"]
        if self.discrepancy is not None:
            ds["homicides_inegi_predictive_by_year"] = self.predictive_homicides()
            ds["homicides_inegi_predictive_by_year"].attrs["description"] = (
                "homicides_inegi_by_year times a draw of the fitted model discrepancy: the "
                "posterior predictive of INEGI's count")
        for name, column, what in (
            ("observed_homicides_inegi", "inegi_registered", COMPARABLE["homicides_inegi"]),
            ("observed_victims_sesnsp", "sesnsp_victims", COMPARABLE["victims_sesnsp"]),
        ):
            values = self.observed[column].reindex(ds["year"].values).to_numpy(dtype=float)
            ds[name] = ("year", values)
            ds[name].attrs.update(units="people per year",
                                  description=f"observed: {what} (NaN where no figure)")
        ds = ds.merge(_events_dataset(self.events_table()))
        if self.counterfactual is not None:
            cf = self.counterfactual
            for name in ("homicides_inegi", "active_groups", "total_members"):
                ds[f"counterfactual_{name}"] = cf[name]
                ds[f"counterfactual_{name}"].attrs = {
                    **cf[name].attrs,
                    "description": f"counterfactual history: {cf[name].attrs.get('description', name)}",
                }
            extra = self.extra_homicides()
            assert extra is not None
            ds["extra_homicides_inegi"] = extra
            ds.attrs["counterfactual_scenario_digest"] = cf.attrs.get("scenario_digest", "")
        # per-group series as (run, group, time): the file's checksum is computed slice by
        # slice over the leading two axes, and run x group slices are 80 times fewer
        ds = ds.transpose("run", "group", "time", ...) if "group" in ds.dims else ds
        ds.attrs.update(
            title="cartelsim history: the world of 2007 replayed with the event timeline",
            drop_events=self.drop_filter.text if self.drop_filter is not None else "none",
            events_applied=str(sum(u.acts for u in self.uses)),
            events_dropped=str(sum(u.dropped for u in self.uses)),
        )
        return ds

    # --- figure and files --------------------------------------------------------------------

    def plot(self) -> Figure:
        """The replay against the record (a matplotlib Figure; see `history.figure`)."""
        from cartelsim.record.figure import history_figure

        return history_figure(self.annual_summary(), self.counts,
                              drop_filter=self.drop_filter.text if self.drop_filter else None,
                              parameters=self.parameters)

    def write(self, out: str | Path) -> dict[str, Path]:
        """Write ``history.nc``, ``national_by_year.csv`` and ``history.png`` into folder
        `out`, each atomically (a reader never sees half a file). Returns the paths."""
        from cartelsim.analysis.figures import save_figure
        from cartelsim.io.export import write_csv, write_netcdf

        folder = check_out_folder(out)
        _make_folder(folder)
        paths = {"netcdf": folder / NETCDF_NAME, "csv": folder / CSV_NAME,
                 "figure": folder / FIGURE_NAME}
        write_netcdf(self.dataset(), paths["netcdf"])
        write_csv(self.national_by_year(), paths["csv"])
        save_figure(self.plot(), paths["figure"])
        return paths


def coverage_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a `national_by_year` table the replay is held to: `COVERAGE_YEARS`
    with an observed count."""
    years = table["year"]
    return table[(years >= COVERAGE_YEARS[0]) & (years <= COVERAGE_YEARS[1])
                 & table["observed_homicides"].notna()]


def inside_band(rows: pd.DataFrame, band: str = "homicides") -> pd.Series:
    """Whether each row's observed count lies in its 90 % band (``{band}_p05`` to
    ``{band}_p95``; "homicides": the runs', "predictive_homicides": with the discrepancy)."""
    observed = rows["observed_homicides"]
    return (rows[f"{band}_p05"] <= observed) & (observed <= rows[f"{band}_p95"])


def check_out_folder(out: str | Path) -> Path:
    """Refuse, before any work and without creating anything, an output folder that could
    not be written: an existing file, or a path under a file or an unwritable folder."""
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise CartelsimError(f"--out {folder} is a file: expected a folder for {NETCDF_NAME}, "
                             f"{CSV_NAME} and {FIGURE_NAME}")
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise CartelsimError(f"--out {folder}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise CartelsimError(f"--out {folder}: cannot write in {existing} (permission denied)")
    return folder


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CartelsimError(f"--out {folder}: cannot create the folder "
                             f"({exc.strerror or exc})") from None


def group_parents(ids: list[str], founders: dict[str, int],
                  declared: np.ndarray | None = None) -> list[str]:
    """The parent of each group: "" for a group of 2007; a declared lineage (an engine's
    ``parent`` coordinate) when the results carry one; otherwise the group whose splinter
    slot it is (``<parent>_splinter``, `mechanisms.splinters`)."""
    if declared is not None:
        return [str(p) for p in declared]
    parents = []
    for gid in ids:
        base = gid.removesuffix(SPLINTER_SUFFIX)
        parents.append(base if gid not in founders and base != gid and base in ids else "")
    return parents


def _label_groups(ds: xr.Dataset, founders: dict[str, int]) -> xr.Dataset:
    """Keep the groups that ever had a member; label them with parent, founded and birth."""
    alive = (ds["members"] >= ACTIVE)  # [run, time, group]
    ever = alive.any(("run", "time")).values
    ds = ds.isel(group=np.flatnonzero(ever))
    alive = alive.isel(group=np.flatnonzero(ever))
    ids = [str(g) for g in ds["group"].values]
    declared = ds["parent"].values if "parent" in ds.coords else None
    ds = ds.assign_coords(
        parent=("group", group_parents(ids, founders, declared)),
        founded=("group", np.array([founders.get(g, -1) for g in ids], dtype=np.int64)),
    )
    ds["parent"].attrs["description"] = ("id of the group this one split from; '' for the "
                                         "groups of 2007")
    ds["founded"].attrs["description"] = ("first year the group operated on its own "
                                          "(groups.csv); -1 for groups the model made")
    seen = alive.values.any(axis=1)  # [run, group]
    first = alive.values.argmax(axis=1)
    times = ds["time"].values
    birth = np.where(seen, times[first], np.datetime64("NaT"))
    ds["birth"] = (("run", "group"), birth.astype("datetime64[ns]"))
    ds["birth"].attrs["description"] = ("first date the group had at least one member in "
                                        "the run (the start for the groups of 2007); NaT if "
                                        "never in that run")
    return ds


def _events_dataset(table: pd.DataFrame) -> xr.Dataset:
    """The events table on an `event` dimension (strings, dates, numbers)."""
    data = {
        "event_date": ("event", pd.to_datetime(table["date"]).to_numpy()),
        "event_intervention": ("event", table["intervention"].to_numpy(dtype=np.int64)),
        "event_dropped": ("event", table["dropped"].to_numpy(dtype=np.int8)),
    }
    for column in ("kind", "group", "other_group", "person", "use", "source_url"):
        data[f"event_{column}"] = ("event", table[column].astype(str).to_numpy(dtype=object))
    events = xr.Dataset(data, coords={"event": np.arange(len(table))})
    events["event_use"].attrs["description"] = "how the replay used the event"
    events["event_intervention"].attrs["description"] = ("1-based number of the scenario "
                                                          "intervention carrying it (0: none)")
    events["event_dropped"].attrs["description"] = "1 if left out of the counterfactual"
    return events
