"""What every claim module shares: the run context and the assumptions it cites."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cartelsim.analysis.compare import months_to_weeks
from cartelsim.params.catalogue import CATALOGUE
from cartelsim.report.model import Assumption, Estimate, Verdict
from cartelsim.report.sensitivity import Headline, Plan, analyse
from cartelsim.report.verdict import with_sensitivity
from cartelsim.report.world import Request, Runner, Setup


@dataclass
class Context:
    """The brief's world, its runner and how much sensitivity analysis to do."""

    setup: Setup
    runner: Runner
    plan: Plan

    def weeks_for(self, months: float) -> int:
        """Weeks to simulate so that `months` is inside the horizon."""
        return min(self.setup.weeks, months_to_weeks(months) + 1)


def assumptions(names: Sequence[str]) -> list[Assumption]:
    """The catalogue's passport of each parameter (STYLE.md 1)."""
    rows = []
    for name in names:
        spec = CATALOGUE[name]
        assumed = spec.source.lower().startswith("assumption")
        # the page marks assumptions with a tag, so the word is not repeated after it
        source = re.sub(r"^assumption\s*:?\s*", "", spec.source, flags=re.I) if assumed \
            else spec.source
        rows.append(Assumption(name, f"{spec.default:g}", spec.unit,
                               f"{spec.low:g} - {spec.high:g}", source, assumed))
    return rows


def judged(ctx: Context, headline: Headline, parameters: Sequence[str], months: float,
           default: tuple[Estimate, Verdict]):
    """The sensitivity analysis of a headline and the final verdict ('depends on X')."""
    weeks = ctx.weeks_for(months)
    sensitivity = analyse(headline, parameters, weeks, ctx.plan, default[1])
    sensitivity.central, sensitivity.centre = default[1], ctx.setup.centre
    final, _ = with_sensitivity(default[1], sensitivity.swings, ctx.setup.centre)
    return final, sensitivity


def swing_requests(ctx: Context, scenarios: Sequence[dict], parameters: Sequence[str],
                   months: float) -> list[Request]:
    """The runs `judged` will ask for (swings, and Morris points in full mode), so the
    runner can run them ahead in parallel; the same keys as the later calls."""
    weeks = ctx.weeks_for(months)
    settings: list[tuple[dict[str, float], int]] = []
    for name in parameters[:ctx.plan.swing_parameters]:
        spec = CATALOGUE[name]
        settings += [({name: value}, ctx.plan.runs) for value in (spec.low, spec.high)
                     if value != spec.default]
    if ctx.plan.morris_trajectories and len(parameters) >= 2:
        from cartelsim.ensembles.sensitivity import problem_for, sample

        problem = problem_for(list(parameters))
        points = sample(problem, "morris", ctx.plan.morris_trajectories, ctx.plan.seed)
        settings += [(dict(zip(problem["names"], map(float, row), strict=True)),
                      ctx.plan.worlds_per_point) for row in points]
    return [(data, setting, runs, weeks) for setting, runs in settings for data in scenarios]


def main_requests(scenarios: Sequence[dict]) -> list[Request]:
    """The main runs of a claim (the brief's runs and horizon, default parameters)."""
    return [(data, {}, None, None) for data in scenarios]
