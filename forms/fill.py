"""Filling the four forms from a case (A, B) or a sanction (C, D), and batches of notices.

Values are turned into print-ready text here: local times, ☑/☐ choice lists, money in
capital numerals. A value that is missing prints as an empty box (never "None"), and the
signature boxes are never filled: a hand signs there. docxtpl renders with autoescape on,
so a customer's "<" or "&" prints as typed.
"""

from __future__ import annotations

import copy
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from enum import Enum
from pathlib import Path
from typing import Any

import cn2an
from docx import Document
from docx.enum.text import WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docxtpl import DocxTemplate, Listing
from jinja2 import Environment

from complaints.types import Action, FmcStatus, Initiative, Satisfaction, Severity, State
from forms import qr
from forms.templates import Template, load_template

EMPTY = ""  # what a missing value prints as: an empty box, for a hand to fill in

# Policy defaults (policy.md §4, complaints.rules.policy.Policy) when no policy is given.
DEFAULT_SHEET_CONTACT_HOURS = 3  # printed on form A ("烦请在3小时内与客户取得联系")
DEFAULT_SHEET_RETURN_HOURS = 24  # printed on form A ("请将此单在24小时内回传客服部")
DEFAULT_D7_HOURS = 24  # callback-raised general cases: handled, sheet back at CS
DEFAULT_D8_HOURS = 72  # callback-raised major cases
DEFAULT_D10_DAYS = 3  # reopened cases: handled again
DEFAULT_ONSITE_CHANNELS = ("现场", "电话热线", "网络/邮件", "其他")  # D4: the same day

_ENV = Environment(autoescape=True)  # one environment, kept between renders
# Characters XML cannot hold (and \a, \f, which docxtpl turns into paragraph/page breaks),
# e.g. from a pasted or imported text: dropped rather than breaking the document.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --- values -----------------------------------------------------------------------------------

# How a date prints on paper (setting forms.date_style; forms default to the Chinese one).
DATE_CHINESE = "中文"  # 2026年11月22日
DATE_NUMERIC = "数字"  # 2026-11-22
DATE_STYLES = (DATE_CHINESE, DATE_NUMERIC)
DEFAULT_DATE_STYLE = DATE_CHINESE


def format_date(d: date, style: str = DATE_NUMERIC, *, year: bool = True) -> str:
    if style == DATE_CHINESE:
        return (f"{d.year}年" if year else "") + f"{d.month}月{d.day}日"
    return f"{d:%Y-%m-%d}" if year else f"{d:%m-%d}"


def text(value: Any, tz: tzinfo | None = None, dates: str = DATE_NUMERIC) -> str:
    """One value as it prints; None and '' print as an empty box."""
    if value is None:
        return EMPTY
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        if tz is not None and value.tzinfo is not None:
            value = value.astimezone(tz)
        return f"{format_date(value.date(), dates)} {value:%H:%M}"
    if isinstance(value, date):
        return format_date(value, dates)
    s = _CONTROL.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n"))
    return s if s.strip() else EMPTY


def boxes(choices: Iterable[str], chosen: Any) -> str:
    """'☑一般投诉  ☐重大投诉': every option shown, the chosen one ticked."""
    chosen = chosen.value if isinstance(chosen, Enum) else chosen
    return "\u3000".join(("☑" if c == chosen else "☐") + c for c in choices)


def money_capital(amount: int) -> str:
    """100 → 壹佰元整 (integer yuan, as money is written on paper)."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("money is an integer number of yuan")
    return cn2an.an2cn(amount, "rmb")


def _listing(s: str) -> Listing:
    """Escaped text whose line breaks stay line breaks in Word."""
    return Listing(s)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _hours(policy: Any, names: Sequence[str], default: float) -> float:
    """A limit in hours from the policy object (attribute or key), else the default."""
    if policy is None:
        return default
    for n in names:
        v = _get(policy, n)
        if v is None:
            continue
        if isinstance(v, timedelta):
            return v.total_seconds() / 3600
        if isinstance(v, int | float):
            return float(v)
    return default


def _fmt_hours(h: float) -> str:
    if h < 1:
        return f"{round(h * 60)}分钟"
    if h >= 48 and h % 24 == 0:
        return f"{int(h // 24)}日"
    return f"{h:g}小时"


def sheet_limits(case: Mapping[str, Any], policy: Any = None) -> dict[str, str]:
    """Form A's deadline wording from the policy (complaints.rules.policy.Policy), the limit
    that applies to the sheet now: contact limit ``sheet_contact_hours`` (paper default 3 h);
    a reopened case: D10 (3 days) to handle it again and return the sheet; an on-site case
    (``onsite_channels``): D4, the sheet back the same day; otherwise the return limit
    ``sheet_return_hours`` (24 h) and 处理时限 in days, D8 for a major case, else D7."""
    contact = _hours(policy, ("sheet_contact_hours",), DEFAULT_SHEET_CONTACT_HOURS)
    limits = {"contact_limit": _fmt_hours(contact)}
    # A rule counted in office time says so on paper: the contact limit is D1's, the return
    # D7's (D10 reopened, D4 on site), the handling D8's (major) or D7's; office hours and
    # working days, not calendar time.
    if _office(policy, "D1"):
        limits["contact_limit"] += "(工作时间)"
    onsite = _get(policy, "onsite_channels") if policy is not None else None
    if onsite is None:
        onsite = DEFAULT_ONSITE_CHANNELS
    if text(case.get("state")) == State.REOPENED.value:
        days = _get(policy, "d10_days") if policy is not None else None
        days = days if isinstance(days, int) and days > 0 else DEFAULT_D10_DAYS
        unit = "个工作日" if _office(policy, "D10") else "日"
        return {**limits, "return_limit": f"{days}{unit}", "reply_limit": f"{days}{unit}内回复"}
    if text(case.get("channel")) in onsite:
        same_day = "当天下班前" if _office(policy, "D4") else "当日"
        return {**limits, "return_limit": same_day, "reply_limit": "当日回复"}
    ret = _hours(policy, ("sheet_return_hours",), DEFAULT_SHEET_RETURN_HOURS)
    major = text(case.get("severity")) == Severity.MAJOR.value
    handle = (
        _hours(policy, ("d8_hours",), DEFAULT_D8_HOURS)
        if major
        else _hours(policy, ("d7_hours",), DEFAULT_D7_HOURS)
    )
    out = {
        **limits,
        "return_limit": _fmt_hours(ret),
        "reply_limit": f"{max(1, math.ceil(handle / 24))}日内回复",
    }
    if _office(policy, "D7"):
        out["return_limit"] += "(工作时间)"
    if _office(policy, "D8" if major else "D7"):
        out["reply_limit"] = f"{handle:g}个工作小时内回复"
    return out


def _office(policy: Any, rule: str) -> bool:
    clock = getattr(policy, "clock", None)
    return callable(clock) and clock(rule) == "office"


# --- a case's story on form A --------------------------------------------------------------------

_HANDLING = (Action.HANDLED.value, Action.RETURN_TO_CS.value)
_CALLBACKS = (Action.CALLBACK.value, Action.SECOND_CALLBACK.value)
_SATISFACTION = [s.value for s in Satisfaction]


def _params(e: Mapping[str, Any]) -> dict[str, Any]:
    from complaints.rules.workflow import entry_params

    return entry_params(e)


def _day(value: Any, tz: tzinfo | None, dates: str = DATE_NUMERIC) -> str:
    if isinstance(value, datetime):
        if tz is not None and value.tzinfo is not None:
            value = value.astimezone(tz)
        value = value.date()
    if isinstance(value, date):
        return format_date(value, dates, year=False)
    return ""


def _sorted_entries(entries: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(
        (e for e in entries if not e.get("deleted") and e.get("at") is not None),
        key=lambda e: e["at"],
    )


def plan_story(
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    tz: tzinfo | None,
    dates: str = DATE_NUMERIC,
) -> str:
    """调查结果及处理意见: the plan; for a reopened case the first plan and the plan after
    reopening, each with its day (a round with no plan written prints an empty line)."""
    es = _sorted_entries(entries)
    reopens = [e for e in es if e["action"] == Action.REOPEN.value]
    current = text(case.get("plan"))
    if not reopens:
        return current
    rounds: list[list[Mapping[str, Any]]] = [[]]
    for e in es:
        if e["action"] == Action.REOPEN.value:
            rounds.append([])
        elif e["action"] in _HANDLING:
            rounds[-1].append(e)
    lines = []
    for i, handled in enumerate(rounds):
        with_plan = [e for e in handled if text(_params(e).get("plan"))]
        plan = text(_params(with_plan[-1]).get("plan")) if with_plan else ""
        if not plan and i == len(rounds) - 1 and handled:
            plan = current  # the last round's plan is the case's
        when = _day(handled[-1]["at"], tz, dates) if handled else ""
        label = (
            "首次处理"
            if i == 0
            else ("重开后再次处理" if len(rounds) == 2 else f"第{i + 1}次处理(重开后)")
        )
        head = f"{label}（{when}）" if when else label
        lines.append(f"{head}：{plan}" if handled else f"{head}：")
    return "\n".join(lines)


def callback_story(
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    tz: tzinfo | None,
    dates: str = DATE_NUMERIC,
) -> str:
    """客服回访: every callback with its day and five-level ☑/☐ line (first and second
    callback of a reopened case); no callback yet: the empty choices, for a hand."""
    from complaints.rules.workflow import callback_satisfaction

    es = _sorted_entries(entries)
    cbs = [e for e in es if e["action"] in _CALLBACKS]
    reopened = any(e["action"] == Action.REOPEN.value for e in es)
    if not cbs:
        if case.get("satisfaction") or case.get("satisfaction2"):  # imported without entries
            out = [(case.get("callback_at"), case.get("satisfaction"), "回访")]
            if case.get("satisfaction2"):
                out.append((case.get("callback2_at"), case.get("satisfaction2"), "二次回访"))
        else:
            return boxes(_SATISFACTION, None)
    else:
        out = []
        for i, e in enumerate(cbs):
            label = "首次回访" if i == 0 else ("二次回访" if i == 1 else f"第{i + 1}次回访")
            out.append((e["at"], callback_satisfaction(e, case), label))
    if len(out) == 1 and not reopened:
        at, level, _label = out[0]
        day = _day(at, tz, dates)
        return boxes(_SATISFACTION, level) + (f"\u3000（{day}）" if day else "")
    return "\n".join(
        f"{label}（{_day(at, tz, dates)}）：{boxes(_SATISFACTION, level)}"
        for at, level, label in out
    )


def reissue_mark(case: Mapping[str, Any], entries: Sequence[Mapping[str, Any]]) -> str:
    """A case reopened now prints as a re-sent sheet, marked so."""
    if text(case.get("state")) != State.REOPENED.value:
        return ""
    n = sum(1 for e in entries if e.get("action") == Action.REOPEN.value) or 1
    return f"重开再派单（第{n + 1}次派单）\u3000"


# Form B goes to the manufacturer: the customer-facing events only, in plain words;
# internal steps (派单, 指定责任人, 升级, 回传客服, 备注) stay at the office.
_B_LABELS = {
    Action.RECEIVED.value: "受理投诉",
    Action.CONTACT.value: "联系客户",
    Action.REPORT_OEM.value: "上报厂家",
    Action.HANDLED.value: "处理完成",
    Action.CALLBACK.value: "回访",
    Action.SECOND_CALLBACK.value: "二次回访",
    Action.REOPEN.value: "重新处理",
    Action.CLOSE.value: "结案",
    Action.FMC_STATUS.value: "状态更新",
    Action.PAUSE.value: "暂停计时",  # the reason follows: 等待客户, 等待配件, 厂家处理中…
    Action.RESUME.value: "恢复计时",
}
_BRACKETS = str.maketrans({"【": "〔", "】": "〕"})


def _when(at: Any, tz: tzinfo | None, year: int | None) -> str:
    if not isinstance(at, datetime):
        return text(at, tz)
    if tz is not None and at.tzinfo is not None:
        at = at.astimezone(tz)
    return f"{at:%m-%d %H:%M}" if year in (None, at.year) else f"{at:%Y-%m-%d %H:%M}"


def tracking_sentence(
    e: Mapping[str, Any], tz: tzinfo | None = None, year: int | None = None
) -> str | None:
    """One entry as form B prints it ("11-19 10:25 联系客户:电话联系客户,约次日到店"), or
    None for an internal step. Structured values are words here, never tags."""
    from complaints.rules.workflow import decode_note

    action = text(e.get("action"))
    label = _B_LABELS.get(action)
    if label is None:
        return None
    params = _params(e)
    free = decode_note(action, text(e.get("note")))[1]  # an older 说明's tags never print
    parts: list[str] = []
    if action in _CALLBACKS and params.get("satisfaction"):
        parts.append(f"客户{params['satisfaction']}")
    if action == Action.REPORT_OEM.value and params.get("cac_number"):
        parts.append(f"CAC案例号 {params['cac_number']}")
    if action == Action.FMC_STATUS.value and params.get("status"):
        parts.append(str(params["status"]))
    if (
        action == Action.HANDLED.value
        and text(params.get("plan"))
        and text(params.get("plan")) != free
    ):
        parts.append(text(params["plan"]))
    if free:
        parts.append(free)
    detail = "，".join(p.strip().rstrip(",，。;；") for p in parts if p.strip())
    line = f"{_when(e.get('at'), tz, year)} {label}" + (f"：{detail}" if detail else "")
    return line.translate(_BRACKETS)


def tracking_lines(
    entries: Sequence[Mapping[str, Any]], tz: tzinfo | None, year: int | None = None
) -> str:
    lines = (tracking_sentence(e, tz, year) for e in _sorted_entries(entries))
    return "\n".join(line for line in lines if line)


def case_context(
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]] = (),
    policy: Any = None,
    *,
    tz: tzinfo | None = None,
    today: date | None = None,
    site_name: str = "",
    dates: str = DEFAULT_DATE_STYLE,
    code: qr.SheetCode | None = None,
) -> dict[str, Any]:
    """Everything forms A and B can print, keyed by placeholder name; dates in the office's
    style (``dates``: 中文 2026年11月22日, 数字 2026-11-22); ``code`` the sheet's QR."""
    from forms.templates import PLACEHOLDERS

    ctx: dict[str, Any] = {}
    for name in PLACEHOLDERS["A"]:
        ctx[name] = text(case.get(name), tz, dates)
    mileage = case.get("mileage")
    ctx["mileage"] = f"{mileage} km" if isinstance(mileage, int) else EMPTY
    ctx["severity_boxes"] = boxes([s.value for s in Severity], case.get("severity"))
    ctx["initiative_boxes"] = boxes([s.value for s in Initiative], case.get("initiative"))
    ctx["satisfaction_boxes"] = boxes([s.value for s in Satisfaction], case.get("satisfaction"))
    ctx["plan"] = plan_story(case, entries, tz, dates)
    ctx["callbacks"] = callback_story(case, entries, tz, dates)
    ctx["reissue"] = reissue_mark(case, entries)
    ctx["satisfaction2_boxes"] = boxes([s.value for s in Satisfaction], case.get("satisfaction2"))
    ctx["fmc_status_boxes"] = boxes([s.value for s in FmcStatus], case.get("fmc_status"))
    ctx.update(sheet_limits(case, policy))
    received = case.get("received_at")
    year = (
        received.astimezone(tz)
        if tz is not None and isinstance(received, datetime) and received.tzinfo is not None
        else received
    )
    ctx["tracking"] = tracking_lines(entries, tz, getattr(year, "year", None))
    ctx["fill_date"] = text(today, dates=dates)
    ctx["site_name"] = site_name
    for name, value in ctx.items():
        assert isinstance(value, str), name
        ctx[name] = _listing(value)
    return {**ctx, **qr.context(code)}


def sanction_context(
    sanction: Any,
    *,
    case_number: str | None = None,
    site_name: str = "",
    code: qr.SheetCode | None = None,
) -> dict[str, Any]:
    """What notices C and D print; ``sanction`` is a db.models.Sanction or a mapping."""
    if case_number is None:
        case = _get(sanction, "case")
        case_number = _get(case, "number") if case is not None else None
    amount = int(_get(sanction, "amount") or 0)
    rule = text(_get(sanction, "rule"))
    reason = text(_get(sanction, "reason"))
    # The reason in the policy's words, the case number once, on a line of its own so it
    # never breaks; a rule id means nothing to the person who signs.
    if case_number:
        reason = re.sub(r"^[\s,,;;]+|[\s,,;;]+$", "", reason.replace(str(case_number), ""))
    full_reason = reason + (f"\n投诉单编号：{case_number}" if case_number else "")
    uid = text(_get(sanction, "uid"))
    ctx = {
        "notice_number": uid[:8].upper(),
        "department": text(_get(sanction, "department")),
        "person": text(_get(sanction, "person")),
        "amount": f"{amount:,}",
        "amount_capital": money_capital(amount),
        "reason": full_reason,
        "rule": rule,
        "case_number": text(case_number),
        "date": text(_get(sanction, "date")),
        "type": text(_get(sanction, "type")),
        "site_name": site_name,
    }
    return {**{k: _listing(v) for k, v in ctx.items()}, **qr.context(code)}


def notice_form(sanction: Any) -> str:
    return "D" if text(_get(sanction, "type")) == "奖励" else "C"


# --- rendering --------------------------------------------------------------------------------


def set_properties(doc: Any, title: str, author: str) -> None:
    """The printed document's own properties: its title, the site as author, and none of
    the template's (its comment about placeholders, the template's dates)."""
    core = doc.core_properties
    core.title = title
    core.subject = title
    core.author = author
    core.last_modified_by = author
    core.comments = ""
    core.keywords = ""
    core.category = ""


def render(
    template: Template | bytes,
    context: Mapping[str, Any],
    *,
    title: str | None = None,
    author: str = "",
) -> bytes:
    """Fill a template; returns the .docx bytes. With ``title``, the document properties
    are the printed document's (set_properties)."""
    data = template.data if isinstance(template, Template) else template
    tpl = DocxTemplate(io.BytesIO(data))
    tpl.render(qr.bind_images(context, tpl), jinja_env=_ENV, autoescape=True)
    if title is not None:
        set_properties(tpl.docx, title, author)
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()


def _emit(data: bytes, out: Path | None) -> bytes | Path:
    if out is None:
        return data
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    try:
        tmp.write_bytes(data)
        tmp.replace(out)
    finally:  # a full disk leaves no half-written file
        tmp.unlink(missing_ok=True)
    return out


def fill_case_form(
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    form: str,
    policy: Any = None,
    *,
    template: Template | None = None,
    templates_dir: Path | None = None,
    tz: tzinfo | None = None,
    today: date | None = None,
    site_name: str = "",
    dates: str = DEFAULT_DATE_STYLE,
    out: Path | None = None,
    code: qr.SheetCode | None = None,
) -> bytes | Path:
    """Form A or B for one case: the .docx bytes, or the written path when ``out`` is given."""
    from forms.templates import FORM_TITLES

    if form not in ("A", "B"):
        raise ValueError(f"form {form!r} is not a case form")
    template = template or load_template(form, templates_dir)
    ctx = case_context(
        case, entries, policy, tz=tz, today=today, site_name=site_name, dates=dates, code=code
    )
    title = f"{FORM_TITLES[form]} {text(case.get('number'))}".strip()
    return _emit(render(template, ctx, title=title, author=site_name), out)


def fill_sanction_notice(
    sanction: Any,
    *,
    case_number: str | None = None,
    template: Template | None = None,
    templates_dir: Path | None = None,
    site_name: str = "",
    out: Path | None = None,
    code: qr.SheetCode | None = None,
) -> bytes | Path:
    """Notice C (fine) or D (reward) for one sanction."""
    from forms.templates import FORM_TITLES

    form = notice_form(sanction)
    template = template or load_template(form, templates_dir)
    ctx = sanction_context(sanction, case_number=case_number, site_name=site_name, code=code)
    title = f"{FORM_TITLES[form]} {ctx['notice_number']}"
    return _emit(render(template, ctx, title=title, author=site_name), out)


# --- batches ----------------------------------------------------------------------------------

CUT_LINE = "✂ 沿此线剪开"


class _BodyRenderer:
    """A notice template's body compiled once, rendered per notice (docxtpl's own steps,
    without re-reading the .docx and recompiling Jinja for every one of 500 notices)."""

    def __init__(self, template: Template):
        self.tpl = DocxTemplate(io.BytesIO(template.data))
        self.tpl.render_init()
        src = self.tpl.patch_xml(self.tpl.get_xml())
        self.jinja = _ENV.from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", src))
        self.part = self.tpl.docx.part
        self.tpl.current_rendering_part = self.part  # where a QR picture's image is added

    def body(self, context: Mapping[str, Any]):
        xml = self.jinja.render(qr.bind_images(context, self.tpl))
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = (
            xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        )
        return parse_xml(self.tpl.resolve_listing(xml))


def fill_notice_batch(
    sanctions: Sequence[Any],
    *,
    per_page: int = 3,
    templates: Mapping[str, Template] | None = None,
    templates_dir: Path | None = None,
    site_name: str = "",
    title: str | None = None,
    out: Path | None = None,
    codes: Sequence[qr.SheetCode | None] = (),
) -> bytes | Path:
    """Every notice in one document: ``per_page`` to an A4 sheet with cut lines between them,
    or one per page (per_page=1). Each notice uses its own form's template (C or D); the
    page setup is the first notice's. ``codes``: each notice's sheet code, in order."""
    if not sanctions:
        raise ValueError("no notices to print")
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    tpls = dict(templates or {})
    renderers: dict[str, _BodyRenderer] = {}
    target = Document(
        io.BytesIO(
            render(
                tpls.get(notice_form(sanctions[0]))
                or load_template(notice_form(sanctions[0]), templates_dir),
                sanction_context(sanctions[0], site_name=site_name, code=_nth(codes, 0)),
            )
        )
    )
    body = target.element.body
    sect = body.find(qn("w:sectPr"))
    for i, s in enumerate(sanctions[1:], start=1):
        form = notice_form(s)
        if form not in renderers:
            renderers[form] = _BodyRenderer(tpls.get(form) or load_template(form, templates_dir))
        r = renderers[form]
        if i % per_page == 0:
            _paragraph_before(body, sect).add_run().add_break(WD_BREAK.PAGE)
        else:
            _cut_line(body, sect)
        context = sanction_context(s, site_name=site_name, code=_nth(codes, i))
        _append_body(target, r.part, r.body(context), body, sect)
    for n, el in enumerate(body.iter(qn("wp:docPr")), start=1):  # unique drawing ids
        el.set("id", str(n))
    set_properties(target, title or "奖惩通知单", site_name)
    buf = io.BytesIO()
    target.save(buf)
    return _emit(buf.getvalue(), out)


def _nth(codes: Sequence[qr.SheetCode | None], i: int) -> qr.SheetCode | None:
    return codes[i] if i < len(codes) else None


def _paragraph_before(body, sect):
    from docx.text.paragraph import Paragraph

    p = body.makeelement(qn("w:p"), {})
    if sect is not None:
        sect.addprevious(p)
    else:
        body.append(p)
    return Paragraph(p, None)  # type: ignore[arg-type]  # a bare paragraph: filled, not laid out


def _cut_line(body, sect) -> None:
    """A dashed rule across the whole text width, the scissors and words under it."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.shared import Pt

    _paragraph_before(body, sect)  # a little room above the line
    p = _paragraph_before(body, sect)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for k, v in (("w:val", "dashed"), ("w:sz", "6"), ("w:space", "4"), ("w:color", "808080")):
        top.set(qn(k), v)
    borders.append(top)
    ppr.insert(0, borders)
    r = p.add_run(CUT_LINE)
    r.font.size = Pt(8)
    _paragraph_before(body, sect)


def _append_body(target, source_part, source_body, body, sect) -> None:
    """Copy a body's content (not its section) before the target's section; images too."""
    rel_map: dict[str, str] = {}
    for el in source_body:
        if el.tag == qn("w:sectPr"):
            continue
        new = copy.deepcopy(el)
        for node in new.iter():
            for attr in (qn("r:embed"), qn("r:link"), qn("r:id")):
                rid = node.get(attr)
                if not rid:
                    continue
                if rid not in rel_map:
                    rel = source_part.rels.get(rid)
                    if rel is None:
                        continue
                    if rel.is_external:
                        rel_map[rid] = target.part.relate_to(
                            rel.target_ref, rel.reltype, is_external=True
                        )
                    elif rel.reltype == RT.IMAGE:  # deduplicated, under a name of its own
                        rel_map[rid] = target.part.get_or_add_image(
                            io.BytesIO(rel.target_part.blob)
                        )[0]
                    else:
                        rel_map[rid] = target.part.relate_to(rel.target_part, rel.reltype)
                node.set(attr, rel_map[rid])
        if sect is not None:
            sect.addprevious(new)
        else:
            body.append(new)
