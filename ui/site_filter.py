"""The HQ's 站点 filter, shared by the lists (投诉台账, 待办, 厂家跟踪, 奖惩, 冲突).

A combo "全部站点" / "SH01 上海浦东店" / "BJ02" … filled on the worker from
``site.known_sites()``. A branch office that knows only itself sees no filter: the combo
and its label hide while one site (or none) is known, and the filter then means "all".
With ``remember_as`` the choice is kept on this PC (QSettings) and picked again next time.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from complaints.usecases import site as site_uc
from complaints.usecases.changes import OpChanges
from complaints.usecases.site import KnownSite
from ui import options

ALL_SITES = "全部站点"
REFRESH_TOPICS = ("cases", "ledger", "sanctions", "settings")  # a new site may appear


def tr(text: str) -> str:
    return QCoreApplication.translate("SiteFilter", text)


class SiteFilter(QWidget):
    """Label + combo; ``changed`` after the person picks another site (not on refills)."""

    changed = Signal()

    def __init__(self, session, parent: QWidget | None = None, *, remember_as: str | None = None):
        super().__init__(parent)
        self.session = session
        self._remember_as = remember_as
        self.label = QLabel(tr("站点"))
        self.combo = QComboBox()
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.addItem(tr(ALL_SITES), None)
        self.combo.setToolTip(tr("总部汇总了多个站点的台账:只看某一站点的记录"))
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label)
        lay.addWidget(self.combo)
        self.combo.currentIndexChanged.connect(self._picked)
        self.setVisible(False)  # until two sites are known
        self._loaded = False
        session.changed.connect(self._on_changed)
        self.reload()

    # --- what the page asks ---------------------------------------------------------------

    def code(self) -> str | None:
        """The chosen site code, None for all."""
        return self.combo.currentData()

    def sites(self) -> frozenset[str]:
        """The chosen site as a set (CaseFilter.sites); empty = every site."""
        c = self.code()
        return frozenset({c}) if c else frozenset()

    def choose(self, code: str | None) -> bool:
        """Pick a site by code (tests, and pages that remember the choice)."""
        i = self.combo.findData(code) if code else 0
        if i < 0:
            return False
        self.combo.setCurrentIndex(i)
        return True

    def codes(self) -> list[str]:
        return [self.combo.itemData(i) for i in range(1, self.combo.count())]

    def is_loaded(self) -> bool:
        return self._loaded

    def clear_choice(self) -> None:
        """Back to every site without ``changed`` (the page reloads once for all filters)."""
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(0)
        self.combo.blockSignals(False)
        if self._remember_as is not None:
            options.SITE_FILTER.write(self.session.ui_settings, "", self._remember_as)

    def _picked(self, _index: int) -> None:
        if self._remember_as is not None:
            options.SITE_FILTER.write(
                self.session.ui_settings, self.code() or "", self._remember_as
            )
        self.changed.emit()

    # --- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        self.session.taskman.run(
            site_uc.known_sites, self.set_sites, on_error=lambda _e: None, parent=self
        )

    def set_sites(self, known: Sequence[KnownSite]) -> None:
        """Refill keeping the choice; a chosen site that vanished falls back to all (and
        says so with ``changed``)."""
        first = not self._loaded
        self._loaded = True
        if [(s.code, s.label) for s in known] != [
            (self.combo.itemData(i), self.combo.itemText(i)) for i in range(1, self.combo.count())
        ]:
            chosen = self.code()
            self.combo.blockSignals(True)
            while self.combo.count() > 1:
                self.combo.removeItem(1)
            for s in known:
                self.combo.addItem(s.label, s.code)
            i = self.combo.findData(chosen) if chosen else 0
            self.combo.setCurrentIndex(max(i, 0))
            self.combo.blockSignals(False)
            if chosen and i < 0:
                self.changed.emit()
        self.setVisible(len(known) > 1)
        if first and self._remember_as is not None and len(known) > 1:
            remembered = options.SITE_FILTER.read(self.session.ui_settings, self._remember_as)
            if remembered and remembered != self.code():
                self.choose(remembered)  # the page reloads with it (changed)

    def _on_changed(self, changes: OpChanges) -> None:
        if changes.touches(REFRESH_TOPICS):
            self.reload()
