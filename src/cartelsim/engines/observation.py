"""The observation model: from members killed in the model to what the public sees.

The published model fitted its conflict deaths to 10 % of national homicides plus
disappearances (`victim_member_share`), so the victims a run implies are deaths divided
by that share; `homicide_share_of_victims` splits them into homicides and disappearances.
Applied once, here, so every output uses the same rule.
"""

from __future__ import annotations

import xarray as xr

from cartelsim.params.catalogue import Params


def add_observations(ds: xr.Dataset, params: Params) -> xr.Dataset:
    """Add national `homicides` and `disappearances` per week (run, time) to `ds`."""
    victims = ds["total_deaths"] / params["victim_member_share"]
    share = params["homicide_share_of_victims"]
    ds["homicides"] = victims * share
    ds["disappearances"] = victims * (1.0 - share)
    for name, what in (("homicides", "homicides"), ("disappearances", "disappearances")):
        ds[name].attrs.update(
            units="people per week",
            description=f"national {what} implied by members killed in conflict "
            f"(deaths / victim_member_share, split by homicide_share_of_victims), over the "
            "week ending at the date",
        )
    return ds
