"""The bad-input corpus (corpus/INDEX.toml) through the real command line.

Every malformed data file and scenario must give exit code 2 and one line `error: ...` that
names the problem (file, line or field: the fragments listed in INDEX.toml), with no traceback
and nothing written or changed in the working folder. The byte-order-mark and CRLF variants
must load exactly like the plain files.

In-process runs cover every case and command; a sample goes through `python -m cartelsim` in
fresh interpreters (all of them with CARTELSIM_RELIABILITY=long, as `make reliability` does).
"""

from __future__ import annotations

import shutil
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from .support import (
    CORPUS,
    LONG,
    Outcome,
    assert_user_error,
    cli,
    cli_subprocess,
    record,
    snapshot,
    valid_world,
)

INDEX = tomllib.loads((CORPUS / "INDEX.toml").read_text(encoding="utf-8"))
DATA = INDEX["data"]
SCENARIOS = INDEX["scenario"]
BAD_DATA = [case for case in DATA if case["expect"] == "error"]
GOOD_DATA = [case for case in DATA if case["expect"] == "load"]


def _id(case: dict) -> str:
    return Path(case["file"]).stem if "replaces" not in case else case["file"]


def data_folder(case: dict, root: Path) -> Path:
    """The valid synthetic folder of the case's format with the case's file swapped in."""
    fmt = case["file"].split("/")[0]
    folder = valid_world(fmt, root / "data")
    shutil.copyfile(CORPUS / case["file"], folder / case["replaces"])
    return folder


def data_scenario(case: dict, root: Path, weeks: int = 4) -> Path:
    """A valid scenario that reads the case's data folder (relative to the scenario)."""
    fmt = case["file"].split("/")[0]
    system = ('name = "bacrim2020"\ndata = "data"' if fmt == "bacrim"
              else 'name = "mexico2025"\ndata = "data"\ngroups = 8')
    path = root / "scenario.toml"
    path.write_text(f'name = "corpus"\n[system]\n{system}\n[horizon]\nstart = 2026-01-01\n'
                    f'weeks = {weeks}\n[run]\nruns = 1\n', encoding="utf-8")
    return path


def data_commands(case: dict) -> list[tuple[str, ...]]:
    commands = [("run", "scenario.toml", "--quiet"),
                ("compare", "scenario.toml", "scenario.toml", "--horizons", "0.5", "--quiet",
                 "--out-dir", "out", "--out", "table.csv")]
    if case["file"].startswith("bacrim/"):  # the commands that take --data DIR
        commands += [("reproduce", "prieto2023", "--data", "data", "--out", "out/p.csv"),
                     ("calibrate", "--data", "data", "--out", "out/fit.toml")]
    return commands


def scenario_commands(case: dict) -> list[tuple[str, ...]]:
    name = Path(case["file"]).name
    # compare pairs the file with itself, so its own mistake (not a mismatch) is reported
    commands = [("run", name, "--quiet"),
                ("compare", name, name, "--horizons", "0.5", "--quiet", "--out-dir", "out",
                 "--out", "table.csv")]
    return [c for c in commands if c[0] in case.get("commands", ("run", "compare"))]


_invocations = {"in_process": 0, "subprocess": 0}


def check_refused(outcome: Outcome, case: dict, before: dict, root: Path, command: str) -> None:
    _invocations["subprocess" if command.startswith(case["file"]) else "in_process"] += 1
    assert_user_error(outcome, case["mention"])
    assert snapshot(root) == before, f"{command}: a failed command wrote or changed files"


@pytest.mark.parametrize("case", BAD_DATA, ids=_id)
def test_bad_data_file_is_one_line_error_naming_file_and_line(case: dict, tmp_path: Path) -> None:
    data_folder(case, tmp_path)
    data_scenario(case, tmp_path)
    before = snapshot(tmp_path)
    for command in data_commands(case):
        check_refused(cli(*command, cwd=tmp_path), case, before, tmp_path, command[0])


@pytest.mark.parametrize("case", SCENARIOS, ids=_id)
def test_bad_scenario_is_one_line_error_naming_the_field(case: dict, tmp_path: Path) -> None:
    shutil.copyfile(CORPUS / case["file"], tmp_path / Path(case["file"]).name)
    before = snapshot(tmp_path)
    for command in scenario_commands(case):
        check_refused(cli(*command, cwd=tmp_path), case, before, tmp_path, command[0])


def _load(case: dict, folder: Path):
    from cartelsim.system.bacrim import load_bacrim
    from cartelsim.system.embedded import load_embedded

    if case["file"].startswith("bacrim/"):
        return load_bacrim(folder)
    return load_embedded(folder, n_groups=8)


@pytest.mark.parametrize("case", GOOD_DATA, ids=_id)
def test_bom_and_crlf_variants_load_like_the_plain_file(case: dict, tmp_path: Path) -> None:
    fmt = case["file"].split("/")[0]
    plain = _load(case, valid_world(fmt, tmp_path / "plain"))
    variant = _load(case, data_folder(case, tmp_path))
    assert variant.group_ids == plain.group_ids
    assert variant.group_names == plain.group_names  # no BOM or \r left in any name
    assert all("\r" not in s and "\ufeff" not in s for s in variant.group_names + variant.group_ids)
    assert (variant.rivalry != plain.rivalry).nnz == 0
    assert (variant.alliance != plain.alliance).nnz == 0
    assert variant.national_series.equals(plain.national_series)


@pytest.mark.parametrize("case", GOOD_DATA[:2], ids=_id)
def test_a_variant_runs_end_to_end(case: dict, tmp_path: Path) -> None:
    data_folder(case, tmp_path)
    data_scenario(case, tmp_path, weeks=2)
    outcome = cli("run", "scenario.toml", "--quiet", "--out", "out/r.nc", cwd=tmp_path)
    assert outcome.code == 0, outcome.stderr
    import xarray as xr

    with xr.open_dataset(tmp_path / "out/r.nc") as ds:
        assert np.isfinite(ds.total_members.values).all()


def test_the_corpus_is_complete_and_documented() -> None:
    """Every file in the corpus is listed in INDEX.toml, and every listed file exists."""
    listed = {case["file"] for case in DATA + SCENARIOS}
    present = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*")
               if p.is_file() and p.parent.name != "valid" and p.suffix in (".csv", ".toml")
               and p.name != "INDEX.toml"}
    present.discard("scenarios/valid-base.toml")
    assert listed == present
    assert all(case["what"] and (case.get("mention") or case["expect"] == "load")
               for case in DATA + SCENARIOS)
    assert len(BAD_DATA) + len(SCENARIOS) >= 100


# A sample of cases through a fresh interpreter: the installed entry point behaves alike.
SAMPLE = ["bacrim/nodes-latin1.csv", "embedded/relations-unknown-id.csv",
          "scenarios/unknown-section.toml", "scenarios/runs-too-big-for-memory.toml",
          "scenarios/output-is-folder.toml", "scenarios/binary-garbage.toml",
          # the parser's recursion limit depends on the stack: check it in a fresh one too
          "scenarios/parameters-nested-5000.toml"]


def _subprocess_cases() -> list[dict]:
    cases = BAD_DATA + SCENARIOS
    return cases if LONG else [c for c in cases if c["file"] in SAMPLE]


def test_the_entry_point_in_fresh_interpreters(tmp_path: Path) -> None:
    """`python -m cartelsim` gives the same one-line errors (sample; all under `long`)."""
    jobs = []
    for number, case in enumerate(_subprocess_cases()):
        root = tmp_path / str(number)
        root.mkdir()
        if "replaces" in case:
            data_folder(case, root)
            data_scenario(case, root)
            command = data_commands(case)[0]
        else:
            shutil.copyfile(CORPUS / case["file"], root / Path(case["file"]).name)
            command = scenario_commands(case)[0]
        jobs.append((case, root, snapshot(root), command))
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda job: cli_subprocess(*job[3], cwd=job[1]), jobs))
    for (case, root, before, command), outcome in zip(jobs, outcomes, strict=True):
        check_refused(outcome, case, before, root, f"{case['file']}: {command[0]}")


@pytest.fixture(scope="module", autouse=True)
def _record_corpus_counts():
    """Records for RELIABILITY.md how many refusals this module checked (not a test)."""
    yield
    record("corpus", files=len(BAD_DATA) + len(SCENARIOS), variants=len(GOOD_DATA),
           **_invocations)


# Bad command-line arguments: (arguments, fragments the one-line error must hold). The
# starred ones crashed with a traceback before this corpus (or, for nan, disabled a check).
BAD_ARGUMENTS = [
    (["run", "valid-base.toml", "--weeks", "99999999"], ["horizon.weeks", "10400"]),
    (["run", "valid-base.toml", "--runs", "1000000000"], ["run.runs"]),
    (["run", "valid-base.toml", "--engine", "foo"], ["run.engine", "'foo'"]),
    (["run", "valid-base.toml", "--seed", "-3"], ["--seed"]),
    (["run", "valid-base.toml", "--out", "/proc/x.nc"], ["cannot write to folder /proc"]),  # *
    (["run", "valid-base.toml", "--out", "valid-base.toml/x.nc"], ["valid-base.toml"]),
    (["run", "valid-base.toml", "--csv", "."], ["is a folder"]),  # *
    (["run", "."], ["scenario file not found"]),
    (["compare", "valid-base.toml", "valid-base.toml", "--horizons", "nan"], ["--horizons"]),
    (["compare", "valid-base.toml", "valid-base.toml", "--horizons", "1,,x"], ["--horizons"]),
    (["compare", "valid-base.toml", "valid-base.toml", "--horizons", "0.5", "--group",
      "nobody"], ["unknown group 'nobody'"]),
    (["compare", "valid-base.toml", "valid-base.toml", "--horizons", "0.5", "--out-dir",
      "valid-base.toml"], ["valid-base.toml"]),
    (["ensemble", "valid-base.toml", "--out", "e", "--chunk-runs", "0"], ["--chunk-runs"]),
    (["ensemble", "valid-base.toml", "--out", "e", "--max-gb", "nan"], ["--max-gb"]),  # *
    (["ensemble", "valid-base.toml", "--out", "e", "--max-gb", "-1"], ["--max-gb"]),
    (["ensemble", "valid-base.toml", "--out", "valid-base.toml"], ["is a file"]),  # *
    (["ensemble", "valid-base.toml", "--out", "e", "--executor", "threads"], ["executor"]),
    (["export", "nowhere", "--out", "x.nc"], ["manifest.json missing"]),
    (["export", "valid-base.toml", "--out", "x.nc"], ["is a file"]),  # *
    (["summarize", "valid-base.toml"], ["is a file"]),  # *
    (["summarize", "nowhere", "--horizons", "-1"], ["--horizons"]),
    (["sensitivity", "valid-base.toml", "--parameters", "nonsense", "--executor", "serial"],
     ["nonsense"]),
    (["calibrate", "--shares", "nan"], ["--shares"]),
    (["reproduce", "prieto2099"], ["unknown paper"]),
    (["data", "fetch", "other"], ["unknown data set"]),
    (["params", "--bogus"], ["--bogus"]),
]


@pytest.mark.parametrize(("arguments", "mention"), BAD_ARGUMENTS,
                         ids=[" ".join(a)[:60] for a, _ in BAD_ARGUMENTS])
def test_bad_command_line_arguments(arguments: list[str], mention: list[str],
                                    tmp_path: Path) -> None:
    shutil.copyfile(CORPUS / "scenarios" / "valid-base.toml", tmp_path / "valid-base.toml")
    before = snapshot(tmp_path)
    check_refused(cli(*arguments, "--quiet", cwd=tmp_path)
                  if arguments[0] in ("run", "compare") else cli(*arguments, cwd=tmp_path),
                  {"file": "<arguments>", "mention": mention}, before, tmp_path, arguments[0])
