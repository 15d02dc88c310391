"""Shared fixtures: wall times that tests record and the terminal summary prints."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

_TIMINGS = pytest.StashKey[list]()


def pytest_configure(config):
    config.stash[_TIMINGS] = []


@pytest.fixture(scope="session")
def timings(request):
    """A list to append ``(label, seconds)`` to; printed under "wall times" at the end of the run."""
    return request.config.stash[_TIMINGS]


def pytest_terminal_summary(terminalreporter, config):
    rows = config.stash.get(_TIMINGS, [])
    if rows:
        terminalreporter.section("wall times")
        for label, seconds in rows:
            terminalreporter.write_line(f"{seconds:7.1f} s  {label}")


@pytest.fixture
def walkable_tmp():
    """A temporary folder another uid can walk through (pytest's own is private to root): for sandbox scratch."""
    folder = Path(tempfile.mkdtemp(prefix="bplab-test-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session, shared by every browser test (Playwright's sync API allows one)."""
    from tests.chromium import CHROMIUM_ARGS, find_chromium, unavailable

    chromium = find_chromium()
    if chromium is None:
        unavailable("no Chromium at /usr/bin/chromium or on PATH (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright Python package is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()
