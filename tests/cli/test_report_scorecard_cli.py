"""``report --period P --scorecard``: the scorecard printed, ranked, with the period before."""

from __future__ import annotations

from tests.cli.test_report_cli import data_dir, run

__all__ = ["data_dir"]  # the fixture, shared with the report command's tests


def test_scorecard_is_printed_without_a_file(data_dir, capsys):
    assert run(data_dir, "--period", "2026-10", "--scorecard") == 0
    out = capsys.readouterr().out.splitlines()
    title = next(i for i, line in enumerate(out) if line.startswith("考核 "))
    assert out[title] == "考核 2026年10月(上期 2026年9月)"
    assert out[title + 1].split("\t")[:5] == ["类别", "名次", "名称", "件数", "及时率"]
    rows = [line.split("\t") for line in out[title + 2 :]]
    # three cases, none dispatched: one department row, and the clerk who registered them
    assert [r[:4] for r in rows] == [["部门", "1", "未派单", "3"], ["客服", "1", "测试员", "3"]]


def test_scorecard_with_a_report_file(data_dir, tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    assert run(data_dir, "--period", "2026-10", "--scorecard", "--out", str(out)) == 0
    assert out.exists()
    assert "考核 2026年10月" in capsys.readouterr().out


def test_neither_file_nor_scorecard_is_refused(data_dir, capsys):
    assert run(data_dir, "--period", "2026-10") != 0
    assert "--scorecard" in capsys.readouterr().err
