"""What the calibration to the record fits: the observed summaries and their errors.

Four blocks of summary statistics, each compared on the log scale:

* **homicides**: INEGI registered homicides per year from 2007 (EVIDENCE F32,
  ``national_homicides()``), against the replay's ``homicides_inegi`` summed by year;
* **groups**: published counts of active groups (EVIDENCE F12, F18; ``group_counts()``),
  against groups with a member at the year's end. Only counts of *all* groups at one time are
  used (`GROUP_COUNT_ROWS`): official lists of "recognised" cartels and cumulative counts
  count other things;
* **members**: 160,000-185,000 members in 2022 (EVIDENCE F18), read as a 90 % interval;
* **kingpin**: +36.5 % drug-related violence in the first 6 months after a leader removal
  (EVIDENCE F3), against the change in members killed in the removed group's lineage (the
  group and its splinters) over the 26 weeks after each removal vs the 26 weeks before.

The other kingpin effects are left out of the fit (docs/calibration.md says why): F1 and F2
are municipal and spatial (the replay has no municipalities), F5 gives directions without
sizes, and F6 turns on whether a succession is settled, which the timeline does not record
(every replayed succession is "uncertain").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cartelsim.errors import CartelsimError
from cartelsim.record.observed import group_counts, national_homicides

FIRST_YEAR = 2007
# (year, count) rows of group_counts.csv that count every active group at one time
# (Atuesta & Pérez-Dávila 2007 and 2011, Trejo & Ley 2012, CIDE 2018-19, Crisis Group 2019,
# Prieto-Curiel et al. 2022). Left out: lists of cartels "recognised" by governments (7, 11,
# 37), "at least" bounds and cumulative counts over 2009-2020.
GROUP_COUNT_ROWS = ((2007, 5), (2011, 80), (2012, 62), (2019, 148), (2019, 198), (2022, 150))
# F18: 160,000-185,000 members in 2022, taken as a 90 % interval on the log scale.
MEMBERS_YEAR = 2022
MEMBERS_RANGE = (160_000.0, 185_000.0)
# F3: +36.5 % in the first 6 months; F3's own check accepts +25 % to +50 %, taken as a
# 90 % interval on the log scale (a municipal estimate used for a group-level proxy).
KINGPIN_RISE = 0.365
KINGPIN_RANGE = (0.25, 0.50)
KINGPIN_WEEKS = 26
Z90 = 1.6448536269514722  # standard normal quantile of 0.95


@dataclass(frozen=True)
class RecordTargets:
    """The observed summaries (log scale) and the fixed measurement errors of each block."""

    until: int
    homicide_years: np.ndarray  # int
    log_homicides: np.ndarray
    group_years: np.ndarray  # int, one entry per count (a year may have two)
    log_groups: np.ndarray
    log_members: float | None  # None when MEMBERS_YEAR > until
    members_sd: float
    log_kingpin: float
    kingpin_sd: float

    @property
    def count(self) -> int:
        """Number of observed values fitted."""
        return int(self.log_homicides.size + self.log_groups.size
                   + (self.log_members is not None) + 1)

    def describe(self) -> dict[str, object]:
        """The data fitted, for the posterior's metadata."""
        data: dict[str, object] = {
            "homicides": (f"INEGI registered homicides {self.homicide_years[0]}-"
                          f"{self.homicide_years[-1]} (EVIDENCE F32, history "
                          "national_homicides.csv)"),
            "groups": ("active groups " + ", ".join(
                f"{y}: {round(float(np.exp(c)))}" for y, c in zip(
                    self.group_years, self.log_groups, strict=True))
                + " (EVIDENCE F12, F18; history group_counts.csv)"),
            "kingpin": (f"+{KINGPIN_RISE:.1%} violence of the removed group's lineage in "
                        f"the {KINGPIN_WEEKS} weeks after a removal (EVIDENCE F3), removals "
                        f"up to {self.until}"),
        }
        if self.log_members is not None:
            data["members"] = (f"{MEMBERS_RANGE[0]:,.0f}-{MEMBERS_RANGE[1]:,.0f} members in "
                               f"{MEMBERS_YEAR} (EVIDENCE F18)")
        return data


def record_targets(until: int = 2024) -> RecordTargets:
    """The summaries observed from 2007 up to and including `until`.

    Raises:
        CartelsimError: `until` leaves fewer than five years of homicides, or goes past the
            last INEGI year.
    """
    observed = national_homicides()["inegi_registered"].dropna()
    last = int(observed.index.max())
    if not FIRST_YEAR + 4 <= until <= last:
        raise CartelsimError(f"--until must be a year from {FIRST_YEAR + 4} to {last} (the "
                             f"last INEGI year), got {until}")
    years = np.array([y for y in observed.index if FIRST_YEAR <= y <= until], dtype=int)
    counts = group_counts()
    rows = []
    for year, count in GROUP_COUNT_ROWS:
        match = counts[(counts["year_end"] == year) & (counts["count"] == count)]
        if match.empty:
            raise CartelsimError(f"group_counts.csv: the count {count} for {year} that the "
                                 "calibration fits is missing")
        if year <= until:
            rows.append((year, count))
    low, high = np.log(MEMBERS_RANGE)
    k_low, k_high = np.log1p(KINGPIN_RANGE)
    return RecordTargets(
        until=until,
        homicide_years=years,
        log_homicides=np.log(observed.loc[years].to_numpy(float)),
        group_years=np.array([y for y, _ in rows], dtype=int),
        log_groups=np.log(np.array([c for _, c in rows], dtype=float)),
        log_members=float((low + high) / 2) if MEMBERS_YEAR <= until else None,
        members_sd=float((high - low) / 2 / Z90),
        log_kingpin=float(np.log1p(KINGPIN_RISE)),
        kingpin_sd=float((k_high - k_low) / 2 / Z90),
    )
