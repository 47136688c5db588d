"""Generated scenarios (as dicts and as TOML text) give a valid result or a one-line
CartelsimError, never another exception type.

Dicts mix valid keys and values with misspelt keys, wrong types, NaN and infinities, dates far
outside the horizon, unknown groups and contradictory interventions. TOML text is a valid
scenario mutated byte by byte. Whatever validates is run (small sizes) and must give finite,
non-negative members for every run reported ok.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from pathlib import Path

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from cartelsim.errors import CartelsimError

from .conftest import FUZZ
from .support import record

JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
GROUPS = st.sampled_from(["cjng", "cds_mayiza", "cds_chapitos", "CJNG", "cjgn", "", "syn_001",
                          "Los Viagras", "nobody"])
ACTIONS = st.sampled_from(["prevent_recruitment", "scale_arrests", "focus_arrests",
                           "scale_conflict", "arrest_sweep", "remove_leader", "freeze_assets",
                           "prosecute_corruption", "us_pressure", "kill_everyone"])
DATES = st.one_of(st.dates(dt.date(2025, 6, 1), dt.date(2026, 8, 1)),
                  st.dates(dt.date(1900, 1, 1), dt.date(2200, 1, 1)))


def numbers(low: float, high: float) -> st.SearchStrategy:
    """Floats in [low, high], and now and then NaN or an infinity."""
    return st.one_of(st.floats(low, high), st.sampled_from([math.nan, math.inf, -math.inf]))


def maybe(valid: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly a plausible value, sometimes anything at all."""
    return st.one_of(valid, valid, valid, valid, valid, valid, valid, JUNK)


TARGET = st.one_of(
    st.just({}), st.fixed_dictionaries({"groups": st.lists(GROUPS, max_size=3)}),
    st.fixed_dictionaries({"largest": maybe(st.integers(-1, 200))}),
    st.fixed_dictionaries({"rivals_of": GROUPS}),
    st.dictionaries(st.sampled_from(["groups", "largest", "rivals_of", "everyone"]), JUNK,
                    max_size=2),
)
INTERVENTION = st.fixed_dictionaries(
    {"action": maybe(ACTIONS)},
    optional={
        "effect": maybe(numbers(-1, 12)),
        "start": maybe(DATES), "end": maybe(DATES), "every_weeks": maybe(st.integers(-2, 60)),
        "kind": maybe(st.sampled_from(["killed", "captured", "extradited", "lieutenant", "x"])),
        "succession": maybe(st.sampled_from(["settled", "contested", "uncertain"])),
        "clarity": maybe(st.floats(-0.5, 1.5)), "target": maybe(TARGET),
        "label": maybe(st.text(max_size=10)),
    },
)
PARAMETER_NAMES = st.sampled_from(["recruitment_rate", "incapacitation", "conflict_lethality",
                                   "saturation_exit", "initial_members", "recruitment",
                                   "split_fraction"])
SCENARIO = st.fixed_dictionaries(
    {},
    optional={
        "name": maybe(st.text(min_size=1, max_size=20)),
        "description": maybe(st.text(max_size=20)),
        "system": maybe(st.fixed_dictionaries({}, optional={
            "name": maybe(st.sampled_from(["mexico2025", "bacrim2020"])),
            "groups": maybe(st.integers(-5, 60)), "tail_seed": maybe(st.integers(-1, 99)),
        })),
        "horizon": maybe(st.fixed_dictionaries({}, optional={
            "start": maybe(st.dates(dt.date(2025, 1, 1), dt.date(2027, 1, 1))),
            "weeks": maybe(st.integers(-3, 40)),
        })),
        "parameters": maybe(st.dictionaries(
            PARAMETER_NAMES, numbers(-1, 1e9), max_size=3)),
        "run": maybe(st.fixed_dictionaries({}, optional={
            "engine": maybe(st.sampled_from(["deterministic", "stochastic"])),
            "runs": maybe(st.integers(-1, 4)), "seed": maybe(st.integers(-1, 2**63)),
            "initial": maybe(st.sampled_from(["auto", "zipf", "poisson", "sizes"])),
            "record": maybe(st.sampled_from(["groups", "totals"])),
        })),
        "mechanisms": maybe(st.fixed_dictionaries({}, optional={
            "money": maybe(st.booleans()), "protection": maybe(st.booleans())})),
        "interventions": maybe(st.lists(INTERVENTION, max_size=3)),
        "extra_key": JUNK,
    },
)

ODD_KEYS = st.dictionaries(
    st.one_of(st.sampled_from(["\u00b2", "0", "12", " ", "\u0663", "runs ", "Runs", "seeds"]),
              st.text(min_size=1, max_size=4)), JUNK, max_size=2)


def with_odd_keys(pair: tuple[dict, dict]) -> dict:
    """Unknown keys of any spelling ('²', '0', ' ', ...) at the top or inside a section."""
    data, extra = pair
    if extra and data and len(extra) % 2 == 0:
        section = next((v for v in data.values() if isinstance(v, dict)), data)
        section.update(extra)
        return data
    return {**data, **extra}


# Above this many run-weeks x groups a valid example is only validated, not run (keeps the
# default profile fast; the engines' limits are tested in test_extremes.py).
RUN_BUDGET = 200_000
_counts = {"examples": 0, "valid": 0, "ran": 0, "refused": 0, "refused_when_run": 0}
_clock: dict[str, float] = {}


def _small(scenario) -> bool:
    groups = scenario.system.groups if scenario.system.name == "mexico2025" else 150
    return scenario.run.runs * scenario.horizon.weeks * groups <= RUN_BUDGET


def check_outcome(load, where: str) -> None:
    """Call load() -> Scenario; run it if small; any failure must be a one-line
    CartelsimError."""
    from cartelsim.scenarios.runner import run_scenario

    _clock.setdefault("first", time.monotonic())
    _counts["examples"] += 1
    scenario = None
    try:
        scenario = load()
        _counts["valid"] += 1
        if scenario.system.name == "bacrim2020" or not _small(scenario):
            return  # BACRIM needs real data (not fuzzed here); large runs are not the point
        ds = run_scenario(scenario)
        _counts["ran"] += 1
    except CartelsimError as exc:
        _counts["refused" if scenario is None else "refused_when_run"] += 1
        message = str(exc)
        assert message.strip() and "\n" not in message, f"{where}: not one line: {message!r}"
        return
    ok = ds["status"].values == 0
    members = ds["total_members"].values[ok]
    assert np.isfinite(members).all() and (members >= 0).all()
    if "members" in ds:
        groups = ds["members"].values[ok]
        assert np.isfinite(groups).all() and (groups >= -1e-9).all()


@FUZZ
@given(st.one_of(SCENARIO, st.tuples(SCENARIO, ODD_KEYS).map(with_odd_keys)))
@example({"\u00b2": 1})  # a key that str.isdigit() calls a digit crashed the error message
@example({"run": {"\u0663": 1}})
@example({"interventions": [{"action": "scale_arrests", "effect": 1.0, "\u00b2": 2}]})
def test_generated_scenario_dicts(data: dict) -> None:
    from cartelsim.scenarios.schema import parse_scenario

    check_outcome(lambda: parse_scenario(data, source="fuzz.toml"), repr(data))


VALID_TOML = """name = "fuzz"
description = "a valid scenario, then mutated"
[system]
name = "mexico2025"
groups = 25
[horizon]
start = 2026-01-01
weeks = 12
[parameters]
incapacitation = 120
[run]
engine = "stochastic"
runs = 2
seed = 3
[mechanisms]
money = true
[[interventions]]
action = "remove_leader"
kind = "killed"
succession = "contested"
start = 2026-02-01
target = { groups = ["cjng"] }
[[interventions]]
action = "freeze_assets"
effect = 0.3
start = 2026-01-15
target = { largest = 3 }
"""


@st.composite
def mutated_toml(draw) -> bytes:
    """The valid scenario with a few random edits: bytes flipped, inserted or deleted,
    lines dropped or repeated, the file cut short."""
    text = bytearray(VALID_TOML.encode())
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "drop_line", "repeat_line",
                                     "truncate", "swap_digit"]))
        position = draw(st.integers(0, max(len(text) - 1, 0)))
        if kind == "flip" and text:
            text[position] = draw(st.integers(0, 255))
        elif kind == "insert":
            text[position:position] = draw(st.sampled_from(
                [b"=", b"[", b"]", b'"', b"\n", b"#", b"-", b"9", b"\x00", b"\xff", b"nan"]))
        elif kind == "delete" and text:
            del text[position:position + draw(st.integers(1, 8))]
        elif kind in ("drop_line", "repeat_line"):
            lines = bytes(text).split(b"\n")
            k = draw(st.integers(0, len(lines) - 1))
            lines[k:k + 1] = [] if kind == "drop_line" else [lines[k], lines[k]]
            text = bytearray(b"\n".join(lines))
        elif kind == "truncate":
            del text[position:]
        elif kind == "swap_digit":
            digits = [i for i, b in enumerate(text) if chr(b).isdigit()]
            if digits:
                text[draw(st.sampled_from(digits))] = ord(str(draw(st.integers(0, 9))))
    return bytes(text)


@FUZZ
@given(mutated_toml())
def test_mutated_scenario_files(tmp_path_factory, content: bytes) -> None:
    from cartelsim.scenarios.schema import load_scenario

    path = Path(tmp_path_factory.mktemp("toml")) / "fuzz.toml"
    path.write_bytes(content)
    check_outcome(lambda: load_scenario(path), repr(content[:200]))


def test_zz_record_scenario_fuzzing() -> None:
    """Records how many examples ran (for RELIABILITY.md) and checks that every example was
    either valid or refused with a one-line error: no third outcome."""
    seconds = time.monotonic() - _clock.get("first", time.monotonic())
    record("fuzz_scenarios", **_counts, seconds=round(seconds, 1))
    assert _counts["refused"] + _counts["valid"] == _counts["examples"]
