"""检查数据 in 设置 says the check's calibrated cost in the status line while it runs."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QMessageBox

from complaints.rules import check_cost
from complaints.usecases import check_estimate, storage
from ui.maintenance import runner_for
from ui.settings_site import SiteDataTab


def test_the_status_line_says_the_calibrated_estimate(qtbot, session, monkeypatch):
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a, **k: None))
    path = check_estimate.rates_path()
    assert path is not None
    sizes = check_estimate.sizes()
    # As a slow PC measured its last run: 3 s each part that has something to measure.
    slow = {
        f.__name__: sizes[check_cost.measure_of(f.__name__)] / 3.0
        for f in storage.CHECKS
        if sizes[check_cost.measure_of(f.__name__)] > 0
    }
    path.write_text(json.dumps(slow), encoding="utf-8")
    rest = check_cost.estimate(
        [f.__name__ for f in storage.CHECKS if f.__name__ not in slow], sizes, {}
    )
    expected = storage.check_estimate()
    assert expected == f"检查约需 {check_cost.said_seconds(3.0 * len(slow) + rest)} 秒"
    tab = SiteDataTab(session)
    qtbot.addWidget(tab)
    seen: list[str] = []
    runner_for(session).status.connect(seen.append)
    with qtbot.waitSignal(tab.checked, timeout=30_000):
        tab.check_button.click()
    assert any(expected in line for line in seen), seen
    assert json.loads(path.read_text(encoding="utf-8")) != slow  # this run's rates kept
