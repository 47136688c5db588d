"""Sizes of files and disks as people read them (SI units, as --max-gb counts: 1 GB = 1e9 B)."""

from __future__ import annotations

_UNITS = ("kB", "MB", "GB", "TB", "PB")


def readable_size(n_bytes: float) -> str:
    """`n_bytes` in the largest unit that keeps the number at least 1: '512 B', '12.3 MB'.

    Three significant digits, so a small figure never prints as '0.0 GB'.
    """
    if n_bytes < 1000:
        return f"{n_bytes:.0f} B"
    value, unit = float(n_bytes), "B"
    for unit in _UNITS:
        value /= 1000
        if value < 999.5 or unit == _UNITS[-1]:
            break
    return f"{value:.3g} {unit}" if value < 1000 else f"{value:,.0f} {unit}"
