"""Scenario files: a system, a horizon, parameter overrides and how to run them (TOML)."""
