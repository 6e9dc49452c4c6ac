"""What a tab of the case window (ui.case_editor.CASE_TABS) is."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


class CaseTab(QWidget):
    """Built as Cls(session, case_id, parent) the first time it is shown; reads its case
    again on reload() (after a save, or when the case changed elsewhere)."""

    def reload(self) -> None:
        raise NotImplementedError
