"""One rulebook from headquarters (issue 20 §4–§5): exported at one data folder, imported at
another with a preview of every change, a backup, a new policy version from its start, the
binding mark, and a bad file that changes nothing."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from complaints.rules.permissions import ROLES
from complaints.rules.policy import POLICY_FIELDS, POLICY_KEYS, Policy
from complaints.usecases import audit, cases, rulebook, rulebook_file, site, tracking, workcalendar
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import CHINA_TZ, Context
from complaints.usecases.errors import UseCaseError, ValidationFailed
from db.database import close_database, open_database
from forms.templates import copy_default_to, custom_path

HQ_NOW = datetime(2026, 11, 20, 10, 0, tzinfo=CHINA_TZ)
BRANCH_NOW = datetime(2026, 12, 5, 9, 0, tzinfo=CHINA_TZ)
START = datetime(2027, 1, 1, 0, 0, tzinfo=CHINA_TZ)

# Every value of the policy different from its default, as headquarters sets it.
HQ_POLICY = (
    Policy()
    .with_(
        **{
            f.name: (
                not f.default
                if isinstance(f.default, bool)
                else f.default + 1
                if isinstance(f.default, int)
                else 0.3
                if isinstance(f.default, float)
                else ("calendar" if f.default == "office" else "office")
                if f.name.endswith("_clock")
                else "mon-fri 09:00-18:00"
                if f.name == "office_hours"
                else "22:00"
                if f.name == "d4_cutoff"
                else (("销售", "", "销售一部"),)
                if f.name == "routing"
                else ("现场",)
                if f.name == "onsite_channels"
                else f.default
            )
            for f in POLICY_FIELDS
        }
    )
    .with_(s6_min=21, s6_default=22, s6_max=51)
)


def _ctx(code: str, when: datetime) -> Context:
    return Context(site=code, actor=f"{code} 经理", clock=lambda: when, roles=frozenset(ROLES))


def _open(root: Path, code: str) -> None:
    open_database(root / "complaintdesk.sqlite3", backup_dir=root / "backups")
    if site.local_site() is None:
        site.init_site(code, code, now=HQ_NOW)


@pytest.fixture
def hq_file(tmp_path) -> Path:
    """Headquarters: its policy, a 2027 calendar and its own form A, exported binding."""
    root = tmp_path / "hq"
    _open(root, "HQ")
    try:
        cx = _ctx("HQ", HQ_NOW)
        policy_uc.save(cx, HQ_POLICY, START)
        cal = tmp_path / "2027.json"
        cal.write_text(
            json.dumps(
                {
                    "year": 2027,
                    "days": [
                        {"name": "元旦", "date": "2027-01-01", "isOffDay": True},
                        {"name": "春节", "date": "2027-02-06", "isOffDay": False},
                    ],
                }
            ),
            encoding="utf-8",
        )
        workcalendar.import_file(cx, cal)
        copy_default_to("A", root / "templates")
        return rulebook.export(
            cx,
            tmp_path / "总部制度-2027.zip",
            root / "templates",
            binding=True,
            reason="集团统一标准",
            with_templates=True,
        )
    finally:
        close_database()


@pytest.fixture
def branch(tmp_path):
    root = tmp_path / "branch"
    _open(root, "SZ01")
    yield root
    close_database()


def _stored() -> tuple[object, object, list]:
    return (
        policy_uc.book().versions,
        policy_uc.binding(),
        sorted(workcalendar.data().years),
    )


def test_round_trip_hq_to_branch(hq_file, branch):
    cx = _ctx("SZ01", BRANCH_NOW)
    templates = branch / "templates"
    # A case received before the start keeps the old limits.
    v = cases.blank_case(cx)
    v.update(customer_name="张伟", content="异响", channel="电话热线", business="售后")
    cid = cases.create_case(cx, v).id

    pv = rulebook.preview(cx, hq_file, templates)
    assert pv.start == START and "总部文件所定" in pv.start_note
    keys = {c.key for c in pv.changes if c.place == "制度参数"}
    # every policy value differs from the default: each is listed, by its CLI key if it has one
    cli_key = {name: key for key, (name, _) in POLICY_KEYS.items()}
    assert keys == {cli_key.get(f.name, f.name) for f in POLICY_FIELDS}
    d1 = next(c for c in pv.changes if c.key == "D1")
    assert (d1.old, d1.new) == ("2h", "3h")
    assert any(c.place == "工作日历" and c.key == "2027-02-06" for c in pv.changes)
    assert any(c.place == "表单模板" and c.key == "A" for c in pv.changes)
    assert any(c.place == "约束性" and c.new == "是(集团统一标准)" for c in pv.changes)
    text = "\n".join(pv.lines(cx))
    assert "D1 一般投诉联系客户时限:2h → 3h" in text

    r = rulebook.import_file(cx, hq_file, templates)
    assert r.backup.exists() and r.backup.parent == branch / "backups"
    assert r.templates == ("A",) and custom_path(templates, "A").exists()
    book = policy_uc.book()
    assert book.at(BRANCH_NOW) == Policy()  # until the start: the old rules
    assert book.at(START).to_dict() == HQ_POLICY.to_dict()  # every value arrived
    assert book.versions[-1].effective_from == START
    cal = workcalendar.data()
    assert cal.marks[date(2027, 1, 1)].off and not cal.marks[date(2027, 2, 6)].off
    assert workcalendar.year_view(2027).source.startswith("导入自 总部制度 总部制度-2027.zip")
    d = next(d for d in tracking.case_deadlines(cx, cid, now=BRANCH_NOW) if d.rule == "D1")
    assert d.limit == "2小时"  # received before 2027-01-01: the old limit, calendar time
    # Received from the start: headquarters' limit, in office time (09:00-18:00 on weekdays).
    monday = datetime(2027, 1, 4, 8, 0, tzinfo=CHINA_TZ)
    at_monday = dataclasses.replace(cx, clock=lambda: monday)
    v = cases.blank_case(at_monday)
    v.update(customer_name="李娜", content="漏水", channel="电话热线", business="售后")
    new_id = cases.create_case(at_monday, v).id
    d = next(d for d in tracking.case_deadlines(cx, new_id, now=monday) if d.rule == "D1")
    assert d.limit == "3小时(工作时间)"
    assert d.due.astimezone(CHINA_TZ) == datetime(2027, 1, 4, 12, 0, tzinfo=CHINA_TZ)
    (entry,) = audit.entries(event="settings.rulebook")
    assert "总部制度-2027.zip" in entry.note and r.backup.name in entry.note
    assert entry.event_label == "导入总部制度" and entry.changes["制度参数 D1"] == ["2h", "3h"]


def test_binding_refuses_every_change_of_the_policy(hq_file, branch):
    cx = _ctx("SZ01", BRANCH_NOW)
    rulebook.import_file(cx, hq_file, branch / "templates")
    bound = policy_uc.binding()
    assert bound is not None and bound.reason == "集团统一标准"
    with pytest.raises(UseCaseError, match=r"由总部统一规定.*集团统一标准"):
        policy_uc.set_key(cx, "D1", "5h")
    with pytest.raises(UseCaseError, match="由总部统一规定"):
        policy_uc.restore_defaults(cx)
    # a non-binding rulebook from headquarters lifts it
    hq_root = hq_file.parent / "hq"
    close_database()
    _open(hq_root, "HQ")
    free = rulebook.export(_ctx("HQ", HQ_NOW), hq_file.parent / "free.zip", hq_root / "templates")
    close_database()
    _open(branch, "SZ01")
    rulebook.import_file(cx, free, branch / "templates")
    assert policy_uc.binding() is None
    assert policy_uc.set_key(cx, "D1", "5h", START).d1_hours == 5


def _rewrite(src: Path, dst: Path, edit) -> Path:
    with zipfile.ZipFile(src) as z:
        members = {n: z.read(n) for n in z.namelist()}
    manifest = json.loads(members["rulebook.json"])
    edit(manifest)
    members["rulebook.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    with zipfile.ZipFile(dst, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    return dst


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m.update(format_version=2), "较新版本的程序导出(格式版本 2)"),
        (lambda m: m.update(format="other"), "不是总部制度文件"),
        (lambda m: m["policy"].update(d1_hours="两小时"), "policy.d1_hours(一般投诉联系客户时限)"),
        (lambda m: m["policy"].update(d1_hours=0), "一般投诉联系客户时限必须大于 0"),
        (lambda m: m["policy"].update(d99=1), "policy.d99:未知的制度参数"),
        (lambda m: m["policy"].pop("s11"), "policy.s11(客户赠送锦旗:奖励):缺少此项"),
        (lambda m: m["calendar"]["2027"]["days"][0].update(date="2027-13-01"), "days 第 1 项"),
        (lambda m: m["templates"]["A"].update(sha256="0" * 64), "SHA-256 与清单不符"),
        (lambda m: m.update(effective_from="明年"), "effective_from"),
    ],
)
def test_a_bad_file_names_the_place_and_changes_nothing(hq_file, branch, edit, message):
    cx = _ctx("SZ01", BRANCH_NOW)
    bad = _rewrite(hq_file, branch.parent / "bad.zip", edit)
    before = _stored()
    with pytest.raises(UseCaseError) as e:
        rulebook.import_file(cx, bad, branch / "templates")
    assert message in str(e.value)
    assert _stored() == before
    assert not (branch / "backups").exists() or not list((branch / "backups").iterdir())
    assert not (branch / "templates").exists()


def test_not_a_rulebook_and_a_truncated_one(hq_file, branch, tmp_path):
    cx = _ctx("SZ01", BRANCH_NOW)
    text = tmp_path / "notes.zip"
    text.write_text("hello", encoding="utf-8")
    cut = tmp_path / "cut.zip"
    cut.write_bytes(hq_file.read_bytes()[:-200])
    before = _stored()
    for f in (text, cut):
        with pytest.raises(UseCaseError, match="不是总部制度文件"):
            rulebook.import_file(cx, f, branch / "templates")
    assert _stored() == before


def test_a_validation_failure_lists_every_problem(hq_file, branch):
    def edit(m):
        m["policy"].update(d1_hours="x", s2_person=-1.5)

    bad = _rewrite(hq_file, branch.parent / "bad.zip", edit)
    with pytest.raises(ValidationFailed) as e:
        rulebook_file.read(bad)
    places = [p.field for p in e.value.problems]
    assert "policy.d1_hours" in places and "policy.s2_person" in places


def test_from_overrides_the_files_start_and_a_passed_start_means_now(hq_file, branch):
    cx = _ctx("SZ01", BRANCH_NOW)
    later = datetime(2027, 2, 1, tzinfo=CHINA_TZ)
    assert rulebook.preview(cx, hq_file, branch / "templates", later).start == later
    with pytest.raises(UseCaseError, match="早于现在"):
        rulebook.preview(cx, hq_file, branch / "templates", datetime(2026, 1, 1, tzinfo=CHINA_TZ))
    jan = dataclasses.replace(cx, clock=lambda: datetime(2027, 1, 5, 9, tzinfo=CHINA_TZ))
    pv = rulebook.preview(jan, hq_file, branch / "templates")
    assert pv.start == jan.now() and "已过" in pv.start_note
