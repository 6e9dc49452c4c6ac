"""The GUI's start on the office server: which database (``--database`` > the environment
variable COMPLAINTDESK_DATABASE > 设置 → 数据库, saved in the data folder), and what happens
when the server cannot be opened: a dialog says why and offers 重试, 修改连接 and 改用本机数据
(ui/server_start_dialog.py), never a traceback."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from enum import Enum

from complaints.usecases import server_link
from complaints.usecases.errors import UseCaseError, for_person
from complaints.usecases.server_link import ServerFields
from db.database import open_server
from db.errors import StorageError
from db.server_address import LoginRefused, ServerAddress, ServerUnreachable
from desktop import APP_TITLE, __version__
from desktop.cli import DATABASE_ENV
from desktop.paths import DataPaths
from ui.error_detail import said, tell, warn
from ui.server_start_dialog import Answer, Problem, ServerStartDialog

log = logging.getLogger(__name__)


class Opened(Enum):
    LOCAL = "local"  # this PC's SQLite file
    SERVER = "server"  # the office server


def open_chosen(
    flag: str | None,
    paths: DataPaths,
    *,
    smoke: bool,
    before_dialog: Callable[[], None],
    open_local: Callable[[], bool],
    ask: Callable[[ServerStartDialog], Answer] = ServerStartDialog.ask,
) -> Opened | None:
    """Open the database the start names; None (after saying why) when none opened or the
    person chose 退出. ``open_local()`` opens this PC's file, saying why when it cannot."""
    try:
        address, source = server_link.start_address(flag, os.environ.get(DATABASE_ENV), paths.root)
    except UseCaseError as e:
        _say(e, smoke=smoke, before_dialog=before_dialog)
        return None
    if address is None:
        return Opened.LOCAL if open_local() else None
    log.info("starting on the office server %s (named by %s)", address, source)
    dialog: ServerStartDialog | None = None
    password: str | None = None
    while True:
        try:
            open_server(address, app_version=__version__, password=password, data_folder=paths.root)
        except Exception as caught:
            # a server error of any kind (a privilege the migration lacks…) said in Chinese
            err = for_person(caught)
            if not isinstance(err, StorageError):
                raise
            told = said(err)
            print(f"错误:{told.message}", file=sys.stderr)
            if told.detail:
                print(f"详细信息:{told.detail}", file=sys.stderr)
            if smoke:
                return None
            before_dialog()
            if dialog is None:
                dialog = ServerStartDialog(
                    ServerFields.of(address), has_local_data=paths.database.exists()
                )
            dialog.set_problem(_problem(err), told.message, told.detail)
        else:
            if dialog is not None and dialog.edited():
                _keep(paths, dialog, address, password)
            return Opened.SERVER
        answer = ask(dialog)
        if answer is Answer.QUIT:
            return None
        if answer is Answer.LOCAL:
            return Opened.LOCAL if open_local() else None
        if dialog.edited():
            try:
                address = dialog.fields().address()
            except UseCaseError as e:
                told = said(e)
                dialog.set_problem(Problem.UNUSABLE, told.message, told.detail)
                continue
            password = dialog.password() or None


def _problem(e: StorageError) -> Problem:
    if isinstance(e, ServerUnreachable):
        return Problem.UNREACHABLE
    if isinstance(e, LoginRefused):
        return Problem.REFUSED
    return Problem.UNUSABLE


def _keep(
    paths: DataPaths, dialog: ServerStartDialog, address: ServerAddress, password: str | None
) -> None:
    """The connection a person corrected at the start, and worked: kept as this PC's choice
    (and its password), so the next start goes straight there."""
    try:
        server_link.save_choice(None, paths.root, ServerFields.of(address), password or "")
    except UseCaseError as e:  # the database is open: say it, and go on
        warn(dialog, APP_TITLE, e)


def _say(exc: UseCaseError, *, smoke: bool, before_dialog: Callable[[], None]) -> None:
    """The start cannot name its database (a bad --database or saved choice): on stderr and,
    unless smoking, in a box."""
    told = said(exc)
    print(f"错误:{told.message}", file=sys.stderr)
    if told.detail:
        print(f"详细信息:{told.detail}", file=sys.stderr)
    if not smoke:
        before_dialog()
        tell(None, APP_TITLE, told)
