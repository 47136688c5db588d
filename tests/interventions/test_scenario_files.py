"""Every example scenario parses and gives the results it gave before, on a short
horizon and a few runs.

The baseline (scenario_baseline.json) was first written by the string-and-if/elif version of
the interventions (issue 11, item 3), and written again when the world engine became the
default (its draws are keyed per group, so stochastic numbers changed; the BACRIM example and
the fragmentation campaign, already on the world engine, did not), and again when the
calibrated posterior became the default world (the BACRIM example, the published model,
did not change), and again when money was made to bind (issue 14: operating costs and a
sourced market; only the two scenarios with money on changed), and again when the record
posterior was re-fitted with entrant_rivalry and the territory posterior with INEGI's state
points (7 Dec 2026; the BACRIM example did not change), and again when entrants started
with their payroll reserve under money (7 Dec 2026, session 5; only the two scenarios with
money on changed), and again when the record posterior became the fit in logit coordinates
(7 Dec 2026, session 6; every scenario on the calibrated world changed, the BACRIM example
did not; segment-crackdown added). Write it with
`python tests/interventions/test_scenario_files.py`; it changes only in a deliberate commit
of its own.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from cartelsim.scenarios.examples import examples_dir
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import load_scenario

SCENARIOS = sorted(examples_dir().glob("*.toml"))
BASELINE = Path(__file__).with_name("scenario_baseline.json")
BACRIM = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "bacrim2020"
WEEKS, RUNS = 60, 3
SAMPLED = (0, 5, 10, 20, 30, 40, 50, 60)  # weeks whose values are kept, besides the sums
SERIES = ("total_members", "total_deaths", "total_arrests", "hvt_removals", "splits",
          "seizures")
GROUP_SERIES = ("command_integrity", "money", "protection")


def fingerprint(path: Path) -> dict[str, list[float]]:
    """Series of the scenario's first runs on a short horizon: values at SAMPLED weeks and
    sums over time, per run (group series summed over groups)."""
    scenario = load_scenario(path).derive(run={"runs": RUNS}, horizon={"weeks": WEEKS})
    if scenario.system.name == "bacrim2020":  # the example reads the download cache
        scenario = scenario.derive(system={"data": str(BACRIM)})
    ds = run_scenario(scenario)
    out: dict[str, list[float]] = {}
    for name in SERIES + GROUP_SERIES:
        if name not in ds:
            continue
        values = ds[name].values
        if values.ndim == 3:
            values = values.sum(axis=2)
        values = np.nan_to_num(values.astype(float), nan=-1.0)
        out[name] = [float(v) for v in values[:, list(SAMPLED)].ravel()]
        out[f"{name}_sum"] = [float(v) for v in values.sum(axis=1)]
    return out


def test_every_scenario_file_is_covered() -> None:
    assert len(SCENARIOS) >= 10
    assert set(json.loads(BASELINE.read_text())) == {p.name for p in SCENARIOS}


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_a_scenario_file_gives_the_results_it_gave_before(path: Path) -> None:
    expected = json.loads(BASELINE.read_text())[path.name]
    got = fingerprint(path)
    assert set(got) == set(expected)
    for name, values in expected.items():
        # bit-identical on the machine that wrote the baseline; a last-bit margin elsewhere
        np.testing.assert_allclose(got[name], values, rtol=1e-9, atol=1e-9, err_msg=name)


if __name__ == "__main__":
    table = {p.name: fingerprint(p) for p in SCENARIOS}
    BASELINE.write_text(json.dumps(table, indent=0, sort_keys=True) + "\n")
    print(f"wrote {BASELINE} ({len(table)} scenarios)", file=sys.stderr)
