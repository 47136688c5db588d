"""What a parameter's passport says once the record has been fitted: "calibrated", with the
posterior's median and 90 % interval, beside the prior source it replaced."""

from __future__ import annotations

from dataclasses import dataclass

from cartelsim.calibration.posterior import (
    PACKAGED_NAME,
    PACKAGED_TERRITORY,
    Posterior,
    load_posterior,
)
from cartelsim.errors import CartelsimError

MASS = 0.9


@dataclass(frozen=True)
class Calibrated:
    """A fitted parameter's posterior summary."""

    median: float
    low: float
    high: float
    source: str  # which posterior, fitted to what

    def text(self) -> str:
        return (f"calibrated: median {self.median:.4g}, 90 % interval {self.low:.4g} - "
                f"{self.high:.4g} ({self.source})")


def calibrated_values(posterior: Posterior | None = None) -> dict[str, Calibrated]:
    """The posterior's summary per fitted parameter; without one, the packaged posteriors'
    (the national one and the territory's, stage 2; {} when none is packaged)."""
    if posterior is None:
        out: dict[str, Calibrated] = {}
        for name in (PACKAGED_NAME, PACKAGED_TERRITORY):
            try:
                out.update(calibrated_values(load_posterior(packaged=name)))
            except CartelsimError:
                continue
        return out
    median = posterior.median()
    years = posterior.meta.get("years_fitted")
    fitted = f", record {years[0]}-{years[1]}" if isinstance(years, list) and len(years) == 2 else ""
    source = f"{posterior.source}{fitted}"
    out = {}
    for name in posterior.parameters:
        low, high = posterior.interval(name, MASS)
        out[name] = Calibrated(median[name], low, high, source)
    return out
