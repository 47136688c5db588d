"""The short Python API: `import cartelsim` lists its public names and imports nothing heavy;
`run` and `compare` give what the library's runner and paired comparison give; the result
objects make tables and figures that never show themselves."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import cartelsim as cs
from cartelsim.analysis.compare import (
    first_intervention,
    months_to_weeks,
    origin_week,
    paired_differences,
)
from cartelsim.analysis.figures import _short
from cartelsim.analysis.results import _interval
from cartelsim.api import scenario_of
from cartelsim.errors import CartelsimError
from cartelsim.scenarios.examples import example_path
from cartelsim.scenarios.runner import run_scenario

SMALL = {"runs": 4, "weeks": 60, "seed": 11}


@pytest.fixture(scope="module")
def comparison() -> cs.Comparison:
    return cs.compare("status-quo", "cjng-leader-killed", groups=["cjng"], **SMALL)


def test_dir_lists_the_public_names_and_each_resolves() -> None:
    assert dir(cs) == sorted([*cs.__all__, "__version__"])
    assert {"run", "compare", "Result", "Comparison", "list_examples", "copy_example",
            "simulate", "load_scenario"} <= set(cs.__all__)
    for name in cs.__all__:
        assert getattr(cs, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'simulte'"):
        cs.simulte  # noqa: B018


def test_notebook_completion_offers_the_public_names() -> None:
    """What IPython's completer (jedi) offers after `cs.`: the API, not this module's
    helpers (on 3eef51f it offered `import_module`, `TYPE_CHECKING`, `_EXPORTS`, ...)."""
    import jedi

    offered = {c.name for c in jedi.Interpreter("cs.", [{"cs": cs}]).complete()}
    assert offered == {*cs.__all__, "__version__"}
    assert [c.name for c in jedi.Interpreter("cs.comp", [{"cs": cs}]).complete()] == [
        "compare", "Comparison"]


def test_import_and_dir_stay_light() -> None:
    """Tab completion calls dir(); neither it nor the import may load numpy or numba."""
    code = ("import sys, cartelsim; names = dir(cartelsim); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('numpy', 'numba', 'xarray', 'pandas', 'matplotlib', 'scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_run_is_run_scenario_of_the_example_with_the_settings_given() -> None:
    result = cs.run("cjng-leader-killed", engine="stochastic", **SMALL)
    scenario = scenario_of(example_path("cjng-leader-killed"), engine="stochastic", **SMALL)
    assert (scenario.run.runs, scenario.horizon.weeks, scenario.run.seed) == (4, 60, 11)
    expected = run_scenario(scenario)
    assert result.data.sizes["run"] == 4 and result.data.sizes["time"] == 61
    for var in ("total_members", "homicides", "members", "command_integrity"):
        np.testing.assert_array_equal(result.data[var].values, expected[var].values)
    assert "cjng-leader-killed" in repr(result) and "4 stochastic run(s)" in repr(result)


def test_a_scenario_file_or_object_runs_as_the_example_does(tmp_path) -> None:
    copy = cs.copy_example("status-quo", tmp_path)
    from_file = cs.run(copy, **SMALL).data
    from_object = cs.run(cs.load_scenario(copy), **SMALL).data
    from_name = cs.run("status-quo", **SMALL).data
    for ds in (from_file, from_object):
        np.testing.assert_array_equal(ds["total_members"].values,
                                      from_name["total_members"].values)


def test_unknown_names_and_files_are_one_line_errors() -> None:
    with pytest.raises(CartelsimError, match="did you mean 'cjng-leader-killed'"):
        cs.run("cjng-leader-kiled")
    with pytest.raises(CartelsimError, match="missing.toml: scenario file not found"):
        cs.run("missing.toml")
    with pytest.raises(CartelsimError, match="engine"):
        cs.run("status-quo", engine="quantum")


def test_summary_is_the_national_table_with_homicides_first() -> None:
    result = cs.run("status-quo", **SMALL)
    table = result.summary()
    assert list(table.index[:2]) == ["homicides / week", "members"]
    assert list(table.columns) == ["2026-01-01", "2026-12-31", "2027-02-25"]
    end = result.data["total_members"].isel(time=-1).values
    low, mid, high = np.percentile(end, [5, 50, 95])
    assert table.loc["members", "2027-02-25"] == f"{mid:,.0f} [{low:,.0f}-{high:,.0f}]"


def test_plots_are_figures_outside_pyplot_with_a_homicide_panel_and_groups() -> None:
    import matplotlib.pyplot as plt

    result = cs.run("cjng-leader-killed", **SMALL)
    national = result.plot()
    assert isinstance(national, Figure) and national.canvas.manager is None
    titles = [ax.get_title() for ax in national.axes if ax.get_visible()]
    assert titles[0] == "Homicides per week" and len(titles) == 6
    groups = result.plot(groups=3)
    labels = [text.get_text() for text in groups.legends[0].get_texts()]
    end = result.data["members"].isel(time=-1).median("run")
    largest = end.sortby(end, ascending=False).group_name.values[:3]
    assert labels == [_short(str(name)) for name in largest]
    named = result.plot(groups=["CJNG"])
    assert "Cártel de Jalisco" in named.legends[0].get_texts()[0].get_text()
    with pytest.raises(CartelsimError, match="unknown group 'cjgn'"):
        result.plot(groups=["cjgn"])
    assert plt.get_fignums() == [], "a figure was left in pyplot (it would show itself)"


def test_compare_is_paired_differences_of_the_two_runs(comparison) -> None:
    base = run_scenario(scenario_of("status-quo", **SMALL))
    policy = run_scenario(scenario_of("cjng-leader-killed", **SMALL))
    since = first_intervention(scenario_of("cjng-leader-killed", **SMALL))  # horizons count from it
    origin = origin_week(policy.time.values, since)
    horizons = tuple(m for m in (3, 12, 36) if months_to_weeks(m) < 60 - origin)
    expected = paired_differences(base, policy, horizons, groups=("cjng",), since=since)
    pd.testing.assert_frame_equal(comparison.differences, expected)
    assert "command integrity (cjng)" in set(comparison.differences["variable"])
    shown = comparison.summary()
    assert len(shown) == len(expected)
    assert list(shown.columns) == ["variable", "months", "date", "base", "policy",
                                   "difference [90 %]", "relative", "P(lower)"]
    figure = comparison.plot()
    assert figure.canvas.manager is None
    assert "Command integrity of cjng" in [ax.get_title() for ax in figure.axes]


def test_a_scenario_compared_with_itself_differs_by_exactly_zero() -> None:
    """Common random numbers: world k of both draws the same numbers."""
    same = cs.compare("status-quo", "status-quo", horizons=(6,), **SMALL)
    assert (same.differences[["difference", "low", "high"]] == 0).all().all()


def test_compare_refuses_two_different_worlds() -> None:
    with pytest.raises(CartelsimError, match="differ in mechanisms"):
        cs.compare("status-quo", "status-quo-money-protection", **SMALL)
    with pytest.raises(CartelsimError, match="unknown group 'cjgn'; did you mean 'cjng'"):
        cs.compare("status-quo", "status-quo", groups=["cjgn"], **SMALL)


@pytest.mark.parametrize(("mid", "low", "high", "shown"), [
    (17.813, -76.219, 111.75, "+18 [-76, +112]"),        # the dashboard's "17.813 [-76.219, 111.75]"
    (-0.5012, -0.5013, -0.5011, "-0.501 [-0.501, -0.501]"),
    (0.0, 0.0, 1.0, "+0 [+0, +1]"),                       # whole numbers stay whole
    (-10152.4, -10308.2, -509.1, "-10,152 [-10,308, -509]"),
])
def test_intervals_show_three_significant_digits(mid, low, high, shown) -> None:
    assert _interval(mid, low, high) == shown


@pytest.mark.parametrize("weeks", [1, 5, 14, 60, 520])
def test_default_horizons_fit_in_the_simulated_weeks(weeks: int) -> None:
    from cartelsim.analysis.compare import months_to_weeks
    from cartelsim.api import default_horizons

    chosen = default_horizons(weeks)
    assert chosen and all(1 <= months_to_weeks(m) <= weeks for m in chosen)
    assert chosen == tuple(m for m in (3, 12, 36) if months_to_weeks(m) < weeks) or \
        months_to_weeks(chosen[0]) == weeks
