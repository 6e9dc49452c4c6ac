"""Every page says an error the same way, through ui/error_detail.py: the plain Chinese message
a person can act on in the line, the technical words (the server's SQLSTATE, a program error's
traceback) behind 详细信息, never an English repr or traceback in the line itself.

The source check: no module of ui/ but error_detail.py formats an exception by hand (str(),
repr(), an f-string or .format() of it, its args, strerror or problems), branches on
``program_error``, or opens a critical box of its own. Then a refusal and a program error
each, on a few representative pages."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from complaints.usecases import cases, causes, oem, todo
from complaints.usecases.errors import PermissionDenied
from tests.ui.helpers import idle
from ui import error_detail, settings_page, taskman
from ui.action_dialog import ActionDialog
from ui.case_editor import CaseEditor
from ui.error_detail import PROGRAM_ERROR, said
from ui.oem import OemPage
from ui.settings_causes import CausesTab
from ui.settings_page import SettingsPage
from ui.todo import TodoPage

ROOT = Path(__file__).resolve().parents[2]
HELPER = ROOT / "ui" / "error_detail.py"
# what a page may not read off an exception to make its own words of it
HAND_PICKED = {"args", "strerror", "detail", "__traceback_text__"}
FORMATTERS = {"str", "repr", "format", "ascii"}
# an annotation naming an exception: BaseException, UseCaseError (not ErrorDetail)
EXCEPTION_TYPE = re.compile(r"\w*(Exception|Error)\b")


def _exception_names(scope: ast.AST) -> set[str]:
    """Names that hold an exception in ``scope``: ``except … as name``, a parameter annotated
    as an exception or error, a lambda given as ``on_error``."""
    names: set[str] = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.arg) and node.annotation is not None:
            text = ast.unparse(node.annotation)
            if EXCEPTION_TYPE.search(text) or text in {"OutputInUse", "Cancelled"}:
                names.add(node.arg)
        elif (
            isinstance(node, ast.keyword)
            and node.arg == "on_error"
            and isinstance(node.value, ast.Lambda)
        ):
            names.update(a.arg for a in node.value.args.args)
    return names


def _reads(node: ast.AST, names: set[str], attribute: str) -> bool:
    """``node`` reads ``attribute`` off one of ``names`` (a refusal's problems joined by
    hand, where its str() says them all)."""
    return any(
        isinstance(n, ast.Attribute)
        and n.attr == attribute
        and isinstance(n.value, ast.Name)
        and n.value.id in names
        for n in ast.walk(node)
    )


def hand_formatting(source: str) -> list[str]:
    """Each place in ``source`` that makes a person's words of an exception by hand."""
    tree = ast.parse(source)
    found: list[str] = []
    for scope in ast.walk(tree):
        if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        names = _exception_names(scope)
        if isinstance(scope, ast.Lambda) or not names:
            continue
        for node in ast.walk(scope):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else ""
                method = func.attr if isinstance(func, ast.Attribute) else ""
                args = [*node.args, *(k.value for k in node.keywords)]
                held = [a for a in args if isinstance(a, ast.Name) and a.id in names]
                formats = held and (called in FORMATTERS or method == "format")
                if formats or (method == "join" and _reads(node, names, "problems")):
                    found.append(f"{node.lineno}: {ast.unparse(node)[:70]}")
            elif (
                isinstance(node, ast.FormattedValue | ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in names
                and (
                    isinstance(node, ast.FormattedValue)
                    or (node.attr in HAND_PICKED and isinstance(node.ctx, ast.Load))
                )
            ):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "program_error":
            found.append(f"{node.lineno}: branches on .program_error")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "critical"
            and isinstance(node.value, ast.Name)
            and node.value.id == "QMessageBox"
        ):
            found.append(f"{node.lineno}: QMessageBox.critical")
    return sorted(set(found), key=lambda line: int(line.split(":")[0]))


def test_the_source_check_sees_each_way_of_formatting_by_hand():
    source = """
def failed(self, exc: BaseException) -> None:
    self.line.setText(tr("保存失败:") + str(exc))
    self.line.setText(f"{exc}")
    self.line.setText(tr("出错:{e}").format(e=exc))
    told = said(exc)
    if told.program_error:
        self.line.setText(repr(exc))
    QMessageBox.critical(self, "x", "y")
    self.line.setText(";".join(p.message for p in exc.problems))

def fine(self):
    try:
        run()
    except OSError as e:
        warn(self, tr("导出失败"), e, expected=tr("无法写入"))
    session.taskman.run(work, on_error=lambda e: failed(said(e)))
    session.taskman.run(work, on_error=lambda e: self.line.setText(str(e)))
"""
    found = hand_formatting(source)
    assert [line.split(":")[0] for line in found] == ["3", "4", "5", "7", "8", "9", "10", "18"]


def test_no_page_formats_an_exception_by_hand():
    found = [
        f"{path.relative_to(ROOT).as_posix()}:{line}"
        for path in sorted((ROOT / "ui").rglob("*.py"))
        if path != HELPER
        for line in hand_formatting(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "say it through ui/error_detail.py:\n" + "\n".join(found)


# The GUI's start in desktop/ says its errors as the pages do; the command line's modules
# (desktop/cli.py, desktop/commands/) write text for a terminal by design and are not here.
DESKTOP_GUI = ["after_start.py", "app.py", "qt_setup.py", "server_start.py", "single_instance.py"]


def test_the_desktop_start_formats_no_exception_by_hand():
    found = [
        f"desktop/{name}:{line}"
        for name in DESKTOP_GUI
        for line in hand_formatting((ROOT / "desktop" / name).read_text(encoding="utf-8"))
    ]
    assert found == [], "say it through ui/error_detail.py:\n" + "\n".join(found)


# --- behaviour: a refusal and a program error on a few pages -----------------------------


def _program_error() -> Exception:
    return KeyError("fmc_status")  # a bug's own words: English, for the administrator


def test_a_program_error_is_said_in_chinese_with_its_words_behind_the_button():
    told = said(_program_error())
    assert told.program_error and told.message == PROGRAM_ERROR
    assert "KeyError" not in told.message and told.detail == "KeyError('fmc_status')"
    refusal = said(PermissionDenied("需要客服经理权限"))
    assert (refusal.message, refusal.detail, refusal.program_error) == (
        "需要客服经理权限",
        "",
        False,
    )


def test_the_worker_keeps_a_program_errors_traceback_for_the_detail(qtbot, session, monkeypatch):
    shown: list[error_detail.Said] = []
    monkeypatch.setattr(taskman, "tell", lambda _parent, _title, told: shown.append(told))

    def work() -> None:
        raise _program_error()

    session.taskman.run(work)
    idle(session)
    (told,) = shown
    assert told.message == PROGRAM_ERROR
    assert told.detail.startswith("Traceback") and "KeyError: 'fmc_status'" in told.detail


def test_the_todo_page_says_a_refusal_and_a_program_error(qtbot, session, monkeypatch):
    errors = [PermissionDenied("您没有查看待办的权限"), _program_error()]

    def refused(_ctx):
        raise errors.pop(0)

    monkeypatch.setattr(todo, "todo_list", refused)
    page = TodoPage(session)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.summary.text().startswith("无法读取待办:"))
    assert page.summary.text() == "无法读取待办:您没有查看待办的权限"
    assert page.summary_detail.detail() == ""
    page.reload()
    qtbot.waitUntil(lambda: PROGRAM_ERROR in page.summary.text())
    assert "KeyError" not in page.summary.text()
    assert "KeyError: 'fmc_status'" in page.summary_detail.detail()
    session.taskman.wait_idle()


def test_a_settings_tab_says_a_refusal_and_a_program_error(qtbot, session, monkeypatch):
    tab = CausesTab(session)
    qtbot.addWidget(tab)
    idle(session)
    errors = [PermissionDenied("需要客服经理权限"), _program_error()]

    def refused(*_args, **_kw):
        raise errors.pop(0)

    monkeypatch.setattr(causes, "save_cause_list", refused)
    tab.save()
    idle(session)
    assert tab.message.text() == "需要客服经理权限" and tab.message_detail.detail() == ""
    tab.save()
    idle(session)
    assert tab.message.text() == PROGRAM_ERROR
    assert "KeyError" in tab.message_detail.detail()


def test_the_case_editors_banner_says_a_program_error_in_chinese(qtbot, session, ctx, monkeypatch):
    values = cases.blank_case(ctx)
    values.update(customer_name="李娜", content="销售承诺的赠品未兑现")
    case_id = cases.create_case(ctx, values).id
    editor = CaseEditor(session, case_id)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(editor.isEnabled)
    idle(session)

    def broken(*_args, **_kw):
        raise _program_error()

    monkeypatch.setattr(cases, "update_case", broken)
    editor.editors["plan"].set_value("联系客户,补送脚垫一套")
    editor.save()
    idle(session)
    banner = editor.banner_text()
    assert banner.startswith("保存失败:" + PROGRAM_ERROR) and "仍然保留" in banner
    assert "KeyError" not in banner and "KeyError" in editor.banner_detail.detail()
    assert editor.editors["plan"].value() == "联系客户,补送脚垫一套"


def test_a_recording_dialog_says_a_refusal_and_a_program_error(qtbot, session, ctx, monkeypatch):
    """厂家跟踪 → FMC状态: the dialog's own line says it, the words behind 详细信息."""
    values = cases.blank_case(ctx)
    values.update(customer_name="张伟", content="异响", channel="厂家转发", cac_number="CAC-1")
    cases.create_case(ctx, values)
    page = OemPage(session)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.model.now is not None)
    idle(session)
    page.view.selectRow(0)
    errors = [PermissionDenied("需要客服经理权限"), _program_error()]

    def refused(*_args, **_kw):
        raise errors.pop(0)

    monkeypatch.setattr(oem, "set_fmc_status", refused)
    dialog = page.open_set_status()
    assert isinstance(dialog, ActionDialog)
    dialog.status.setCurrentIndex(dialog.status.findData("In process"))
    dialog.try_submit()
    idle(session)
    assert dialog.refusal_text() == "需要客服经理权限" and dialog.error_detail.detail() == ""
    dialog.try_submit()
    idle(session)
    assert dialog.refusal_text() == PROGRAM_ERROR
    assert "KeyError: 'fmc_status'" in dialog.error_detail.detail()
    dialog.reject()


def test_a_settings_tab_that_cannot_be_built_says_why_in_chinese(qtbot, session, monkeypatch):
    monkeypatch.setattr(
        settings_page, "SETTINGS_TABS", [("坏的", "ui.no_such_module:Nothing")], raising=True
    )
    page = SettingsPage(session)
    qtbot.addWidget(page)
    broken = page.tab_widget("坏的")
    assert isinstance(broken, error_detail.BrokenPart)
    assert broken.message.text() == "此设置页无法打开:" + PROGRAM_ERROR
    assert "ModuleNotFoundError" in broken.detail.detail()
