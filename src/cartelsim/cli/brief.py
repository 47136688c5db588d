"""`cartelsim brief`: run the claims' experiments and write one self-contained HTML brief.

A thin edge (STYLE.md 9): it parses options, checks the output path before any work, calls
`cartelsim.report`, and prints where the brief is and a one-screen summary.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cartelsim.errors import CartelsimError

HTML_SUFFIXES = (".html", ".htm")
console = Console()
errors = Console(stderr=True)


def check_output(out: Path) -> None:
    """Refuse an output the brief could not be written to, before minutes of work."""
    if out.suffix.lower() not in HTML_SUFFIXES:
        raise CartelsimError(f"--out {out}: expected a file name ending in .html")
    if out.is_dir():
        raise CartelsimError(f"--out {out} is a folder; give a file name such as brief.html")
    folder = out.parent if str(out.parent) else Path(".")
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise CartelsimError(f"--out {out}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise CartelsimError(f"--out {out}: cannot write in {existing} (permission denied)")


def brief_command(
    out: Annotated[Path, typer.Option(help="HTML file to write (one self-contained page).")],
    system: Annotated[str, typer.Option(
        help="mexico2025, bacrim2020, or a folder with the BACRIM 2020 CSV files.")
    ] = "mexico2025",
    runs: Annotated[int | None, typer.Option(
        min=2, max=5000, help="Paired worlds per experiment (default 40 quick, 300 full).")
    ] = None,
    quick: Annotated[bool, typer.Option(
        help="Fewer worlds and a one-at-a-time sensitivity swing (about a minute).")
    ] = False,
    seed: Annotated[int, typer.Option(min=0, help="Root seed: same seed, same numbers.")] = 2026,
    data: Annotated[Path | None, typer.Option(
        help="BACRIM 2020 folder for the Science 2023 reproduction (default: the download "
             "cache).")] = None,
    claims: Annotated[str, typer.Option(
        help="Only these claims, comma-separated (e.g. C1,C4); default: all six.")] = "",
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 2,
    posterior: Annotated[Path | None, typer.Option(
        help="Posterior draws (NAME.csv + NAME.json from `cartelsim calibrate history`): "
             "world k runs with draw k. Default: the packaged posterior, if any.")] = None,
    noise_only: Annotated[bool, typer.Option(
        help="Default parameters in every world, even when a posterior exists.")] = False,
    validation: Annotated[Path | None, typer.Option(
        help="Out-of-sample scores: summary.csv of `cartelsim validate` (or its folder).")
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No progress and no summary table.")] = False,
) -> None:
    """Test the article's claims C1-C6 and write a readable brief (HTML) with the verdicts."""
    from cartelsim.report.brief import BriefConfig, build_brief
    from cartelsim.report.render import write_brief

    check_output(out)
    if posterior is not None and noise_only:
        raise CartelsimError("--posterior and --noise-only exclude each other; give one")
    config = BriefConfig(system=system, runs=runs, quick=quick, seed=seed, data=data,
                         workers=workers, claims=tuple(claims.split(",")) if claims else (),
                         posterior=posterior, noise_only=noise_only, validation=validation)
    config.validate()
    if quiet or not errors.is_terminal:
        brief = build_brief(config)
    else:
        with errors.status("Running the brief's experiments...") as status:
            brief = build_brief(config, progress=lambda m: status.update(f"[dim]{escape(m)}"))
    write_brief(brief, out)
    if not quiet:
        console.print(summary_table(brief))
    console.print(f"Brief written to {out} ({brief.seconds:.0f} s; open it in a browser, it "
                  "needs no network).")


def summary_table(brief) -> Table:
    """One row per claim: the verdict and the headline number."""
    colours = {"yes": "green", "no": "red", "mixed": "yellow"}
    table = Table(title=f"{brief.title} ({brief.settings['mode']} mode, "
                  f"{brief.settings['paired worlds per experiment']} paired worlds)",
                  title_justify="left")
    table.add_column("claim", no_wrap=True)
    table.add_column("what the article says", overflow="fold", max_width=40)
    table.add_column("verdict", no_wrap=True)
    table.add_column("headline (median, paired)", overflow="fold")
    for claim in brief.claims:
        colour = colours[claim.verdict.css]
        # one parameter a line, so long parameter names are never cut
        label = claim.summary.replace("; ", ";\n").replace("depends on ", "depends on\n") \
            .replace(", ", ",\n")
        table.add_row(claim.id, claim.quote, f"[{colour}]{label}[/{colour}]", claim.headline)
    return table
