"""A settings write that the office server undid to break a deadlock with another seat is
written again, and the person never sees the deadlock (the same as a case save,
tests/complaints/test_server_retry.py)."""

from __future__ import annotations

import json
import logging

from complaints.usecases import causes, settings
from tests.complaints.seats import deadlock


def test_a_cause_list_undone_by_a_deadlock_is_saved_again(server_ctx, server_address, caplog):
    causes.save_cause_list(server_ctx, ["维修质量", "服务态度"])  # the row the two will meet on
    caplog.set_level(logging.INFO, logger="db.retry")
    mine = ["维修质量", "服务态度", "配件供应"]
    outcome, other_done = deadlock(
        server_address,
        lambda: causes.save_cause_list(server_ctx, mine),
        "UPDATE settings SET value = %s WHERE key = %s",
        (json.dumps(["价格/费用"], ensure_ascii=False), causes.KEY),
    )
    assert other_done == [None]
    assert outcome == [None]  # no deadlock reached the person
    assert settings.get(causes.KEY) == mine  # run again after the other seat's write
    undone = [r for r in caplog.records if "undone by the server" in r.getMessage()]
    assert len(undone) == 1 and "deadlock" in undone[0].getMessage()
    assert "save_cause_list" in undone[0].getMessage()
