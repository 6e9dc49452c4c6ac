"""Templates: the shipped defaults, an office's own, the check, restore."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from conftest_forms import document_xml, plain_text
from docx import Document

from forms import build_templates, fill
from forms.templates import (
    FORMS,
    TEMPLATE_FILES,
    TemplateError,
    check_template,
    custom_path,
    default_bytes,
    install_template,
    load_template,
    restore_default,
)

TWIPS_PER_CM = 1440 / 2.54


def _edit(data: bytes, old: str, new: str) -> bytes:
    """Copy of a .docx with a piece of document.xml replaced (what an admin does in Word)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            blob = src.read(item.filename)
            if item.filename == "word/document.xml":
                text = blob.decode("utf-8")
                assert old in text, old
                blob = text.replace(old, new, 1).encode("utf-8")
            z.writestr(item, blob)
    return out.getvalue()


@pytest.mark.parametrize("form", FORMS)
def test_defaults_ship_as_package_data_and_check_clean(form, tmp_path):
    data = default_bytes(form)
    path = tmp_path / "t.docx"
    path.write_bytes(data)
    assert check_template(path, form) == []
    t = load_template(form, tmp_path / "none")
    assert t.source == "default" and t.data == data and t.version.startswith("默认:")


@pytest.mark.parametrize("form", FORMS)
def test_templates_are_a4_with_a_song_east_asian_font(form):
    data = default_bytes(form)
    xml = document_xml(data)
    assert re.search(r'<w:pgSz w:w="11906" w:h="16838"', xml)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        styles = z.read("word/styles.xml").decode("utf-8")
    assert 'w:eastAsia="SimSun"' in styles
    assert 'w:eastAsia="SimSun"' in xml  # the runs name it too, for WPS


def test_committed_templates_are_the_build_script_output(tmp_path):
    build_templates.build_all(tmp_path)
    for form in FORMS:
        built = (tmp_path / TEMPLATE_FILES[form]).read_bytes()
        assert document_xml(built) == document_xml(default_bytes(form)), form


def _usable_width_twips(data: bytes, table_index: int, col: int) -> int:
    doc = Document(io.BytesIO(data))
    grid = doc.tables[table_index]._tbl.tblGrid
    widths = [
        int(gc.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}w"))
        for gc in grid
    ]
    return widths[col] - 2 * 108  # Table Grid's default cell margins: 0.19 cm each side


@pytest.mark.parametrize("form,col", [("A", 4), ("B", 1)])
def test_vin_column_keeps_17_characters_on_one_line(form, col):
    """Fixed table layout, and the VIN cell is wider than 17 wide capitals at 10.5 pt."""
    data = default_bytes(form)
    xml = document_xml(data)
    assert '<w:tblLayout w:type="fixed"/>' in xml
    doc = Document(io.BytesIO(data))
    # the VIN placeholder sits in that column
    row = next(r for r in doc.tables[0].rows if "{{ vin }}" in r.cells[col].text)
    assert row is not None
    per_char = 0.75 * 10.5 * 20  # 0.75 em (Times capitals average ~0.68) in twips
    assert _usable_width_twips(data, 0, col) >= 17 * per_char


def test_an_office_template_overrides_the_default(tmp_path):
    data = _edit(default_bytes("C"), "罚款原因", "扣款事由")
    (tmp_path / TEMPLATE_FILES["C"]).write_bytes(data)
    t = load_template("C", tmp_path)
    assert t.source == "custom" and t.warnings == () and t.version.startswith("本店:")
    out = fill.fill_sanction_notice(
        {"type": "罚款", "amount": 50, "reason": "迟交处理单"}, templates_dir=tmp_path
    )
    assert "扣款事由" in plain_text(out) and "伍拾元整" in plain_text(out)


def test_unknown_and_missing_placeholders_are_named(tmp_path):
    data = _edit(default_bytes("A"), "{{ vin }}", "{{ vin_number }}")
    path = tmp_path / "mine.docx"
    path.write_bytes(data)
    problems = check_template(path, "A")
    assert any("未知占位符" in p and "vin_number" in p for p in problems)
    assert any("缺少占位符" in p and "vin" in p for p in problems)
    # still usable (the unknown box prints empty); the warnings travel with it
    warnings = install_template("A", path, tmp_path / "templates")
    assert warnings == problems
    t = load_template("A", tmp_path / "templates")
    assert t.source == "custom" and any("vin_number" in w for w in t.warnings)


@pytest.mark.parametrize(
    "bad,message",
    [
        (b"not a zip at all", "不是 Word 文档"),
        (None, "占位符写法有误"),
    ],
)
def test_a_broken_template_is_refused_and_the_default_keeps_working(tmp_path, bad, message):
    if bad is None:
        bad = _edit(default_bytes("A"), "{{ vin }}", "{{ vin }")  # unbalanced braces
    folder = tmp_path / "templates"
    folder.mkdir()
    src = tmp_path / "broken.docx"
    src.write_bytes(bad)
    problems = check_template(src, "A")
    assert len(problems) == 1 and message in problems[0]
    with pytest.raises(TemplateError, match=message):
        install_template("A", src, folder)
    assert not custom_path(folder, "A").exists()
    # a broken file put there by hand: the default is used, with a warning saying why
    custom_path(folder, "A").write_bytes(bad)
    t = load_template("A", folder)
    assert t.source == "default" and message in t.warnings[0]
    out = fill.fill_case_form(
        {"number": "X-1", "vin": "LSVAM4187C2184847"}, [], "A", templates_dir=folder
    )
    assert "LSVAM4187C2184847" in plain_text(out)


def test_restore_default_keeps_the_office_file_aside(tmp_path):
    folder = tmp_path / "templates"
    src = tmp_path / "c.docx"
    src.write_bytes(_edit(default_bytes("C"), "罚款原因", "扣款事由"))
    assert install_template("C", src, folder) == []
    assert load_template("C", folder).source == "custom"
    old = restore_default("C", folder)
    assert old is not None and old.exists() and old.parent.name == "old"
    assert load_template("C", folder).source == "default"
    assert restore_default("C", folder) is None


@pytest.mark.parametrize("form", ["A", "B", "C", "D"])
def test_template_text_uses_chinese_punctuation(form):
    """The forms' own words carry Chinese punctuation (，：（）！), not ASCII (issue 16 §9)."""
    from forms.templates import default_bytes

    with zipfile.ZipFile(io.BytesIO(default_bytes(form))) as z:
        xml = "".join(
            z.read(n).decode("utf-8")
            for n in z.namelist()
            if re.fullmatch(r"word/(document|header\d*)\.xml", n)
        )
    words = re.sub(
        r"\{\{.*?\}\}|\{%.*?%\}", "", "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", xml))
    )
    assert not re.search(r"[\u4e00-\u9fff][,:;()!?]|[,:;()!?][\u4e00-\u9fff]", words), words
