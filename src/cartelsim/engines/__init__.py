"""Engines advance a [run, group] state week by week; they share the rate laws in `rates`."""
