"""Users in the browser: the list (search, filters, pages), creating an account,
a user's page and its changes; who may do each, and what it costs."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from lms import mail
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.cohorts.models import CohortMember
from lms.extensions import db, utcnow
from lms.learning.services import enrol
from lms.mail import OutgoingMail
from tests.admin_fixtures import audit_rows, cohort_with, invited_user, record_event, user_row
from tests.http.conftest import page_text
from tests.learning_fixtures import EXAMPLE, import_folder, snapshot

FLASH_RE = re.compile(r'<p class="flash flash-(\w+)"[^>]*>(.*?)</p>', re.S)


def flashes(body: str) -> list[tuple[str, str]]:
    """(category, text) of every flash message on the page."""
    return [(category, html.unescape(text)) for category, text in FLASH_RE.findall(body)]


def queue_earlier_mail(app, to: str = "earlier@example.org") -> None:
    """A message queued before this request (by no batch of its own), still waiting."""
    with app.app_context():
        mail.queue_many(
            [{"kind": "reminder", "user_id": None, "to_address": to, "subject": "S", "body": "B"}]
        )
        db.session.commit()


def mail_rows(app) -> dict[str, tuple[bool, int]]:
    """to address: (sent?, attempts) of every queued message."""
    with app.app_context():
        rows = db.session.execute(
            select(OutgoingMail.to_address, OutgoingMail.sent_at, OutgoingMail.attempts)
        )
        return {to: (sent is not None, attempts) for to, sent, attempts in rows}


def refuse_all_mail(monkeypatch) -> list[str]:
    """The mail server is down. Returns the addresses it was given."""
    tried: list[str] = []

    def refuse(msg):
        tried.append(msg["To"])
        raise OSError("mail server down")

    monkeypatch.setattr("lms.mail._deliver", refuse)
    return tried


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


# -- pages and who may open them ---------------------------------------------------------

ADMIN_PAGES = ["/admin/users/new", "/admin/users/{id}"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_user_pages_send_signed_out_visitors_to_sign_in(client, make_user, path):
    target = make_user()
    response = client.get(path.format(id=target.id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ["learner", "instructor"])
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_user_pages_are_not_found_for_other_roles(client, make_user, login, role, path):
    user = make_user(role)
    login(user)
    assert client.get(path.format(id=user.id)).status_code == 404


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_user_pages_open_for_administrators(client, make_user, login, path):
    admin = make_user("administrator")
    login(admin)
    assert client.get(path.format(id=admin.id)).status_code == 200


@pytest.mark.parametrize("role", ["learner", "instructor"])
@pytest.mark.parametrize("action", ["details", "role", "deactivate", "activate", "invite"])
def test_other_roles_cannot_change_anyone(app, client, make_user, login, submit, role, action):
    user = make_user(role)
    target = make_user()
    login(user)
    before = user_row(app, target.id)

    response = submit(
        "/account",
        {"details-full_name": "Changed", "details-email": "x@example.org", "role-role": role},
        action=f"/admin/users/{target.id}/{action}",
    )

    assert response.status_code == 404
    assert user_row(app, target.id) == before


@pytest.mark.parametrize("user_id", ["999", "99999999999999999999999", "abc", "-1"])
def test_an_unknown_user_is_not_found(client, make_user, login, submit, user_id):
    login(make_user("administrator"))
    assert client.get(f"/admin/users/{user_id}").status_code == 404
    response = submit("/admin/users", {}, action=f"/admin/users/{user_id}/deactivate")
    assert response.status_code == 404


# -- search, filters, pages --------------------------------------------------------------


def _names(body: str) -> list[str]:
    if "<tbody>" not in body:
        return []
    table = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<a href="/admin/users/\d+">([^<]+)</a>', table)


@pytest.fixture
def people(app, make_user):
    """An administrator (signed in by the test) and a varied set of accounts."""
    admin = make_user("administrator", full_name="Ada Admin", email="ada@clinic.example.org")
    ana = make_user(full_name="Ana López", email="ana@hospital.example.org")
    bo = make_user("instructor", full_name="Bo Chen", email="bo@clinic.example.org")
    cy = make_user(full_name="Cy 100% Sure", email="cy@example.org", active=False)
    ines = invited_user(app, email="ines@hospital.example.org", full_name="Ines Invited")
    cohort_with(app, "Residents 2025", [ana, ines])
    return {"admin": admin, "ana": ana, "bo": bo, "cy": cy, "ines": ines}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=ana", ["Ana López"]),
        ("q=L%C3%B3PEZ", ["Ana López"]),
        ("q=HOSPITAL.example", ["Ana López", "Ines Invited"]),
        ("q=%25", ["Cy 100% Sure"]),  # a literal per cent sign, not a wildcard
        ("q=_", []),  # nor is the underscore
        ("q=%00", ["Ada Admin", "Ana López", "Bo Chen", "Cy 100% Sure", "Ines Invited"]),
        ("role=instructor", ["Bo Chen"]),
        ("status=active", ["Ada Admin", "Ana López", "Bo Chen"]),
        ("status=deactivated", ["Cy 100% Sure"]),
        ("status=invited", ["Ines Invited"]),
        ("role=learner&status=active", ["Ana López"]),
        ("q=clinic&role=administrator", ["Ada Admin"]),
    ],
)
def test_search_and_filters(client, login, people, query, expected):
    login(people["admin"])

    response = client.get(f"/admin/users?{query}")

    assert response.status_code == 200
    assert _names(page_text(response)) == expected


def test_filter_by_cohort(app, client, login, people):
    login(people["admin"])
    body = page_text(client.get("/admin/users"))
    cohort_id = re.search(r'<option value="(\d+)">Residents 2025</option>', body).group(1)

    filtered = page_text(client.get(f"/admin/users?cohort={cohort_id}"))

    assert _names(filtered) == ["Ana López", "Ines Invited"]
    assert "2 accounts match these filters" in filtered
    assert f'<option selected value="{cohort_id}">' in filtered


def test_the_filter_form_is_a_labelled_get_form(client, login, people):
    login(people["admin"])
    body = page_text(client.get("/admin/users"))
    form = body.split('<form method="get"', 1)[1].split("</form>", 1)[0]
    for name in ("q", "role", "status", "cohort"):
        assert f'<label for="{name}">' in form
        assert f'name="{name}"' in form
    assert "csrf_token" not in form


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("role=root", "Role: Choose one of the options in the list."),
        ("status=gone", "Status: Choose one of the options in the list."),
        ("cohort=999", "Cohort: Choose one of the options in the list."),
        ("cohort=abc", "Cohort: Choose one of the options in the list."),
        ("q=" + "x" * 10_000, "Use at most 200 characters."),
    ],
)
def test_bad_filters_get_a_message_not_a_list(client, login, people, query, message):
    login(people["admin"])

    response = client.get(f"/admin/users?{query}")

    assert response.status_code == 422
    body = page_text(response)
    assert message in body
    assert _names(body) == []


def test_pages_keep_the_filters(client, make_user, login):
    login(make_user("administrator", full_name="Zed Admin"))
    for n in range(52):
        make_user(full_name=f"Nurse {n:03d}", profession="Registered nurse")
    make_user(full_name="Other Person")

    first = page_text(client.get("/admin/users?q=nurse&role=learner"))
    assert "52 accounts match these filters" in first
    assert len(_names(first)) == 50
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first).group(1)
    assert "q=nurse" in next_link and "role=learner" in next_link and "page=2" in next_link

    second = page_text(client.get(next_link.replace("&amp;", "&")))
    assert _names(second) == ["Nurse 050", "Nurse 051"]
    prev_link = re.search(r'<a href="([^"]+)" rel="prev">', second).group(1)
    assert "q=nurse" in prev_link and "page=1" in prev_link


def test_filtered_list_costs_the_same_queries_with_5_or_60_users(
    app, client, make_user, login, count_queries
):
    login(make_user("administrator"))
    members = [make_user(full_name=f"Member {n}") for n in range(4)]
    cohort_id = cohort_with(app, "Night shift", members)
    path = f"/admin/users?q=member&status=active&role=learner&cohort={cohort_id}"
    with count_queries() as few:
        assert client.get(path).status_code == 200

    more = [make_user(full_name=f"Member {n}") for n in range(4, 59)]
    with app.app_context():
        db.session.add_all(CohortMember(cohort_id=cohort_id, user_id=u.id) for u in more)
        db.session.commit()
    with count_queries() as many:
        response = client.get(path)
    assert response.status_code == 200
    assert "59 accounts match" in page_text(response)

    assert len(many) == len(few)
    assert len(few) <= 5


# -- creating an account -----------------------------------------------------------------

NEW = {
    "full_name": "Kwame Mensah",
    "email": "Kwame@Example.org",
    "profession": "Registered nurse",
    "role": "learner",
}


def test_create_an_account_sends_an_invitation(app, client, make_user, login, submit, outbox):
    admin = make_user("administrator")
    login(admin)

    response = submit("/admin/users/new", NEW)

    assert response.status_code == 302
    created = stored_user_by_email(app, "kwame@example.org")
    assert response.headers["Location"] == f"/admin/users/{created['id']}"
    assert created["password_hash"] is None
    assert created["invited_at"] is not None
    assert (created["full_name"], created["role"]) == ("Kwame Mensah", "learner")
    (message,) = outbox()
    assert message["To"] == "kwame@example.org"
    assert "/invitation/" in message.get_body(("plain",)).get_content()
    (event,) = audit_rows(app, "user.create")[-1:]
    assert (event["actor_id"], event["via"], event["target_id"]) == (
        admin.id,
        "web",
        str(created["id"]),
    )
    page = page_text(client.get(response.headers["Location"]))
    assert flashes(page) == [
        (
            "success",
            "Account created; an invitation to kwame@example.org is queued. The mail is sent.",
        )
    ]
    assert "Invited, not signed up yet" in page
    assert "Send the invitation again" in page
    assert mail_rows(app) == {"kwame@example.org": (True, 1)}


def test_create_an_account_when_the_mail_server_is_down(
    app, client, make_user, login, submit, outbox, monkeypatch
):
    login(make_user("administrator"))
    tried = refuse_all_mail(monkeypatch)

    response = submit("/admin/users/new", NEW)

    assert response.status_code == 302
    created = stored_user_by_email(app, "kwame@example.org")
    assert created is not None and created["invited_at"] is not None
    page = page_text(client.get(response.headers["Location"]))
    assert flashes(page) == [
        (
            "error",
            "Account created; an invitation to kwame@example.org is queued. 0 of 1 messages "
            "sent; the mail server did not take the other 1, which wait in the queue and will "
            "be tried again.",
        )
    ]
    assert tried == ["kwame@example.org"]
    assert mail_rows(app) == {"kwame@example.org": (False, 1)}
    assert outbox() == []


def test_create_an_account_sends_only_its_own_invitation(
    app, client, make_user, login, submit, outbox
):
    login(make_user("administrator"))
    queue_earlier_mail(app)

    submit("/admin/users/new", NEW)

    assert [m["To"] for m in outbox()] == ["kwame@example.org"]
    assert mail_rows(app)["earlier@example.org"] == (False, 0)


def stored_user_by_email(app, email: str) -> dict | None:
    with app.app_context():
        return snapshot(db.session.execute(select(User).where(User.email == email)).scalar())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "not-an-email"}, "Enter an email address in the form name@example.org."),
        ({"email": ""}, "Enter an email address."),
        ({"full_name": "x" * 10_000}, "A name has at most 200 characters."),
        ({"full_name": "   "}, "Enter the person&#39;s full name."),
        ({"full_name": "Bell\x07Name"}, "A name cannot contain control characters."),
        ({"profession": "p" * 500}, "Use at most 120 characters."),
        ({"role": "root"}, "Choose one of the options in the list."),
    ],
)
def test_create_refuses_bad_input_and_creates_nothing(
    client, make_user, login, submit, user_count, outbox, changes, message
):
    login(make_user("administrator"))
    count = user_count()

    response = submit("/admin/users/new", {**NEW, **changes})

    assert response.status_code == 422
    assert message in page_text(response)
    assert user_count() == count
    assert outbox() == []


def test_create_says_when_the_address_is_taken(client, make_user, login, submit, user_count):
    login(make_user("administrator"))
    make_user(email="kwame@example.org")
    count = user_count()

    response = submit("/admin/users/new", NEW)

    assert response.status_code == 422
    body = page_text(response)
    assert "An account with this email address already exists." in body
    assert 'aria-invalid="true" id="email"' in body or 'id="email-error"' in body
    assert user_count() == count


def test_create_without_the_form_token_is_refused(client, make_user, login, user_count):
    login(make_user("administrator"))
    count = user_count()

    response = client.post("/admin/users/new", data=NEW)

    assert response.status_code == 400
    assert user_count() == count


# -- a user's page -----------------------------------------------------------------------


def test_user_page_shows_details_courses_cohorts_and_history(app, client, make_user, login, submit):
    admin = make_user("administrator")
    learner = make_user(full_name="Ana López", profession="Midwife")
    import_folder(app, EXAMPLE)
    with app.app_context():
        course = db.session.execute(select(Course)).scalar_one()
        enrol(db.session.get(User, learner.id), course, now=utcnow())
        db.session.commit()
    cohort_with(app, "Midwives 2025", [learner])
    login(admin)
    submit(
        f"/admin/users/{learner.id}",
        {"role-role": "instructor"},
        csrf_field="role-csrf_token",
        action=f"/admin/users/{learner.id}/role",
    )

    body = page_text(client.get(f"/admin/users/{learner.id}"))

    assert "<h1>Ana López</h1>" in body
    assert learner.email in body and "Midwife" in body
    assert "An Example Course" in body
    assert "Not yet" in body  # not completed
    assert "Midwives 2025" in body
    history = body.split("Recent changes to this account", 1)[1]
    assert "user.role" in history and "learner → instructor" in history
    assert admin.full_name in history
    assert "user.create" in history and "command line" in history
    assert "Send the invitation again" not in body  # they have a password


def test_user_page_costs_a_fixed_number_of_queries(app, client, make_user, login, count_queries):
    admin = make_user("administrator")
    login(admin)
    learner = make_user()
    with count_queries() as few:
        assert client.get(f"/admin/users/{learner.id}").status_code == 200

    for n in range(6):
        cohort_with(app, f"Cohort {n}", [learner])
        record_event(app, "user.update", at=utcnow(), actor=admin, target_id=learner.id)
    with count_queries() as many:
        assert client.get(f"/admin/users/{learner.id}").status_code == 200

    assert len(many) == len(few)
    assert len(few) <= 6


# -- editing -----------------------------------------------------------------------------


def _details(user, **changes):
    return {
        "details-full_name": user.full_name,
        "details-email": user.email,
        "details-profession": "Resident physician",
        **{f"details-{k}": v for k, v in changes.items()},
    }


def _edit(submit, user, **changes):
    return submit(
        f"/admin/users/{user.id}",
        _details(user, **changes),
        action=f"/admin/users/{user.id}/details",
        csrf_field="details-csrf_token",
    )


def test_edit_details_records_only_what_changed(app, client, make_user, login, submit):
    admin = make_user("administrator")
    learner = make_user(full_name="Ana Lopez")
    login(admin)

    response = _edit(submit, learner, full_name="Ana López", email="Ana.Lopez@Example.org")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/users/{learner.id}"
    row = user_row(app, learner.id)
    assert (row["full_name"], row["email"], row["profession"]) == (
        "Ana López",
        "ana.lopez@example.org",
        "Resident physician",
    )
    (event,) = audit_rows(app, "user.update")
    assert event["before"] == {"full_name": "Ana Lopez", "email": learner.email}
    assert event["after"] == {"full_name": "Ana López", "email": "ana.lopez@example.org"}
    assert (event["actor_id"], event["via"]) == (admin.id, "web")
    assert "Details saved." in page_text(client.get(f"/admin/users/{learner.id}"))


def test_saving_unchanged_details_records_nothing(app, make_user, login, submit):
    login(make_user("administrator"))
    learner = make_user()
    assert _edit(submit, learner).status_code == 302
    assert audit_rows(app, "user.update") == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"full_name": "x" * 10_000}, "A name has at most 200 characters."),
        ({"email": "nobody@"}, "Enter an email address in the form name@example.org."),
        ({"email": "taken@example.org"}, "An account with this email address already exists."),
        ({"profession": "Nurse\x00"}, "control characters"),
    ],
)
def test_edit_refuses_bad_details_and_changes_nothing(
    app, make_user, login, submit, changes, message
):
    login(make_user("administrator"))
    make_user(email="taken@example.org")
    learner = make_user()
    before = user_row(app, learner.id)

    response = _edit(submit, learner, **changes)

    assert response.status_code == 422
    assert message in page_text(response)
    assert user_row(app, learner.id) == before
    assert audit_rows(app, "user.update") == []


def test_edit_without_the_form_token_is_refused(app, client, make_user, login):
    login(make_user("administrator"))
    learner = make_user()
    before = user_row(app, learner.id)

    response = client.post(f"/admin/users/{learner.id}/details", data=_details(learner))

    assert response.status_code == 400
    assert user_row(app, learner.id) == before


# -- role and access ---------------------------------------------------------------------


def _role(submit, user, role):
    return submit(
        f"/admin/users/{user.id}",
        {"role-role": role},
        action=f"/admin/users/{user.id}/role",
        csrf_field="role-csrf_token",
    )


def test_change_a_role(app, make_user, login, submit):
    admin = make_user("administrator")
    learner = make_user()
    login(admin)

    assert _role(submit, learner, "instructor").status_code == 302

    assert user_row(app, learner.id)["role"] == "instructor"
    (event,) = audit_rows(app, "user.role")
    assert (event["before"], event["after"], event["actor_id"]) == (
        {"role": "learner"},
        {"role": "instructor"},
        admin.id,
    )


def test_a_forged_role_is_refused(app, make_user, login, submit):
    login(make_user("administrator"))
    learner = make_user()
    response = _role(submit, learner, "superuser")
    assert response.status_code == 422
    assert "Choose one of the options in the list." in page_text(response)
    assert user_row(app, learner.id)["role"] == "learner"


def test_an_administrator_cannot_remove_their_own_role(app, make_user, login, submit):
    admin = make_user("administrator")
    login(admin)

    response = _role(submit, admin, "learner")

    assert response.status_code == 422
    assert "You cannot remove your own administrator role" in page_text(response)
    assert user_row(app, admin.id)["role"] == "administrator"
    assert audit_rows(app, "user.role") == []


def test_another_administrator_can_change_an_administrators_role(app, make_user, login, submit):
    login(make_user("administrator"))
    other = make_user("administrator")
    assert _role(submit, other, "learner").status_code == 302
    assert user_row(app, other.id)["role"] == "learner"


def test_deactivate_and_reactivate(app, client, make_user, login, submit, can_sign_in):
    admin = make_user("administrator")
    learner = make_user()
    login(admin)
    page = f"/admin/users/{learner.id}"
    assert "Deactivate the account" in page_text(client.get(page))

    response = submit(page, {}, action=f"{page}/deactivate")

    assert response.status_code == 302
    assert user_row(app, learner.id)["active"] is False
    assert not can_sign_in(learner.email, learner.password)
    body = page_text(client.get(page))
    assert "Their records and certificates are kept" in body
    assert "Reactivate the account" in body

    assert submit(page, {}, action=f"{page}/activate").status_code == 302
    assert user_row(app, learner.id)["active"] is True
    assert can_sign_in(learner.email, learner.password)
    events = [(e["action"], e["before"], e["after"]) for e in audit_rows(app)[-2:]]
    assert events == [
        ("user.deactivate", {"active": True}, {"active": False}),
        ("user.activate", {"active": False}, {"active": True}),
    ]


def test_an_administrator_cannot_deactivate_themself(app, client, make_user, login, submit):
    admin = make_user("administrator")
    login(admin)
    page = f"/admin/users/{admin.id}"
    assert "Deactivate the account" not in page_text(client.get(page))

    response = submit(page, {}, action=f"{page}/deactivate")

    assert response.status_code == 422
    assert "You cannot deactivate your own account" in page_text(response)
    assert user_row(app, admin.id)["active"] is True
    assert client.get("/admin/users").status_code == 200  # still signed in


@pytest.mark.parametrize("action", ["role", "deactivate", "invite"])
def test_account_actions_without_the_form_token_are_refused(app, client, make_user, login, action):
    login(make_user("administrator"))
    target = invited_user(app)
    before = user_row(app, target.id)

    response = client.post(f"/admin/users/{target.id}/{action}", data={"role-role": "instructor"})

    assert response.status_code == 400
    assert user_row(app, target.id) == before


def test_nothing_is_ever_deleted(app, client, make_user, login):
    login(make_user("administrator"))
    learner = make_user()
    for method in (client.delete, client.put):
        assert method(f"/admin/users/{learner.id}").status_code == 405
    assert user_row(app, learner.id) is not None


# -- invitations -------------------------------------------------------------------------


def test_resend_an_invitation(app, client, make_user, login, submit, outbox):
    admin = make_user("administrator")
    login(admin)
    person = invited_user(app)
    page = f"/admin/users/{person.id}"
    assert "Send the invitation again" in page_text(client.get(page))

    response = submit(page, {}, action=f"{page}/invite")

    assert response.status_code == 302
    (message,) = outbox()
    assert message["To"] == person.email
    (event,) = audit_rows(app, "user.invite")
    assert (event["actor_id"], event["target_id"]) == (admin.id, str(person.id))
    assert user_row(app, person.id)["invited_at"] is not None
    assert flashes(page_text(client.get(response.headers["Location"]))) == [
        ("success", f"A new invitation to {person.email} is queued. The mail is sent.")
    ]


def test_resend_an_invitation_sends_only_that_one(app, client, make_user, login, submit, outbox):
    login(make_user("administrator"))
    person = invited_user(app)
    queue_earlier_mail(app)
    page = f"/admin/users/{person.id}"

    submit(page, {}, action=f"{page}/invite")

    assert [m["To"] for m in outbox()] == [person.email]
    assert mail_rows(app)["earlier@example.org"] == (False, 0)


def test_resend_an_invitation_when_the_mail_server_is_down(
    app, client, make_user, login, submit, outbox, monkeypatch
):
    login(make_user("administrator"))
    person = invited_user(app)
    page = f"/admin/users/{person.id}"
    refuse_all_mail(monkeypatch)

    response = submit(page, {}, action=f"{page}/invite")

    assert response.status_code == 302
    [(category, text)] = flashes(page_text(client.get(response.headers["Location"])))
    assert category == "error"
    assert text.startswith(f"A new invitation to {person.email} is queued. 0 of 1 messages sent;")
    assert "the mail server did not take the other 1" in text
    assert "will be tried again" in text
    assert mail_rows(app) == {person.email: (False, 1)}
    assert audit_rows(app, "user.invite")
    assert outbox() == []


@pytest.mark.parametrize(
    ("state", "message"),
    [("signed-up", "already set a password"), ("deactivated", "reactivate it")],
)
def test_resend_is_refused_with_the_reason(app, make_user, login, submit, outbox, state, message):
    login(make_user("administrator"))
    if state == "signed-up":
        person = make_user()
    else:
        person = invited_user(app)
        with app.app_context():
            db.session.get(User, person.id).active = False
            db.session.commit()
    page = f"/admin/users/{person.id}"

    response = submit(page, {}, action=f"{page}/invite")

    assert response.status_code == 422
    assert message in page_text(response)
    assert outbox() == []
    assert audit_rows(app, "user.invite") == []


def test_a_new_address_for_an_invited_person_asks_for_a_new_invitation(
    app, client, make_user, login, submit
):
    login(make_user("administrator"))
    person = invited_user(app)

    response = _edit(submit, person, email="ines.new@example.org")

    assert response.status_code == 302
    assert "send the invitation again" in page_text(client.get(response.headers["Location"]))
