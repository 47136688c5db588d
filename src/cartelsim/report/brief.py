"""Build the brief: run every claim's experiment and collect numbers, verdicts and figures.

Quick mode aims at about a minute on two cores: fewer paired worlds, one-at-a-time swings
of each claim's two most relevant parameters (on as many worlds as the main result), a
short replay of the record. The full mode runs more worlds, swings every listed parameter
and adds Morris screening. With a posterior (see `uncertainty`), each world carries its
own posterior draw.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from cartelsim import __version__
from cartelsim.errors import CartelsimError
from cartelsim.report import aftermath, limits, maps, replay, reproduction, uncertainty
from cartelsim.report.claims import (
    c1_command,
    c2_stability,
    c3_portfolios,
    c4_selective,
    c5_pressure,
    c6_flow,
)
from cartelsim.report.claims.base import Context
from cartelsim.report.model import Brief
from cartelsim.report.sensitivity import Plan
from cartelsim.report.verdict import RULES
from cartelsim.report.world import Runner, make_setup, scenario_data
from cartelsim.scenarios.schema import parse_scenario

CLAIMS = (c1_command, c2_stability, c3_portfolios, c4_selective, c5_pressure, c6_flow)
QUICK_RUNS = 40  # paired worlds per experiment in quick mode (and per swing)
# With a posterior, blocks of this many consecutive worlds share a draw and run as one slice
# (each world alone costs two to three times the CPU of a batched call): 10 draws in quick
# mode, 75 in full.
WORLDS_PER_DRAW = 4
HORIZON_WEEKS = 264  # five years and a month: every claim's horizon fits
MAX_RUNS = 5000


@dataclass(frozen=True)
class BriefConfig:
    """What the user chose (CLI options)."""

    system: str = "mexico2025"
    runs: int | None = None  # paired worlds per experiment; default by mode
    quick: bool = False
    seed: int = 2026
    data: Path | None = None  # BACRIM 2020 folder for the reproduction section
    weeks: int = HORIZON_WEEKS
    workers: int = 2  # processes for the experiments (this machine has two cores)
    claims: tuple[str, ...] = ()  # claim ids to run (empty: all)
    swing_parameters: int | None = None  # parameters swung per claim (None: by mode)
    posterior: Path | None = None  # NAME.csv of a posterior (None: the packaged one, if any)
    noise_only: bool = False  # ignore any posterior: default parameters in every world
    validation: Path | None = None  # `cartelsim validate` summary.csv (or its folder)
    replay_runs: int | None = None  # runs of the replay of the record (0: no replay)

    def paired_runs(self) -> int:
        return self.runs if self.runs is not None else (QUICK_RUNS if self.quick else 300)

    def record_runs(self) -> int:
        if self.replay_runs is not None:
            return self.replay_runs
        return 10 if self.quick else 50

    def plan(self) -> Plan:
        runs = self.paired_runs()  # swings run on as many worlds as the main result
        if self.quick:
            swung = 2 if self.swing_parameters is None else self.swing_parameters
            return Plan(swing_parameters=swung, runs=runs, seed=self.seed)
        swung = 4 if self.swing_parameters is None else self.swing_parameters
        return Plan(swing_parameters=swung, runs=runs, morris_trajectories=4, seed=self.seed,
                    morris_runs=max(10, min(runs, 60)))

    def chosen(self) -> tuple:
        """The claim modules to run, in order."""
        known = {claim.ID: claim for claim in CLAIMS}
        wanted = [c.strip().upper() for c in self.claims if c.strip()]
        unknown = [c for c in wanted if c not in known]
        if unknown:
            raise CartelsimError(f"--claims: unknown claim {unknown[0]!r}; expected some of "
                                 f"{', '.join(known)}")
        return tuple(known[c] for c in known if c in wanted) if wanted else CLAIMS

    def validate(self) -> None:
        if not 2 <= self.paired_runs() <= MAX_RUNS:
            raise CartelsimError(f"--runs must be between 2 and {MAX_RUNS} (paired worlds per "
                                 f"experiment), got {self.paired_runs()}")
        if self.seed < 0:
            raise CartelsimError(f"--seed must be a whole number >= 0, got {self.seed}")
        self.chosen()
        if self.data is not None and not Path(self.data).is_dir():
            raise CartelsimError(f"--data {self.data}: not a folder; expected the folder with "
                                 "the BACRIM 2020 CSV files")
        if self.replay_runs is not None and self.replay_runs < 0:
            raise CartelsimError(f"replay runs must be >= 0, got {self.replay_runs}")


def build_brief(config: BriefConfig, progress: Callable[[str], None] | None = None) -> Brief:
    """Run all experiments of the brief and return its content (nothing is written)."""
    config.validate()
    started = time.perf_counter()
    say = progress or (lambda message: None)
    chosen = uncertainty.choose(config.posterior, config.noise_only)
    scores = replay.scores(config.validation)  # a bad file fails here, before any run
    in_sample = replay.in_sample(config.validation)
    setup = make_setup(config.system, config.weeks, config.paired_runs(), config.seed)
    defaults = parse_scenario(scenario_data(setup, "status-quo", [])).params()
    calibrated = any(defaults.origin(name).startswith("calibrated") for name in defaults)
    setup = replace(setup, draws=chosen.draws(config.paired_runs(), config.seed,
                                              WORLDS_PER_DRAW), posterior=chosen.source,
                    calibrated_defaults=calibrated)
    runner = Runner(setup, progress=say, workers=config.workers)
    ctx = Context(setup, runner, config.plan())
    claims = config.chosen()
    requests = [r for claim in claims for r in claim.requests(ctx)] + reproduction.requests(ctx)
    requests += aftermath.requests(ctx)
    data = config.data
    if data is None and setup.system_section.get("data"):
        data = Path(setup.system_section["data"])
    jobs = reproduction.jobs(data)
    replay_key, replay_job = replay.job(config.record_runs(), config.seed, chosen.posterior,
                                        packaged_median=calibrated)
    if config.record_runs():
        jobs[replay_key] = replay_job
    if c1_command in claims:
        jobs |= c1_command.jobs(ctx)
    say(f"running {len(requests) + len(jobs)} experiments on {config.workers} process(es)")
    runner.prefetch(requests, jobs)
    sections = []
    for claim in claims:
        say(f"{claim.ID}: {claim.QUOTE}")
        sections.append(claim.section(ctx))
    say("the record replayed")
    record = {"scores": scores, "in_sample": in_sample, "replay": None}
    if config.record_runs():
        if replay_key not in runner.cache:
            runner.cache[replay_key] = replay_job[0](replay_job[1])
        result = runner.cache[replay_key]
        record["replay"] = result
        record["coverage"] = replay.coverage(result["table"])
    say("the first months after the killing")
    months = aftermath.section(ctx)
    say("reproduction of the Science 2023 model")
    key, (function, argument) = next(iter(reproduction.jobs(data).items()))
    reproduced = dict(runner.cache[key] if key in runner.cache else function(argument))
    reproduced["here"] = reproduction.combined_here(ctx)
    base = runner.run(scenario_data(setup, "status-quo", []))
    settings = {
        "system": f"{setup.system.name} ({setup.system.n_groups} groups)",
        "start": str(setup.start),
        "policies start": str(setup.policy_date),
        "leader removal": str(setup.removal_date),
        "horizon": f"{setup.weeks} weeks",
        "paired worlds per experiment": str(setup.runs),
        "parameters": (f"posterior draws from {setup.posterior}, {WORLDS_PER_DRAW} worlds "
                       "a draw" if setup.draws else f"{setup.centre} in every world (noise "
                       "only)"),
        "posterior option": (f"--posterior {config.posterior}" if config.posterior
                             else "--noise-only" if config.noise_only
                             else "the packaged posterior when there is one"),
        "engine": "stochastic (integer members), common random numbers",
        "seed": str(setup.seed),
        "mode": "quick" if config.quick else "full",
        "claims": ", ".join(claim.ID for claim in claims),
        "sensitivity": f"{ctx.plan.runs} paired worlds per swing"
                       + (f", Morris with {ctx.plan.morris_trajectories} trajectories of "
                          f"{ctx.plan.worlds_per_point} worlds a point"
                          if ctx.plan.morris_trajectories else ""),
        "removal target": setup.name_of(setup.target),
        "tolerated group": setup.name_of(setup.tolerated),
        "cartelsim": __version__,
    }
    brief = Brief(title="What the model says about the claims on El Mencho's killing",
                  settings=settings, claims=sections, reproduction=reproduced,
                  limits=limits.limits(setup, base, chosen.statement), rules=list(RULES),
                  uncertainty=chosen.statement,
                  homicide_caveat=limits.homicide_caveat(setup, base), record=record,
                  aftermath=months)
    territorial = {c5_pressure, c6_flow} & set(claims)  # their status quo has territory on
    brief.maps = maps.section(setup.system, runner.run(c5_pressure.status_quo(ctx))
                              if territorial else base)
    brief.seconds = time.perf_counter() - started
    brief.settings["simulated runs"] = f"{runner.simulated:,}"
    return brief
