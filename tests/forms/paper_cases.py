"""Cases of every life for the paper tests (issue 16): built through the use cases, with a
clock that moves, so their entries are what the app writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from conftest_forms import CASE_VALUES

from complaints.rules.permissions import ROLES
from complaints.usecases import tracking
from complaints.usecases.cases import create_case
from complaints.usecases.context import CHINA_TZ, Context

START = datetime(2026, 11, 19, 9, 10, tzinfo=CHINA_TZ)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


def context(clock: Clock) -> Context:
    return Context(
        site="SH01", actor="客服周敏", clock=clock, roles=frozenset(ROLES), department="客服部"
    )


def _case(ctx: Context, clock: Clock, **values) -> int:
    base = {
        k: v
        for k, v in CASE_VALUES.items()
        if k
        not in (
            "plan",
            "handled_date",
            "satisfaction",
            "gm_instruction",
            "cac_number",
            "fmc_status",
        )
    }
    base.update(received_at=clock.now, **values)
    return create_case(ctx, base).id


def _do(ctx: Context, clock: Clock, case_id: int, minutes: int, action: str, **kw) -> None:
    clock.now += timedelta(minutes=minutes)
    tracking.record_action(ctx, case_id, action, **kw)


def ordinary(ctx: Context, clock: Clock) -> int:
    cid = _case(ctx, clock)
    _do(ctx, clock, cid, 20, "派单", department="售后服务部")
    _do(ctx, clock, cid, 30, "联系客户", note="电话联系客户,约次日到店")
    _do(ctx, clock, cid, 600, "处理完成", plan="免费检修并赠送保养一次")
    _do(ctx, clock, cid, 300, "回访", satisfaction="满意")
    _do(ctx, clock, cid, 10, "关闭")
    return cid


def reopened(
    ctx: Context,
    clock: Clock,
    *,
    second_callback: bool = True,
    content: str | None = None,
    plan1: str = "更换前减震器,赠送保养一次",
    plan2: str = "总经理出面致歉,再次检修并延长质保一年",
) -> int:
    cid = _case(ctx, clock, **({"content": content} if content else {}))
    _do(ctx, clock, cid, 20, "派单", department="售后服务部")
    _do(ctx, clock, cid, 30, "联系客户", note="电话联系客户,约次日到店")
    _do(ctx, clock, cid, 600, "处理完成", plan=plan1)
    _do(ctx, clock, cid, 300, "回访", satisfaction="非常不满意", note="异响仍在")
    _do(ctx, clock, cid, 30, "重开")
    if second_callback:
        _do(ctx, clock, cid, 1200, "处理完成", plan=plan2)
        _do(ctx, clock, cid, 300, "二次回访", satisfaction="满意")
        _do(ctx, clock, cid, 10, "关闭")
    return cid


def long_case(ctx: Context, clock: Clock) -> int:
    content = LONG_CONTENT
    plan1 = ("经车间检查,前减震器顶胶老化,已更换前减震器总成并做四轮定位," * 5)[:250]
    plan2 = ("客户仍不满意,由售后经理陪同试车,更换稳定杆连杆并延长质保一年," * 5)[:250]
    assert len(content) == 600
    return reopened(ctx, clock, content=content, plan1=plan1, plan2=plan2)


LONG_CONTENT = ("客户反映车辆在行驶中底盘异响,低速过减速带时尤其明显。" * 24)[:600]


def manufacturer(ctx: Context, clock: Clock, **values) -> int:
    """A case forwarded by the manufacturer with 20 entries (登记 and 19 more)."""
    cid = _case(ctx, clock, channel="厂家转发", severity="重大投诉", needs_oem=True, **values)
    _do(ctx, clock, cid, 10, "派单", department="售后服务部")
    _do(ctx, clock, cid, 10, "指定责任人", person="赵六")
    _do(ctx, clock, cid, 10, "联系客户", note="电话联系客户,约次日到店")
    _do(ctx, clock, cid, 30, "上报厂家", cac_number="CAC-88001")
    _do(ctx, clock, cid, 60, "升级", to="总经理")
    for i in range(5):
        _do(
            ctx, clock, cid, 240, "联系客户", note=f"第{i + 2}次与客户沟通维修方案,客户同意等待配件"
        )
        _do(
            ctx,
            clock,
            cid,
            30,
            "FMC状态",
            status=("On-going", "In process")[i % 2],
            note=f"厂家技术支持第{i + 1}次回复",
        )
    _do(ctx, clock, cid, 30, "备注", note="内部:配件已到")
    _do(ctx, clock, cid, 600, "处理完成", plan="厂家同意更换变速箱总成")
    _do(ctx, clock, cid, 10, "回传客服")
    _do(ctx, clock, cid, 300, "回访", satisfaction="满意", note="客户认可处理结果")
    assert len(tracking.timeline(cid)) == 20
    return cid


NOTICE_MONTH = "2026-11"
