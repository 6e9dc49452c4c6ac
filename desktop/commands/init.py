"""``init --site CODE --name NAME``: create the data folder and database of this office."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from datetime import UTC, datetime

from complaints.usecases import server_link, site
from complaints.usecases.errors import UseCaseError
from db.location import network_drive_warning
from desktop.cli import CliError, command_context, open_data
from desktop.paths import data_paths, secure_data_dir


def register(sub) -> None:
    p = sub.add_parser("init", help="创建数据文件夹和数据库,登记本站点代码与名称")
    p.add_argument("--site", required=True, metavar="CODE", help="站点代码,如 SH01")
    p.add_argument("--name", required=True, help="站点名称,如 上海浦东店")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:  # refuse a bad code or name before anything is created
        code = site.check_site_code(args.site)
    except UseCaseError as e:
        raise CliError(str(e)) from None
    if not args.name.strip():
        raise CliError("站点名称(--name)必须填写")
    paths = data_paths(args.data_dir)
    warning = network_drive_warning(paths.root)
    if warning:
        print(f"警告:{warning}", file=sys.stderr)
    existed = paths.database.exists()
    secure_data_dir(paths.root)  # 0700: the owner's alone
    paths.backups.mkdir(exist_ok=True)
    paths.attachments.mkdir(exist_ok=True)
    open_data(args, must_exist=False)  # on an existing site: signs in, needs settings.site
    # name the database in use: the office server's, not the data folder's file it leaves unused
    on_server = server_link.on_office_server()
    where = server_link.database_in_use() if on_server else str(paths.database)
    before = site.local_site()
    made_elsewhere = False  # another seat's init made the site while this one waited
    try:
        if before is None:
            info, made = site.init_site_once(code, args.name, now=datetime.now(UTC))
            made_elsewhere = not made
        elif before.code != code:
            raise UseCaseError(f"本数据库已属于站点 {before.code},不能改为 {code}")
        else:  # a new name for this site: the administrator's, audited
            info = dataclasses.replace(
                before, name=site.rename_site(command_context(args), args.name)
            )
    except UseCaseError as e:
        raise CliError(f"{where}:{e}") from None
    if made_elsewhere:
        print(f"站点 {info.code} {info.name} 刚由另一个座位初始化(数据表已建好),本次未作改动")
    elif before is None:
        print(f"已初始化站点 {info.code} {info.name}")
    elif before.name != info.name:
        print(f"站点 {info.code} 已初始化过,名称由“{before.name}”改为“{info.name}”")
    else:
        print(f"站点 {info.code} {info.name} 已初始化过,未作改动")
    print(f"数据文件夹:{paths.root}")
    print(f"数据库:{where}{'' if existed or on_server else '(新建)'}")
    return 0
