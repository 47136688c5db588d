"""The HTTP JSON API: systems, scenarios, parameters, interventions; submit, poll, download.

Thin edge (STYLE.md 9): routes parse, call the library and render. Every error is a JSON
object {"error": one line, "field": the field it names or null}.
"""

from __future__ import annotations

import math
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse

from cartelsim.errors import CartelsimError
from cartelsim.interventions.actions import catalogue as action_catalogue
from cartelsim.interventions.spec import REMOVAL_KINDS, SUCCESSIONS, InterventionSpec
from cartelsim.params.catalogue import CATALOGUE
from cartelsim.scenarios.schema import (
    Scenario,
    SystemSection,
    calibrated_defaults,
    parse_scenario,
)
from cartelsim.web.jobs import JobManager, QueueFull
from cartelsim.web.maps import mexico_maps
from cartelsim.web.settings import WebSettings
from cartelsim.web.store import FILES, ResultStore
from cartelsim.web.tomlio import scenario_toml
from cartelsim.web.validate import RequestError, bacrim_folder, scenario_from_body, system_of

EXAMPLE = {
    "name": "prevention",
    "horizon": {"start": "2026-01-01", "weeks": 104},
    "run": {"engine": "stochastic", "runs": 10, "seed": 1},
    "interventions": [{"action": "prevent_recruitment", "effect": 0.3, "start": "2026-07-01"}],
}
ScenarioBody = Annotated[dict[str, Any], Body(
    description="A scenario shaped like a scenario file (see GET /api/schema/scenario), "
    "as JSON; dates as YYYY-MM-DD. `output`, `parameters_file` and `system.data` are refused.",
    examples=[EXAMPLE])]
# The body is parsed as a plain object and validated by the scenario schema itself (so its
# errors read like a scenario file's); the docs show that schema (see `request_schema`).
BODY_DOC = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/ScenarioRequest"}, "example": EXAMPLE}}}}
ERROR = {"description": "error", "content": {"application/json": {"example": {
    "error": "request: field 'run.runs': at most 200 runs per request on this server "
             "(got 5000)", "field": "run.runs"}}}}


def error(status: int, message: str, field: str | None = None,
          headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "field": field}, status_code=status, headers=headers)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


@lru_cache(maxsize=4)
def _shipped(folder: Path) -> dict[str, Scenario]:
    """The example scenario files (name -> validated scenario); unreadable ones are skipped."""
    found: dict[str, Scenario] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.toml")):
        try:
            text = path.read_text(encoding="utf-8")
            found[path.stem] = parse_scenario(tomllib.loads(text), source=path.name)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, CartelsimError):
            continue
    return found


def request_schema(settings: WebSettings, ref_template: str = "#/$defs/{model}") -> dict[str, Any]:
    """The scenario-file JSON schema as this server accepts it: without the fields it
    refuses (paths, output) or sets itself, and with its caps as maxima. Named models are
    under "$defs"; OpenAPI moves them to #/components/schemas (see `ref_template`)."""
    schema = Scenario.model_json_schema(ref_template=ref_template)
    for key in ("source", "digest", "output", "parameters_file"):
        schema["properties"].pop(key, None)
    defs = schema["$defs"]
    defs.pop("OutputSection", None)
    defs["SystemSection"]["properties"].pop("data", None)
    defs["SystemSection"]["properties"]["groups"]["maximum"] = settings.max_groups
    defs["RunSection"]["properties"]["runs"]["maximum"] = settings.max_runs
    defs["HorizonSection"]["properties"]["weeks"]["maximum"] = settings.max_weeks
    schema["properties"]["system"].pop("default", None)
    schema["title"] = "ScenarioRequest"
    return schema


def scenario_body(scenario: Scenario) -> dict[str, object]:
    """A scenario as a request body: no server-side paths."""
    data = scenario.model_dump(mode="json", exclude={"source", "digest", "output",
                                                     "parameters_file"})
    data["system"].pop("data", None)
    return data


def build_router(settings: WebSettings, manager: JobManager, store: ResultStore) -> APIRouter:
    """All /api routes, bound to one server's settings, queue and results folder."""
    api = APIRouter(prefix="/api", responses={422: ERROR})

    @api.get("/limits", summary="What one request may ask for on this server")
    def limits() -> dict[str, float | int]:
        return {"max_runs": settings.max_runs, "max_weeks": settings.max_weeks,
                "max_groups": settings.max_groups, "max_queued_jobs": settings.max_queued_jobs,
                "workers": settings.workers, "job_timeout_s": settings.job_timeout_s}

    @api.get("/systems", summary="Systems a run can use")
    def systems() -> list[dict[str, object]]:
        bacrim = bacrim_folder(settings)
        return [
            {"name": "mexico2025", "available": True, "label": "Mexico 2025 (embedded)",
             "description": "The embedded system: 20 named groups of 2025 and a synthetic "
             "tail (150 groups by default), with their rivalries and alliances."},
            {"name": "bacrim2020", "available": bacrim is not None,
             "label": "BACRIM 2020 (Prieto-Curiel et al. 2023)",
             "description": "The Science 2023 data set of 150 groups"
             + ("" if bacrim else "; not installed on this server (cartelsim data fetch)")},
        ]

    @api.get("/systems/{name}/groups", summary="Groups of a system, for intervention targets")
    def groups(name: Literal["mexico2025", "bacrim2020"]) -> list[dict[str, object]]:
        section = SystemSection(name=name)
        if name == "bacrim2020":
            folder = bacrim_folder(settings)
            if folder is None:
                raise HTTPException(404, "bacrim2020 is not available on this server")
            section = SystemSection(name=name, data=folder)
        system = system_of(section)
        strength = system.rivalry_strength
        return [{"id": gid, "name": gname, "synthetic": bool(synth), "rivalry": float(s)}
                for gid, gname, synth, s in zip(system.group_ids, system.group_names,
                                                system.synthetic, strength, strict=True)]

    @api.get("/maps", summary="Maps of Mexico before any run (Plotly figures as JSON)")
    def mexico() -> dict[str, object]:
        return mexico_maps()

    @api.get("/scenarios", summary="Example scenarios to start from")
    def scenarios() -> list[dict[str, object]]:
        return [{"name": key, "title": s.name, "description": s.description,
                 "system": s.system.name, "interventions": len(s.interventions)}
                for key, s in _shipped(settings.scenarios_dir).items()]

    @api.get("/scenarios/{name}", summary="One example scenario as a request body")
    def scenario(name: str) -> dict[str, object]:
        found = _shipped(settings.scenarios_dir).get(name)
        if found is None:
            raise HTTPException(404, f"no example scenario named {name!r}")
        return scenario_body(found)

    @api.get("/parameters", summary="The parameter catalogue: value, unit, range, source")
    def parameters() -> list[dict[str, object]]:
        # `default`: where a Mexico 2025 scenario starts (the calibrated posterior's median
        # for the parameters it fitted); `catalogue`: the catalogue's own default
        world = calibrated_defaults()
        return [{"name": s.name, "default": world[s.name], "catalogue": s.default,
                 "origin": world.origin(s.name), "unit": s.unit, "low": s.low,
                 "high": s.high, "minimum": _finite(s.minimum), "maximum": _finite(s.maximum),
                 "description": s.description, "source": s.source, "layer": s.layer}
                for s in CATALOGUE.values()]

    @api.get("/interventions", summary="Intervention actions, their effects and ranges")
    def interventions() -> dict[str, object]:
        return {"actions": action_catalogue(),
                "removal_kinds": list(REMOVAL_KINDS), "successions": list(SUCCESSIONS),
                "schema": InterventionSpec.model_json_schema()}

    @api.get("/schema/scenario", summary="JSON schema of a scenario (the scenario-file schema)")
    def scenario_schema() -> dict[str, object]:
        return request_schema(settings)

    @api.post("/scenario.toml", summary="Validate a scenario and return it as a TOML file",
              response_class=PlainTextResponse, openapi_extra=BODY_DOC)
    async def to_toml(body: ScenarioBody) -> PlainTextResponse:
        chosen = await run_in_threadpool(scenario_from_body, body, settings, False)
        name = _safe_name(chosen.name)
        return PlainTextResponse(scenario_toml(chosen), media_type=FILES["scenario.toml"],
                                 headers={"Content-Disposition":
                                          f'attachment; filename="{name}.toml"'})

    @api.post("/runs", status_code=202, summary="Submit a paired run (scenario vs status quo)",
              responses={429: {"description": "the queue is full; retry later"}},
              openapi_extra=BODY_DOC)
    async def submit(body: ScenarioBody) -> JSONResponse:
        chosen = await run_in_threadpool(scenario_from_body, body, settings)
        try:
            job = manager.submit(chosen)
        except QueueFull as exc:
            return error(429, str(exc), headers={"Retry-After": "5"})
        return JSONResponse({**job.public(), "links": _links(job.id)}, status_code=202,
                            headers={"Location": f"/api/runs/{job.id}"})

    @api.get("/runs/{job_id}", summary="Progress of a run", responses={404: ERROR})
    def status(job_id: str) -> dict[str, object]:
        found = manager.get(job_id) if store.folder(job_id) else None
        if found is None:
            raise HTTPException(404, "no such run")
        return {**found, "links": _links(job_id)}

    @api.get("/runs/{job_id}/results", summary="Results of a finished run as JSON",
             responses={404: ERROR, 409: ERROR, 410: ERROR})
    def results(job_id: str) -> dict[str, object]:
        summary = store.summary(job_id) if store.folder(job_id) else None
        if summary is None:
            state = manager.get(job_id) if store.folder(job_id) else None
            if state is None:
                raise HTTPException(404, "no such run")
            if state["state"] == "done":  # pruned since (settings.keep_results*)
                raise HTTPException(410, "the run's results were removed to keep the results "
                                    "folder within its limits; run it again")
            raise HTTPException(409, f"the run is {state['state']}; results come when it is done")
        return {**summary, "links": _links(job_id)}

    @api.get("/runs/{job_id}/files/{name}", summary="Download a result file",
             responses={404: ERROR})
    def download(job_id: str, name: Literal["results.json", "results.csv", "differences.csv",
                                            "results.nc", "scenario.toml"]) -> FileResponse:
        path = store.file(job_id, name)
        if path is None:
            raise HTTPException(404, "no such file (unknown run, or not finished)")
        return FileResponse(path, media_type=FILES[name],
                            filename=f"cartelsim-{job_id[:8]}-{name}")

    return api


def _links(job_id: str) -> dict[str, str]:
    base = f"/api/runs/{job_id}"
    return {"status": base, "results": f"{base}/results",
            **{name: f"{base}/files/{name}" for name in FILES}}


def _safe_name(name: str) -> str:
    cleaned = "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else "-"
                      for c in name).strip(".-")  # headers are latin-1: ASCII only
    return cleaned[:60] or "scenario"


def request_error(exc: RequestError) -> JSONResponse:
    return error(exc.status, exc.message, exc.field)
