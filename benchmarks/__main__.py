"""Print the benchmark table: ``python -m benchmarks [NAME ...]``.

Each ``benchmarks/bench_*.py`` defines ``rows()`` returning ``common.Row``s.
NAME filters modules by substring (``python -m benchmarks lesson02``).
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # as bplab/__init__.py, before numpy
    os.environ.setdefault(_variable, "1")


def main(filters):
    folder = Path(__file__).parent
    names = sorted(p.stem for p in folder.glob("bench_*.py") if not filters or any(f in p.stem for f in filters))
    print(f"# bplab benchmarks on {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'measurement':<58} {'median':>10} {'p95':>10}  {'target':<32} note")
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        for row in module.rows():
            p95 = "" if row.p95 != row.p95 else f"{row.p95:.3g} {row.unit}"
            print(f"{row.name:<58} {row.median:>7.3g} {row.unit:<2} {p95:>10}  {row.target:<32} {row.note}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
