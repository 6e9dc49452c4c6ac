"""A filled .docx to PDF: LibreOffice when installed, Word or WPS on Windows, else None.

None means "no converter here": the caller opens the .docx in the default program instead.
LibreOffice runs with its own throw-away profile (-env:UserInstallation), so it neither
collides with an office's open LibreOffice window nor depends on that user's settings.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT = 120  # seconds; the first start of LibreOffice builds its profile


class PdfError(Exception):
    """The converter exists but failed; the message is for the user."""


def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    if sys.platform == "win32":
        for base in (os.environ.get("PROGRAMFILES"), os.environ.get("PROGRAMFILES(X86)")):
            if base:
                cand = Path(base) / "LibreOffice" / "program" / "soffice.exe"
                if cand.exists():
                    return str(cand)
    elif sys.platform == "darwin":
        cand = Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")
        if cand.exists():
            return str(cand)
    return None


def available() -> bool:
    return find_soffice() is not None or (
        sys.platform == "win32" and OfficeConverter.default().available()
    )


def to_pdf(
    docx: Path | str,
    out: Path | str | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    office: OfficeConverter | None = None,
) -> Path | None:
    """Convert ``docx``; returns the PDF path, or None when no converter is installed.

    LibreOffice first; then, on Windows (or whenever ``office`` is given, as tests do), Word
    or WPS through COM. Raises PdfError when a converter is present but the conversion fails
    or times out.
    """
    docx = Path(docx).resolve()
    out = Path(out).resolve() if out else docx.with_suffix(".pdf")
    soffice = find_soffice()
    if soffice:
        return _via_soffice(soffice, docx, out, timeout)
    if office is None and sys.platform == "win32":
        office = OfficeConverter.default()
    if office is not None:
        return office.convert(docx, out)
    return None


def _via_soffice(soffice: str, docx: Path, out: Path, timeout: float) -> Path:
    with tempfile.TemporaryDirectory(prefix="complaintdesk-lo-") as tmp:
        profile = Path(tmp, "profile").as_uri()
        outdir = Path(tmp, "out")
        outdir.mkdir()
        cmd = [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(outdir),
            str(docx),
        ]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
            )
        except subprocess.TimeoutExpired:
            raise PdfError(f"LibreOffice 转换 PDF 超时({timeout:g} 秒):{docx.name}") from None
        except OSError as e:
            raise PdfError(f"无法启动 LibreOffice({soffice}):{e}") from None
        produced = outdir / (docx.stem + ".pdf")
        if proc.returncode != 0 or not produced.exists():
            detail = (proc.stderr or proc.stdout or b"").decode(errors="replace").strip()
            raise PdfError(
                f"LibreOffice 未能把 {docx.name} 转换为 PDF"
                + (f":{detail[-300:]}" if detail else "")
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(produced), out)
    return out


# --- Word or WPS through COM (Windows) ---------------------------------------------------------

# Word first (most offices), then WPS Writer, registered under either spelling.
PROGIDS = ("Word.Application", "KWps.Application", "Kwps.Application")
WD_EXPORT_FORMAT_PDF = 17  # WdExportFormat.wdExportFormatPDF, WPS uses the same number
WD_DO_NOT_SAVE_CHANGES = 0


def _pywin32_dispatch() -> Callable[[str], Any] | None:  # pragma: no cover - Windows only
    """pywin32's DispatchEx (a new, private Word process), or None without pywin32."""
    try:
        import win32com.client
    except ImportError:
        return None
    return win32com.client.DispatchEx


class OfficeConverter:
    """Word or WPS Writer as a PDF converter, through one function: ``dispatch(progid)``
    returns a COM Application object or raises (pywintypes.com_error when the program is
    not installed). The default uses pywin32; tests give a fake, so the calls made, the
    file produced and the errors are checked on any system.

    Only these members of the Application object are used: ``Visible``, ``DisplayAlerts``,
    ``Documents.Open(path, ConfirmConversions=False, ReadOnly=True, AddToRecentFiles=False)``,
    the document's ``ExportAsFixedFormat(out, 17)`` and ``Close(0)``, and ``Quit()``: all
    exist in Word's object model and in WPS's copy of it.
    """

    def __init__(
        self, dispatch: Callable[[str], Any] | None, progids: tuple[str, ...] = PROGIDS
    ) -> None:
        self.dispatch = dispatch
        self.progids = progids

    @classmethod
    def default(cls) -> OfficeConverter:
        return cls(_pywin32_dispatch())

    def available(self) -> bool:
        """True when Word or WPS starts (it is quit again at once)."""
        found = self._start()
        if found is None:
            return False
        _quit(found[1])
        return True

    def _start(self) -> tuple[str, Any] | None:
        if self.dispatch is None:
            return None
        for progid in self.progids:
            try:
                return progid, self.dispatch(progid)
            except Exception:
                continue
        return None

    def convert(self, docx: Path, out: Path) -> Path | None:
        """``docx`` as PDF at ``out``; None when neither Word nor WPS is installed (or
        pywin32 is missing); PdfError when one of them fails."""
        found = self._start()
        if found is None:
            return None
        progid, app = found
        name = "WPS" if progid.lower().startswith("kwps") else "Word"
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            app.Visible = False
            app.DisplayAlerts = 0  # no dialog may wait for a click nobody can see
            doc = app.Documents.Open(
                str(docx), ConfirmConversions=False, ReadOnly=True, AddToRecentFiles=False
            )
            try:
                doc.ExportAsFixedFormat(str(out), WD_EXPORT_FORMAT_PDF)
            finally:
                doc.Close(WD_DO_NOT_SAVE_CHANGES)
        except Exception as e:
            raise PdfError(f"{name} 未能把 {docx.name} 转换为 PDF:{_com_text(e)}") from None
        finally:
            _quit(app)
        if not out.is_file() or out.stat().st_size == 0:
            raise PdfError(f"{name} 报告已转换,但没有生成 PDF 文件:{out}")
        return out


def _quit(app: Any) -> None:
    with contextlib.suppress(Exception):  # Word gone already: nothing left to quit
        app.Quit()


def _com_text(e: Exception) -> str:
    """The readable part of a pywintypes.com_error: (hresult, text, (…, source, description,
    …), arg) — Word's own description when it gave one."""
    args: tuple[Any, ...] = getattr(e, "args", ())
    if len(args) >= 3 and isinstance(args[2], tuple) and len(args[2]) >= 3 and args[2][2]:
        return str(args[2][2]).strip()
    if len(args) >= 2 and isinstance(args[1], str):
        return args[1]
    return str(e)
