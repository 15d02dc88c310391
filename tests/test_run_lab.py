"""``python3 run.py lab``: JupyterLab's terminal finds the course's programs (notebook 00 runs ``bplab grade``)."""

import importlib.util
import shutil
import subprocess

import pytest

from tests.paths import ROOT


def _run_module():
    spec = importlib.util.spec_from_file_location("course_run", ROOT / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lab_environment_puts_the_venv_first_on_path():
    run = _run_module()
    env = run.lab_environment()
    assert env["PATH"].split(":")[0] == str(run.BIN)
    assert env["VIRTUAL_ENV"] == str(run.VENV) and env["OMP_NUM_THREADS"] == "1"


def test_a_shell_started_with_the_lab_environment_finds_bplab():
    run = _run_module()
    if not (run.BIN / "bplab").exists() or shutil.which("sh") is None:


        pytest.skip(f"no {run.BIN / 'bplab'} (run.py has not set up .venv here)")
    env = run.lab_environment()
    found = subprocess.run(["sh", "-c", "command -v bplab"], env=env, capture_output=True, text=True, check=False)
    assert found.stdout.strip() == str(run.BIN / "bplab"), found
