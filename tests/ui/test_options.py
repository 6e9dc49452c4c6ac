"""This PC's settings (QSettings): every key declared once in ui/options.py, and nothing else
in the program reads or writes a key of its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray

from ui import file_dialogs, options
from ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
STORE_CALLS = {"value", "setValue", "remove", "contains"}


def test_no_two_declarations_share_a_key():
    keys = [o.key for o in options.DECLARED]
    assert len(keys) == len(set(keys))
    for o in options.DECLARED:
        full = o.key_for("x/y" if o.per_name else None)
        assert [d for d in options.DECLARED if d.matches(full)] == [o], full


def _store_calls_in(path: Path) -> list[str]:
    """Calls that read or write QSettings by hand: ``….value(…)`` and the like on something
    named a store or settings, or with the key written in the call (a literal, an f-string)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in STORE_CALLS
            and node.args
        ):
            continue
        receiver = ast.unparse(node.func.value).lower()
        key = node.args[0]
        literal = isinstance(key, ast.JoinedStr) or (
            isinstance(key, ast.Constant) and isinstance(key.value, str)
        )
        if literal or "settings" in receiver or "store" in receiver:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_the_program_names_no_settings_key_outside_options():
    sources = [*(ROOT / "ui").rglob("*.py"), *(ROOT / "desktop").rglob("*.py")]
    named = [
        where
        for p in sources
        if p.name != "options.py" or p.parent.name != "ui"
        for where in _store_calls_in(p)
    ]
    assert named == []


def test_a_key_not_kept_reads_as_its_default(qsettings):
    assert options.MAIN_PAGE.read(qsettings) == "cases"
    assert options.LAST_LOGIN.read(qsettings) == ""
    assert options.CASES_HEADER.read(qsettings).isEmpty()
    options.LAST_FOLDER.write(qsettings, "/tmp/x", "ledger")
    assert options.LAST_FOLDER.read(qsettings, "ledger") == "/tmp/x"
    assert options.LAST_FOLDER.read(qsettings, "audit") == ""
    options.WINDOW_GEOMETRY.write(qsettings, QByteArray(b"abc"), "main/screen")
    assert options.WINDOW_GEOMETRY.read(qsettings, "main/screen") == QByteArray(b"abc")


def test_a_family_needs_its_name_and_a_single_key_refuses_one(qsettings):
    with pytest.raises(ValueError):
        options.SITE_FILTER.read(qsettings)
    with pytest.raises(ValueError):
        options.MAIN_PAGE.read(qsettings, "cases")


def test_every_key_a_session_writes_is_declared(qtbot, session, qsettings, tmp_path):
    w = MainWindow(session, settings=qsettings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    for key in ("todo", "cases", "sanctions"):
        w.show_page(key)
    w.show_page("cases")
    file_dialogs.remember_folder(w, "ledger", tmp_path / "台账.xlsx")
    w.close()
    session.taskman.wait_idle()
    qsettings.sync()
    keys = qsettings.allKeys()
    assert {"main/page", "pages/cases/header", "folders/ledger"} <= set(keys)
    assert any(k.startswith("windows/main/") for k in keys)
    assert [k for k in keys if options.declared(k) is None] == []
