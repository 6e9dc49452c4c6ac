"""Every event the use cases write to the audit trail has a Chinese label for the audit page
and the 历史 tab (an unlabeled one would show as its code, e.g. "sanction.withdraw")."""

from __future__ import annotations

import re
from pathlib import Path

from complaints.usecases.audit import EVENT_LABELS

ROOT = Path(__file__).resolve().parents[2]
RECORD = re.compile(r"""audit\.record\(\s*\w+,\s*["']([a-z_]+\.[a-z_.]+)["']""")


def test_every_recorded_event_has_a_label():
    events = set()
    for path in (ROOT / "complaints").rglob("*.py"):
        events |= set(RECORD.findall(path.read_text(encoding="utf-8")))
    assert len(events) > 20  # the scan found the calls
    assert sorted(events - EVENT_LABELS.keys()) == []
