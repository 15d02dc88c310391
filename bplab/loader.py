"""Find the course folder and load the learner's exercise modules, live.

``BPLAB_IMPL`` chooses what notebooks run: ``exercises`` (the default, the
learner's files), ``solutions`` (CI and instructors) or a folder path.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path


def course_root():
    """The folder that holds ``exercises/``: ``BPLAB_ROOT``, else the nearest parent of the cwd, else the package's parent."""
    if os.environ.get("BPLAB_ROOT"):
        return Path(os.environ["BPLAB_ROOT"]).resolve()
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "exercises").is_dir() and (folder / "notebooks").is_dir():
            return folder
    return Path(__file__).resolve().parent.parent


def impl_dir(impl=None):
    """Folder of the exercise modules chosen by ``impl`` or ``BPLAB_IMPL``.

    Raises
    ------
    FileNotFoundError
        When the folder does not exist, naming the accepted values.
    """
    choice = impl or os.environ.get("BPLAB_IMPL") or "exercises"
    folder = course_root() / choice if choice in ("exercises", "solutions") else Path(choice).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"BPLAB_IMPL={choice!r}: no folder {folder}. Use 'exercises', 'solutions' or a folder path.")
    return folder.resolve()


class LiveModule:
    """A module that reloads itself when its file is saved again.

    Attribute access checks the file's modification time and size, so a
    notebook always calls the latest saved version without a kernel restart.
    """

    def __init__(self, path):
        self._path = Path(path)
        self._stamp = None
        self._module = None

    def _current(self):
        try:
            stat = self._path.stat()
        except FileNotFoundError:
            raise FileNotFoundError(f"{self._path} does not exist (is BPLAB_IMPL right?)") from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._module = _execute(self._path)
            self._stamp = stamp
        return self._module

    def __getattr__(self, name):
        module = self._current()
        try:
            return getattr(module, name)
        except AttributeError:
            raise AttributeError(f"{self._path.name} has no {name!r}: is it spelled as in the notebook?") from None

    def __dir__(self):
        return dir(self._current())

    def __repr__(self):
        return f"<live module {self._path.stem} from {self._path}>"


def _execute(path):
    """Import ``path`` afresh as its module name (so ``import ex02_mlp`` inside others works)."""
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def load(module_name, impl=None):
    """The learner's exercise module ``module_name`` (``"ex02_mlp"``), live."""
    path = impl_dir(impl) / f"{module_name}.py"
    if not path.exists():
        raise FileNotFoundError(f"no {path.name} in {path.parent}")
    return LiveModule(path)
