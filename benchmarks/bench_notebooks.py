"""Every notebook run top to bottom with the solutions: wall time and the kernel's peak memory.

The spec's targets: at most 30 s per notebook and 120 s for all of them, on
two cores. Each notebook runs once (a fresh kernel, as a learner's "Restart
and Run All"); the time includes the kernel's start, and the note splits it.
Peak memory is the kernel process's high-water mark (``VmHWM`` in
``/proc/<pid>/status``), read after every cell; the grading sandbox's
short-lived child processes are not included.
"""

from __future__ import annotations

import math
import os
import re
import time
from pathlib import Path

import nbformat

from benchmarks.common import Row

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
TARGET_EACH = 30.0
TARGET_ALL = 120.0


def peak_rss_mib(pid):
    """The high-water mark of a process's resident memory in MiB (NaN where /proc is missing)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, TypeError):
        pass
    return math.nan


def run_notebook(path, impl="solutions", timeout=300):
    """Execute one notebook in a fresh kernel.

    Returns
    -------
    dict
        ``total`` and ``cells`` (seconds), ``peak_mib`` (kernel high-water mark),
        ``error`` (None, or the first failure as text).
    """
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    state = {"peak_mib": math.nan, "first_cell": None}

    def cell_started(**_):
        if state["first_cell"] is None:
            state["first_cell"] = time.perf_counter()

    def cell_executed(**_):
        peak = peak_rss_mib(getattr(client.km.provisioner, "pid", None))
        state["peak_mib"] = peak if math.isnan(state["peak_mib"]) else max(state["peak_mib"], peak)

    client.on_cell_start = cell_started
    client.on_cell_executed = cell_executed
    previous = os.environ.get("BPLAB_IMPL")
    os.environ["BPLAB_IMPL"] = impl  # the kernel inherits this process's environment
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except Exception as failure:  # noqa: BLE001 - a failing notebook is a row of the table, not a crash of it
        lines = str(failure).strip().splitlines() or [type(failure).__name__]
        error = re.sub(r"\x1b\[[0-9;]*m", "", f"{type(failure).__name__}: {lines[-1][:120]}")  # no colours
    finally:
        if previous is None:
            os.environ.pop("BPLAB_IMPL", None)
        else:
            os.environ["BPLAB_IMPL"] = previous
    end = time.perf_counter()
    cells = end - (state["first_cell"] or start)
    return {"total": end - start, "cells": cells, "peak_mib": state["peak_mib"], "error": error}


def rows():
    result = []
    total = 0.0
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    for path in paths:
        run = run_notebook(path)
        total += run["total"]
        failed = f"FAILED: {run['error']}; " if run["error"] else ""
        result.append(Row(f"notebook {path.stem}: run top to bottom", run["total"], unit="s",
                          target=f"<= {TARGET_EACH:g} s",
                          note=f"{failed}cells {run['cells']:.1f} s + kernel start "
                               f"{run['total'] - run['cells']:.1f} s"))
        result.append(Row(f"notebook {path.stem}: kernel peak RSS", run["peak_mib"], unit="MiB",
                          note="VmHWM of the kernel process; sandbox children not included"))
    result.append(Row(f"all {len(paths)} notebooks: run top to bottom", total, unit="s",
                      target=f"<= {TARGET_ALL:g} s", note="sequential, one fresh kernel each"))
    return result
