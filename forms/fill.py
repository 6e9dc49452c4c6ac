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

from complaints.types import FmcStatus, Initiative, Satisfaction, Severity
from forms.templates import Template, load_template

EMPTY = ""  # what a missing value prints as: an empty box, for a hand to fill in

# Policy defaults (policy.md §4, complaints.rules.policy.Policy) when no policy is given.
DEFAULT_SHEET_CONTACT_HOURS = 3  # printed on form A ("烦请在3小时内与客户取得联系")
DEFAULT_SHEET_RETURN_HOURS = 24  # printed on form A ("请将此单在24小时内回传客服部")
DEFAULT_D7_HOURS = 24  # callback-raised general cases: handled, sheet back at CS
DEFAULT_D8_HOURS = 72  # callback-raised major cases

_ENV = Environment(autoescape=True)  # one environment, kept between renders
# Characters XML cannot hold (and \a, \f, which docxtpl turns into paragraph/page breaks),
# e.g. from a pasted or imported text: dropped rather than breaking the document.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --- values -----------------------------------------------------------------------------------

def text(value: Any, tz: tzinfo | None = None) -> str:
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
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
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
    """Form A's deadline wording from the policy (complaints.rules.policy.Policy):
    contact limit ``sheet_contact_hours`` (paper default 3 h), return limit
    ``sheet_return_hours`` (24 h), and 处理时限 in days: D8 for a major case, else D7."""
    contact = _hours(policy, ("sheet_contact_hours",), DEFAULT_SHEET_CONTACT_HOURS)
    ret = _hours(policy, ("sheet_return_hours",), DEFAULT_SHEET_RETURN_HOURS)
    major = text(case.get("severity")) == Severity.MAJOR.value
    handle = (_hours(policy, ("d8_hours",), DEFAULT_D8_HOURS) if major
              else _hours(policy, ("d7_hours",), DEFAULT_D7_HOURS))
    out = {"contact_limit": _fmt_hours(contact), "return_limit": _fmt_hours(ret),
           "reply_limit": f"{max(1, math.ceil(handle / 24))}日内回复"}
    # A rule counted in office time (issue 20 §2) says so on paper: the contact limit is D1's,
    # the return D7's, the handling D8's (major) or D7's; hours of office time, not days.
    if _office(policy, "D1"):
        out["contact_limit"] += "(工作时间)"
    if _office(policy, "D7"):
        out["return_limit"] += "(工作时间)"
    if _office(policy, "D8" if major else "D7"):
        out["reply_limit"] = f"{handle:g}个工作小时内回复"
    return out


def _office(policy: Any, rule: str) -> bool:
    clock = getattr(policy, "clock", None)
    return callable(clock) and clock(rule) == "office"


def tracking_lines(entries: Sequence[Mapping[str, Any]], tz: tzinfo | None) -> str:
    lines = []
    for e in entries:
        who = text(e.get("actor"))
        note = text(e.get("note"))
        line = f"{text(e.get('at'), tz)}\u3000{text(e.get('action'))}"
        if who:
            line += f"({who})"
        if note:
            line += f":{note}"
        lines.append(line)
    return "\n".join(lines)


def case_context(case: Mapping[str, Any], entries: Sequence[Mapping[str, Any]] = (),
                 policy: Any = None, *, tz: tzinfo | None = None, today: date | None = None,
                 site_name: str = "") -> dict[str, Any]:
    """Everything forms A and B can print, keyed by placeholder name."""
    from forms.templates import PLACEHOLDERS

    ctx: dict[str, Any] = {}
    for name in PLACEHOLDERS["A"]:
        ctx[name] = text(case.get(name), tz)
    mileage = case.get("mileage")
    ctx["mileage"] = f"{mileage} km" if isinstance(mileage, int) else EMPTY
    ctx["severity_boxes"] = boxes([s.value for s in Severity], case.get("severity"))
    ctx["initiative_boxes"] = boxes([s.value for s in Initiative], case.get("initiative"))
    ctx["satisfaction_boxes"] = boxes([s.value for s in Satisfaction], case.get("satisfaction"))
    ctx["satisfaction2_boxes"] = boxes([s.value for s in Satisfaction], case.get("satisfaction2"))
    ctx["fmc_status_boxes"] = boxes([s.value for s in FmcStatus], case.get("fmc_status"))
    ctx.update(sheet_limits(case, policy))
    ctx["tracking"] = tracking_lines(entries, tz)
    ctx["fill_date"] = text(today)
    ctx["site_name"] = site_name
    for name, value in ctx.items():
        assert isinstance(value, str), name
        ctx[name] = _listing(value)
    return ctx


def sanction_context(sanction: Any, *, case_number: str | None = None,
                     site_name: str = "") -> dict[str, Any]:
    """What notices C and D print; ``sanction`` is a db.models.Sanction or a mapping."""
    if case_number is None:
        case = _get(sanction, "case")
        case_number = _get(case, "number") if case is not None else None
    amount = int(_get(sanction, "amount") or 0)
    rule = text(_get(sanction, "rule"))
    reason = text(_get(sanction, "reason"))
    refs = []
    if rule:
        refs.append(f"依据规则 {rule}")
    if case_number:
        refs.append(f"投诉单编号 {case_number}")
    full_reason = reason + (f"({';'.join(refs)})" if refs else "")
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
    return {k: _listing(v) for k, v in ctx.items()}


def notice_form(sanction: Any) -> str:
    return "D" if text(_get(sanction, "type")) == "奖励" else "C"


# --- rendering --------------------------------------------------------------------------------

def render(template: Template | bytes, context: Mapping[str, Any]) -> bytes:
    """Fill a template; returns the .docx bytes."""
    data = template.data if isinstance(template, Template) else template
    tpl = DocxTemplate(io.BytesIO(data))
    tpl.render(dict(context), jinja_env=_ENV, autoescape=True)
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()


def _emit(data: bytes, out: Path | None) -> bytes | Path:
    if out is None:
        return data
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out


def fill_case_form(case: Mapping[str, Any], entries: Sequence[Mapping[str, Any]], form: str,
                   policy: Any = None, *, template: Template | None = None,
                   templates_dir: Path | None = None, tz: tzinfo | None = None,
                   today: date | None = None, site_name: str = "",
                   out: Path | None = None) -> bytes | Path:
    """Form A or B for one case: the .docx bytes, or the written path when ``out`` is given."""
    if form not in ("A", "B"):
        raise ValueError(f"form {form!r} is not a case form")
    template = template or load_template(form, templates_dir)
    ctx = case_context(case, entries, policy, tz=tz, today=today, site_name=site_name)
    return _emit(render(template, ctx), out)


def fill_sanction_notice(sanction: Any, *, case_number: str | None = None,
                         template: Template | None = None, templates_dir: Path | None = None,
                         site_name: str = "", out: Path | None = None) -> bytes | Path:
    """Notice C (fine) or D (reward) for one sanction."""
    form = notice_form(sanction)
    template = template or load_template(form, templates_dir)
    ctx = sanction_context(sanction, case_number=case_number, site_name=site_name)
    return _emit(render(template, ctx), out)


# --- batches ----------------------------------------------------------------------------------

CUT_LINE = "✂" + " - " * 14 + "沿此线剪开" + " - " * 14


class _BodyRenderer:
    """A notice template's body compiled once, rendered per notice (docxtpl's own steps,
    without re-reading the .docx and recompiling Jinja for every one of 500 notices)."""

    def __init__(self, template: Template):
        self.tpl = DocxTemplate(io.BytesIO(template.data))
        self.tpl.render_init()
        src = self.tpl.patch_xml(self.tpl.get_xml())
        self.jinja = _ENV.from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", src))
        self.part = self.tpl.docx.part

    def body(self, context: Mapping[str, Any]):
        xml = self.jinja.render(dict(context))
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = (xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%")
               .replace("%_}", "%}"))
        return parse_xml(self.tpl.resolve_listing(xml))


def fill_notice_batch(sanctions: Sequence[Any], *, per_page: int = 3,
                      templates: Mapping[str, Template] | None = None,
                      templates_dir: Path | None = None, site_name: str = "",
                      out: Path | None = None) -> bytes | Path:
    """Every notice in one document: ``per_page`` to an A4 sheet with cut lines between them,
    or one per page (per_page=1). Each notice uses its own form's template (C or D); the
    page setup is the first notice's."""
    if not sanctions:
        raise ValueError("no notices to print")
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    tpls = dict(templates or {})
    renderers: dict[str, _BodyRenderer] = {}
    target = Document(io.BytesIO(render(
        tpls.get(notice_form(sanctions[0])) or load_template(notice_form(sanctions[0]),
                                                             templates_dir),
        sanction_context(sanctions[0], site_name=site_name))))
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
        _append_body(target, r.part, r.body(sanction_context(s, site_name=site_name)),
                     body, sect)
    for n, el in enumerate(body.iter(qn("wp:docPr")), start=1):  # unique drawing ids
        el.set("id", str(n))
    buf = io.BytesIO()
    target.save(buf)
    return _emit(buf.getvalue(), out)


def _paragraph_before(body, sect):
    from docx.text.paragraph import Paragraph

    p = body.makeelement(qn("w:p"), {})
    if sect is not None:
        sect.addprevious(p)
    else:
        body.append(p)
    return Paragraph(p, None)


def _cut_line(body, sect) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    _paragraph_before(body, sect)  # a little room above the line
    p = _paragraph_before(body, sect)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
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
                        rel_map[rid] = target.part.relate_to(rel.target_ref, rel.reltype,
                                                             is_external=True)
                    elif rel.reltype == RT.IMAGE:  # deduplicated, under a name of its own
                        rel_map[rid] = target.part.get_or_add_image(
                            io.BytesIO(rel.target_part.blob))[0]
                    else:
                        rel_map[rid] = target.part.relate_to(rel.target_part, rel.reltype)
                node.set(attr, rel_map[rid])
        if sect is not None:
            sect.addprevious(new)
        else:
            body.append(new)
