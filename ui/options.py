"""This PC's look, kept in QSettings: every key the ui reads or writes, declared once here with
its type and default, grouped by the page that uses it.

The office's data and its settings live in the database (complaints.usecases.settings); what is
kept here only belongs to this PC and this person's habits (window sizes, the page shown last,
the folder used last), so losing it loses nothing but the look. Pages read and write through
these declarations, never with a key string of their own (tests/ui/test_options.py checks the
sources and what a session really writes).

A key with ``{name}`` is a family kept per window, page or kind of file; ``name`` fills it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from PySide6.QtCore import QByteArray, QSettings


@dataclass(frozen=True)
class Option:
    key: str
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = [re.escape(p) for p in self.key.split("{name}")]
        object.__setattr__(self, "_pattern", re.compile(".+".join(parts)))
        DECLARED.append(self)

    @property
    def per_name(self) -> bool:
        return "{name}" in self.key

    def key_for(self, name: str | None = None) -> str:
        """The full key; ``name`` is required for a family and refused otherwise."""
        if self.per_name != (name is not None):
            raise ValueError(f"{self.key}: name {'required' if name is None else 'not expected'}")
        return self.key.replace("{name}", name) if name is not None else self.key

    def matches(self, key: str) -> bool:
        return self._pattern.fullmatch(key) is not None

    def remove(self, store: QSettings, name: str | None = None) -> None:
        store.remove(self.key_for(name))


@dataclass(frozen=True)
class TextOption(Option):
    default: str = ""

    def read(self, store: QSettings, name: str | None = None) -> str:
        value = store.value(self.key_for(name))
        return self.default if value is None else str(value)

    def write(self, store: QSettings, value: str, name: str | None = None) -> None:
        store.setValue(self.key_for(name), value)


@dataclass(frozen=True)
class BytesOption(Option):
    """Qt's own saved states (geometry, header): empty when none was kept."""

    def read(self, store: QSettings, name: str | None = None) -> QByteArray:
        value = store.value(self.key_for(name))
        return value if isinstance(value, QByteArray) else QByteArray()

    def write(self, store: QSettings, value: QByteArray, name: str | None = None) -> None:
        store.setValue(self.key_for(name), value)


DECLARED: list[Option] = []


def declared(key: str) -> Option | None:
    """The declaration a full key belongs to, or None."""
    return next((o for o in DECLARED if o.matches(key)), None)


# --- the main window (ui/main_window.py) -------------------------------------------------------
MAIN_PAGE = TextOption("main/page", "cases")  # the page shown last, opened at the next start

# --- every window that keeps its size (ui/window_fit.py) ---------------------------------------
# name: "<window>/<screen>", so each screen a window was shown on gets its own size and place
WINDOW_GEOMETRY = BytesOption("windows/{name}")

# --- 投诉台账 (ui/case_list.py) ----------------------------------------------------------------
CASES_HEADER = BytesOption("pages/cases/header")  # column widths, order and the sort
CASES_COLUMNS = TextOption("pages/cases/columns")  # the columns the header was saved with

# --- the site filter of the HQ's pages (ui/site_filter.py) -------------------------------------
SITE_FILTER = TextOption("site_filter/{name}")  # name: the page; the site code, "" for all

# --- 统计 (ui/stats.py) ------------------------------------------------------------------------
STATS_REPORT_DIR = TextOption("stats/report_dir")  # "" until a report is saved: the home folder

# --- 签字回收 (ui/scan_page.py) -------------------------------------------------------------
SCAN_FOLDER = TextOption("scan/watched_folder")  # the scanner's folder watched while the page runs

# --- sign-in (ui/sign_in.py) -------------------------------------------------------------------
LAST_LOGIN = TextOption("sign_in/last_login")  # only the password is left to type

# --- file dialogs (ui/file_dialogs.py) ---------------------------------------------------------
LAST_FOLDER = TextOption("folders/{name}")  # name: the kind of file; "" until one is chosen
