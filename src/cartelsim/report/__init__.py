"""The brief: each claim of DESIGN.md §1 (C1-C6) tested by paired ensembles, in one HTML file.

`build_brief(BriefConfig(...))` runs the experiments and returns a `Brief` (numbers,
verdicts, figures); `write_brief(brief, path)` renders it into one self-contained HTML file.
The CLI (`cartelsim brief`) only parses options, calls these and prints a summary.
"""
