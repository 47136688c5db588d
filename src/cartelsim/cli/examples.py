"""`cartelsim examples`: list the packaged example scenarios and copy one out to edit."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

examples_app = typer.Typer(
    help="List the example scenarios that ship with cartelsim, or copy one out to edit.",
    invoke_without_command=True,
)


@examples_app.callback()
def examples_list(ctx: typer.Context) -> None:
    """List the example scenarios (name and description)."""
    if ctx.invoked_subcommand is not None:
        return
    from cartelsim.scenarios.examples import list_examples

    table = Table(title="Example scenarios (cartelsim examples copy NAME [DEST])",
                  title_justify="left")
    table.add_column("name", no_wrap=True)
    table.add_column("description", overflow="fold")
    for name, description in list_examples().items():
        table.add_row(name, description)
    Console().print(table)


@examples_app.command("copy")
def examples_copy(
    name: Annotated[str, typer.Argument(help="Example name, as `cartelsim examples` lists.")],
    dest: Annotated[str | None, typer.Argument(
        help="File or folder to copy to (default: NAME.toml in the current folder).")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Copy an example scenario out, to edit and run with `cartelsim run FILE`."""
    from cartelsim.scenarios.examples import copy_example

    target = copy_example(name, dest, overwrite=force)
    Console().print(f"Copied {name} to {target}; run it with: cartelsim run {target}",
                    highlight=False, soft_wrap=True)
