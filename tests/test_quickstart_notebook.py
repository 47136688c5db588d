"""docs/quickstart.ipynb runs from top to bottom in a real Jupyter kernel and draws its
figures (each plot cell's result is a PNG, shown once)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

import cartelsim

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "quickstart.ipynb"


def test_the_quickstart_notebook_runs_and_draws_its_figures(tmp_path: Path) -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs for cell in code), "commit the notebook without outputs"
    here = str(Path(cartelsim.__file__).resolve().parents[1])  # the kernel imports this copy
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (here, os.environ.get("PYTHONPATH", "")) if p)}
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=env)
    errors = [o for cell in code for o in cell.outputs if o.output_type == "error"]
    assert not errors, errors
    plotting = [cell for cell in code if ".plot(" in cell.source or ".map(" in cell.source]
    assert len(plotting) >= 3
    for cell in plotting:
        images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
        assert len(images) == 1, (cell.source, [o.get("data", {}).keys() for o in cell.outputs])
    tables = [cell for cell in code if "summary()" in cell.source]
    for cell in tables:
        assert any("text/html" in o.get("data", {}) for o in cell.outputs), cell.source
    assert not list(tmp_path.iterdir()), "the notebook wrote files"


