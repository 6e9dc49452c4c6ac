"""厂家跟踪 page: oem.oem_rows in a table, filters, setting the FMC status, opening a case."""

from __future__ import annotations

from datetime import datetime

from complaints.usecases import cases, oem, tracking
from complaints.usecases.context import CHINA_TZ
from tests.ui.helpers import idle
from ui.oem import NO_STATUS, OemPage

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ)


def new_case(ctx, **over) -> int:
    v = cases.blank_case(ctx)
    v.update(
        customer_name="张伟", content="异响", received_at=T0, business="售后", car_model="帕萨特"
    )
    v.update(over)
    return cases.create_case(ctx, v).id


def make_page(qtbot, session) -> OemPage:
    page = OemPage(session)
    qtbot.addWidget(page)
    page.resize(1300, 600)
    page.show()
    qtbot.waitUntil(lambda: page.model.now is not None)
    idle(session)
    return page


def ids(page) -> list[int]:
    return [r.case_id for r in page.model.rows]


def test_rows_filters_and_status(qtbot, session, ctx):
    fwd = new_case(ctx, channel="厂家转发", cac_number="CAC-1")
    major = new_case(ctx, severity="重大投诉", media=True)
    tracking.record_action(ctx, major, "上报厂家", cac_number="CAC-2")
    closed = new_case(ctx, needs_oem=True)
    tracking.record_action(ctx, closed, "处理完成")
    tracking.record_action(ctx, closed, "回访", satisfaction="满意")
    tracking.record_action(ctx, closed, "关闭")
    plain = new_case(ctx)

    page = make_page(qtbot, session)
    assert page.open_only.isChecked()
    assert ids(page) == [r.case_id for r in oem.oem_rows(ctx, include_closed=False)]
    assert set(ids(page)) == {fwd, major} and plain not in ids(page)
    m = page.model
    row = ids(page).index(major)
    cells = [m.data(m.index(row, c)) for c in range(m.columnCount())]
    assert cells[0] == cases.get_case(major)["number"]
    assert cells[4] == "CAC-2" and cells[5] == "On-going"  # 上报厂家 starts the FMC status
    assert cells[6] == "2026-11-20 09:30" and cells[7] == "按时完成"
    assert "上报厂家" in cells[11]

    page.open_only.setChecked(False)
    qtbot.waitUntil(lambda: closed in ids(page))
    idle(session)
    assert ids(page) == [r.case_id for r in oem.oem_rows(ctx)]

    page.status_filter.setCurrentIndex(page.status_filter.findData(NO_STATUS))
    idle(session)
    assert set(ids(page)) == {fwd, closed}

    # set the FMC status of the forwarded case from the page
    page.status_filter.setCurrentIndex(0)
    idle(session)
    page.view.selectRow(ids(page).index(fwd))
    assert page.set_status_button.isEnabled()
    dialog = page.open_set_status()
    dialog.status.setCurrentIndex(dialog.status.findData("In process"))
    dialog.note.setPlainText("厂家同意更换")
    with qtbot.waitSignal(dialog.accepted):
        dialog.try_submit()
    idle(session)
    assert cases.get_case(fwd)["fmc_status"] == "In process"
    last = tracking.timeline(fwd)[-1]
    assert last["action"] == "FMC状态" and last["params"]["status"] == "In process"
    page.status_filter.setCurrentIndex(page.status_filter.findData("In process"))
    idle(session)
    assert ids(page) == [fwd]
    assert page.model.rows[0].last_action == "FMC状态"


def test_double_click_opens_the_case(qtbot, session, ctx):
    fwd = new_case(ctx, channel="厂家转发")
    page = make_page(qtbot, session)
    with qtbot.waitSignal(session.open_case_requested) as sig:
        page.view.doubleClicked.emit(page.model.index(0, 0))
    assert sig.args == [fwd]
