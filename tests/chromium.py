"""The system Chromium for browser tests and the browser benchmark (no ``playwright install``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def find_chromium():
    """Path of the system Chromium, or None."""
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def unavailable(reason):
    """Skip with ``reason``; in CI (``CI`` set) fail instead, because there the browser tests must run."""
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run: {reason}. CI is set, so they must (install chromium).", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")
