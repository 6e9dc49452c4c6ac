"""signin.start_state, who works at start, agrees with users.needs_first_admin() and
signin.remembered_user(now): no account, remembering not allowed, an unknown, inactive,
must-change or locked person remembered."""

from datetime import timedelta

import pytest

from complaints.usecases import settings, signin, users
from complaints.usecases.errors import SignInFailed
from tests.conftest import FIXED_NOW

PW = "正确的密码123"


def _agrees(now=FIXED_NOW):
    state = signin.start_state(now)
    assert state == (users.needs_first_admin(), signin.remembered_user(now))
    return state


@pytest.fixture
def admin(site_db):
    u = users.create_first_admin("admin", "张管理", PW, now=FIXED_NOW)
    return users.context_for_user(u, clock=lambda: FIXED_NOW)


@pytest.fixture
def wang(admin):
    """A second person (two roles, a department) remembered on this PC, signed in once."""
    settings.set_("auth.allow_remember", True)
    users.add_user(
        admin,
        "wang",
        "王经理",
        ["部门经理", "客服专员"],
        "wang-pass-1",
        department="车间",
        must_change_password=False,
    )
    signin.sign_in("wang", "wang-pass-1", FIXED_NOW - timedelta(days=1))
    signin.remember(admin, "wang")
    return "wang"


def test_no_users_needs_first_admin(site_db):
    settings.set_("auth.allow_remember", True)
    settings.set_("auth.remembered_login", "admin")
    assert _agrees() == (True, None)


def test_users_but_remembering_not_allowed(admin):
    settings.set_("auth.remembered_login", "admin")
    assert _agrees() == (False, None)
    settings.set_("auth.allow_remember", True)
    settings.set_("auth.remembered_login", "")
    assert _agrees() == (False, None)


def test_remembered_login_of_unknown_person(admin):
    settings.set_("auth.allow_remember", True)
    settings.set_("auth.remembered_login", "nobody")
    assert _agrees() == (False, None)


def test_remembered_active_user(wang):
    needs, who = _agrees()
    assert not needs
    assert who.login == "wang" and who.display_name == "王经理"
    assert who.roles == frozenset({"部门经理", "客服专员"}) and who.department == "车间"
    assert who.active and not who.must_change_password and who.locked_until is None
    assert who.last_sign_in_at == FIXED_NOW - timedelta(days=1)
    assert users.context_for_user(who).roles == who.roles
    assert who == users.get_user("wang")  # the plain-SQL row reads as peewee's fields do


def test_remembered_but_inactive(admin, wang):
    users.disable(admin, "wang")  # forgets the remembered login; name it again
    settings.set_("auth.remembered_login", "wang")
    assert _agrees() == (False, None)
    users.enable(admin, "wang")
    assert _agrees()[1].login == "wang"


def test_remembered_but_must_change_password(admin, wang):
    users.reset_password(admin, "wang", "temp-pass-22", must_change=True)
    assert _agrees() == (False, None)


def test_remembered_but_locked(admin, wang):
    for _ in range(int(settings.get("auth.max_failures")) - 1):
        with pytest.raises(SignInFailed):
            signin.sign_in("wang", "wrong-pass", FIXED_NOW)
    with pytest.raises(SignInFailed):
        signin.sign_in("wang", "wrong-pass", FIXED_NOW)
    until = users.get_user("wang").locked_until
    assert until is not None and until > FIXED_NOW
    # locked until after now: nobody is signed in without a password
    assert _agrees(FIXED_NOW) == (False, None)
    assert _agrees(until - timedelta(seconds=1)) == (False, None)
    # locked until before now: the lock has run out
    needs, who = _agrees(until + timedelta(minutes=1))
    assert not needs and who.login == "wang" and who.locked_until == until
