"""The test set-up's engine switch: CI fails a run whose PostgreSQL tests were skipped (no
server installed), and says how to get one; by hand such a run passes with the skip said."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import pg_cluster

ROOT = Path(__file__).resolve().parents[1]

CONFTEST = """
from tests.conftest import pytest_runtest_logreport, pytest_sessionfinish, pytest_sessionstart
"""
TESTS = f"""
import pytest

def test_on_the_server():
    pytest.skip({pg_cluster.HOW_TO_GET!r})

def test_elsewhere():
    assert True
"""


def _run(folder: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = str(ROOT)
    env["QT_QPA_PLATFORM"] = "offscreen"
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", str(folder)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def skipping_suite(tmp_path) -> Path:
    (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (tmp_path / "test_skips.py").write_text(TESTS, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return tmp_path


def test_ci_fails_when_the_server_tests_were_skipped(skipping_suite):
    done = _run(skipping_suite, "true")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 passed, 1 skipped" in done.stdout
    assert "apt-get install postgresql" in done.stdout
    assert "CI: 1 tests on the office server engine were skipped" in done.stdout


def test_by_hand_the_skip_is_said_and_the_run_passes(skipping_suite):
    done = _run(skipping_suite, None)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "apt-get install postgresql" in done.stdout  # the skip's reason: how to get it
    assert "CI:" not in done.stdout
