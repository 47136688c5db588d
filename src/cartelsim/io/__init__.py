"""Writing results: atomic NetCDF, tidy CSV and figures."""
