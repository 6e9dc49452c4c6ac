"""Fixtures for the forms tests (helpers live in conftest_forms)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from conftest_forms import case_id  # noqa: F401
