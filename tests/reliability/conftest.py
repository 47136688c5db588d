"""Hypothesis profiles for the reliability tests.

The default profile keeps the normal suite fast; `make reliability` sets
CARTELSIM_RELIABILITY=long (CARTELSIM_FUZZ=long works too) for thousands of examples.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from .support import LONG

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile("reliability-default", max_examples=40, deadline=None,
                          suppress_health_check=_QUIET, derandomize=True, database=None)
settings.register_profile("reliability-long", max_examples=1500, deadline=None,
                          suppress_health_check=_QUIET, database=None)
FUZZ = settings.get_profile("reliability-long" if LONG else "reliability-default")
