"""Turn a request body into a scenario the server will run, or a 4xx error naming the field.

A body is validated by the same pydantic schema as scenario files (scenarios.schema), then
checked against the server's caps. Nothing in a body may name a file: the server refuses
`parameters_file`, `system.data` and `output`, and supplies its own BACRIM folder.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from cartelsim.errors import CartelsimError
from cartelsim.interventions.plan import InterventionPlan
from cartelsim.scenarios.schema import Scenario, SystemSection, parse_scenario
from cartelsim.system.model import System
from cartelsim.web.settings import WebSettings

SOURCE = "request"
_FIELD = re.compile(r"(?:field|key) '([^']+)'|^request: (interventions\[\d+\])")


class RequestError(Exception):
    """A request the server will not run: HTTP `status` with a one-line `message`."""

    def __init__(self, message: str, status: int = 422, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field or _field_of(message)

    def body(self) -> dict[str, object]:
        return {"error": self.message, "field": self.field}


def _field_of(message: str) -> str | None:
    found = _FIELD.search(message)
    return (found.group(1) or found.group(2)) if found else None


def bacrim_folder(settings: WebSettings) -> Path | None:
    """The BACRIM 2020 folder the server may read, if it holds the data."""
    from cartelsim.system.bacrim import ALLIANCES_FILE, NODES_FILE, RIVALS_FILE
    from cartelsim.system.fetch import default_data_dir

    folder = settings.bacrim_dir or default_data_dir()
    needed = (NODES_FILE, ALLIANCES_FILE, RIVALS_FILE)
    return folder if all((folder / name).is_file() for name in needed) else None


@lru_cache(maxsize=8)
def system_of(section: SystemSection) -> System:
    """Systems are immutable and cheap to keep: build each one once per server."""
    return Scenario(system=section).build_system()


def scenario_from_body(body: object, settings: WebSettings, caps: bool = True) -> Scenario:
    """Validate a submitted scenario (a JSON object shaped like a scenario file); `caps`
    False skips the server's run-size caps (for writing a file, not running it)."""
    if not isinstance(body, dict):
        raise RequestError(f"{SOURCE}: expected a JSON object shaped like a scenario file, "
                           f"got {type(body).__name__}", field="scenario")
    if "parameters_file" in body:
        raise RequestError(f"{SOURCE}: field 'parameters_file': the server reads no file named "
                           "in a request; put the values in 'parameters'")
    if "output" in body:
        raise RequestError(f"{SOURCE}: field 'output': the server chooses where results go; "
                           "remove it")
    system = body.get("system")
    if isinstance(system, dict) and "data" in system:
        raise RequestError(f"{SOURCE}: field 'system.data': the server uses its own data "
                           "folder; remove it")
    try:
        scenario = parse_scenario(body, source=SOURCE)
    except CartelsimError as exc:
        raise RequestError(str(exc)) from None
    if len(scenario.description) > settings.max_description_chars:
        raise RequestError(f"{SOURCE}: field 'description': at most "
                           f"{settings.max_description_chars} characters on this server "
                           f"(got {len(scenario.description):,})")
    if caps:
        scenario = _within_caps(scenario, settings)
    # the calendar a horizon must lie in is the schema's own rule (HorizonSection)
    if scenario.system.name == "bacrim2020":
        folder = bacrim_folder(settings)
        if folder is None:
            raise RequestError(f"{SOURCE}: field 'system.name': bacrim2020 is not available on "
                               "this server (its data are not installed); use mexico2025")
        scenario = scenario.model_copy(update={
            "system": scenario.system.model_copy(update={"data": folder})})
    _preflight(scenario)
    return scenario


def _within_caps(scenario: Scenario, settings: WebSettings) -> Scenario:
    caps = (("run.runs", scenario.run.runs, settings.max_runs, "runs"),
            ("horizon.weeks", scenario.horizon.weeks, settings.max_weeks, "weeks"),
            ("system.groups", scenario.system.groups, settings.max_groups, "groups"))
    for field, value, cap, unit in caps:
        if value > cap:
            raise RequestError(f"{SOURCE}: field {field!r}: at most {cap} {unit} per request "
                               f"on this server (got {value})")
    return scenario


def _preflight(scenario: Scenario) -> None:
    """Catch what only the system can tell (unknown groups, dates outside the horizon,
    bad parameter values) now, as a 422, rather than as a failed job later."""
    import pandas as pd

    try:
        system = system_of(scenario.system)
    except CartelsimError as exc:
        raise RequestError(f"{SOURCE}: field 'system': {exc}", field="system") from None
    try:
        params = scenario.params()
        InterventionPlan(system, params, scenario.interventions, pd.Timestamp(scenario.start),
                         scenario.horizon.weeks, f"{SOURCE}: interventions")
        if scenario.mechanisms.fragmentation != "open":
            from cartelsim.scenarios.runner import require_open_fragmentation

            require_open_fragmentation(scenario)
    except CartelsimError as exc:
        raise RequestError(str(exc)) from None
