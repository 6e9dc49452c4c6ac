"""The case window's 基本信息 tab: every field of forms A and B in the boxes of the paper forms
(short fields two to a row, long text across), the attachments last; it scrolls on a small
screen. What the boxes hold, and when they are saved, is the editor's (ui.case_editor)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from complaints.fields import CASE_FIELDS, CaseField, FieldType, Group
from complaints.rules.validation import FUTURE_FIELDS, Problem, label_of, validate_case
from complaints.usecases.context import Context
from ui.attachments import AttachmentsPanel
from ui.field_widgets import FieldEditor, make_editor
from ui.session import Session

# The order of the boxes on the paper forms (form A, then form B's extras).
GROUP_ORDER: tuple[Group, ...] = (
    Group.VEHICLE,
    Group.CUSTOMER,
    Group.CLASSIFICATION,
    Group.HANDLING,
    Group.CALLBACK,
    Group.OEM,
    Group.EMERGENCY,
)
ATTACHMENTS_TITLE = "附件"
# Labels the editor shows where the catalogue's short form box name is not enough.
DISPLAY_LABELS = {"vin": "车架号/VIN", "plan": "调查结果及\n处理意见"}


def tr(text: str) -> str:
    return QCoreApplication.translate("CaseEditor", text)


class CaseForm(QScrollArea):
    """The boxes of one case; ``edited`` names the box a person changed."""

    edited = Signal(object)  # the FieldEditor

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.editors: dict[str, FieldEditor] = {}
        self.labels: dict[str, QLabel] = {}
        self.group_boxes: dict[str, QGroupBox] = {}
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        form = QWidget()
        self.form = form
        col = QVBoxLayout(form)
        col.setContentsMargins(4, 4, 12, 4)
        for group in GROUP_ORDER:
            fields = [f for f in CASE_FIELDS if f.group is group]
            col.addWidget(self._group_box(group.value, fields, form))
        self.attachments = AttachmentsPanel(session, form)
        box = QGroupBox(tr(ATTACHMENTS_TITLE), form)
        QVBoxLayout(box).addWidget(self.attachments)
        self.group_boxes[ATTACHMENTS_TITLE] = box
        col.addWidget(box)
        col.addStretch(1)
        self.setWidget(form)

    def _group_box(self, title: str, fields: list[CaseField], parent: QWidget) -> QGroupBox:
        """Short fields in two columns (label, box, label, box); long text across."""
        tz = self.session.ctx().tz
        box = QGroupBox(tr(title), parent)
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        # The same label width in every box, so the boxes line up down the page; a longer
        # label (调查结果及处理意见) wraps instead of pushing its column wider.
        label_width = parent.fontMetrics().horizontalAdvance("二次回访满意度 *") + 8
        grid.setColumnMinimumWidth(0, label_width)
        grid.setColumnMinimumWidth(2, label_width)
        row, col = 0, 0
        for f in fields:
            editor = make_editor(f, tz, box, now=lambda: self.session.ctx().now())
            editor.edited.connect(lambda e=editor: self.edited.emit(e))
            label = QLabel(label_text(f), box)
            label.setBuddy(editor.focus_target())
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            label.setContentsMargins(0, 4, 0, 0)
            self.editors[f.name] = editor
            self.labels[f.name] = label
            if f.type is FieldType.LONG_TEXT:
                if col:
                    row, col = row + 1, 0
                grid.addWidget(label, row, 0)
                grid.addWidget(editor, row, 1, 1, 3)
                row += 1
                continue
            grid.addWidget(label, row, col * 2)
            # Top-aligned, so a box lines up with its label when the row beside it is taller
            # (a problem shown under the neighbour).
            grid.addWidget(editor, row, col * 2 + 1, Qt.AlignmentFlag.AlignTop)
            col ^= 1
            if col == 0:
                row += 1
        self.group_boxes[title] = box
        return box

    # --- what the boxes hold, and their problems ------------------------------------------

    def values(self) -> dict[str, Any]:
        """What the boxes hold now, typed as the use cases expect."""
        return {name: e.value() for name, e in self.editors.items()}

    def check(self, ctx: Context, new_case: bool, loaded: dict[str, Any]) -> list[Problem]:
        """Every problem with what is typed now (unreadable dates first, then the rules), in
        the order of the boxes. ``loaded``: the values the case was loaded with."""
        problems: list[Problem] = []
        for name, e in self.editors.items():
            msg = e.parse_problem()
            if msg:
                problems.append(Problem(name, msg))
        values = self.values()
        unreadable = {p.field for p in problems}
        # no received time or purchase date in the future: every one for a new
        # case, the ones changed for an open case (an old slip does not block other edits)
        future = tuple(f for f in FUTURE_FIELDS if new_case or values.get(f) != loaded.get(f))
        for p in validate_case(values, now=ctx.now(), tz=ctx.tz, future_fields=future):
            if p.field in unreadable:
                continue
            if p.field == "number" and new_case and not values.get("number"):
                continue  # numbered when saved
            problems.append(p)
        order = {name: i for i, name in enumerate(self.editors)}
        problems.sort(key=lambda p: (order.get(p.field, 999), not p.blocking))
        return problems

    def show_problems(self, problems: list[Problem]) -> None:
        """Each problem under its box (none: every box clear)."""
        for e in self.editors.values():
            e.set_problem(None)
        by_field: dict[str, list[Problem]] = {}
        for p in problems:
            by_field.setdefault(p.field, []).append(p)
        for name, ps in by_field.items():
            shown = self.editors.get(name)
            if shown is not None:
                shown.set_problem("\n".join(p.message for p in ps), any(p.blocking for p in ps))

    def focus_field(self, name: str) -> None:
        e = self.editors.get(name)
        if e is None:
            return
        target = e.focus_target()
        self.ensureWidgetVisible(e, 50, 80)
        target.setFocus(Qt.FocusReason.OtherFocusReason)


def field_label(name: str) -> str:
    """A box's label in a message (without the required star)."""
    return tr(DISPLAY_LABELS.get(name) or label_of(name))


def label_text(f: CaseField) -> str:
    """The box's label; a required box is marked with a red star."""
    text = tr(DISPLAY_LABELS.get(f.name, f.label))
    return f"{text}<span style='color:#c62828'> *</span>" if f.required else text
