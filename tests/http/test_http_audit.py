"""The audit trail in the browser: who may read it, filters, pages, the CSV export,
and that nothing in the application can change it."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.admin_fixtures import audit_rows, record_event
from tests.http.conftest import page_text
from tests.learning_fixtures import sign_in

PAGES = ["/admin/audit", "/admin/audit.csv"]


def _actions(body: str) -> list[str]:
    """The "What" column of the trail's table, top to bottom."""
    if "<tbody>" not in body:
        return []
    table = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [row.split("<td>")[3].split("</td>")[0] for row in table.split("<tr>")[1:]]


def _at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.fixture
def admin(client, make_user, login):
    user = make_user("administrator", full_name="Ada Admin", email="ada@example.org")
    login(user)
    return user


# -- who may read it -----------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_signed_out_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ["learner", "instructor"])
@pytest.mark.parametrize("path", PAGES)
def test_other_roles_see_page_not_found(client, make_user, login, role, path):
    login(make_user(role))
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", PAGES)
def test_administrators_can_read_it(client, admin, path):
    assert client.get(path).status_code == 200


def test_the_link_is_shown_to_administrators_only(app, client, make_user, login):
    learner = make_user()
    login(learner)
    assert 'href="/admin/audit"' not in page_text(client.get("/account"))
    admin_browser = app.test_client()
    sign_in(admin_browser, make_user("administrator"))
    assert '<a href="/admin/audit">Audit trail</a>' in page_text(admin_browser.get("/account"))


# -- nobody can change it ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", PAGES)
def test_no_method_changes_the_trail(app, client, admin, method, path):
    rows = audit_rows(app)

    response = getattr(client, method)(path, data={"action": "x"})

    assert response.status_code == 405
    assert audit_rows(app) == rows


def test_every_audit_url_is_read_only(app):
    rules = [rule for rule in app.url_map.iter_rules() if "audit" in rule.rule]
    assert {rule.rule for rule in rules} == set(PAGES)
    for rule in rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


# -- what it shows -------------------------------------------------------------------------


def test_newest_first_with_who_what_and_before_after(app, client, admin, make_user):
    learner = make_user(full_name="Ana López")
    record_event(app, "setup.done", at=_at("2025-01-01"), via="setup", target_type="site")
    record_event(
        app,
        "user.update",
        at=_at("2025-01-02"),
        actor=admin,
        target_id=learner.id,
        before={"full_name": "Ana Lopez", "active": True},
        after={"full_name": "Ana López", "active": False, "courses": ["a", "b"]},
    )

    body = page_text(client.get("/admin/audit?date_to=2025-12-31"))

    assert _actions(body) == ["user.update", "setup.done"]
    table = body.split("<tbody>", 1)[1]
    newest = table.split("<tr>")[1]
    assert "2025-01-02 12:00:00 UTC" in newest
    assert "Ada Admin &lt;ada@example.org&gt;" in newest
    assert f'<a href="/admin/users/{learner.id}">Ana López</a>' in newest
    assert "<dt>full name</dt>" in newest and "Ana Lopez → Ana López" in newest
    assert "<dt>active</dt>" in newest and "yes → no" in newest
    assert "[&#34;a&#34;, &#34;b&#34;]" in newest
    assert "<td>setup</td>" in table.split("<tr>")[2]
    everything = page_text(client.get("/admin/audit"))
    assert "<td>command line</td>" in everything  # the accounts made by the test fixtures


def test_pages_of_fifty_keep_the_filters(app, client, admin):
    for n in range(55):
        record_event(app, "cohort.member.add", at=_at("2025-02-01") + timedelta(minutes=n))
    record_event(app, "certificate.revoke", at=_at("2025-02-02"), target_type="certificate")

    first = page_text(client.get("/admin/audit?action=cohort."))
    assert "55 changes match these filters" in first
    assert _actions(first) == ["cohort.member.add"] * 50
    older = re.search(r'<a href="([^"]+)" rel="next">Older changes</a>', first).group(1)
    assert "action=cohort." in older and "page=2" in older
    second = page_text(client.get(older.replace("&amp;", "&")))
    assert _actions(second) == ["cohort.member.add"] * 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=cohort.update", ["cohort.update"]),
        ("action=cohort.", ["cohort.member.remove", "cohort.update"]),
        ("action=cohort%25", []),  # no wildcards
        ("actor=BOB", ["cohort.member.remove"]),
        ("actor=example.org", ["cohort.member.remove", "user.role"]),
        ("target_type=cohort", ["cohort.member.remove", "cohort.update"]),
        ("date_from=2025-03-02", ["cohort.member.remove", "cohort.update"]),
        ("date_to=2025-03-02", ["cohort.update", "user.role"]),  # the whole day included
        ("date_from=2025-03-02&date_to=2025-03-02", ["cohort.update"]),
        ("action=user.&date_from=2025-03-01", ["user.role"]),
    ],
)
def test_filters(app, client, make_user, admin, query, expected):
    bob = make_user("administrator", email="bob@example.org")
    record_event(app, "user.role", at=_at("2025-03-01", 0), actor=admin)
    record_event(app, "cohort.update", at=_at("2025-03-02", 23), target_type="cohort", via="cli")
    record_event(
        app, "cohort.member.remove", at=_at("2025-03-03", 0), actor=bob, target_type="cohort"
    )

    response = client.get(f"/admin/audit?{query}")

    assert response.status_code == 200
    body = page_text(response)
    assert [a for a in _actions(body) if a != "user.create"] == expected


def test_the_action_filter_lists_the_actions_in_the_trail(app, client, admin):
    record_event(app, "cohort.update", at=_at("2025-03-02"), target_type="cohort")
    body = page_text(client.get("/admin/audit"))
    select = body.split('<select id="action"', 1)[1].split("</select>", 1)[0]
    assert '<option value="cohort.">Every cohort action</option>' in select
    assert '<option value="cohort.update">cohort.update</option>' in select
    assert '<option value="user.create">user.create</option>' in select


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=2025-13-01", "Enter a date as year-month-day, for example 2025-03-31."),
        ("date_to=yesterday", "Enter a date as year-month-day"),
        ("date_from=99999-01-01", "Enter a date as year-month-day"),
        ("date_from=%00", "Enter a date as year-month-day"),
        ("date_from=2025-03-02&date_to=2025-03-01", "The end date is before the start date."),
        ("actor=" + "a" * 300, "Use at most 254 characters."),
    ],
)
@pytest.mark.parametrize("path", PAGES)
def test_bad_filters_get_a_clear_message(client, admin, path, query, message):
    response = client.get(f"{path}?{query}")

    assert response.status_code == 422
    assert response.mimetype == "text/html"
    body = page_text(response)
    assert message in body
    assert "<tbody>" not in body


def test_odd_filter_values_find_nothing_and_never_fail(client, admin):
    for query in ("action=%00", "target_type=%00x", "actor=%25_", "page=-4", "page=abc"):
        assert client.get(f"/admin/audit?{query}").status_code == 200


# -- CSV -----------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_export_of_the_filtered_trail(app, client, make_user, admin):
    sneaky = make_user("administrator", full_name="=HYPERLINK(1)", email="sneaky@example.org")
    record_event(
        app,
        "cohort.update",
        at=_at("2025-03-02"),
        actor=sneaky,
        target_type="cohort",
        target_id="-7",
        before={"name": "Old"},
        after={"name": "=cmd()"},
    )
    record_event(app, "user.role", at=_at("2025-03-03"), actor=admin)

    response = client.get("/admin/audit.csv?action=cohort.")

    assert response.headers["Content-Disposition"] == 'attachment; filename="audit-trail.csv"'
    header, *rows = _csv(response)
    assert header == [
        "at_utc",
        "actor_email",
        "actor_name",
        "via",
        "action",
        "target_type",
        "target_id",
        "before",
        "after",
    ]
    assert rows == [
        [
            "2025-03-02T12:00:00+00:00",
            "sneaky@example.org",
            "'=HYPERLINK(1)",
            "web",
            "cohort.update",
            "cohort",
            "'-7",
            '{"name": "Old"}',
            '{"name": "=cmd()"}',
        ]
    ]


def test_csv_names_changes_made_from_the_command_line(app, client, admin):
    rows = _csv(client.get("/admin/audit.csv?action=user.create"))[1:]
    assert [(r[1], r[2], r[3]) for r in rows] == [("", "command line", "cli")]


def test_the_page_links_to_the_csv_of_the_same_filters(app, client, admin):
    record_event(app, "user.role", at=_at("2025-03-03"), actor=admin)
    body = page_text(client.get("/admin/audit?action=user.&actor=ada"))
    assert 'href="/admin/audit.csv?action=user.&amp;actor=ada"' in body


# -- cost ----------------------------------------------------------------------------------


def test_page_costs_the_same_queries_with_5_or_60_events(app, client, admin, count_queries):
    def add(n):
        for i in range(n):
            record_event(app, f"kind{i % 7}.change", at=_at("2025-04-01"), actor=admin)

    add(4)
    with count_queries() as few:
        assert client.get("/admin/audit?date_from=2025-01-01").status_code == 200
    add(56)
    with count_queries() as many:
        assert client.get("/admin/audit?date_from=2025-01-01").status_code == 200

    assert len(many) == len(few)
    assert len(few) <= 6
