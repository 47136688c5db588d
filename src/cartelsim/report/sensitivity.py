"""Which parameters would change a claim's verdict.

Two methods, both over the plausible ranges of the parameter catalogue:

- **one-at-a-time swing** (quick mode, and always for the verdict): the claim's headline
  experiment is rerun with one parameter at the low end of its range, then at the high end,
  all others as in the main result (their defaults, or each world's posterior draw), on the
  same paired worlds, as many as the main result. A parameter "changes the
  verdict" when either end gives a different verdict. This misses interactions.
- **Morris elementary effects** (full mode): SALib trajectories through the joint ranges
  (`ensembles.sensitivity.problem_for` and `sample`), one paired experiment per point,
  indices from `analysis.sensitivity.indices`. It ranks parameters by their influence on the
  headline number, interactions included (sigma).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cartelsim.params.catalogue import CATALOGUE
from cartelsim.report.model import Estimate, Sensitivity, Swing, Verdict

Headline = Callable[[dict[str, float], int, int], tuple[Estimate, Verdict]]


@dataclass(frozen=True)
class Plan:
    """How much sensitivity analysis a brief can afford."""

    swing_parameters: int  # how many of each claim's parameters to swing
    runs: int  # paired worlds per swing: as many as the main result
    morris_trajectories: int = 0  # 0: no Morris
    seed: int = 0
    morris_runs: int = 0  # paired worlds per Morris point (0: `runs`; many points, fewer)

    @property
    def worlds_per_point(self) -> int:
        return self.morris_runs or self.runs


def swing(headline: Headline, parameters: Sequence[str], runs: int,
          weeks: int) -> list[Swing]:
    """The headline at each end of each parameter's plausible range (others as in the main
    result)."""
    rows = []
    for name in parameters:
        spec = CATALOGUE[name]
        for end, value in (("low", spec.low), ("high", spec.high)):
            if value == spec.default:
                continue  # the default run already shows this end
            estimate, verdict = headline({name: value}, runs, weeks)
            rows.append(Swing(name, end, value, estimate, verdict))
    return rows


def morris(headline: Headline, parameters: Sequence[str], runs: int, weeks: int,
           trajectories: int, seed: int) -> list[dict]:
    """Morris mu*, its 95 % confidence and sigma of the headline median, per parameter."""
    from cartelsim.analysis.sensitivity import indices
    from cartelsim.ensembles.sensitivity import problem_for, sample

    problem = problem_for(list(parameters))
    points = sample(problem, "morris", trajectories, seed)
    values = [headline(dict(zip(problem["names"], map(float, row), strict=True)), runs,
                       weeks)[0].median for row in points]
    import numpy as np

    table = indices("morris", problem, points, np.asarray(values), seed)
    return [{k: (float(v) if k != "parameter" else str(v)) for k, v in row.items()}
            for row in table.to_dict("records")]


def analyse(headline: Headline, parameters: Sequence[str], weeks: int, plan: Plan,
            default: Verdict) -> Sensitivity:
    """Swing the first `plan.swing_parameters` parameters; Morris over all when planned."""
    chosen = list(parameters[:plan.swing_parameters])
    method = (f"One-at-a-time swing of {', '.join(chosen)} to the ends of their plausible "
              f"ranges (others as in the main result), {plan.runs} paired worlds each. It does "
              "not explore interactions between parameters.")
    result = Sensitivity(method=method, swings=swing(headline, chosen, plan.runs, weeks))
    if plan.morris_trajectories and len(parameters) >= 2:
        result.indices = morris(headline, parameters, plan.worlds_per_point, weeks,
                                plan.morris_trajectories, plan.seed)
        result.method += (f" Morris screening (SALib) of {', '.join(parameters)} with "
                          f"{plan.morris_trajectories} trajectories, {plan.worlds_per_point} paired "
                          "worlds "
                          "per point: mu* ranks each parameter's influence on the headline "
                          "number, sigma flags interactions or non-linearity.")
    result.changes = sorted({s.parameter for s in result.swings
                             if s.verdict.label != default.label})
    return result
