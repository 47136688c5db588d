"""The drug-flow index (cartelsim.analysis.flow) on constructed results."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from cartelsim.analysis.flow import flow_index, trafficking_groups


def results(ids, homes, members, integrity, system="mexico2025", money=None) -> xr.Dataset:
    """A results-shaped Dataset: one run, two weeks, the given groups."""
    members = np.asarray(members, dtype=float)[None]  # (run, time, group)
    ds = xr.Dataset(
        {"members": (("run", "time", "group"), members),
         "command_integrity": (("run", "time", "group"),
                               np.asarray(integrity, dtype=float)[None])},
        coords={"run": [0], "time": [0, 1], "group": ids, "home_state": ("group", homes)},
        attrs={"system": system})
    if money is not None:
        ds["money"] = (("run", "time", "group"), np.asarray(money, dtype=float)[None])
    return ds


def test_groups_in_border_states_move_drugs_north():
    ids = ["cjng", "lnfm", "union_tepito", "cjng_splinter", "syn_001", "syn_002"]
    homes = ["14", "12", "09", "14", "28", "16"]
    ds = results(ids, homes, np.ones((2, 6)), np.ones((2, 6)))
    mask = dict(zip(ids, trafficking_groups(ds), strict=True))
    # CJNG is present in Baja California and Sonora (major_groups.csv); La Nueva Familia
    # Michoacana and Unión Tepito are not present in any border state
    assert mask == {"cjng": True, "lnfm": False, "union_tepito": False,
                    "cjng_splinter": True,  # a splinter inherits its parent's presence
                    "syn_001": True,  # synthetic, home Tamaulipas (border)
                    "syn_002": False}


def test_bacrim_state_names_match_with_or_without_accents():
    ds = results(["a", "b", "c"], ["Nuevo León", "Coahuila", "Jalisco"], np.ones((2, 3)),
                 np.ones((2, 3)), system="bacrim2020")
    assert trafficking_groups(ds).tolist() == [True, True, False]


def test_index_is_100_at_the_start_and_falls_with_integrity_and_money():
    ds = results(["a", "b"], ["02", "12"], [[100, 50], [100, 50]],
                 [[1.0, 1.0], [0.5, 1.0]], system="bacrim2020")
    index = flow_index(ds, payroll_weeks=8.0, member_wage=1.0)
    # group b (Guerrero) does not count; a loses half its command
    assert index.values.tolist() == [[100.0, 50.0]]
    short = results(["a", "b"], ["02", "12"], [[100, 50], [100, 50]],
                    [[1.0, 1.0], [1.0, 1.0]], system="bacrim2020",
                    money=[[1e9, 1e9], [200.0, 1e9]])
    # money covers 200 / (8 x 1 x 100) = a quarter of the payroll weeks
    assert flow_index(short, 8.0, 1.0).values[0, 1] == pytest.approx(25.0)
