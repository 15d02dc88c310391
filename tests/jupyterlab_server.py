"""Start and stop a private JupyterLab server for the browser tests.

The server listens on a free local port with a random token, serves the
course folder, runs notebooks with ``BPLAB_IMPL=solutions``, and reads its
configuration, settings, workspaces and runtime files from a fresh temporary
folder, so nothing from the user's own Jupyter setup (extensions settings,
open tabs, autosave) changes what the tests see, and nothing the tests do is
saved into the user's setup or into the notebooks.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

# Settings written into the private settings folder. Autosave off: a run fills
# the notebooks with outputs that must never reach the stored files. Windowing
# off: every cell stays in the DOM, so the test sees (and screenshots) all of
# them. News and update checks off: no toast over the page, no network.
SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}

# Variables of the user's environment that would point Jupyter at their own files.
_USER_VARIABLES = ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR",
                   "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR",
                   "JUPYTERLAB_DIR", "IPYTHONDIR", "PYTHONSTARTUP")


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class JupyterLabServer:
    """A JupyterLab server in a child process; use as a context manager.

    Parameters
    ----------
    root : path-like
        The folder the server serves (``ServerApp.root_dir``).
    env : dict of str to str, optional
        Extra environment variables for the server and its kernels
        (``BPLAB_IMPL=solutions`` by default).
    python : str, optional
        The interpreter that runs JupyterLab (this one by default).

    Attributes
    ----------
    port : int
    token : str
    base_url : str
        ``http://127.0.0.1:<port>``.
    log_path : Path
        The server's stdout and stderr.
    """

    def __init__(self, root, env=None, python=None):
        self.root = Path(root).resolve()
        self.extra_env = {"BPLAB_IMPL": "solutions", **(env or {})}
        self.python = python or sys.executable
        self.port = None
        self.token = secrets.token_hex(16)
        self.process = None
        self.home = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self):
        return self.home / "server.log"

    def lab_url(self, path, workspace):
        """The URL that opens ``path`` (relative to the root) in a fresh, empty ``workspace``."""
        return f"{self.base_url}/lab/workspaces/{workspace}/tree/{path}?token={self.token}"

    # -- lifecycle ------------------------------------------------------------
    def start(self, timeout=90.0):
        """Start the server and wait until its REST API answers.

        Raises
        ------
        RuntimeError
            When the server exits or does not answer within ``timeout`` seconds;
            the message ends with the server's log.
        """
        self.home = Path(tempfile.mkdtemp(prefix="bplab-jupyterlab-"))
        self._write_settings(self.home / "settings")
        self.port = free_port()
        command = [
            self.python, "-m", "jupyterlab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root}", f"--IdentityProvider.token={self.token}",
            "--ServerApp.terminals_enabled=False",
            # JupyterLab checkpoints a notebook when it opens it; keep those out of the course folder.
            f"--FileCheckpoints.checkpoint_dir={self.home / 'checkpoints'}",
            # The test reads kernel and cell state from the app object instead of guessing from pixels.
            "--LabApp.expose_app_in_browser=True",
            # No network: no news, no update checks, no extension manager querying PyPI.
            "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI runners often run as root
            command.append("--allow-root")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=self.root, env=self._environment(), stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with status {self.process.returncode}.\n{self.log_tail()}")
            try:
                self.api("GET", "/api/status", timeout=2)
                return self
            except (OSError, urllib.error.URLError):
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s.\n{self.log_tail()}")

    def stop(self):
        """Shut the server down (kernels included) and remove its temporary folder."""
        if self.process is not None and self.process.poll() is None:
            try:
                self.api("POST", "/api/shutdown", timeout=5)
            except (OSError, urllib.error.URLError):
                pass
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
            self.home = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # -- REST ---------------------------------------------------------------------
    def api(self, method, path, timeout=10):
        """Call the server's REST API; returns the decoded JSON answer (or None)."""
        request = urllib.request.Request(self.base_url + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self):
        """Stop every running kernel (between notebooks, to keep memory low)."""
        for kernel in self.api("GET", "/api/kernels") or []:
            try:
                self.api("DELETE", f"/api/kernels/{kernel['id']}", timeout=20)
            except urllib.error.HTTPError as error:
                if error.code != 404:  # already gone
                    raise

    def log_tail(self, lines=40):
        try:
            text = self.log_path.read_text(errors="replace")
        except (OSError, TypeError):
            return "(no server log)"
        return "--- JupyterLab log (tail) ---\n" + "\n".join(text.splitlines()[-lines:])

    # -- private --------------------------------------------------------------------
    def _environment(self):
        env = {k: v for k, v in os.environ.items() if k not in _USER_VARIABLES}
        env.update({
            "JUPYTER_CONFIG_DIR": str(self.home / "config"),
            "JUPYTER_DATA_DIR": str(self.home / "data"),
            "JUPYTER_RUNTIME_DIR": str(self.home / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(self.home / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.home / "workspaces"),
            "IPYTHONDIR": str(self.home / "ipython"),
            "PYTHONUNBUFFERED": "1",
        })
        env.update(self.extra_env)
        return env

    @staticmethod
    def _write_settings(folder):
        for plugin, values in SETTINGS.items():
            path = folder / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
