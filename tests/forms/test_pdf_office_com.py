"""The Word/WPS COM path of forms/pdf.py, with a fake COM Application: the calls made, the
file produced, and the errors (a converter that fails, neither installed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms import pdf


class ComError(Exception):
    """Shaped like pywintypes.com_error: (hresult, text, excepinfo, argerror)."""


class FakeDocument:
    def __init__(self, app: FakeApp, path: str) -> None:
        self.app, self.path = app, path

    def ExportAsFixedFormat(self, out: str, fmt: int) -> None:
        self.app.calls.append(("ExportAsFixedFormat", out, fmt))
        if self.app.export_error:
            raise self.app.export_error
        if self.app.writes_file:
            Path(out).write_bytes(b"%PDF-1.7\n" + Path(self.path).read_bytes()[:16])

    def Close(self, save_changes: int) -> None:
        self.app.calls.append(("Close", save_changes))


class FakeDocuments:
    def __init__(self, app: FakeApp) -> None:
        self.app = app

    def Open(self, path: str, **kwargs) -> FakeDocument:
        self.app.calls.append(("Open", path, kwargs))
        if self.app.open_error:
            raise self.app.open_error
        return FakeDocument(self.app, path)


class FakeApp:
    def __init__(
        self, progid: str, *, open_error=None, export_error=None, writes_file: bool = True
    ) -> None:
        self.progid = progid
        self.calls: list[tuple] = []
        self.open_error, self.export_error = open_error, export_error
        self.writes_file = writes_file
        self.Documents = FakeDocuments(self)

    def __setattr__(self, name, value):
        if name in ("Visible", "DisplayAlerts"):
            self.calls.append(("set", name, value))
        super().__setattr__(name, value)

    def Quit(self) -> None:
        self.calls.append(("Quit",))


def dispatcher(installed: dict[str, FakeApp]):
    tried: list[str] = []

    def dispatch(progid: str) -> FakeApp:
        tried.append(progid)
        if progid not in installed:
            raise ComError(-2147221005, "无效的类字符串", None, None)
        return installed[progid]

    dispatch.tried = tried  # type: ignore[attr-defined]
    return dispatch


@pytest.fixture
def docx(tmp_path) -> Path:
    path = tmp_path / "张 三" / "处理表.docx"
    path.parent.mkdir()
    path.write_bytes(b"PK\x03\x04 a docx of sorts")
    return path


@pytest.fixture(autouse=True)
def no_libreoffice(monkeypatch):
    monkeypatch.setattr(pdf, "find_soffice", lambda: None)


def test_word_exports_the_pdf_and_quits(docx, tmp_path):
    word = FakeApp("Word.Application")
    office = pdf.OfficeConverter(dispatcher({"Word.Application": word}))
    out = pdf.to_pdf(docx, tmp_path / "out" / "处理表.pdf", office=office)
    assert out == (tmp_path / "out" / "处理表.pdf").resolve()
    assert out.read_bytes().startswith(b"%PDF-")
    assert word.calls == [
        ("set", "Visible", False),
        ("set", "DisplayAlerts", 0),
        (
            "Open",
            str(docx.resolve()),
            {"ConfirmConversions": False, "ReadOnly": True, "AddToRecentFiles": False},
        ),
        ("ExportAsFixedFormat", str(out), 17),
        ("Close", 0),
        ("Quit",),
    ]


def test_wps_is_used_when_word_is_not_installed(docx):
    wps = FakeApp("KWps.Application")
    dispatch = dispatcher({"KWps.Application": wps})
    out = pdf.to_pdf(docx, office=pdf.OfficeConverter(dispatch))
    assert out == docx.resolve().with_suffix(".pdf") and out.exists()
    assert dispatch.tried == ["Word.Application", "KWps.Application"]
    assert ("Quit",) in wps.calls


def test_neither_installed_means_no_converter_and_the_printing_warning(docx, monkeypatch):
    dispatch = dispatcher({})
    office = pdf.OfficeConverter(dispatch)
    assert not office.available()
    assert pdf.to_pdf(docx, office=office) is None
    assert dispatch.tried == list(pdf.PROGIDS) * 2  # available(), then to_pdf()
    assert not docx.with_suffix(".pdf").exists()
    # without pywin32 at all: the same
    assert pdf.OfficeConverter(None).convert(docx, docx.with_suffix(".pdf")) is None
    # what printing tells the clerk then (complaints.usecases.printing._to_pdf)
    from complaints.usecases import printing

    monkeypatch.setattr(pdf.sys, "platform", "win32")
    monkeypatch.setattr(pdf.OfficeConverter, "default", classmethod(lambda cls: cls(None)))
    warnings: list[str] = []
    assert printing._to_pdf(docx, True, warnings) is None
    assert warnings and "Word/WPS" in warnings[0] and "打开 Word 文档" in warnings[0]


def test_a_word_that_fails_is_a_clear_error_and_still_quits(docx):
    err = ComError(
        -2147352567,
        "发生意外。",
        (0, "Microsoft Word", "文件已损坏,无法打开。", None, 0, -2146822496),
        None,
    )
    word = FakeApp("Word.Application", open_error=err)
    office = pdf.OfficeConverter(dispatcher({"Word.Application": word}))
    with pytest.raises(pdf.PdfError) as e:
        pdf.to_pdf(docx, office=office)
    assert str(e.value) == "Word 未能把 处理表.docx 转换为 PDF:文件已损坏,无法打开。"
    assert word.calls[-1] == ("Quit",)


def test_an_export_error_closes_the_document_without_saving(docx):
    wps = FakeApp("KWps.Application", export_error=ComError(-1, "导出失败", None, None))
    office = pdf.OfficeConverter(dispatcher({"KWps.Application": wps}))
    with pytest.raises(pdf.PdfError, match=r"WPS 未能把 处理表.docx 转换为 PDF:导出失败"):
        pdf.to_pdf(docx, office=office)
    assert wps.calls[-2:] == [("Close", 0), ("Quit",)]


def test_no_file_after_a_reported_success_is_an_error(docx):
    word = FakeApp("Word.Application", writes_file=False)
    office = pdf.OfficeConverter(dispatcher({"Word.Application": word}))
    with pytest.raises(pdf.PdfError, match="没有生成 PDF 文件"):
        pdf.to_pdf(docx, office=office)


def test_libreoffice_comes_first(docx, monkeypatch):
    word = FakeApp("Word.Application")
    monkeypatch.setattr(pdf, "find_soffice", lambda: "/opt/soffice")
    monkeypatch.setattr(pdf, "_via_soffice", lambda soffice, d, out, timeout: out)
    office = pdf.OfficeConverter(dispatcher({"Word.Application": word}))
    assert pdf.to_pdf(docx, office=office) == docx.resolve().with_suffix(".pdf")
    assert word.calls == []
