"""Which parameter uncertainty the brief's intervals carry.

With a posterior (`--posterior PATH`, else the packaged one when this version ships it),
world k of every experiment runs with posterior draw k, the same draw in both arms of a
pair, so an interval spans parameter uncertainty and noise. Without one, the worlds run at
the default parameters and the brief says that its intervals cover noise only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cartelsim.calibration.posterior import Posterior, load_posterior
from cartelsim.errors import CartelsimError

DRAW_STREAM = 7  # added to the brief's seed, so the draws do not reuse the worlds' stream
# emcee's guidance: a chain of at least 50 integrated autocorrelation times
CONVERGED_STEPS_PER_TAU = 50.0
# An SMC whose last stage moved fewer of its particles than this leaves many duplicates of
# the resampling (assumption: a rule of thumb, half the particles refreshed).
REFRESHED_SHARE = 0.5


@dataclass(frozen=True)
class Uncertainty:
    """The posterior the brief uses (None: noise only) and a sentence saying so."""

    posterior: Posterior | None
    statement: str

    def draws(self, worlds: int, seed: int,
              worlds_per_draw: int = 1) -> tuple[dict[str, float], ...]:
        """The draw of each world (empty without a posterior); reproducible from the seed.

        Blocks of `worlds_per_draw` consecutive worlds share one draw (the same dict), so
        the paired runner runs each block as one slice: a world costs less than alone,
        and the intervals still mix parameter uncertainty with noise.
        """
        if self.posterior is None:
            return ()
        blocks = -(-worlds // max(1, worlds_per_draw))
        table = self.posterior.sample(blocks, seed + DRAW_STREAM)
        rows = [{name: float(value) for name, value in row.items()}
                for row in table.to_dict("records")]
        return tuple(rows[k // max(1, worlds_per_draw)] for k in range(worlds))

    @property
    def source(self) -> str:
        return self.posterior.source if self.posterior is not None else ""


def choose(path: Path | None, noise_only: bool = False) -> Uncertainty:
    """The posterior at `path`, else the packaged one, else none (noise only).

    A `path` that cannot be read is a one-line error; a missing packaged posterior is not.
    """
    if noise_only:
        return Uncertainty(None, "The 90 % intervals cover random noise only: every world "
                           "runs at the scenarios' own parameters (the calibrated posterior's "
                           "median, unless a scenario says defaults = \"catalogue\"), without "
                           "parameter uncertainty (--noise-only).")
    if path is not None:
        if not Path(path).with_suffix(".csv").is_file():
            raise CartelsimError(f"--posterior {path}: no such file; expected NAME.csv (and "
                                 "NAME.json) as written by `cartelsim calibrate history`")
        return _with(load_posterior(path))
    try:
        posterior = load_posterior()
    except CartelsimError:
        return Uncertainty(None, "No calibrated posterior is available, so the 90 % "
                           "intervals cover random noise only, at the default parameters: "
                           "they do not include uncertainty about the parameters, which "
                           "only the sensitivity swings explore.")
    return _with(posterior)


def _with(posterior: Posterior) -> Uncertainty:
    names = ", ".join(posterior.parameters)
    return Uncertainty(posterior, f"The 90 % intervals carry parameter uncertainty as well as "
                       f"noise: every world of every experiment runs with a posterior draw of "
                       f"{names} (from {posterior.source}, {len(posterior.draws)} draws), the "
                       "same draw under the policy and the status quo; a few consecutive "
                       "worlds share a draw. The other parameters are at their defaults."
                       + _short_chain(posterior))


def _short_chain(posterior: Posterior) -> str:
    """A warning when the posterior's sampler stopped short (from its metadata): an emcee
    chain shorter than emcee's guidance, or SMC particles its last moves barely refreshed;
    the intervals are then likely too narrow."""
    diagnostics = posterior.meta.get("diagnostics", {})
    refreshed = diagnostics.get("final_mutation_ratio")
    if refreshed is not None and refreshed < REFRESHED_SHARE:
        return (f" The posterior's particles were barely refreshed: the last stage of its "
                f"sequential Monte Carlo moved {refreshed:.0%} of them (at least "
                f"{REFRESHED_SHARE:.0%} expected), so many are copies and its intervals are "
                "likely too narrow.")
    ratio = diagnostics.get("kept_steps_per_autocorrelation")
    if ratio is None or ratio >= CONVERGED_STEPS_PER_TAU:
        return ""
    return (f" The posterior's chain is short: its kept steps are {ratio:.1f} times the "
            "longest autocorrelation time estimated, where emcee's guidance asks for "
            f"{CONVERGED_STEPS_PER_TAU:g}; its intervals are likely too narrow, most for the "
            "leadership and split parameters, which a longer chain spread over most of their "
            "ranges (VALIDATION.md, \"What the record pins down\"), so parameter uncertainty "
            "is understated here.")
