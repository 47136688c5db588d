"""The reproduction of Prieto-Curiel, Campedelli & Hope (2023) on the real BACRIM 2020 data."""

from __future__ import annotations

import pytest

from cartelsim.experiments import prieto2023
from cartelsim.params.catalogue import CATALOGUE, Params


@pytest.fixture(scope="module")
def results(bacrim_system):
    return prieto2023.run(bacrim_system)


@pytest.fixture(scope="module")
def checks(results, bacrim_system) -> list[prieto2023.Check]:
    return prieto2023.compare(results, bacrim_system)


def test_every_check_states_claim_published_model_and_source(checks) -> None:
    assert len(checks) >= 10
    claims = [c.claim for c in checks]
    assert len(set(claims)) == len(claims)
    for check in checks:
        for text in (check.claim, check.published, check.model, check.source):
            assert isinstance(text, str) and text.strip(), check
        assert isinstance(check.agrees, bool)


def test_members_in_2022_agree_with_the_paper(checks) -> None:
    check = next(c for c in checks if c.claim == "members in 2022")
    assert check.agrees, check
    assert "Prieto-Curiel" in check.source
    members = float(check.model.replace(",", ""))
    assert 160_000 <= members <= 185_000


def test_group_shares_are_checked_on_bacrim(checks) -> None:
    claims = {c.claim for c in checks}
    assert {"CJNG share of members", "Sinaloa Cartel share of members"} <= claims


def test_run_has_the_published_shape(results) -> None:
    assert list(results) == ["baseline", *prieto2023.CONTINUATIONS]
    baseline = results["baseline"]
    assert baseline.sizes["time"] == prieto2023.WEEKS + 1
    assert int(baseline["week"][0]) == 0
    assert float(baseline["total_members"][0, 0]) == pytest.approx(115_000)
    end = baseline["members"].isel(run=0, time=-1).values
    for name in prieto2023.CONTINUATIONS:
        ds = results[name]
        assert int(ds["week"][0]) == prieto2023.WEEKS
        assert int(ds["week"][-1]) == 2 * prieto2023.WEEKS
        assert (ds["members"].isel(run=0, time=0).values == end).all(), name
        assert ds["time"].values[0] == baseline["time"].values[-1]
        assert int((ds["status"] != 0).sum()) == 0


def test_tidy_has_the_issue_columns(results) -> None:
    frame = prieto2023.tidy(results)
    assert list(frame.columns) == prieto2023.COLUMNS
    assert len(frame) == 5 * (prieto2023.WEEKS + 1)


@pytest.mark.parametrize(("name", "changed", "value"), [
    ("unchanged", None, None),
    ("zero_recruitment", "recruitment_rate", 0.0),
    ("double_incapacitation", "incapacitation", 2 * CATALOGUE["incapacitation"].default),
    ("half_recruitment", "recruitment_rate", 0.5 * CATALOGUE["recruitment_rate"].default),
])
def test_continuation_changes_exactly_one_parameter(name: str, changed: str | None,
                                                    value: float | None) -> None:
    base = Params.defaults()
    params = prieto2023.continuation_params(base, name)
    for parameter in CATALOGUE:
        if parameter == changed:
            assert params[parameter] == pytest.approx(value, rel=1e-15)
            assert name in params.origin(parameter)
            assert "prieto2023" in params.origin(parameter)
        else:
            assert params[parameter] == base[parameter], parameter
            assert params.origin(parameter) == "default", parameter
    assert base == Params.defaults()  # the base is untouched


def test_continuations_apply_to_the_given_base() -> None:
    base = Params.defaults().override({"incapacitation": 150.0}, origin="calibrated")
    doubled = prieto2023.continuation_params(base, "double_incapacitation")
    assert doubled["incapacitation"] == 300.0
    assert prieto2023.continuation_params(base, "unchanged").origin("incapacitation") == "calibrated"
