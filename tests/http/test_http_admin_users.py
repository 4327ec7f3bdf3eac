"""The administrators' list of users: who may see it, and what it costs."""

from __future__ import annotations

import pytest

from tests.http.conftest import page_text


def _nav_has_users_link(body: str) -> bool:
    return '<a href="/admin/users">Users</a>' in body


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/admin/users")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fadmin%2Fusers"


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_other_roles_see_page_not_found(client, make_user, login, role):
    login(make_user(role))

    response = client.get("/admin/users")

    assert response.status_code == 404
    body = page_text(response)
    assert "Page not found" in body
    assert "Skip to main content" in body
    assert "Users" not in body.split("<main", 1)[1]


def test_administrator_sees_every_user(client, make_user, login):
    admin = make_user("administrator", full_name="Grace Adeyemi")
    learner = make_user("learner", full_name="Ana López", active=False)
    instructor = make_user("instructor", full_name="Bo Chen")
    login(admin)

    response = client.get("/admin/users")

    assert response.status_code == 200
    body = page_text(response)
    for user in (admin, learner, instructor):
        assert user.full_name in body
        assert user.email in body
    assert "3 accounts" in body
    assert "Deactivated" in body
    assert "Instructor" in body
    table = body.split("<tbody>", 1)[1]
    assert table.index("Ana López") < table.index("Bo Chen") < table.index("Grace Adeyemi")


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_users_link_is_hidden_from_other_roles(client, make_user, login, role):
    login(make_user(role))

    for path in ("/dashboard", "/account", "/support"):
        assert not _nav_has_users_link(page_text(client.get(path)))


def test_users_link_is_shown_to_administrators(client, make_user, login):
    login(make_user("administrator"))

    for path in ("/dashboard", "/account", "/support"):
        assert _nav_has_users_link(page_text(client.get(path)))


def test_users_link_is_hidden_from_signed_out_visitors(client):
    assert not _nav_has_users_link(page_text(client.get("/", follow_redirects=True)))


def test_a_long_list_is_split_into_pages(client, make_user, login):
    login(make_user("administrator", full_name="Aaa Administrator"))
    for n in range(55):
        make_user(full_name=f"Learner {n:03d}")

    first = page_text(client.get("/admin/users"))
    second = page_text(client.get("/admin/users?page=2"))

    assert "56 accounts" in first
    assert "Learner 048" in first
    assert "Learner 049" not in first
    assert "Learner 049" in second
    assert 'href="/admin/users?page=2"' in first
    assert 'href="/admin/users?page=1"' in second


@pytest.mark.parametrize("page", ["0", "-3", "abc", "1e3", "999", "99999999999999999999", "%00"])
def test_odd_page_numbers_never_fail(client, make_user, login, page):
    login(make_user("administrator"))

    response = client.get(f"/admin/users?page={page}")

    assert response.status_code in (200, 404)
    assert "Skip to main content" in page_text(response)


def test_page_costs_the_same_queries_with_3_or_60_users(client, make_user, login, count_queries):
    login(make_user("administrator"))
    for _ in range(2):
        make_user()
    with count_queries() as few:
        assert client.get("/admin/users").status_code == 200

    for _ in range(57):
        make_user()
    with count_queries() as many:
        assert client.get("/admin/users").status_code == 200

    assert len(many) == len(few)
    assert len(few) <= 5
