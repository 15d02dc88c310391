"""The package's layering: numerics never import widgets or plotting; labs never draw; no import cycles.

Each module is imported first in a fresh interpreter: an import cycle shows up
as an ImportError there, and what it pulls in shows its layer.
"""

import pkgutil
import subprocess
import sys

import pytest

import bplab

MODULES = sorted(info.name for info in pkgutil.walk_packages(bplab.__path__, "bplab.")
                 if not info.name.endswith("__main__"))
DRAWING = {"ipywidgets", "matplotlib", "bplab.widgets", "bplab.figures"}
FORBIDDEN = {  # prefix -> what its modules must not import
    "bplab.widgets": set(),
    "bplab.figures": {"ipywidgets", "bplab.widgets"},
    "bplab.labs": DRAWING,
    "bplab.cli": DRAWING,
    "bplab.notebook": DRAWING,
    "bplab.powered": DRAWING,
    "bplab": DRAWING,  # the numerics, grading and loader
}


def layer_of(module):
    return next(prefix for prefix in FORBIDDEN if module == prefix or module.startswith(prefix + "."))


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_alone_and_respects_its_layer(module):
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"importing {module} first fails:\n{run.stderr[-2000:]}"
    forbidden = FORBIDDEN[layer_of(module)] & set(run.stdout.split())
    assert not forbidden, f"{module} ({layer_of(module)} layer) imports {sorted(forbidden)}"
