from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin
from werkzeug.exceptions import NotFound

from lms import permissions


def person(role: str, *, active: bool = True):
    return SimpleNamespace(role=role, is_authenticated=True, is_active=active)


@pytest.mark.parametrize(
    ("user", "may_manage_users", "may_edit_account"),
    [
        (AnonymousUserMixin(), False, False),
        (None, False, False),
        (person("learner"), False, True),
        (person("instructor"), False, True),
        (person("administrator"), True, True),
        (person("administrator", active=False), False, False),
    ],
)
def test_who_may_do_what(user, may_manage_users, may_edit_account):
    assert permissions.can_manage_users(user) is may_manage_users
    assert permissions.is_administrator(user) is may_manage_users
    assert permissions.can_edit_own_account(user) is may_edit_account


def test_require_answers_404_when_not_allowed():
    permissions.require(True)
    with pytest.raises(NotFound):
        permissions.require(False)


def test_templates_see_the_same_functions():
    for name, function in permissions.TEMPLATE_FUNCTIONS.items():
        assert getattr(permissions, name) is function
