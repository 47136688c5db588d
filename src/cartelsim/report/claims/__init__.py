"""One module per claim of DESIGN.md §1: its experiment, numbers, verdict and figures."""
