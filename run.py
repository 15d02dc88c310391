#!/usr/bin/env python3
"""Set up and run the course with nothing but Python 3.10+ and the package registries.

    python3 run.py lab     set up .venv, then open the course in JupyterLab on the welcome notebook
    python3 run.py test    set up .venv, then run the linter and the whole test suite
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# Small matrices: single-threaded BLAS is faster and steadier (see bplab/__init__.py).
SINGLE_THREADED = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def setup(extras):
    """Create .venv and install the course with ``extras``; skipped when nothing changed."""
    if sys.version_info < (3, 10):  # noqa: UP036 - run.py may be started by an older Python
        sys.exit(f"bplab needs Python 3.10 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists() and not (BIN / "python.exe").exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extras}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    python = str(BIN / "python")
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]"], check=True, cwd=ROOT)
    stamp.write_text(digest)


def lab(args):
    setup("lab")
    # The course folder is the root, so exercises/ shows in the file browser beside notebooks/.
    command = [str(BIN / "jupyter"), "lab", f"--ServerApp.root_dir={ROOT}",
               "--LabApp.default_url=/lab/tree/notebooks/00_welcome.ipynb", *args]
    if hasattr(os, "getuid") and os.getuid() == 0 and "--allow-root" not in args:
        command.append("--allow-root")  # Docker, CI and cloud notebooks run as root; JupyterLab refuses without it
    return subprocess.call(command, cwd=ROOT, env={**os.environ, **SINGLE_THREADED})


def test(args):
    setup("test,lab")
    lint = subprocess.call([str(BIN / "ruff"), "check", "."], cwd=ROOT)
    if lint:
        return lint
    return subprocess.call([str(BIN / "python"), "-m", "pytest", *args], cwd=ROOT, env={**os.environ, **SINGLE_THREADED})


if __name__ == "__main__":
    commands = {"lab": lab, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    sys.exit(commands[sys.argv[1]](sys.argv[2:]))
