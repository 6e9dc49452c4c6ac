"""A migration at start-up says how it goes: the version it brings the database to and the
seconds so far, in a dialog that appears when the migration outlives half a second."""

from __future__ import annotations

from ui.upgrade_progress import UpgradeProgress


def test_the_dialog_says_the_version_and_the_time_so_far(qtbot):
    progress = UpgradeProgress()
    progress(23, 0.0)
    assert progress.shown.dialog is None  # a quick migration shows nothing
    progress.shown.show_now()  # what the timer does after half a second
    progress(23, 12.7)
    dialog = progress.shown.dialog
    assert dialog is not None
    assert "正在升级数据库" in dialog.labelText()
    assert "版本 23" in dialog.labelText() and "12 秒" in dialog.labelText()
    progress.finish()
    assert progress.shown.dialog is None
