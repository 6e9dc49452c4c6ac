"""The Excel report's 概要: fines and rewards are numbers in yuan a spreadsheet can sum, like
every other figure there (they were the text "100 元")."""

from __future__ import annotations

from openpyxl import load_workbook

from tests.cli.test_report_cli import data_dir, run

__all__ = ["data_dir"]  # the fixture, shared with the report command's tests


def test_fines_and_rewards_are_numbers_in_yuan(data_dir, tmp_path):
    out = tmp_path / "月报.xlsx"
    assert run(data_dir, "--period", "2026-10", "--out", str(out)) == 0
    cells = {r[0].value: r for r in load_workbook(out)["概要"].iter_rows() if r[0].value}
    fines, rewards = cells["罚款"], cells["奖励"]
    assert fines[1].value == 100 and fines[1].number_format == '#,##0" 元"'
    assert rewards[1].value == 0 and rewards[1].number_format == '#,##0" 元"'
