"""Chinese text needs a CJK font. Windows and macOS have one; a bare Linux desktop may
not, and then every label is a row of boxes. Say exactly what to install, never block."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterable

from PySide6.QtGui import QFontDatabase

INSTALL_HINT = "sudo apt install fonts-noto-cjk"
# Chinese sans-serif families a Linux desktop may have, best first.
CJK_SANS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)


def prefer_cjk_font(app, installed: Iterable[str] | None = None) -> str | None:
    """On Linux, put an installed Chinese sans-serif family first in the application's font:
    Chinese text then needs no fallback font looked up string by string while
    painting, and Chinese and Latin letters share one design. Windows and macOS keep their
    system font, which covers Chinese there. ``installed``: the font families to choose from
    (default: Qt's font database). The family chosen, or None."""
    if not sys.platform.startswith("linux"):
        return None
    if installed is None:
        installed = QFontDatabase.families()
    installed = set(installed)
    for family in CJK_SANS:
        if family in installed:
            font = app.font()
            font.setFamilies([family, *[f for f in font.families() if f != family]])
            app.setFont(font)
            return family
    return None


def has_cjk_font() -> bool | None:
    """True/False on Linux (asks fontconfig); None where we cannot tell or need not ask."""
    if not sys.platform.startswith("linux"):
        return None
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(out.strip())


def missing_font_message() -> str:
    return (
        f"未找到中文字体,界面中的汉字可能显示为方框。请安装中文字体后重新启动:\n    {INSTALL_HINT}"
    )


def check_cjk_font(show_box=None) -> bool:
    """Warn on stderr (and through ``show_box(message)`` once) when no CJK font is found.

    Returns False only when fontconfig says there is no Chinese font."""
    if has_cjk_font() is False:
        message = missing_font_message()
        print(message, file=sys.stderr)
        if show_box is not None:
            show_box(message)
        return False
    return True
