"""Which template fills a form: the office's own (DataPaths.templates) or the shipped default.

The shipped defaults are package data read with importlib.resources, so they load the same
from a source tree, a wheel or a PyInstaller bundle. An office's template with the same file
name in its templates folder overrides the default for that form; a broken one is refused
with a clear message and the default keeps working.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError

FORMS = ("A", "B", "C", "D")
FORM_TITLES = {
    "A": "顾客抱怨/投诉处理表(内部)",
    "B": "客户投诉处理跟踪表(厂家)",
    "C": "罚款通知单",
    "D": "奖励通知单",
}
TEMPLATE_FILES = {
    "A": "A_顾客抱怨投诉处理表.docx",
    "B": "B_客户投诉处理跟踪表.docx",
    "C": "C_罚款通知单.docx",
    "D": "D_奖励通知单.docx",
}

_CASE_COMMON = {
    "number": "编号",
    "car_model": "车型",
    "vin": "VIN(车辆识别号)",
    "work_order": "派工单号",
    "plate": "车牌号",
    "purchase_date": "购车/维修时间",
    "received_at": "接单时间",
    "mileage": "公里数",
    "customer_name": "用户姓名",
    "gender": "性别",
    "phone": "联系电话",
    "advisor": "销售/服务顾问",
    "repair_content": "维修内容",
    "repair_team": "维修班组",
    "channel": "渠道",
    "kind": "性质(抱怨/投诉)",
    "severity": "意见类型(文字)",
    "severity_boxes": "意见类型 ☑/☐",
    "initiative": "主动/被动(文字)",
    "initiative_boxes": "主动/被动 ☑/☐",
    "content": "投诉内容",
    "department": "处理部门",
    "responsible": "第一责任人",
    "reply_limit": "处理时限(如“1日内回复”)",
    "contact_limit": "联系客户时限(如“3小时”)",
    "return_limit": "回传客服部时限(如“24小时”)",
    "plan": "调查结果及处理意见",
    "handled_date": "处理日期",
    "gm_instruction": "总经理批示",
    "liability": "责任认定",
    "state": "状态",
    "satisfaction": "回访满意度(文字)",
    "satisfaction_boxes": "客服回访 ☑/☐",
    "callbacks": "客服回访:每次回访的日期与 ☑/☐(重开件含二次回访)",
    "reissue": "重开再派单标记(仅重开件)",
    "satisfaction2": "二次回访满意度(文字)",
    "satisfaction2_boxes": "二次回访 ☑/☐",
    "callback_at": "回访时间",
    "closed_at": "关单时间",
    "cac_number": "CAC案例号",
    "station_name": "维修站名称",
    "fmc_status": "FMC状态(文字)",
    "fmc_status_boxes": "FMC状态 ☑/☐",
    "complaint_nature": "投诉性质",
    "background": "顾客背景",
    "demand": "顾客需求或倾向",
    "tracking": "情况跟踪(处理记录,每条一行)",
    "fill_date": "填表日期",
    "site_name": "本店名称",
    "sheet_qr": "签字回收二维码(扫描件据此自动找到本单)",
    "sheet_line": "二维码下的单据识别码(如“A · SH01-202611-0007 · r3 · 7F3K”)",
}
_NOTICE = {
    "notice_number": "通知单编号",
    "department": "部门",
    "person": "姓名",
    "amount": "金额(数字)",
    "amount_capital": "金额(大写,如“壹佰元整”)",
    "reason": "原因(含规则与投诉单编号)",
    "rule": "规则编号",
    "case_number": "投诉单编号",
    "date": "日期",
    "type": "类型(罚款/奖励)",
    "site_name": "本店名称",
    "sheet_qr": "签字回收二维码(扫描件据此自动找到本单)",
    "sheet_line": "二维码下的单据识别码(如“C · 1A2B3C4D · r1 · 7F3K”)",
}
# The placeholders each form may use, with what they hold (shown to the office admin).
PLACEHOLDERS: dict[str, dict[str, str]] = {
    "A": _CASE_COMMON,
    "B": _CASE_COMMON,
    "C": _NOTICE,
    "D": _NOTICE,
}


class TemplateError(Exception):
    """A template that cannot be used; the message says why, in the user's words."""


@dataclass(frozen=True)
class Template:
    form: str
    data: bytes
    source: str  # "default" or "custom"
    path: Path | None  # the office's file, None for the shipped default
    warnings: tuple[str, ...] = field(default=())

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def version(self) -> str:
        """What the printed-forms history records: which template, which bytes."""
        kind = "默认" if self.source == "default" else "本店"
        return f"{kind}:{self.sha256[:12]}"


@dataclass(frozen=True)
class TemplateCheck:
    unknown: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    error: str | None = None  # set when the file cannot be used at all

    def messages(self) -> list[str]:
        out = []
        if self.error:
            out.append(self.error)
        if self.unknown:
            out.append("未知占位符(打印时为空):" + "、".join(self.unknown))
        if "sheet_qr" in self.missing:
            out.append(
                "模板中没有签字回收二维码 {{ sheet_qr }}:仍可打印,"
                "但签字单扫描后不能自动找到本单,需在“签字回收”中手工登记"
            )
        if self.missing:
            out.append(
                "缺少占位符(这些内容不会打印):"
                + "、".join(f"{n}({PLACEHOLDERS_ALL.get(n, '')})" for n in self.missing)
            )
        return out


PLACEHOLDERS_ALL = {**_CASE_COMMON, **_NOTICE}


def _check_form(form: str) -> str:
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}")
    return form


def default_bytes(form: str) -> bytes:
    """The shipped template, from package data (works inside a PyInstaller bundle)."""
    name = TEMPLATE_FILES[_check_form(form)]
    return resources.files("forms").joinpath("templates", name).read_bytes()


_PLACEHOLDER_CACHE: dict[str, frozenset[str]] = {}


def placeholders(data: bytes) -> set[str]:
    """The names a template uses; TemplateError if it is not a usable .docx template.
    Cached by content hash: every print checks the office's template."""
    key = hashlib.sha256(data).hexdigest()
    if key not in _PLACEHOLDER_CACHE:
        if len(_PLACEHOLDER_CACHE) > 64:
            _PLACEHOLDER_CACHE.clear()
        _PLACEHOLDER_CACHE[key] = frozenset(_placeholders(data))
    return set(_PLACEHOLDER_CACHE[key])


def _placeholders(data: bytes) -> set[str]:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise TemplateError(
            "不是 Word 文档(.docx):文件已损坏,或是旧的 .doc 格式,请在 Word/WPS 中另存为 .docx"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if "word/document.xml" not in z.namelist():
                raise TemplateError("不是 Word 文档(.docx):缺少 word/document.xml")
        tpl = DocxTemplate(io.BytesIO(data))
        return set(tpl.get_undeclared_template_variables())
    except TemplateSyntaxError as e:
        raise TemplateError(
            f"占位符写法有误(第 {e.lineno} 处附近):{e.message}。占位符应写成 {{{{ 名称 }}}}"
        ) from None
    except TemplateError:
        raise
    except Exception as e:  # python-docx/lxml raise many kinds for a damaged file
        raise TemplateError(f"无法读取该 Word 文档:{e}") from None


def inspect_template(data: bytes, form: str) -> TemplateCheck:
    _check_form(form)
    try:
        used = placeholders(data)
    except TemplateError as e:
        return TemplateCheck(error=str(e))
    known = set(PLACEHOLDERS[form])
    expected = placeholders(default_bytes(form))
    return TemplateCheck(
        unknown=tuple(sorted(used - known)), missing=tuple(sorted(expected - used))
    )


def check_template(path: Path | str, form: str) -> list[str]:
    """Problems of an office template, by placeholder name; [] when it is fine."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        return [f"无法读取文件 {path}:{e.strerror or e}"]
    return inspect_template(data, form).messages()


def custom_path(templates_dir: Path, form: str) -> Path:
    return Path(templates_dir) / TEMPLATE_FILES[_check_form(form)]


def load_template(form: str, templates_dir: Path | None = None) -> Template:
    """The office's template if it exists and opens, else the default (with a warning why)."""
    _check_form(form)
    if templates_dir is not None:
        path = custom_path(templates_dir, form)
        if path.exists():
            try:
                data = path.read_bytes()
            except OSError as e:
                data, check = b"", TemplateCheck(error=f"无法读取:{e.strerror or e}")
            else:
                check = inspect_template(data, form)
            if check.error is None:
                return Template(form, data, "custom", path, tuple(check.messages()))
            return Template(
                form,
                default_bytes(form),
                "default",
                None,
                (f"本店模板 {path.name} 无法使用,已改用默认模板:{check.error}",),
            )
    return Template(form, default_bytes(form), "default", None)


def install_template(form: str, source: Path | str, templates_dir: Path) -> list[str]:
    """Make ``source`` the office's template for ``form``; refuse a broken file.

    Returns the remaining warnings (unknown or missing placeholders) for the user to read.
    The replaced template is kept in ``templates_dir/old``.
    """
    source = Path(source)
    try:
        data = source.read_bytes()
    except OSError as e:
        raise TemplateError(f"无法读取文件 {source}:{e.strerror or e}") from None
    check = inspect_template(data, form)
    if check.error:
        raise TemplateError(f"{source.name}:{check.error}")
    target = custom_path(templates_dir, form)
    target.parent.mkdir(parents=True, exist_ok=True)
    _retire(target)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
    return check.messages()


def restore_default(form: str, templates_dir: Path) -> Path | None:
    """Go back to the shipped template; the office's file moves to ``old/`` (returned)."""
    return _retire(custom_path(templates_dir, form))


def copy_default_to(form: str, templates_dir: Path) -> Path:
    """Put the default into the office's folder as a starting point for editing."""
    target = custom_path(templates_dir, form)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_bytes(default_bytes(form))
    return target


def _retire(path: Path) -> Path | None:
    if not path.exists():
        return None
    old = path.parent / "old"
    old.mkdir(exist_ok=True)
    dest = old / f"{path.stem}.{datetime.now():%Y%m%d-%H%M%S}{path.suffix}"
    n = 1
    while dest.exists():
        dest = old / f"{path.stem}.{datetime.now():%Y%m%d-%H%M%S}-{n}{path.suffix}"
        n += 1
    shutil.move(str(path), dest)
    return dest
