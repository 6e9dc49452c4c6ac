"""The long commands' progress line (desktop/progress_line.py): in place on a terminal, a
few lines in a log, on stderr only."""

from __future__ import annotations

import io

from desktop.progress_line import ProgressLine, columns


class Terminal(io.StringIO):
    """A stream that says it is a terminal (what a console window would be)."""

    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_in_a_log_a_line_every_five_percent_or_new_stage_never_thousands():
    log = io.StringIO()
    with ProgressLine("正在导入", unit="行", stream=log) as progress:
        for done in range(0, 100_001, 200):
            sheet = "投诉台账" if done < 60_000 else "跟踪记录"
            progress(done, 100_000, f"SH01.xlsx · {sheet}")
    lines = log.getvalue().splitlines()
    assert 20 <= len(lines) <= 23  # one per 5 % step, one more for the new sheet
    assert lines[0] == "正在导入:0%(0/100,000 行) SH01.xlsx · 投诉台账"
    assert lines[-1] == "正在导入:100%(100,000/100,000 行) SH01.xlsx · 跟踪记录"
    assert "正在导入:60%(60,000/100,000 行) SH01.xlsx · 跟踪记录" in lines
    assert "\r" not in log.getvalue()


def test_in_a_log_counts_that_change_alone_are_not_a_new_stage():
    log = io.StringIO()
    progress = ProgressLine("正在检查", stream=log)
    for read in range(0, 1_000_001, 1000):  # the chain's batches, within one part
        progress(1000 + read // 1000, 6000, f"审计日志已读 {read:,}/1,000,000 条")
    assert len(log.getvalue().splitlines()) <= 5


def test_on_a_terminal_one_line_rewritten_a_few_times_a_second_then_cleared():
    term, clock = Terminal(), Clock()
    with ProgressLine("正在导入", unit="行", stream=term, clock=clock) as progress:
        for done in range(0, 100_001, 200):
            clock.now += 0.01  # 500 calls in 5 seconds
            progress(done, 100_000, "SH01.xlsx · 投诉台账")
        written = term.getvalue()
    assert "\n" not in written
    assert 15 <= written.count("\r") <= 21  # at most four a second
    assert written.startswith("\r正在导入:0%(0/100,000 行) SH01.xlsx")
    ended = term.getvalue()[len(written) :]
    width = columns(written.rsplit("\r", 1)[1])
    assert ended == "\r" + " " * width + "\r"  # cleared: the command's output follows


def test_a_shorter_line_on_a_terminal_covers_the_longer_one():
    term, clock = Terminal(), Clock()
    progress = ProgressLine("正在检查", stream=term, clock=clock)
    progress(1, 6, "检查约需 3 秒;审计日志已读 3,000/9,000 条")
    clock.now += 1
    progress(5, 6, "")
    first, second = term.getvalue().split("\r")[1:]
    assert second.startswith("正在检查:83%") and columns(second) == columns(first)


def test_on_a_terminal_an_interruption_leaves_the_line_standing():
    term = Terminal()
    try:
        with ProgressLine("正在导入", unit="行", stream=term) as progress:
            progress(400, 1000, "SH01.xlsx · 投诉台账")
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert term.getvalue() == "\r正在导入:40%(400/1,000 行) SH01.xlsx · 投诉台账\n"


def test_nothing_said_nothing_cleared():
    term = Terminal()
    with ProgressLine("正在检查", stream=term):
        pass
    assert term.getvalue() == ""
