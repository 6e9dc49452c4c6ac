"""The pages of the main window: which exist, who may see them, their icons, and how a page
is imported when first shown (an area whose module does not exist yet shows a placeholder)."""

from __future__ import annotations

import importlib
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QWidget

from ui.placeholder import PlaceholderPage
from ui.session import Session

# (key, title, "module:Class"): a page's module is imported when the page is first shown.
PAGES: list[tuple[str, str, str]] = [
    ("todo", "待办", "ui.todo:TodoPage"),
    ("cases", "投诉台账", "ui.case_list:CaseListPage"),
    ("oem", "厂家跟踪", "ui.oem:OemPage"),
    ("sanctions", "奖惩", "ui.sanctions:SanctionsPage"),
    ("stats", "统计", "ui.stats:StatsPage"),
    ("exchange", "数据交换", "ui.exchange_page:ExchangePage"),
    ("settings", "设置", "ui.settings_page:SettingsPage"),
    ("scans", "签字回收", "ui.scan_page:ScanReturnPage"),
]

# Pages only some people see, and the permission that shows each (checked after every
# sign-in, without importing the page: the module is loaded when the page is first shown).
RESTRICTED_PAGES: list[tuple[str, str, str]] = [
    ("audit", "审计日志", "ui.audit_page:AuditPage"),
    ("users", "用户管理", "ui.users_page:UsersPage"),
]
PAGE_PERMISSIONS: dict[str, str] = {"audit": "audit.view", "users": "users.manage"}

# What a placeholder promises, one line per area.
COMING: dict[str, str] = {
    "todo": "将列出快到期和已超期的投诉(接单、联系、处理、回访各时限)。",
    "oem": "将跟踪需厂家支持的投诉:CAC 案例号、FMC 状态、上报与答复。",
    "sanctions": "将按制度计算罚款与奖励,并走审批。",
    "stats": "将提供月度统计:数量、及时率、满意度,可导出报表。",
    "exchange": "将与总部交换 Excel 台账:导出、校验、导入与冲突处理。",
    "settings": "将设置站点、部门、人员与各项时限。",
    "audit": "将显示谁在何时改了什么。",
    "users": "将管理人员账号与角色。",
}

# The navigation's icons (drawn by packaging/make_nav_icons.py) are files Qt reads when it
# first draws them: Qt's standard pixmaps would build the style before the first paint.
_ICON_DIR = Path(__file__).with_name("resources")


def nav_icon(key: str) -> QIcon:
    """The page's icon (a @2x file beside it is picked on high-DPI screens), or none."""
    path = _ICON_DIR / f"nav-{key}.png"
    return QIcon(str(path)) if path.is_file() else QIcon()


def load_page(
    key: str, title: str, target: str, session: Session, parent: QWidget | None = None
) -> QWidget:
    """Import ``module:Class`` and build the page; a module not there yet gives a
    placeholder (a module that is there but broken is a bug: it propagates)."""
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name != module_name:
            raise
        return PlaceholderPage(title, COMING.get(key, ""), parent)
    cls = getattr(module, class_name)
    return cls(session, parent)
