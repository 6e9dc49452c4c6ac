"""设置 → 隐私与登录: who sees full phone numbers, the remembered user, the lockout, and the
clean-up of old customers' personal data (PIPL: keep it no longer than needed).

Registered in ui.settings_page.SETTINGS_TABS as ("隐私与登录", "ui.settings_privacy:PrivacyTab").
Saving needs settings.site and writes one audit entry per changed option; 匿名化… needs
privacy.anonymise and names how many cases it would change before it asks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from complaints.rules.permissions import ROLES
from complaints.usecases import auth, users
from complaints.usecases.changes import OpChanges
from complaints.usecases.context import Context
from complaints.usecases.preferences import KEYS, LIMITS, load_options, save_options  # noqa: F401


def tr(text: str) -> str:
    return QCoreApplication.translate("PrivacyTab", text)


class PrivacyTab(QWidget):
    saved = Signal(dict)  # {key: (old, new)}
    anonymised = Signal(int)  # how many cases were anonymised

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._loaded: dict[str, Any] = {}
        self._may_save = False

        # --- phone numbers
        phone_box = QGroupBox(tr("手机号显示"), self)
        phone_layout = QVBoxLayout(phone_box)
        intro = QLabel(tr("列表与投诉单中,下列角色看到完整手机号;其他角色看到 138****5678。"), self)
        intro.setWordWrap(True)
        phone_layout.addWidget(intro)
        grid = QGridLayout()
        self.role_checks: dict[str, QCheckBox] = {}
        for i, role in enumerate(ROLES):
            check = QCheckBox(tr(role), self)
            check.toggled.connect(self._update_buttons)
            self.role_checks[role] = check
            grid.addWidget(check, 0, i)
        grid.setColumnStretch(len(ROLES), 1)
        grid.setHorizontalSpacing(24)
        phone_layout.addLayout(grid)
        self.mask_export_check = QCheckBox(tr("导出台账时隐藏手机号中间四位"), self)
        self.mask_export_check.toggled.connect(self._update_buttons)
        phone_layout.addWidget(self.mask_export_check)

        # --- sign-in
        login_box = QGroupBox(tr("登录"), self)
        login_form = QFormLayout(login_box)
        self.remember_check = QCheckBox(tr("允许在登录时“记住我”(仅限一人专用的电脑)"), self)
        self.remember_check.setToolTip(
            tr("允许后,登录框中出现“记住我”,下次启动免密码登录。多人共用的电脑请勿允许。")
        )
        self.remember_check.toggled.connect(self._update_buttons)
        login_form.addRow(self.remember_check)
        self.failures_spin = self._spin("auth.max_failures", tr(" 次"))
        self.lock_spin = self._spin("auth.lock_minutes", tr(" 分钟"))
        lock_row = QHBoxLayout()
        lock_row.addWidget(QLabel(tr("连续输错密码"), self))
        lock_row.addWidget(self.failures_spin)
        lock_row.addWidget(QLabel(tr("后锁定账户"), self))
        lock_row.addWidget(self.lock_spin)
        lock_row.addWidget(QLabel(tr("(管理员可在“用户管理”中提前解锁)"), self))
        lock_row.addStretch(1)
        login_form.addRow(tr("锁定:"), lock_row)

        # --- anonymising
        anon_box = QGroupBox(tr("匿名化清理"), self)
        anon_layout = QVBoxLayout(anon_box)
        anon_intro = QLabel(
            tr(
                "个人信息保护法要求个人信息保存期限为实现处理目的所必要的最短时间。"
                "匿名化会把已关闭多年的投诉单中的客户姓名改为“(已匿名)”并删除电话;"
                "投诉内容、车辆与处理记录保留,统计不受影响。此操作不可撤销,会记入审计日志。"
            ),
            self,
        )
        anon_intro.setWordWrap(True)
        anon_layout.addWidget(anon_intro)
        self.years_spin = self._spin("privacy.anonymise_after_years", tr(" 年"))
        self.years_spin.valueChanged.connect(lambda _v: self.refresh_count())
        self.count_label = QLabel(self)
        self.anonymise_button = QPushButton(tr("匿名化…"), self)
        self.anonymise_button.clicked.connect(self.anonymise)
        anon_row = QHBoxLayout()
        anon_row.addWidget(QLabel(tr("关闭超过"), self))
        anon_row.addWidget(self.years_spin)
        anon_row.addWidget(QLabel(tr("的投诉单可匿名化"), self))
        anon_row.addWidget(self.count_label, 1)
        anon_row.addWidget(self.anonymise_button)
        anon_layout.addLayout(anon_row)

        # --- save
        self.save_button = QPushButton(tr("保存"), self)
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton(tr("还原"), self)
        self.revert_button.clicked.connect(self.reload)
        self.status_label = QLabel(self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(phone_box)
        layout.addWidget(login_box)
        layout.addWidget(anon_box)
        layout.addStretch(1)
        layout.addLayout(buttons)

        session.changed.connect(self._on_changed)
        session.user_changed.connect(self.apply_permissions)
        self.reload()

    def _spin(self, key: str, suffix: str) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setRange(*LIMITS[key])
        spin.setSuffix(suffix)
        spin.valueChanged.connect(self._update_buttons)
        return spin

    # --- showing ------------------------------------------------------------------------------

    def reload(self) -> None:
        self._loaded = load_options()
        self._show(self._loaded)
        self.apply_permissions()
        self.refresh_count()

    def _on_changed(self, changes: OpChanges) -> None:
        if "settings" in changes and not self.is_modified():
            self.reload()
        elif "cases" in changes:
            self.refresh_count()

    def _show(self, values: Mapping[str, Any]) -> None:
        roles = set(values["privacy.phone_full_roles"] or ())
        for role, check in self.role_checks.items():
            check.setChecked(role in roles)
        self.mask_export_check.setChecked(bool(values["privacy.mask_phone_in_export"]))
        self.remember_check.setChecked(bool(values["auth.allow_remember"]))
        self.failures_spin.setValue(int(values["auth.max_failures"]))
        self.lock_spin.setValue(int(values["auth.lock_minutes"]))
        self.years_spin.setValue(int(values["privacy.anonymise_after_years"]))
        self._update_buttons()

    def values(self) -> dict[str, Any]:
        """What the form shows now, as option values."""
        return {
            "privacy.phone_full_roles": [r for r, c in self.role_checks.items() if c.isChecked()],
            "privacy.mask_phone_in_export": self.mask_export_check.isChecked(),
            "auth.allow_remember": self.remember_check.isChecked(),
            "auth.max_failures": self.failures_spin.value(),
            "auth.lock_minutes": self.lock_spin.value(),
            "privacy.anonymise_after_years": self.years_spin.value(),
        }

    def is_modified(self) -> bool:
        return bool(self._loaded) and self.values() != {
            **self._loaded,
            "privacy.phone_full_roles": [
                r for r in ROLES if r in set(self._loaded["privacy.phone_full_roles"] or ())
            ],
        }

    def _update_buttons(self) -> None:
        if not hasattr(self, "save_button"):
            return  # still building the form
        modified = self.is_modified()
        self.save_button.setEnabled(self._may_save and modified)
        self.revert_button.setEnabled(modified)
        self.status_label.setText(tr("有未保存的修改") if modified else "")

    def apply_permissions(self) -> None:
        ctx = self.session.ctx()
        save = auth.decide(ctx, "settings.site")
        self._may_save = save.allowed
        for w in (
            *self.role_checks.values(),
            self.mask_export_check,
            self.remember_check,
            self.failures_spin,
            self.lock_spin,
        ):
            w.setEnabled(save.allowed)
            w.setToolTip("" if save.allowed else save.reason)
        self.save_button.setToolTip("" if save.allowed else save.reason)
        anon = auth.decide(ctx, "privacy.anonymise")
        self.anonymise_button.setEnabled(anon.allowed)
        self.anonymise_button.setToolTip(
            tr("匿名化关闭超过所选年数的投诉单的客户信息") if anon.allowed else anon.reason
        )
        # the years are a setting (settings.site) and the input of 匿名化 (privacy.anonymise)
        self.years_spin.setEnabled(save.allowed or anon.allowed)
        self._update_buttons()

    def refresh_count(self) -> None:
        years = self.years_spin.value()
        now = self.session.ctx().now()

        def done(count: int) -> None:
            if years == self.years_spin.value():
                self.count_label.setText(tr("(目前 {n} 张符合条件)").format(n=count))

        self.session.taskman.run(lambda: users.anonymise_candidates(years, now), done, parent=self)

    # --- actions ------------------------------------------------------------------------------

    def save(self) -> None:
        ctx = self.session.ctx()
        values = self.values()
        changed = {k: v for k, v in values.items() if v != self._loaded.get(k)}

        def done(changes: dict) -> None:
            self.reload()  # the saved values as stored (the change notice came first)
            self._update_buttons()
            self.status_label.setText(tr("已保存") if changes else tr("没有修改"))
            self.saved.emit(changes)

        self.session.taskman.run(lambda: save_options(ctx, changed), done, parent=self)

    def anonymise(self) -> None:
        ctx = self.session.ctx()
        years = self.years_spin.value()
        now = ctx.now()
        self.session.taskman.run(
            lambda: users.anonymise_candidates(years, now),
            lambda count: self._confirm_anonymise(ctx, years, count),
            parent=self,
        )

    def _confirm_anonymise(self, ctx: Context, years: int, count: int) -> None:
        self.count_label.setText(tr("(目前 {n} 张符合条件)").format(n=count))
        if count == 0:
            QMessageBox.information(
                self, tr("匿名化"), tr("没有关闭超过 {y} 年且尚未匿名化的投诉单。").format(y=years)
            )
            return
        answer = QMessageBox.question(
            self,
            tr("匿名化"),
            tr(
                "将匿名化 {n} 张关闭超过 {y} 年的投诉单:客户姓名改为“(已匿名)”,电话删除。\n\n"
                "投诉内容、车辆与处理记录保留。此操作不可撤销(之前的备份中仍有原信息),"
                "将记入审计日志。\n\n确定要匿名化这 {n} 张投诉单吗?"
            ).format(n=count, y=years),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return

        def done(changed: int) -> None:
            QMessageBox.information(
                self, tr("匿名化"), tr("已匿名化 {n} 张投诉单。").format(n=changed)
            )
            self.anonymised.emit(changed)

        self.session.taskman.run(
            lambda: users.anonymise_closed_cases(ctx, years, ctx.now()),
            done,
            label=tr("正在匿名化…"),
            parent=self,
        )
