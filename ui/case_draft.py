"""Nothing typed into a case window is lost on a crash: its unsaved boxes go to a draft file a
moment after the last keystroke, and the file goes once the case is saved or the edits are
dropped. (Finding and reopening the drafts left by a crash: ui.main_window.)"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer

from complaints.usecases import drafts
from ui.session import Session

log = logging.getLogger(__name__)

DRAFT_DELAY_MS = 1500  # after the last keystroke: a crash loses at most this much typing


@dataclass(frozen=True)
class Unsaved:
    """What a draft keeps: the boxes changed, and the case they were typed over."""

    changes: dict[str, Any]
    case_id: int | None
    number: str | None
    revision: int | None
    case_version: str | None


class CaseDraft(QObject):
    """The draft of one case window; ``unsaved`` answers None when nothing is unsaved."""

    def __init__(
        self,
        session: Session,
        case_id: int | None,
        unsaved: Callable[[], Unsaved | None],
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.session = session
        self.key = drafts.new_key(case_id)
        self.restored: drafts.Draft | None = None
        self._unsaved = unsaved
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DRAFT_DELAY_MS)
        self.timer.timeout.connect(self.write)

    def edited(self) -> None:
        """Write the draft once the typing pauses."""
        self.timer.start()

    def write(self) -> None:
        state = self._unsaved()
        if state is None:
            return
        try:
            drafts.save(
                self.session.paths.drafts,
                self.session.ctx(),
                self.key,
                state.changes,
                case_id=state.case_id,
                number=state.number,
                revision=state.revision,
                case_version=state.case_version,
            )
        except OSError as e:  # a full or read-only disk must not stop the typing
            log.warning("could not keep the draft of %s: %s", self.key, e)

    def flush(self) -> None:
        """Write the pending draft now (before the app quits, and in tests)."""
        if self.timer.isActive():
            self.timer.stop()
            self.write()

    def drop(self) -> None:
        self.timer.stop()
        try:
            drafts.discard(self.session.paths.drafts, self.key)
        except OSError as e:
            log.warning("could not remove the draft of %s: %s", self.key, e)

    def restored_from(self, draft: drafts.Draft) -> None:
        """The window shows ``draft``'s boxes: this draft file is the one kept from now."""
        self.key = draft.key
        self.restored = draft

    def saved_as(self, case_id: int) -> None:
        """The case was saved: the draft file goes, the next edits start a new one."""
        self.drop()
        self.key = drafts.new_key(case_id)
