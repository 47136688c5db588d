"""U.S. pressure as a state that reacts to the flow north, and the Mexican state's response.

Compiled helpers of the world step (used by its "pressure" and "rates" sub-steps and by the
territory sub-step). With territory on, U.S. pressure u is the scheduled pressure (the
`us_pressure` interventions: dated U.S. measures) plus a **feedback state** u_f that each
week moves toward `us_pressure_flow_gain` x (flow north / reference flow) with time
constant `us_pressure_response_weeks` (reference = the flow north without crackdowns;
updated in `kernel.territory_week`).
The Mexican state answers a share `state_visible_weight` v of u with visible operations
(leader captures, arrests: the existing pressure rules) and the rest structurally, an
effort E = pressure_structural_gain x (1 - v) u shared by three channels, finance share f =
`state_structural_finance`, anti-corruption share c = `state_structural_corruption`:

* recruitment prevention: rho x (1 - min(0.9, E (1 - f - c))) (the "rates" sub-step);
* financial intelligence: a share min(0.9, E f) of every group's money frozen a year, as
  `freeze_assets` does (the "finance" sub-step, money on);
* anti-corruption: a share E c of every group's protection destroyed a year, spread over its
  weeks, as `prosecute_corruption` does (the "finance" sub-step, protection on).

The finance sub-step reads the pressure of the week before, as it reads that week's
freezes and prosecutions. At the defaults (gain 0, v = 1) this is the pressure model
without territory.
"""

from __future__ import annotations

from numba import njit

from cartelsim.territory.kernel import (
    PRESSURE,
    TP_STRUCTURAL,
    TP_STRUCTURAL_CORRUPTION,
    TP_STRUCTURAL_FINANCE,
    TP_VISIBLE,
)

MAX_PREVENTED = 0.9  # structural prevention never stops more than 90 % of recruitment
MAX_FROZEN = 0.9  # nor financial intelligence more than 90 % of the money a year
WEEKS_PER_YEAR = 365.25 / 7.0


@njit(cache=True, inline="always")
def feedback(r, w, terr):  # pragma: no cover - compiled
    """u_f at date w (0 without territory)."""
    record = terr[PRESSURE]
    return record[r, w] if record.shape[0] > 0 else 0.0


@njit(cache=True, inline="always")
def visible_share(terr):  # pragma: no cover - compiled
    """v: the share of pressure the state answers with visible operations (1 without
    territory)."""
    tp = terr[3]
    return tp[TP_VISIBLE] if terr[PRESSURE].shape[0] > 0 else 1.0


@njit(cache=True, inline="always")
def _effort(u_total, terr):  # pragma: no cover - compiled
    """E: the structural effort pressure u_total buys (0 without territory)."""
    if terr[PRESSURE].shape[0] == 0:
        return 0.0
    tp = terr[3]
    return tp[TP_STRUCTURAL] * (1.0 - tp[TP_VISIBLE]) * u_total


@njit(cache=True, inline="always")
def prevented(u_total, terr):  # pragma: no cover - compiled
    """Share of recruitment the structural response to pressure u_total prevents."""
    effort = _effort(u_total, terr)
    if effort == 0.0:
        return 0.0
    tp = terr[3]
    return min(MAX_PREVENTED, effort * (1.0 - tp[TP_STRUCTURAL_FINANCE]
                                        - tp[TP_STRUCTURAL_CORRUPTION]))


@njit(cache=True, inline="always")
def frozen_a_year(u_total, terr):  # pragma: no cover - compiled
    """Share of every group's money financial intelligence freezes a year under u_total
    (the parameter vector is read only with territory on: without it, it is empty)."""
    effort = _effort(u_total, terr)
    return min(MAX_FROZEN, effort * terr[3][TP_STRUCTURAL_FINANCE]) if effort != 0.0 else 0.0


@njit(cache=True, inline="always")
def prosecuted_a_week(u_total, terr):  # pragma: no cover - compiled
    """Share of every group's protection anti-corruption destroys a week under u_total
    (as `frozen_a_year`, the parameter vector is read only with territory on)."""
    effort = _effort(u_total, terr)
    return effort * terr[3][TP_STRUCTURAL_CORRUPTION] / WEEKS_PER_YEAR if effort != 0.0 \
        else 0.0
