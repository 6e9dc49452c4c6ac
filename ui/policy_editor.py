"""设置 → 制度参数: every number of the office's policy, with units, defaults and checks.

The fields come from ``complaints.rules.policy.POLICY_FIELDS`` (declared once with label,
unit, group and default); problems from ``policy_problems``; saving and restoring the
defaults go through ``complaints.usecases.policy`` (permission, audit, one version per
save). What a change does to running deadlines is said at the top (``CHANGE_EFFECT``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from complaints.rules.policy import (
    CLOCK_LABELS,
    CLOCK_UNIT,
    GROUP_CLOCKS,
    GROUP_DEADLINES,
    GROUP_FOLLOW_UP,
    GROUP_HINTS,
    GROUP_PAPER,
    GROUP_ROUTING,
    GROUP_SANCTIONS,
    POLICY_FIELDS,
    Policy,
    PolicyField,
    policy_problems,
)
from complaints.types import Channel
from complaints.usecases import auth
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import Context
from ui.error_detail import ErrorDetail, Said, say
from ui.permits import refusal
from ui.rulebook_export import start_export
from ui.rulebook_import import start_import
from ui.tables import cell_text

GROUPS = (
    GROUP_DEADLINES,
    GROUP_CLOCKS,
    GROUP_FOLLOW_UP,
    GROUP_PAPER,
    GROUP_ROUTING,
    GROUP_HINTS,
    GROUP_SANCTIONS,
)
ROUTING_HEADERS = ("业务", "售后分类(空 = 任意)", "建议部门")
CHANNELS_PER_ROW = 4  # the channel check boxes: two short rows, not one page-wide row


def tr(text: str) -> str:
    return QCoreApplication.translate("PolicyEditor", text)


def load_policy(ctx: Context) -> tuple[Policy, bool, str, str]:
    """Worker side: the policy in force, whether this person may change it, who last did,
    and why headquarters' binding rulebook forbids changing it ("" when it does not)."""
    versions = policy_uc.history()
    since = ""
    if versions:
        v = versions[-1]
        since = tr("当前版本自 {t} 起生效(修改人:{by})").format(
            t=f"{ctx.local(v.effective_from):%Y-%m-%d %H:%M}", by=v.by or "—"
        )
        if v.effective_from > ctx.now():  # a version set ahead: say the old one still applies
            since = tr(
                "以下为新版本,适用于 {t} 起登记的投诉单(修改人:{by});此前登记的仍按上一版本"
            ).format(t=f"{ctx.local(v.effective_from):%Y-%m-%d %H:%M}", by=v.by or "—")
    else:
        since = tr("当前使用制度默认值(尚未修改过)")
    bound = policy_uc.binding()
    return (
        policy_uc.load(),
        auth.allowed(ctx, "settings.policy"),
        since,
        bound.refusal() if bound else "",
    )


def default_text(f: PolicyField) -> str:
    d = f.default
    if f.name == "routing":
        return tr("默认 {n} 行").format(n=len(d))
    if isinstance(d, tuple):
        return tr("默认:") + "、".join(d)
    if f.unit == CLOCK_UNIT:
        return tr("默认:") + tr(CLOCK_LABELS.get(d, d))
    if isinstance(d, bool):
        return tr("默认:") + (tr("开启") if d else tr("关闭"))
    unit = "" if f.unit in ("时:分", "比例(0–1)", "办公时间") else f" {f.unit}"
    return tr("默认:") + f"{d}{unit}"


class PolicyEditor(QWidget):
    """Registered in ui.settings_page.SETTINGS_TABS as ("制度参数", ...)."""

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.editors: dict[str, QWidget] = {}
        self.channel_boxes: dict[str, QCheckBox] = {}
        self.loaded: Policy | None = None
        self.may_edit = False
        self._filling = False
        self._next_message = ""

        outer = QVBoxLayout(self)
        effect = QLabel(tr("修改说明:") + tr(policy_uc.CHANGE_EFFECT))
        effect.setWordWrap(True)
        effect.setStyleSheet(
            "QLabel { background: #e8f4fd; color: #0b5394;"
            " border: 1px solid #0b5394; border-radius: 3px; padding: 6px; }"
        )
        self.effect_label = effect
        outer.addWidget(effect)
        self.version_label = QLabel()
        self.version_label.setStyleSheet("color: #555;")
        outer.addWidget(self.version_label)
        self.binding_label = QLabel()
        self.binding_label.setWordWrap(True)
        self.binding_label.setStyleSheet(
            "QLabel { background: #fff4e5; color: #8a4b00;"
            " border: 1px solid #e69500; border-radius: 3px; padding: 6px; }"
        )
        self.binding_label.hide()
        outer.addWidget(self.binding_label)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        col = QVBoxLayout(body)
        for group in GROUPS:
            col.addWidget(self._group(group, [f for f in POLICY_FIELDS if f.group == group]))
        col.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(
            "QLabel { background: #fdecea; color: #c62828;"
            " border: 1px solid #c62828; border-radius: 3px;"
            " padding: 6px; }"
        )
        self.problems.hide()
        outer.addWidget(self.problems)
        self.message = QLabel()
        self.message.setWordWrap(True)
        outer.addWidget(self.message)
        self.message_detail = ErrorDetail(self)  # the server's own words of a failed save
        outer.addWidget(self.message_detail)

        buttons = QHBoxLayout()
        self.defaults_button = QPushButton(tr("恢复默认…"))
        self.import_button = QPushButton(tr("导入总部制度…"))
        self.export_button = QPushButton(tr("导出总部制度文件…"))
        self.revert_button = QPushButton(tr("撤销修改"))
        self.save_button = QPushButton(tr("保存"))
        self.save_button.setDefault(True)
        buttons.addWidget(self.defaults_button)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.reload)
        self.defaults_button.clicked.connect(self.restore_defaults)
        self.import_button.clicked.connect(self.import_rulebook)
        self.export_button.clicked.connect(self.export_rulebook)
        self.setEnabled(False)
        self.reload()

    # --- building --------------------------------------------------------------------------

    def _group(self, title: str, fields: list[PolicyField]) -> QGroupBox:
        box = QGroupBox(tr(title))
        grid = QGridLayout(box)
        grid.setColumnStretch(2, 1)
        row = 0
        for f in fields:
            label = QLabel((f"{f.rule} " if f.rule else "") + tr(f.label))
            editor = self._editor(f)
            self.editors[f.name] = editor
            default = QLabel(default_text(f))
            default.setStyleSheet("color: #777;")
            default.setWordWrap(True)  # a long default (the channels) wraps, never widens the page
            if f.name == "routing":
                grid.addWidget(label, row, 0, 1, 4)
                grid.addWidget(editor, row + 1, 0, 1, 4)
                row += 2
                continue
            label.setBuddy(editor)
            grid.addWidget(
                label, row, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            )
            grid.addWidget(editor, row, 1)
            grid.addWidget(default, row, 2)
            row += 1
        # One label width in every group, so the boxes line up down the page.
        grid.setColumnMinimumWidth(
            0,
            max(
                self.fontMetrics().horizontalAdvance((f"{f.rule} " if f.rule else "") + tr(f.label))
                for f in POLICY_FIELDS
                if f.name != "routing"
            )
            + 12,
        )
        return box

    def _editor(self, f: PolicyField) -> QWidget:
        if f.name == "routing":
            return self._routing_editor()
        if f.name == "onsite_channels":
            # in rows of CHANNELS_PER_ROW, so the page fits a 1366x768 laptop's width
            w = QWidget()
            grid = QGridLayout(w)
            grid.setContentsMargins(0, 0, 0, 0)
            for i, ch in enumerate(Channel):
                b = QCheckBox(ch.value)
                b.toggled.connect(self._on_edit)
                self.channel_boxes[ch.value] = b
                grid.addWidget(b, i // CHANNELS_PER_ROW, i % CHANNELS_PER_ROW)
            grid.setColumnStretch(CHANNELS_PER_ROW, 1)
            return w
        if f.unit == CLOCK_UNIT:  # 自然时间 / 工作时间
            c = QComboBox()
            for value, label in CLOCK_LABELS.items():
                c.addItem(tr(label), value)
            c.currentIndexChanged.connect(self._on_edit)
            c.setMinimumWidth(120)
            return c
        if isinstance(f.default, bool):  # an option the office turns on (跟踪回访)
            b = QCheckBox(tr("开启"))
            b.toggled.connect(self._on_edit)
            return b
        if isinstance(f.default, float):
            d = QDoubleSpinBox()
            d.setRange(0.0, 1.0)
            d.setSingleStep(0.05)
            d.setDecimals(2)
            d.valueChanged.connect(self._on_edit)
            d.setMinimumWidth(120)
            return d
        if isinstance(f.default, int):
            s = QSpinBox()
            s.setRange(0, 100_000)
            s.setSuffix(" " + tr(f.unit))
            s.valueChanged.connect(self._on_edit)
            s.setMinimumWidth(120)
            return s
        e = QLineEdit()
        e.setPlaceholderText(tr(f.unit))
        e.setMaximumWidth(320 if f.name == "office_hours" else 120)
        e.textEdited.connect(self._on_edit)
        return e

    def _routing_editor(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        t = QTableWidget(0, 3)
        t.setHorizontalHeaderLabels([tr(h) for h in ROUTING_HEADERS])
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        t.verticalHeader().hide()
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        row_h = self.fontMetrics().height() + 10
        t.verticalHeader().setDefaultSectionSize(row_h)
        t.setMinimumHeight(row_h * (len(Policy().routing) + 2))
        t.itemChanged.connect(self._on_edit)
        self.routing_table = t
        lay.addWidget(t)
        row = QHBoxLayout()
        add = QPushButton(tr("添加一行"))
        remove = QPushButton(tr("删除所选行"))
        add.clicked.connect(self._add_route)
        remove.clicked.connect(self._remove_route)
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        lay.addLayout(row)
        return w

    def _add_route(self) -> None:
        t = self.routing_table
        t.insertRow(t.rowCount())
        for c in range(3):
            t.setItem(t.rowCount() - 1, c, QTableWidgetItem(""))
        t.setCurrentCell(t.rowCount() - 1, 0)
        self._on_edit()

    def _remove_route(self) -> None:
        rows = sorted({i.row() for i in self.routing_table.selectedIndexes()}, reverse=True)
        for r in rows:
            self.routing_table.removeRow(r)
        self._on_edit()

    # --- values ----------------------------------------------------------------------------

    def fill(self, p: Policy) -> None:
        self._filling = True
        for f in POLICY_FIELDS:
            v = getattr(p, f.name)
            w = self.editors[f.name]
            if f.name == "routing":
                t = self.routing_table
                t.setRowCount(0)
                for r in v:
                    t.insertRow(t.rowCount())
                    for c, x in enumerate(r):
                        t.setItem(t.rowCount() - 1, c, QTableWidgetItem(x))
            elif f.name == "onsite_channels":
                for ch, b in self.channel_boxes.items():
                    b.setChecked(ch in v)
            elif isinstance(w, QCheckBox):
                w.setChecked(bool(v))
            elif isinstance(w, QComboBox):
                w.setCurrentIndex(max(0, w.findData(v)))
            elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
                w.setValue(v)
            elif isinstance(w, QLineEdit):
                w.setText(str(v))
        self._filling = False
        self._on_edit()

    def policy(self) -> Policy:
        """The policy as edited now (may be invalid: see ``problems_now``)."""
        values: dict[str, Any] = {}
        for f in POLICY_FIELDS:
            w = self.editors[f.name]
            if f.name == "routing":
                t = self.routing_table
                values[f.name] = [
                    [cell_text(t, r, c).strip() for c in range(3)] for r in range(t.rowCount())
                ]
            elif f.name == "onsite_channels":
                values[f.name] = [ch for ch, b in self.channel_boxes.items() if b.isChecked()]
            elif isinstance(w, QCheckBox):
                values[f.name] = w.isChecked()
            elif isinstance(w, QComboBox):
                values[f.name] = w.currentData()
            elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
                values[f.name] = w.value()
            elif isinstance(w, QLineEdit):
                values[f.name] = w.text().strip()
        return Policy.from_dict(values)

    def problems_now(self) -> list[str]:
        return policy_problems(self.policy())

    def is_dirty(self) -> bool:
        return self.loaded is not None and self.policy() != self.loaded

    def _on_edit(self, *_args) -> None:
        if self._filling:
            return
        problems = self.problems_now()
        if problems:
            self.problems.setText(tr("请先改正:") + "\n" + "\n".join("· " + p for p in problems))
            self.problems.show()
        else:
            self.problems.hide()
        dirty = self.is_dirty()
        self.save_button.setEnabled(self.may_edit and dirty and not problems)
        self.revert_button.setEnabled(dirty)
        self.defaults_button.setEnabled(self.may_edit)
        if dirty:
            self.message.setText(tr("有未保存的修改。"))

    # --- loading and saving ----------------------------------------------------------------

    def reload(self) -> None:
        ctx = self.session.ctx()
        self.session.taskman.run(lambda: load_policy(ctx), self._loaded, parent=self)

    def _loaded(self, result: tuple[Policy, bool, str, str]) -> None:
        p, may_import, since, bound = result
        may_edit = may_import and not bound  # a binding rulebook: read-only, say why
        self.loaded = p
        self.may_edit = may_edit
        self.setEnabled(True)
        why = refusal(self.session.ctx(), "settings.policy")  # names the roles allowed
        self.version_label.setText(since + ("" if may_import else " · " + why))
        self.binding_label.setText(bound)
        self.binding_label.setVisible(bool(bound))
        self.import_button.setEnabled(may_import)
        self.import_button.setToolTip("" if may_import else why)
        self.export_button.setEnabled(may_import)
        self.export_button.setToolTip("" if may_import else why)
        if bound:
            why = bound
        self.save_button.setToolTip(why)
        for w in self.editors.values():
            w.setEnabled(may_edit)
        self.fill(p)
        self.message.setStyleSheet("")
        self.message.setText(self._next_message)
        self.message_detail.set_detail("")
        self._next_message = ""

    def save(self) -> None:
        problems = self.problems_now()
        if problems:
            self._on_edit()
            return
        ctx, p = self.session.ctx(), self.policy()
        self.save_button.setEnabled(False)
        self.session.taskman.run(
            lambda: policy_uc.save(ctx, p), self._saved, on_error=self._failed, parent=self
        )

    def restore_defaults(self) -> None:
        answer = QMessageBox.question(
            self,
            tr("恢复默认"),
            tr("把全部制度参数恢复为制度文件的默认值?") + "\n\n" + tr(policy_uc.CHANGE_EFFECT),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        ctx = self.session.ctx()
        self.session.taskman.run(
            lambda: policy_uc.restore_defaults(ctx), self._saved, on_error=self._failed, parent=self
        )

    def _saved(self, _p: Policy) -> None:
        self._next_message = tr("已保存。新的参数适用于此后登记的投诉单。")
        self.reload()

    def _failed(self, exc: BaseException) -> None:
        self._on_edit()
        say(exc, self.message, self.message_detail, tr("无法保存:"))
        self.message.setStyleSheet("color: #c62828;")

    def import_rulebook(self) -> None:
        start_import(self, self.session, self._imported, self._import_failed)

    def export_rulebook(self) -> None:
        start_export(self, self.session, self._exported, self._import_failed)

    def _exported(self, message: str) -> None:
        self.message.setStyleSheet("")
        self.message.setText(message)
        self.message_detail.set_detail("")

    def _imported(self, message: str) -> None:
        self._next_message = message
        self.reload()

    def _import_failed(self, told: Said) -> None:
        self.message.setText(tr("未完成:") + told.message)
        self.message.setStyleSheet("color: #c62828;")
        self.message_detail.set_detail(told.detail)
