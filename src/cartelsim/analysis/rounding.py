"""How many digits a paired difference deserves when it is shown to a person.

A median with a 90 % interval of [-76.219, 111.75] is known to the nearest unit at best, so
it is shown as "18 [-76, 112]", not "17.813 [-76.219, 111.75]". The rule: the interval's
width keeps two significant digits, and the estimate and both bounds are shown with the
same number of decimals. Levels (the two scenarios' medians) get those decimals too, but
never more than three significant digits of their own. Files (CSV, NetCDF, JSON) keep every
digit; only what people read is rounded.
"""

from __future__ import annotations

import math

MAX_DECIMALS = 6


def _decimals(scale: float, significant: int) -> int:
    """Decimals that show `significant` significant digits of a number of size `scale`."""
    if not math.isfinite(scale) or scale <= 0:
        return 0
    return min(max(significant - 1 - math.floor(math.log10(scale)), 0), MAX_DECIMALS)


def interval_decimals(low: float, high: float, estimate: float) -> int:
    """Decimals for an estimate and its interval: two significant digits of the width;
    three of the estimate when the interval has no width (every world agrees)."""
    width = high - low
    if math.isfinite(width) and width > 0:
        return _decimals(width, 2)
    return _decimals(abs(estimate), 3)


def level_decimals(level: float, decimals: int) -> int:
    """Decimals for a level shown beside a difference rounded to `decimals`."""
    return min(decimals, _decimals(abs(level), 3)) if level else 0


def direction(low: float, high: float) -> str | None:
    """"lower" or "higher" when the interval excludes zero (the policy moves the output
    the same way in the interval's share of worlds); None when it holds zero."""
    if low > 0:
        return "higher"
    if high < 0:
        return "lower"
    return None
