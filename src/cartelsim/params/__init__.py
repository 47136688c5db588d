"""Every model number with its passport: value, unit, range and source (STYLE.md 1)."""
