"""Calibration: fit parameters to the national series and say what the data pin down."""
