"""The engine-neutral effects every action compiles into (STYLE.md 4).

An action (see `interventions.actions`) says what it means; an effect says what changes in
the model. There are few effects, so N actions x M engines stays N + M: the plan
(`interventions.plan`), the mechanisms (`mechanisms.world`) and the world engine
(`world.schedule`, by effect type) apply effects, never action names.

Lasting effects hold in every week the intervention is active; one-off effects happen on
its dates. Each is applied to the intervention's targets, except `ScaleRate` and
`SetPressure`, which act on the whole country.
"""

from __future__ import annotations

from dataclasses import dataclass

# Per-group multipliers an effect may scale (the engines' coefficients, by meaning).
GROUP_RATES = ("recruitment", "arrest_focus", "conflict")
# National rates an effect may scale (engines.plan.RATE_NAMES keys).
NATIONAL_RATES = ("rho", "eta", "theta", "omega")


@dataclass(frozen=True)
class Effect:
    """Base of the effects; `lasting` ones hold over weeks, the others happen on dates."""

    lasting = True


@dataclass(frozen=True)
class ScaleGroupRate(Effect):
    """Multiply a per-group rate of the targets: recruitment rho_i, the arrest focus e_i,
    or conflict lethality theta_i."""

    rate: str  # one of GROUP_RATES
    factor: float


@dataclass(frozen=True)
class RaiseSegmentCost(Effect):
    """Multiply the cost of moving loads over one road segment of the corridor network (read
    by `territory.corridors`: routes that use it divert to other roads). The segment is the
    intervention's."""

    factor: float


@dataclass(frozen=True)
class ScaleRate(Effect):
    """Multiply a national rate (eta: total incapacitation per week) for every group. The
    world engine scales rho, eta and theta (omega only in the capped engines)."""

    rate: str  # one of NATIONAL_RATES
    factor: float


@dataclass(frozen=True)
class RemoveMembers(Effect):
    """Remove a share of the targets' members at once (arrested in a sweep)."""

    share: float
    lasting = False


@dataclass(frozen=True)
class RemoveLeader(Effect):
    """Remove the targets' leaders; each operation succeeds with `chance` (times the
    group's exposure, 1 - protection). Kind and succession are the intervention's."""

    chance: float
    lasting = False


@dataclass(frozen=True)
class Share(Effect):
    """A lasting share of a state the mechanisms own, taken from the targets; shares of
    several interventions on the same group add up."""

    share: float


@dataclass(frozen=True)
class FreezeMoney(Share):
    """Freeze a share of the targets' money per year (read by `mechanisms.finance`)."""


@dataclass(frozen=True)
class CutProtection(Share):
    """Destroy a share of the targets' political protection per week (`finance`)."""


@dataclass(frozen=True)
class RaiseCrossingCost(Effect):
    """Multiply the cost of moving loads through one U.S. port of entry, and its seizure
    share (read by `territory.corridors`: flows divert to other crossings). The crossing
    is the intervention's."""

    factor: float


@dataclass(frozen=True)
class SetPressure(Effect):
    """Add to U.S. pressure u, which drives operations against visible groups."""

    level: float
