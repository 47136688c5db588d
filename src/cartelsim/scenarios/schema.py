"""Scenario files (TOML) validated by pydantic, with errors that name the field.

A scenario says which world to simulate, for how long, with which parameter values, and how
many runs of which engine::

    name = "status-quo"
    description = "The published rates continued from 2026 on Mexico 2025."

    [system]
    name = "mexico2025"          # or "bacrim2020" (then `data` = folder with the CSV files),
                                  # or "history2007" (the world of 2007, cartelsim.record)

    [horizon]
    start = 2026-01-01
    weeks = 520

    [parameters]                  # any name from `cartelsim params`
    incapacitation = 110

    [run]
    engine = "deterministic"      # or "stochastic"
    runs = 1
    seed = 0

    [mechanisms]                  # L2 switches (leadership is always on)
    money = false
    protection = false
    fragmentation = "open"        # the world engine (cartelsim.world), splits without a
                                  # cap; "capped": the older engines, one split per group
    territory = false             # true (with "open"): deaths and homicides per state

    [[interventions]]             # any number; see cartelsim.interventions.spec
    action = "prevent_recruitment"
    effect = 0.5
    start = 2027-01-01
    target = { largest = 5 }

    [output]
    path = "outputs/status-quo.nc"

Unknown keys are errors that suggest the closest valid key (STYLE.md 2).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from cartelsim.errors import CartelsimError
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.params.catalogue import CATALOGUE, Params, unknown_parameter_hint
from cartelsim.scenarios.tomltext import read_toml
from cartelsim.system.model import System
from cartelsim.textmatch import closest

SYSTEMS = ("mexico2025", "bacrim2020", "history2007")
DEFAULT_START = {"mexico2025": dt.date(2026, 1, 1), "bacrim2020": dt.date(2012, 1, 1),
                 "history2007": dt.date(2007, 1, 1)}
MAX_RUNS = 1_000_000
MAX_WEEKS = 52 * 200
# The calendar a horizon must lie in: the whole years that pandas' nanosecond timestamps hold
# (pandas 2 keeps dates only so), which the engines' time axis, NetCDF files and figures use.
# Scenario files and web requests are both held to it (HorizonSection).
EARLIEST_START = dt.date(1678, 1, 1)
LATEST_END = dt.date(2261, 12, 31)
LATEST_START = LATEST_END - dt.timedelta(weeks=1)  # the shortest horizon, a week, must fit


# Whole numbers and numbers given as TOML booleans are refused (true is not 1).
StrictWhole = Annotated[int, Field(strict=True)]
Number = Annotated[float, Field(strict=True)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SystemSection(_Strict):
    name: Literal["mexico2025", "bacrim2020", "history2007"] = "mexico2025"
    data: Path | None = Field(
        default=None, description="bacrim2020: folder with the BACRIM 2020 CSV files; "
        "mexico2025: folder with edited copies of the embedded CSV files (default: packaged); "
        "history2007: folder with edited copies of the history CSV files (default: packaged)"
    )
    groups: StrictWhole = Field(default=150, ge=1, le=5000, description="mexico2025: groups in all")
    tail_seed: StrictWhole = Field(default=2025, ge=0, description="mexico2025: seed of the synthetic tail")

    @model_validator(mode="after")
    def _only_what_the_system_reads(self) -> SystemSection:
        # a setting the chosen system ignores is a mistake, not a silent no-op
        if self.name != "mexico2025":
            for key, default in (("groups", 150), ("tail_seed", 2025)):
                if getattr(self, key) != default:
                    raise ValueError(f"system.{key} applies to mexico2025 ({self.name} has its "
                                     "own groups); remove it")
        return self


class HorizonSection(_Strict):
    start: dt.date | None = None
    weeks: StrictWhole = Field(default=520, ge=1, le=MAX_WEEKS)

    @field_validator("start")
    @classmethod
    def _start_in_calendar(cls, start: dt.date | None) -> dt.date | None:
        if start is not None and not EARLIEST_START <= start <= LATEST_START:
            raise ValueError(f"the horizon must start on or after {EARLIEST_START} and end "
                             f"by {LATEST_END}, the dates results can carry")
        return start

    @field_validator("weeks")
    @classmethod
    def _end_in_calendar(cls, weeks: int, info: ValidationInfo) -> int:
        # the system's default start (DEFAULT_START) plus MAX_WEEKS always fits
        start = info.data.get("start")
        if start is not None and horizon_end(start, weeks) > LATEST_END:
            room = (LATEST_END - start).days // 7
            raise ValueError(f"{weeks} week(s) from {start} end on {horizon_end(start, weeks)}, "
                             f"after {LATEST_END}, the last date results can carry; expected "
                             f"at most {room} weeks from that start")
        return weeks


def horizon_end(start: dt.date, weeks: int) -> dt.date:
    """The last date of a horizon of `weeks` weekly steps from `start`."""
    return start + dt.timedelta(weeks=weeks)


class RunSection(_Strict):
    engine: Literal["deterministic", "stochastic"] = "deterministic"
    runs: StrictWhole = Field(default=1, ge=1, le=MAX_RUNS)
    seed: StrictWhole = Field(default=0, ge=0)
    initial: Literal["auto", "zipf", "poisson", "sizes"] = "auto"
    # groups: every group's series; lineages: members and deaths per lineage (world engine
    # only, what calibration reads); totals: national series only
    record: Literal["groups", "lineages", "totals"] = "groups"


class MechanismsSection(_Strict):
    """Switches for the L2 mechanisms that change the status quo itself when on.

    Leadership (command integrity, succession, splits) is always present: it acts only when
    a leader is removed. Money and protection change every week, so they are off unless
    asked for; compare two scenarios only with the same switches.
    """

    money: Annotated[bool, Field(strict=True)] = False
    protection: Annotated[bool, Field(strict=True)] = False
    # "open" (default): any contested group can split, splinters too, groups die out, the
    # group axis grows as needed (the compiled world engine, `cartelsim.world`); "capped":
    # one split per targeted group into a slot made up front (the engines of
    # `cartelsim.engines`, the default before the world engine).
    fragmentation: Literal["capped", "open"] = "open"
    # the 32 states inside the world step (cartelsim.territory): state_homicides per week
    territory: Annotated[bool, Field(strict=True)] = False

    @model_validator(mode="after")
    def _territory_needs_the_world_engine(self) -> MechanismsSection:
        if self.territory and self.fragmentation != "open":
            raise ValueError("mechanisms.territory runs in the world engine; set "
                             "fragmentation = \"open\"")
        return self


class OutputSection(_Strict):
    path: Path | None = None


class Scenario(_Strict):
    """A validated scenario; `source` is the file it came from (for messages and provenance)."""

    # The name becomes file names (outputs/<name>.nc, compare --out-dir): no folders in it.
    name: str = Field(default="scenario", max_length=100)
    description: str = ""
    system: SystemSection = SystemSection()
    horizon: HorizonSection = HorizonSection()
    parameters: dict[str, Number] = Field(default_factory=dict)
    parameters_file: Path | None = None  # e.g. written by `cartelsim calibrate`
    # Where the parameters start before parameters_file and [parameters]: the median of the
    # calibrated posterior shipped with the package (its fitted parameters; the rest from the
    # catalogue), or the catalogue's defaults. BACRIM 2020 always starts from the catalogue:
    # it is the published model, reproduced exactly.
    defaults: Literal["calibrated", "catalogue"] = "calibrated"
    run: RunSection = RunSection()
    mechanisms: MechanismsSection = MechanismsSection()
    interventions: list[InterventionSpec] = Field(default_factory=list)
    output: OutputSection = OutputSection()
    source: str = "<python>"
    digest: str = ""

    @field_validator("name")
    @classmethod
    def _file_safe_name(cls, name: str) -> str:
        if not name.strip() or name.startswith(".") or any(
                c in "/\\" or ord(c) < 32 for c in name):
            raise ValueError("a scenario name becomes a file name: expected a non-empty name "
                             "without '/', '\\' or control characters, not starting with '.'")
        return name

    @field_validator("parameters")
    @classmethod
    def _known_parameters(cls, values: dict[str, float]) -> dict[str, float]:
        for name, value in values.items():
            if name not in CATALOGUE:
                raise ValueError(f"unknown parameter {name!r}{unknown_parameter_hint(name)}")
            spec = CATALOGUE[name]
            if not spec.minimum <= value <= spec.maximum:  # also refuses NaN
                raise ValueError(
                    f"parameter {name!r} = {value!r} is outside its bounds "
                    f"[{spec.minimum:g}, {spec.maximum:g}] {spec.unit}"
                )
        return values

    @model_validator(mode="after")
    def _mechanisms_for_actions(self) -> Scenario:
        for number, item in enumerate(self.interventions, start=1):
            for switch in item.kind_of_action.needs:  # the registered action says
                if not getattr(self.mechanisms, switch):
                    raise ValueError(f"interventions[{number}] ({item.action}) acts on "
                                     f"{switch}; switch it on with [mechanisms] {switch} = true")
        return self

    def derive(self, *, source: str | None = None, **changes: object) -> Scenario:
        """A variant of this scenario, validated again, with its own digest.

        Each keyword replaces a top-level field; a dict given for a table (`run`,
        `horizon`, `system`, `mechanisms`, `output`, `parameters`) changes only the keys
        it names, so `derive(run={"runs": 10})` keeps the seed and the engine. Paths this
        scenario resolved (`system.data`, `parameters_file`) are kept as they are. A bad
        change is a one-line error naming the field, as in a file. `source` defaults to
        this scenario's (messages and provenance name it).
        """
        label = source or self.source
        data = self.model_dump(exclude={"source", "digest"})
        for key, value in changes.items():
            if key not in data:
                hint = closest(key, list(data))
                raise CartelsimError(f"{label}: cannot derive a scenario with unknown field "
                                     f"{key!r}" + (f"; did you mean {hint!r}?" if hint else ""))
            if isinstance(value, dict) and isinstance(data[key], dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        return parse_scenario(data, source=label)

    def without_interventions(self, name: str = "status-quo") -> Scenario:
        """The same world with no intervention: the baseline of a paired comparison."""
        return self.derive(name=name, interventions=[],
                           description=f"{self.name} without its interventions "
                                       "(the status quo)",
                           source=f"{self.source} (status quo)")

    @property
    def start(self) -> dt.date:
        return self.horizon.start or DEFAULT_START[self.system.name]

    def params(self) -> Params:
        """Defaults (the calibrated posterior's median, or the catalogue's), then a parameters
        file, then this scenario's own [parameters] table; each value remembers which of them
        it came from."""
        params = Params.defaults()
        if self.defaults == "calibrated" and self.system.name != "bacrim2020":
            params = calibrated_defaults(self.mechanisms.territory)
        if self.parameters_file is not None:
            kind = parameter_file_provenance(self.parameters_file)
            params = params.override(read_parameter_file(self.parameters_file),
                                     origin=f"{kind} ({self.parameters_file})")
        return params.override(self.parameters, origin=f"scenario {self.source}")

    def build_system(self, params: Params | None = None) -> System:
        """Load or build the world this scenario runs on; Mexico 2025 starts with
        `embedded_total_members` of `params` (default: this scenario's parameters)."""
        if self.system.name == "mexico2025":
            from cartelsim.system.embedded import load_embedded

            params = params or self.params()
            return load_embedded(self.system.data, n_groups=self.system.groups,
                                 seed=self.system.tail_seed,
                                 total_members=params["embedded_total_members"])
        if self.system.name == "history2007":  # the world of 2007 the record replay starts from
            from cartelsim.record.world import history_world

            params = params or self.params()
            return history_world(self.system.data, total_members=params["members_2007"])
        from cartelsim.system.bacrim import load_bacrim
        from cartelsim.system.fetch import default_data_dir

        folder = self.system.data or default_data_dir()
        return load_bacrim(folder)


@functools.cache
def calibrated_defaults(territory: bool = False) -> Params:
    """The catalogue with the packaged posterior's median for the parameters it fitted
    (`cartelsim calibrate history`, docs/calibration.md); origin 'calibrated (...)'. With
    `territory`, also the territory posterior's median (stage 2, `cartelsim calibrate
    territory`): its parameters act only when territory is on."""
    from cartelsim.calibration.posterior import PACKAGED_TERRITORY, load_posterior

    params = load_posterior().apply(Params.defaults())
    return load_posterior(packaged=PACKAGED_TERRITORY).apply(params) if territory else params


def parse_scenario(data: dict, source: str = "<python>", base: Path | None = None) -> Scenario:
    """Validate a scenario given as a dict; errors become one-line CartelsimErrors.

    A relative `system.data` folder is resolved against `base` (the scenario file's folder).
    The digest is a hash of the validated content, so equal scenarios share it.
    """
    for reserved in ("source", "digest"):
        if reserved in data:
            raise CartelsimError(f"{source}: field {reserved!r} is set by cartelsim, remove it")
    try:
        scenario = Scenario.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise CartelsimError(f"{source}: {describe_validation_error(exc)}") from None
    folder = scenario.system.data
    if folder is not None and base is not None and not folder.is_absolute():
        system = scenario.system.model_copy(update={"data": base / folder})
        scenario = scenario.model_copy(update={"system": system})
    file = scenario.parameters_file
    if file is not None and base is not None and not file.is_absolute():
        scenario = scenario.model_copy(update={"parameters_file": base / file})
    # the engine is part of the digest (it always is: a file that does not name it ran the
    # capped engines before the world engine became the default, and must not resume there)
    dumped = scenario.model_dump(mode="json", exclude={"source", "digest"})
    if not scenario.mechanisms.territory:  # scenarios without territory keep their digests
        del dumped["mechanisms"]["territory"]
    content = json.dumps(dumped, sort_keys=True)
    digest = hashlib.sha256(content.encode()).hexdigest()[:16]
    return scenario.model_copy(update={"digest": digest})


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file."""
    path = Path(path)
    if not path.is_file():
        raise CartelsimError(f"{path}: scenario file not found")
    data = read_toml(path, "scenario file")
    if not _holds_a_setting(data):
        raise CartelsimError(f"{path}: empty scenario file (no settings, only blank lines, "
                             "comments or empty tables); expected at least one setting, e.g. "
                             "name = \"status-quo\"")
    return parse_scenario(data, source=str(path), base=path.parent)


def _holds_a_setting(data: dict) -> bool:
    """Whether parsed TOML sets anything at all (empty tables set nothing)."""
    return any(not isinstance(value, dict) or _holds_a_setting(value) for value in data.values())


# A parameter file says where its numbers come from; files without the key are calibrations.
DEFAULT_FILE_PROVENANCE = "calibrated"


def _load_parameter_file(path: Path) -> dict:
    """The parsed parameter file: an optional `provenance` line and a [parameters] table."""
    if not path.is_file():
        raise CartelsimError(f"{path}: parameter file not found")
    data = read_toml(path, "parameter file")
    unknown = set(data) - {"parameters", "provenance"}
    if unknown or not isinstance(data.get("parameters"), dict):
        raise CartelsimError(f"{path}: expected a [parameters] table and at most a "
                             "'provenance' line")
    provenance = data.get("provenance", DEFAULT_FILE_PROVENANCE)
    if not isinstance(provenance, str) or not provenance.strip() or len(provenance) > 120:
        raise CartelsimError(f"{path}: 'provenance' must be a short text such as "
                             f"'calibrated', got {provenance!r}")
    return data


def parameter_file_provenance(path: Path) -> str:
    """Where a parameter file's values come from ('calibrated' unless the file says)."""
    return _load_parameter_file(path).get("provenance", DEFAULT_FILE_PROVENANCE).strip()


def read_parameter_file(path: Path) -> dict[str, float]:
    """The [parameters] table of a parameter file, validated like a scenario's."""
    values = _load_parameter_file(path)["parameters"]
    for name, value in values.items():
        if name not in CATALOGUE:
            raise CartelsimError(f"{path}: unknown parameter {name!r}"
                                 f"{unknown_parameter_hint(name)}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CartelsimError(f"{path}: parameter {name!r} must be a number, got {value!r}")
    return {name: float(value) for name, value in values.items()}


def describe_validation_error(exc: ValidationError) -> str:
    """The first pydantic error as 'field a.b: what was expected (got ...)'."""
    error = exc.errors()[0]
    field = ""
    for part in error["loc"]:  # interventions.0.action -> interventions[1].action
        # list positions are ints; a key is always text, even one that looks like a number
        field += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if field else part)
    field = field or "scenario"
    location = [part for part in error["loc"] if not isinstance(part, int)]
    if error["type"] == "extra_forbidden":
        valid = _valid_keys([str(part) for part in location[:-1]])
        hint = closest(str(location[-1]), valid)
        suggestion = f"; did you mean {hint!r}?" if hint else f"; valid keys: {', '.join(valid)}"
        return f"unknown key {field!r}{suggestion}"
    message = error["msg"].removeprefix("Value error, ")
    got = error.get("input")
    shown = "" if isinstance(got, dict) or got is None else f" (got {_shown(got)})"
    return f"field {field!r}: {message}{shown}"


def _shown(value: object, width: int = 80) -> str:
    """A value as the user wrote it, cut to `width` characters (a message stays one line)."""
    text = value.isoformat() if isinstance(value, dt.date) else repr(value)
    return text if len(text) <= width else f"{text[:width - 3]}..."


def _valid_keys(parent: list[str]) -> list[str]:
    model: type[BaseModel] = Scenario
    for part in parent:  # list positions were dropped by the caller
        if part not in model.model_fields:
            return []
        annotation = model.model_fields[part].annotation
        for inner in getattr(annotation, "__args__", ()):  # list[Model] -> Model
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                annotation = inner
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return [k for k in model.model_fields if k not in ("source", "digest")]
