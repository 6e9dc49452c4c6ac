"""投诉台账: the paged table model and the list page (filters, search, sort, opening)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from complaints.query import CaseFilter, Sort
from complaints.types import Channel, State
from complaints.usecases import cases
from ui.case_list import COLUMNS, CaseListPage
from ui.case_list_model import CaseTableModel

N = 240
NAMES = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊")
TEXTS = ("保养后发动机异响", "销售顾问态度差", "天窗漏水严重", "配件等待时间过长")
STATES = (State.REGISTERED, State.DISPATCHED, State.CLOSED)


@pytest.fixture
def many(ctx):
    """N cases over N hours before the fixed clock; every 4th has 天窗漏水, every 3rd is closed."""
    base = ctx.now()
    ids = []
    for i in range(N):
        v = cases.blank_case(ctx)
        v.update(
            customer_name=NAMES[i % len(NAMES)],
            content=f"{TEXTS[i % 4]} 第{i}号",
            phone=f"1381234{i:04d}",
            received_at=base - timedelta(hours=i),
            state=STATES[i % 3].value,
            channel=(Channel.HOTLINE if i % 5 == 0 else Channel.ON_SITE).value,
            department="车间" if i % 2 else "销售部",
        )
        ids.append(cases.create_case(ctx, v).id)
    return ids


class CountingFetch:
    def __init__(self):
        self.calls: list[list[int]] = []

    def __call__(self, ids, columns):
        self.calls.append(list(ids))
        return cases.case_rows(ids, columns)


def test_model_passes_qtmodeltester(qtmodeltester, many):
    model = CaseTableModel(COLUMNS, page_size=50)
    model.load(CaseFilter())
    assert model.rowCount() == N
    qtmodeltester.check(model, force_py=True)


def test_rows_are_fetched_by_page_into_a_bounded_cache(many):
    fetch = CountingFetch()
    model = CaseTableModel(COLUMNS, page_size=50, cache_pages=2, fetch_rows=fetch)
    model.load(CaseFilter())
    assert fetch.calls == []  # holding the ids costs no row reads
    ids = model.ids()
    model.index(0, 0).data()
    model.index(49, 3).data()
    assert fetch.calls == [ids[0:50]]
    model.index(230, 0).data()  # a jump to the end reads only that page
    assert fetch.calls[-1] == ids[200:240]
    model.index(120, 0).data()
    assert len(fetch.calls) == 3
    assert model.cached_row_count() <= 100  # two pages at most
    model.index(0, 0).data()  # page 0 was dropped: read again
    assert len(fetch.calls) == 4
    assert max(len(c) for c in fetch.calls) == 50


def test_display_is_local_time_masked_phone_and_chinese_headers(ctx, many):
    model = CaseTableModel(COLUMNS, page_size=50)
    model.load(CaseFilter())
    col = {name: i for i, name in enumerate(COLUMNS)}
    assert model.headerData(col["received_at"], Qt.Orientation.Horizontal) == "接单时间"
    assert model.headerData(col["customer_name"], Qt.Orientation.Horizontal) == "用户姓名"
    assert model.index(0, col["received_at"]).data() == "2026-11-20 09:30"
    assert model.index(0, col["phone"]).data() == "138****0000"
    model.mask_phones = False
    assert model.index(0, col["phone"]).data() == "13812340000"
    assert model.index(0, col["number"]).data() == "SH01-202611-0001"
    assert model.index(0, 0).data(Qt.ItemDataRole.UserRole + 1) == many[0]


def test_sorting_is_asked_of_the_database(many):
    model = CaseTableModel(COLUMNS, page_size=50)
    model.load(CaseFilter())
    asked = []
    model.sort_requested.connect(asked.append)
    model.sort(COLUMNS.index("customer_name"), Qt.SortOrder.AscendingOrder)
    assert asked == [Sort("customer_name", False)]
    model.sort(COLUMNS.index("content"), Qt.SortOrder.AscendingOrder)  # not sortable
    assert len(asked) == 1
    model.load(CaseFilter())
    names = [model.index(r, COLUMNS.index("customer_name")).data() for r in range(N)]
    assert names == sorted(names)


@pytest.fixture
def page(qtbot, session, many):
    p = CaseListPage(session)
    qtbot.addWidget(p)
    p.resize(1200, 700)
    p.show()
    qtbot.waitUntil(lambda: p.model.rowCount() == N)
    return p


def _reload(qtbot, page, action):
    with qtbot.waitSignal(page.ids_loaded, timeout=5000) as blocker:
        action()
    return blocker.args[0]


def test_page_counts_and_filters(qtbot, page):
    assert page.count_label.text() == f"共 {N} 条"
    closed = _reload(
        qtbot,
        page,
        lambda: page.state_box.setCurrentIndex(page.state_box.findData(State.CLOSED.value)),
    )
    assert closed == N // 3 == page.model.rowCount()
    assert page.count_label.text() == f"共 {N // 3} 条"
    both = _reload(
        qtbot,
        page,
        lambda: page.channel_box.setCurrentIndex(page.channel_box.findData(Channel.HOTLINE.value)),
    )
    assert both == len([i for i in range(N) if i % 3 == 2 and i % 5 == 0])
    dept = _reload(
        qtbot,
        page,
        lambda: page.department_box.setCurrentIndex(page.department_box.findData("车间")),
    )
    assert dept == len([i for i in range(N) if i % 3 == 2 and i % 5 == 0 and i % 2])
    assert _reload(qtbot, page, page.clear_filters) == N


def test_page_date_range(qtbot, page, ctx):
    # cases are an hour apart back from 2026-11-20 09:30: 10 on the 20th, 24 on the 19th
    page.date_from.setDate(page.date_from.date().fromString("2026-11-19", "yyyy-MM-dd"))
    page.date_to.setDate(page.date_to.date().fromString("2026-11-20", "yyyy-MM-dd"))
    assert _reload(qtbot, page, lambda: page.date_check.setChecked(True)) == 34


def test_page_search_debounced(qtbot, page):
    n = _reload(qtbot, page, lambda: page.search_edit.setText("天窗漏"))
    assert n == N // 4
    rows = page.model.rowCount()
    content = page.model.index(0, COLUMNS.index("content")).data()
    assert rows == N // 4 and "天窗漏水" in content
    assert _reload(qtbot, page, lambda: page.search_edit.setText("漏水")) == N // 4  # 2 chars
    assert _reload(qtbot, page, lambda: page.search_edit.setText("第17号")) == 1


def test_page_search_finds_a_plate_typed_with_or_without_its_dot(qtbot, page, ctx):
    """A clerk types 沪A89243 (no dot on the keyboard) for a case saved as 沪A·89243, and the
    other way round."""
    dotted, plain = cases.blank_case(ctx), cases.blank_case(ctx)
    dotted.update(customer_name="杜林", content="异响", plate="沪A·89243")
    plain.update(customer_name="孙丽", content="漏水", plate="沪B52719")
    dotted_id = cases.create_case(ctx, dotted).id
    plain_id = cases.create_case(ctx, plain).id
    for typed, found in (("沪A89243", dotted_id), ("沪B·52719", plain_id), ("沪b 52719", plain_id)):
        assert _reload(qtbot, page, lambda t=typed: page.search_edit.setText(t)) == 1
        assert page.model.case_id(0) == found


def test_page_sort_by_header(qtbot, page):
    header = page.view.horizontalHeader()
    _reload(
        qtbot,
        page,
        lambda: header.setSortIndicator(COLUMNS.index("number"), Qt.SortOrder.AscendingOrder),
    )
    numbers = [page.model.index(r, 0).data() for r in range(5)]
    assert numbers == sorted(numbers) and numbers[0].endswith("-0001")


def test_open_by_double_click_and_enter(qtbot, page, session, many):
    page.view.setCurrentIndex(page.model.index(2, 1))
    with qtbot.waitSignal(session.open_case_requested) as opened:
        qtbot.keyClick(page.view, Qt.Key.Key_Return)
    assert opened.args == [many[2]]
    rect = page.view.visualRect(page.model.index(0, 1))
    with qtbot.waitSignal(session.open_case_requested) as opened:
        # Qt 6 turns a double-click into doubleClicked only after a first press
        qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [many[0]]


def test_refresh_after_changed_keeps_selection(qtbot, page, session, ctx, many):
    page.view.selectRow(5)
    page.view.setCurrentIndex(page.model.index(5, 0))
    v = cases.blank_case(ctx)
    v.update(
        customer_name="新客户", content="刚登记的投诉", received_at=ctx.now() + timedelta(minutes=1)
    )
    made: list[int] = []

    def create() -> None:  # a write on the GUI thread: the list hears of it by itself
        made.append(session.run_now(lambda: cases.create_case(ctx, v).id))

    assert _reload(qtbot, page, create) == N + 1
    new_id = made[0]
    assert page.model.case_id(0) == new_id
    assert page.current_case_id() == many[5]
    QApplication.processEvents()


def test_the_first_screenful_comes_before_the_whole_list(qtbot, session, many, monkeypatch):
    """At start the page shows the first page of rows from the index alone, then all the
    ids; the place (selection, scroll) in the first rows is kept."""
    import threading

    release = threading.Event()
    calls: list[int | None] = []
    real = cases.case_ids

    def case_ids(f, sort=cases.NEWEST_FIRST, limit=None):
        calls.append(limit)
        if limit is None:
            release.wait(10)  # the whole list takes its time
        return real(f, sort, limit=limit)

    monkeypatch.setattr(cases, "case_ids", case_ids)
    p = CaseListPage(session)
    qtbot.addWidget(p)
    p.resize(1200, 700)
    p.show()
    try:
        qtbot.waitUntil(lambda: p.model.rowCount() > 0)
        assert calls[0] is not None and p.model.rowCount() == calls[0] < N
        assert p.count_label.text() == "正在读取…"
        first = p.model.ids()
        p.view.selectRow(3)
    finally:
        release.set()
    qtbot.waitUntil(lambda: p.model.rowCount() == N)
    assert p.model.ids()[: len(first)] == first and p.current_case_id() == first[3]
    assert p.count_label.text() == f"共 {N} 条"
    session.taskman.wait_idle()


def test_every_id_comes_compactly_in_the_same_order(many):
    for f, sort in (
        (CaseFilter(), Sort("received_at", True)),
        (CaseFilter(states=frozenset({State.REGISTERED.value})), Sort("number", False)),
        (CaseFilter(text="客户"), Sort("received_at", True)),
    ):
        compact = cases.all_case_ids(f, sort)
        assert compact.itemsize == 8 and list(compact) == cases.case_ids(f, sort)


def test_the_model_keeps_ids_compactly_and_finds_rows(many):
    model = CaseTableModel()
    ids = cases.all_case_ids(CaseFilter(), Sort("received_at", True))
    model.set_ids(ids[:5])
    assert model.begins(ids) and model.begins(list(ids[:5])) and not model.begins(ids[1:])
    model.set_ids(list(ids))  # a list is kept as compactly
    assert model.ids() == list(ids) and model.rowCount() == len(ids)
    assert model.row_of(ids[-1]) == len(ids) - 1 and model.row_of(-7) is None
    assert not CaseTableModel().begins(ids)


def test_the_list_fits_a_1366x768_laptop_without_scrolling_sideways(qtbot, session, qsettings, ctx):
    """As wide as a maximised window on a 1366x768 laptop leaves it (Windows' 8 px borders),
    every column shows its usual values whole and the list does not scroll sideways: each
    column is measured in this PC's font, 投诉内容 takes the rest."""
    from ui.main_window import MainWindow

    values = cases.blank_case(ctx)
    values.update(customer_name="欧阳明辉", content="异响", car_model="别克昂科威Plus")
    cases.create_case(ctx, values)
    window = MainWindow(session, settings=qsettings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.resize(1366 - 2 * 8, 768 - 40 - 31 - 8)  # after the show, which fits the window
    page = window.show_page("cases")
    session.taskman.wait_idle()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    view, header = page.view, page.view.horizontalHeader()
    qtbot.waitUntil(lambda: header.length() <= view.viewport().width())
    assert not view.horizontalScrollBar().isVisible()
    metrics = view.fontMetrics()
    for column in ("number", "received_at", "customer_name", "car_model"):
        i = page.model.columns.index(column)
        shown = page.model.index(0, i).data()
        assert metrics.horizontalAdvance(shown) < header.sectionSize(i), column
    assert header.sectionSize(page.model.columns.index("content")) >= 100
    session.taskman.wait_idle()
