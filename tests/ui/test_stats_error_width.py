"""The statistics page says a failed run (the office server away) on its top line without
widening the window past a 1366-pixel screen: the long message wraps."""

from __future__ import annotations

from complaints.usecases import stats_review
from tests.ui.test_page_retry import AWAY
from ui.stats import StatsPage

SCREEN_WIDTH = 1366
NAV_AND_FRAME = 170  # the main window's page list and borders beside the page


def test_a_failed_run_wraps_its_message_instead_of_widening_the_window(qtbot, session, monkeypatch):
    def away(*_args, **_kwargs):
        raise AWAY

    monkeypatch.setattr(stats_review, "review", away)
    monkeypatch.setattr(stats_review, "comparisons", away)
    page = StatsPage(session)
    qtbot.addWidget(page)
    page.resize(SCREEN_WIDTH - NAV_AND_FRAME, 700)
    page.show()
    qtbot.waitUntil(lambda: "统计失败" in page.status.text(), timeout=10_000)
    assert AWAY.args[0] in page.status.text()
    assert page.minimumSizeHint().width() <= SCREEN_WIDTH - NAV_AND_FRAME
