"""Execute every notebook top to bottom with nbclient (marked slow: minutes on a busy machine).

No wall-clock assertion: how long a notebook takes belongs to the benchmarks.  The cell
timeout only stops a hung kernel.
"""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_notebooks_numbered_consecutively():
    names = [p.stem[:2] for p in NOTEBOOKS]
    assert len(names) >= 4 and names == [f"{i:02d}" for i in range(1, len(names) + 1)]


#: seconds after which a single cell counts as hung (a guard, not a performance requirement)
HANG_TIMEOUT = 3600


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit notebooks with outputs cleared"
    )
    client = nbclient.NotebookClient(
        nb,
        timeout=HANG_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
