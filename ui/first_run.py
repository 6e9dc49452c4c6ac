"""First start: which office is this? (site code and name), and demo data on request."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases.errors import UseCaseError
from complaints.usecases.site import check_site_code

DEFAULT_DEMO_CASES = 2000


def tr(text: str) -> str:
    return QCoreApplication.translate("FirstRun", text)


class FirstRunDialog(QDialog):
    """Asks the site code and name; offers demo data when the generator is available."""

    def __init__(self, *, demo_available: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("首次启动:设置本站点"))
        intro = QLabel(tr("欢迎使用客诉管理台。请填写本站点的代码和名称。\n"
                          "站点代码会出现在每张投诉单的编号里(如 SH01-202611-0007),之后不能更改。"))
        intro.setWordWrap(True)
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText(tr("如 SH01"))
        self.code_edit.setMaxLength(10)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(tr("如 上海浦东店"))
        self.name_edit.setMaxLength(60)
        self.demo_check = QCheckBox(tr("载入演示数据(供试用和培训)"))
        self.demo_count = QSpinBox()
        self.demo_count.setRange(100, 100_000)
        self.demo_count.setSingleStep(500)
        self.demo_count.setValue(DEFAULT_DEMO_CASES)
        self.demo_count.setSuffix(tr(" 条投诉"))
        self.demo_count.setEnabled(False)
        self.demo_check.toggled.connect(self.demo_count.setEnabled)
        if not demo_available:
            self.demo_check.setEnabled(False)
            self.demo_check.setToolTip(tr("演示数据生成器尚未提供"))
            self.demo_check.setText(tr("载入演示数据(本版本尚未提供)"))
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        form = QFormLayout()
        form.addRow(tr("站点代码"), self.code_edit)
        form.addRow(tr("站点名称"), self.name_edit)
        form.addRow(self.demo_check, self.demo_count)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("开始使用"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("退出"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def site_code(self) -> str:
        return self.code_edit.text().strip().upper()

    def site_name(self) -> str:
        return self.name_edit.text().strip()

    def wants_demo(self) -> bool:
        return self.demo_check.isEnabled() and self.demo_check.isChecked()

    def demo_cases(self) -> int:
        return self.demo_count.value()

    def problem(self) -> str | None:
        """What is wrong with the entries, in words for the user (None: all good)."""
        try:
            check_site_code(self.code_edit.text())
        except UseCaseError as e:
            return str(e)
        if not self.site_name():
            return tr("站点名称必须填写")
        return None

    def accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error_label.setText(problem)
            self.error_label.show()
            return
        super().accept()
