"""Indices of the vectors the world step reads its parameters from.

`run.PARAM_ORDER` and `run.FINANCE_ORDER` list the catalogue names in this order; the
compiled code reads p[P_RHO] and so on, so no name lookup happens in a week.
"""

from __future__ import annotations

# indices into the parameter vector (run.PARAM_ORDER lists the catalogue names)
(P_RHO, P_ETA, P_THETA, P_OMEGA, P_RECOVERY, P_KAPPA_C, P_KAPPA_R, P_CLARITY, P_SETTLED,
 P_HAZARD, P_EXPONENT, P_FRACTION, P_MIN_SPLIT, P_SPLINTER_RIVALRY, P_SPLINTER_INTEGRITY,
 P_PRESSURE_ARRESTS, P_PRESSURE_RATE, P_VISIBILITY, P_END_MEMBERS, P_CAPACITY_MAX,
 P_CONSOLIDATED, P_ENTRY_RATE, P_ENTRY_MEMBERS, P_ENTRANT_RIVALRY) = range(24)
N_PARAMS = 24
# indices into the finance vector (run.FINANCE_ORDER): switches, then catalogue values
(F_MONEY_ON, F_PROTECTION_ON, F_MARKET, F_SHARE_EXPONENT, F_WAGE, F_BRIBE, F_RESERVE,
 F_PAYROLL, F_REVERSAL, F_GAIN, F_BRIBE_HALF, F_DECAY, F_COST) = range(13)
N_FINANCE = 13
