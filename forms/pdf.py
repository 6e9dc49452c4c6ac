"""A filled .docx to PDF: LibreOffice when installed, Word or WPS on Windows, else None.

None means "no converter here": the caller opens the .docx in the default program instead.
LibreOffice runs with its own throw-away profile (-env:UserInstallation), so it neither
collides with an office's open LibreOffice window nor depends on that user's settings.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

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
    return find_soffice() is not None or (sys.platform == "win32" and _com_app() is not None)


def to_pdf(docx: Path | str, out: Path | str | None = None, *,
           timeout: float = DEFAULT_TIMEOUT) -> Path | None:
    """Convert ``docx``; returns the PDF path, or None when no converter is installed.

    Raises PdfError when a converter is present but the conversion fails or times out.
    """
    docx = Path(docx).resolve()
    out = Path(out).resolve() if out else docx.with_suffix(".pdf")
    soffice = find_soffice()
    if soffice:
        return _via_soffice(soffice, docx, out, timeout)
    if sys.platform == "win32":
        return _via_com(docx, out)
    return None


def _via_soffice(soffice: str, docx: Path, out: Path, timeout: float) -> Path:
    with tempfile.TemporaryDirectory(prefix="complaintdesk-lo-") as tmp:
        profile = Path(tmp, "profile").as_uri()
        outdir = Path(tmp, "out")
        outdir.mkdir()
        cmd = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export", "--outdir",
               str(outdir), str(docx)]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise PdfError(f"LibreOffice 转换 PDF 超时({timeout:g} 秒):{docx.name}") from None
        except OSError as e:
            raise PdfError(f"无法启动 LibreOffice({soffice}):{e}") from None
        produced = outdir / (docx.stem + ".pdf")
        if proc.returncode != 0 or not produced.exists():
            detail = (proc.stderr or proc.stdout or b"").decode(errors="replace").strip()
            raise PdfError(f"LibreOffice 未能把 {docx.name} 转换为 PDF"
                           + (f":{detail[-300:]}" if detail else ""))
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(produced), out)
    return out


def _com_app():  # pragma: no cover - Windows only
    """Word or WPS through COM, if pywin32 and one of them are installed. UNTESTED here."""
    try:
        import win32com.client  # type: ignore[import-not-found]
    except ImportError:
        return None
    for progid in ("Word.Application", "KWps.Application", "Kwps.Application"):
        try:
            return win32com.client.DispatchEx(progid)
        except Exception:  # noqa: BLE001 - COM raises pywintypes.com_error
            continue
    return None


def _via_com(docx: Path, out: Path) -> Path | None:  # pragma: no cover - Windows only
    """Word/WPS ExportAsFixedFormat (17 = PDF). Written for Windows; not tested on Linux CI."""
    app = _com_app()
    if app is None:
        return None
    try:
        app.Visible = False
        app.DisplayAlerts = 0
        doc = app.Documents.Open(str(docx), ReadOnly=True)
        try:
            doc.ExportAsFixedFormat(str(out), 17)
        finally:
            doc.Close(False)
    except Exception as e:  # noqa: BLE001
        raise PdfError(f"Word/WPS 未能转换 PDF:{e}") from None
    finally:
        try:
            app.Quit()
        except Exception:  # noqa: BLE001
            pass
    return out if out.exists() else None
