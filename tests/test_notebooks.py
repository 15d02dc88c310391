"""Every notebook: stored clean, runs top to bottom with the solutions (nbval), and survives the learner's stubs.

Each notebook is its own test (``-k 03_vanishing``). The wall time of every
run is printed under "wall times" at the end of the session; the spec's
target (<= 30 s per notebook) is measured in ``benchmarks/bench_notebooks.py``,
never asserted here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import nbformat
import pytest

from tests.paths import NOTEBOOKS, ROOT

NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("*.ipynb"))
IDS = [path.stem for path in NOTEBOOK_FILES]
CELL_TIMEOUT = 300      # s: one cell; generous, a hang must end but a busy machine must not fail
RUN_TIMEOUT = 900       # s: one whole notebook under nbval


def test_there_are_notebooks():
    assert (NOTEBOOKS / "00_welcome.ipynb").is_file(), f"no notebooks/00_welcome.ipynb in {NOTEBOOKS}"


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    dirty = [f"cell {index + 1}: " + ", ".join(
                 what for what, present in (("outputs", cell.outputs), ("execution count", cell.execution_count))
                 if present)
             for index, cell in enumerate(notebook.cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, f"{path.name} is stored with outputs; run `bplab strip-notebooks`:\n" + "\n".join(dirty)


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_names_the_python3_kernel(path):
    """JupyterLab asks the learner to pick a kernel when a notebook names none."""
    spec = nbformat.read(path, as_version=4).metadata.get("kernelspec", {})
    assert spec.get("name") == "python3", f"{path.name}: metadata.kernelspec.name is {spec.get('name')!r}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_runs_with_solutions_under_nbval(path, timings):
    command = [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
               f"--nbval-cell-timeout={CELL_TIMEOUT}", "-p", "no:cacheprovider", "-q", "--no-header", "--color=no",
               os.path.relpath(path, ROOT)]
    env = {**os.environ, "BPLAB_IMPL": "solutions"}
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    seconds = time.perf_counter() - start
    timings.append((f"nbval {path.stem} (BPLAB_IMPL=solutions)", seconds))
    print(f"{path.name}: {seconds:.1f} s under nbval")
    output = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)  # nbval colours its messages
    tail = "\n".join(output.splitlines()[-60:])
    assert result.returncode == 0, (
        f"{path.name} failed under nbval with BPLAB_IMPL=solutions (exit {result.returncode}).\n"
        f"Reproduce: BPLAB_IMPL=solutions {' '.join(command[2:])}\n--- nbval output (tail) ---\n{tail}")


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_runs_with_the_stubs(path, timings, monkeypatch):
    """With the learner's unwritten stubs, check cells show "not attempted" tables and nothing raises."""
    from nbclient import NotebookClient

    monkeypatch.setenv("BPLAB_IMPL", "exercises")  # the kernel inherits this process's environment
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    timings.append((f"nbclient {path.stem} (BPLAB_IMPL=exercises)", time.perf_counter() - start))
    errors = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        found = [f"{output.ename}: {output.evalue}" for output in cell.outputs if output.output_type == "error"]
        found += [f"a traceback on stderr:\n{output.text[-1500:]}" for output in cell.outputs
                  if output.output_type == "stream" and output.name == "stderr" and "Traceback" in output.text]
        if found:
            source = "\n    ".join(cell.source.splitlines()[:4])
            errors.append(f"cell {index + 1}:\n    {source}\n  " + "\n  ".join(found))
    assert not errors, f"{path.name} raises with the stubs (BPLAB_IMPL=exercises):\n" + "\n".join(errors)
