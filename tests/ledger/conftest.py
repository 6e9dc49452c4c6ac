from __future__ import annotations

import pytest

from tests.ledger.helpers import Sites


@pytest.fixture
def sites(tmp_path):
    s = Sites(tmp_path)
    yield s
    s.close()
