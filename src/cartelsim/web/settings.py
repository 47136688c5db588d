"""What one dashboard server allows: where results go and how much work a request may ask for.

The caps keep one request from holding the machine (runs x weeks x groups is the cost of a
run) and keep the queue bounded, so excess work is refused with 429 instead of piling up.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


def default_scenarios_dir() -> Path:
    """The example scenarios packaged with cartelsim (`cartelsim examples` lists them)."""
    from cartelsim.scenarios.examples import examples_dir

    return examples_dir()


class WebSettings(BaseModel):
    """Limits and folders of a dashboard server (all configurable from `cartelsim serve`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    results_dir: Path = Field(default=Path("outputs/web"),
                              description="the only folder the server writes to")
    scenarios_dir: Path = Field(default_factory=default_scenarios_dir,
                                description="example scenarios offered as starting points")
    bacrim_dir: Path | None = Field(default=None, description="BACRIM 2020 files; default: "
                                    "the `cartelsim data fetch` cache, if it holds them")
    max_runs: int = Field(default=200, ge=1, description="paired runs per request")
    max_weeks: int = Field(default=1040, ge=1, description="horizon per request, weeks")
    max_groups: int = Field(default=500, ge=1, description="mexico2025 groups per request")
    max_queued_jobs: int = Field(default=4, ge=0, description="jobs waiting beyond the running ones")
    workers: int = Field(default=1, ge=1, le=64, description="jobs run at the same time")
    request_timeout_s: float = Field(default=30.0, gt=0, description="longest HTTP request")
    job_timeout_s: float = Field(default=600.0, gt=0, description="longest run of one job")
    max_body_bytes: int = Field(default=256_000, ge=1024, description="largest request body")
    keep_results: int = Field(default=200, ge=1, description="finished jobs kept on disk")
    chunk_runs: int = Field(default=8, ge=1, description="runs simulated at once (memory bound)")
