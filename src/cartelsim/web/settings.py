"""What one dashboard server allows: where results go and how much work a request may ask for.

The caps keep one request from holding the machine (runs x weeks x groups is the cost of a
run) and keep the queue bounded, so excess work is refused with 429 instead of piling up.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

# The names a browser on this machine uses for a server on the loopback interface.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


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
    max_body_bytes: int = Field(default=256_000, ge=1024, description="largest request body, "
                                "counted on the bytes received (chunked bodies too)")
    max_description_chars: int = Field(default=2000, ge=1,
                                       description="longest scenario description")
    keep_results: int = Field(default=200, ge=1, description="finished jobs kept on disk")
    keep_results_bytes: int = Field(default=2_000_000_000, ge=1, description="bytes of "
                                    "finished jobs kept on disk (the newest job always stays)")
    allowed_hosts: tuple[str, ...] = Field(
        default=LOOPBACK_NAMES, min_length=1,
        description="host names a request's Host header may carry (any port); '*' allows any. "
        "Refusing other names stops DNS rebinding: a web page that points its own name at "
        "127.0.0.1 cannot reach the server")
    header_timeout_s: float = Field(default=10.0, gt=0, description="longest time a "
                                    "connection may take to send a request's headers")
    keep_alive_s: int = Field(default=5, ge=1, description="idle time before a kept-alive "
                              "connection is closed")
    chunk_runs: int = Field(default=8, ge=1, description="runs simulated at once (memory bound)")

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        """Names are compared in lower case, without brackets around IPv6 addresses."""
        cleaned = []
        for name in names:
            bare = name.strip().lower().removeprefix("[").removesuffix("]")
            if not bare or any(c.isspace() or c in "/@?#" for c in bare):
                raise ValueError(f"{name!r} is not a host name or address")
            cleaned.append(bare)
        return tuple(dict.fromkeys(cleaned))
