"""The student edition: the course without ``solutions/``."""

from __future__ import annotations

import shutil
from pathlib import Path

INCLUDED = ("README.md", "pyproject.toml", "run.py", "bplab", "exercises", "notebooks")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info")


def release(root, dest):
    """Copy the learner's part of the course from ``root`` to ``dest``.

    Raises
    ------
    FileExistsError
        When ``dest`` exists and is not empty (nothing is overwritten).
    """
    root, dest = Path(root), Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"{dest} exists and is not empty; choose a new folder")
    dest.mkdir(parents=True, exist_ok=True)
    for name in INCLUDED:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=IGNORED)
        elif source.exists():
            shutil.copy2(source, dest / name)
    return dest
