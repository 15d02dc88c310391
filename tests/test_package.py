"""The package's layering: numerics never import widgets or plotting; labs never draw; no import cycles."""

import pkgutil
import subprocess
import sys

import pytest

import bplab

MODULES = sorted(info.name for info in pkgutil.walk_packages(bplab.__path__, "bplab.")
                 if not info.name.endswith("__main__"))
NUMERICS = [m for m in MODULES if not m.startswith(("bplab.widgets", "bplab.figures", "bplab.labs", "bplab.cli",
                                                        "bplab.notebook", "bplab.powered"))]


def imported_by(module):
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return set(run.stdout.split())


@pytest.mark.parametrize("module", NUMERICS)
def test_numerics_import_neither_widgets_nor_plotting(module):
    loaded = imported_by(module)
    assert not {"ipywidgets", "matplotlib", "bplab.widgets", "bplab.figures"} & loaded


@pytest.mark.parametrize("module", [m for m in MODULES if m.startswith("bplab.labs.")])
def test_lab_models_neither_draw_nor_wire(module):
    assert not {"ipywidgets", "matplotlib", "bplab.widgets", "bplab.figures"} & imported_by(module)


@pytest.mark.parametrize("module", [m for m in MODULES if m.startswith("bplab.figures.")])
def test_figures_do_not_wire_controls(module):
    assert not {"ipywidgets", "bplab.widgets"} & imported_by(module)


def test_every_module_imports_on_its_own():
    """An import cycle shows up as an ImportError when a module is imported first."""
    for module in MODULES:
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True, timeout=120)
