"""The demo accounts: one per working role, so a trainee can sign in as each."""

from __future__ import annotations

from dataclasses import dataclass

from complaints.usecases import auth, users
from complaints.usecases.context import Context
from db.models import Department


@dataclass(frozen=True)
class DemoLogin:
    login: str
    display_name: str
    role: str
    department: str | None
    password: str | None  # None: the account was there already (its password is not known)


# (login, name, role, department): the department managers head the two departments the
# routing rules send most cases to (R1).
DEMO_USERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("demo.kefu", "演示·客服专员", "客服专员", None),
    ("demo.kfjl", "演示·客服经理", "客服经理", None),
    ("demo.shouhou", "演示·售后站长", "部门经理", "售后服务部"),
    ("demo.xiaoshou", "演示·销售经理", "部门经理", "销售部"),
    ("demo.zjl", "演示·总经理", "总经理", None),
)
# The office's administrator, made only where no account may manage users yet (a demo
# loaded from the command line before any account): otherwise nobody could sign in to
# add people, change the policy or run a command as 管理员 once the accounts exist.
DEMO_ADMIN = ("demo.admin", "演示·管理员", "管理员", None)


def create_demo_users(ctx: Context) -> list[DemoLogin]:
    """A demo account for every working role (客服专员, 客服经理, 部门经理 of 售后服务部 and
    of 销售部, 总经理, and 管理员 where the office has no administrator's account yet), each
    with a long random temporary password to change at first sign-in. An account already
    there is left as it is (listed without a password); a department manager whose
    department the office does not have is skipped."""
    auth.require(ctx, "users.manage")
    accounts = users.list_users()
    have = {u.login for u in accounts}
    departments = {d.name for d in Department.select(Department.name).where(Department.active == 1)}
    wanted = DEMO_USERS
    if DEMO_ADMIN[0] in have or not any(u.active and "管理员" in u.roles for u in accounts):
        wanted = (*DEMO_USERS, DEMO_ADMIN)
    out = []
    for login, name, role, department in wanted:
        if login in have:
            out.append(DemoLogin(login, name, role, department, None))
            continue
        if department is not None and department not in departments:
            continue
        password = users.temporary_password(14)
        users.add_user(ctx, login, name, [role], password, department=department)
        out.append(DemoLogin(login, name, role, department, password))
    return out
