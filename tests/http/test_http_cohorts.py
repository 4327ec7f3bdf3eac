"""The cohort pages (/admin/cohorts...) and /admin/mail/send through HTTP: who may
open them, the forms and their errors, a CSV file from upload to preview to
apply, the invitation it sends, and what the pages cost in queries."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import func, insert, select, update

from lms import mail
from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.audit import AuditEvent
from lms.catalog.services import course_by_slug
from lms.cohorts import roster, services
from lms.cohorts.models import Cohort, CohortCourse, CohortMember, RosterUpload
from lms.extensions import db, utcnow
from lms.learning.models import Enrollment
from lms.mail import OutgoingMail
from tests.conftest import PASSWORD, csrf_token_from
from tests.http.conftest import page_text, path_of
from tests.learning_fixtures import EXAMPLE, SLUG, ModuleDef, import_folder, write_course

INVITATION_RE = re.compile(r"http://lms\.test/invitation/[A-Za-z0-9_.\-]+")
DIGEST_RE = re.compile(r'name="digest" value="([0-9a-f]{64})"')
FLASH_RE = re.compile(r'<p class="flash flash-(\w+)"[^>]*>(.*?)</p>', re.S)
SECOND = "second-course"
NEW_PASSWORD = "a brand new and long passphrase"
HEADER = "email,full name,profession"


def csv_file(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def long_date(day: date) -> str:
    return day.strftime("%d %B %Y")


@dataclass(frozen=True)
class World:
    cohort: int
    course: int  # the example course, a course of the cohort
    second: int  # a published course not in the cohort
    member: int  # a member who has set a password
    invitee: int  # a member who has not (invited)
    outsider: int  # an account that is not a member
    upload: int  # a CSV file uploaded for the cohort, not applied
    other_cohort: int
    other_upload: int  # a CSV file uploaded for the other cohort
    due: date


@pytest.fixture
def world(app, tmp_path) -> World:
    import_folder(app, EXAMPLE)
    import_folder(
        app,
        write_course(
            tmp_path / "courses",
            SECOND,
            modules=[ModuleDef("only", lessons=["intro"], quiz=None)],
            completion=("lessons",),
            title="The Second Course",
        ),
    )
    due = utcnow().date() + timedelta(days=60)
    now = utcnow()
    with app.app_context():
        cohort = services.create_cohort(name="July intake", actor=None, via="cli")
        other = services.create_cohort(name="Other cohort", actor=None, via="cli")
        services.set_course(cohort, course_by_slug(SLUG), due, actor=None, via="cli", now=now)
        member = accounts.create_user(
            email="member@example.org", full_name="Mia Member", password=PASSWORD, via="cli"
        )
        invitee = accounts.create_user(
            email="invitee@example.org", full_name="Ivo Invitee", via="cli"
        )
        outsider = accounts.create_user(
            email="outsider@example.org", full_name="Oona Outsider", password=PASSWORD, via="cli"
        )
        services.add_members(cohort, [member.id, invitee.id], actor=None, via="cli", now=now)
        data = csv_file(HEADER, "fresh@example.org,Fay Fresh,")
        upload = RosterUpload(cohort_id=cohort.id, filename="a.csv", data=data, uploaded_at=now)
        other_upload = RosterUpload(
            cohort_id=other.id, filename="b.csv", data=data, uploaded_at=now
        )
        db.session.add_all([upload, other_upload])
        db.session.commit()
        return World(
            cohort=cohort.id,
            course=course_by_slug(SLUG).id,
            second=course_by_slug(SECOND).id,
            member=member.id,
            invitee=invitee.id,
            outsider=outsider.id,
            upload=upload.id,
            other_cohort=other.id,
            other_upload=other_upload.id,
            due=due,
        )


@pytest.fixture
def admin(make_user, login):
    """An administrator, signed in on the test's ``client``."""
    user = make_user("administrator", full_name="Ada Admin")
    assert login(user).status_code == 302
    return user


def state(app) -> dict:
    """Everything the cohort pages change, as plain values."""
    with app.app_context():

        def rows(query):
            return sorted(tuple(r) for r in db.session.execute(query))

        return {
            "cohorts": rows(select(Cohort.id, Cohort.name, Cohort.opens_on, Cohort.closes_on)),
            "courses": rows(
                select(CohortCourse.cohort_id, CohortCourse.course_id, CohortCourse.due_on)
            ),
            "members": rows(select(CohortMember.cohort_id, CohortMember.user_id)),
            "users": rows(select(User.id, User.email, User.password_hash, User.invited_at)),
            "enrolments": rows(select(Enrollment.user_id, Enrollment.course_id, Enrollment.due_on)),
            "uploads": rows(select(RosterUpload.id, RosterUpload.applied_at)),
            "mail": rows(select(OutgoingMail.id, OutgoingMail.sent_at)),
            "audit": rows(select(AuditEvent.id)),
        }


def members_of(app, cohort_id: int) -> set[str]:
    with app.app_context():
        return set(
            db.session.execute(
                select(User.email)
                .join(CohortMember, CohortMember.user_id == User.id)
                .where(CohortMember.cohort_id == cohort_id)
            ).scalars()
        )


def emails(app) -> set[str]:
    with app.app_context():
        return set(db.session.execute(select(User.email)).scalars())


def token_from(client, path: str = "/account") -> str:
    return csrf_token_from(page_text(client.get(path)))


def upload(client, cohort_id: int, data: bytes | None, filename: str = "people.csv"):
    token = token_from(client, f"/admin/cohorts/{cohort_id}")
    form = {"csrf_token": token}
    if data is not None:
        form["roster"] = (io.BytesIO(data), filename)
    return client.post(
        f"/admin/cohorts/{cohort_id}/roster", data=form, content_type="multipart/form-data"
    )


def preview_digest(client, preview_path: str) -> str:
    match = DIGEST_RE.search(page_text(client.get(preview_path)))
    assert match, "no Apply button on the preview"
    return match.group(1)


def apply(client, preview_path: str, digest: str | None = None):
    token = token_from(client, preview_path)
    digest = digest if digest is not None else preview_digest(client, preview_path)
    return client.post(f"{preview_path}/apply", data={"csrf_token": token, "digest": digest})


def flashes(page: str) -> list[tuple[str, str]]:
    """(category, text) of every flash message on the page."""
    return [(category, html.unescape(text)) for category, text in FLASH_RE.findall(page)]


def queue_earlier_mail(app, to: str = "earlier@example.org") -> None:
    """A message queued by something earlier (no batch of this request), still waiting."""
    with app.app_context():
        mail.queue_many(
            [
                {
                    "kind": "reminder",
                    "user_id": None,
                    "to_address": to,
                    "subject": "Queued earlier",
                    "body": "A message from an earlier request.",
                }
            ]
        )
        db.session.commit()


def mail_rows(app) -> dict[str, tuple]:
    """to address: (sent?, attempts) of every queued message."""
    with app.app_context():
        rows = db.session.execute(
            select(OutgoingMail.to_address, OutgoingMail.sent_at, OutgoingMail.attempts)
        )
        return {to: (sent is not None, attempts) for to, sent, attempts in rows}


def refuse_all_mail(monkeypatch) -> list[str]:
    """The mail server is down: every message is refused. Returns who was tried."""
    tried: list[str] = []

    def refuse(msg):
        tried.append(msg["To"])
        raise OSError("mail server down")

    monkeypatch.setattr("lms.mail._deliver", refuse)
    return tried


def invitation_links(outbox, to: str) -> list[str]:
    links = []
    for message in outbox():
        if message["To"] == to:
            links += INVITATION_RE.findall(message.get_body(("plain",)).get_content())
    return links


# -- permissions on every page -------------------------------------------------------------


def _csv_upload():
    return {"roster": (io.BytesIO(csv_file(HEADER, "x@example.org,X Person,")), "x.csv")}


def _nothing(world):
    return {}


ROUTES = {
    "list": ("GET", "/admin/cohorts", None),
    "new form": ("GET", "/admin/cohorts/new", None),
    "new": ("POST", "/admin/cohorts/new", lambda w: {"name": "Brand new cohort"}),
    "edit form": ("GET", "/admin/cohorts/{w.cohort}/edit", None),
    "edit": ("POST", "/admin/cohorts/{w.cohort}/edit", lambda w: {"name": "Renamed"}),
    "page": ("GET", "/admin/cohorts/{w.cohort}", None),
    "add course": (
        "POST",
        "/admin/cohorts/{w.cohort}/courses",
        lambda w: {"course": str(w.second), "due_on": "2031-06-30"},
    ),
    "due date": (
        "POST",
        "/admin/cohorts/{w.cohort}/courses/{w.course}/due",
        lambda w: {"due_on": "2031-05-31"},
    ),
    "remove course": ("POST", "/admin/cohorts/{w.cohort}/courses/{w.course}/remove", _nothing),
    "add member": (
        "POST",
        "/admin/cohorts/{w.cohort}/members",
        lambda w: {"email": "new@example.org", "full_name": "Nia New"},
    ),
    "remove member": ("POST", "/admin/cohorts/{w.cohort}/members/{w.member}/remove", _nothing),
    "resend": ("POST", "/admin/cohorts/{w.cohort}/members/{w.invitee}/invite", _nothing),
    "upload": ("POST", "/admin/cohorts/{w.cohort}/roster", lambda w: _csv_upload()),
    "preview": ("GET", "/admin/cohorts/{w.cohort}/roster/{w.upload}", None),
    "apply": (
        "POST",
        "/admin/cohorts/{w.cohort}/roster/{w.upload}/apply",
        lambda w: {"digest": "0" * 64},
    ),
    "send mail": ("POST", "/admin/mail/send", lambda w: {"cohort": str(w.cohort)}),
}


def _request(client, world, name, token):
    method, template, data = ROUTES[name]
    path = template.format(w=world)
    if method == "GET":
        return path, client.get(path)
    form = {"csrf_token": token, **data(world)}
    kwargs = {"content_type": "multipart/form-data"} if "roster" in form else {}
    return path, client.post(path, data=form, **kwargs)


@pytest.mark.parametrize("name", list(ROUTES))
def test_a_signed_out_visitor_is_sent_to_sign_in(app, client, world, csrf_token, name):
    before = state(app)

    path, response = _request(client, world, name, csrf_token("/login"))

    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={quote(path, safe='')}"
    assert state(app) == before


@pytest.mark.parametrize("role", ["learner", "instructor"])
@pytest.mark.parametrize("name", list(ROUTES))
def test_learners_and_instructors_see_page_not_found(
    app, client, world, make_user, login, role, name
):
    login(make_user(role))
    before = state(app)

    _, response = _request(client, world, name, token_from(client))

    assert response.status_code == 404
    assert "Page not found" in page_text(response)
    assert "July intake" not in page_text(response)
    assert state(app) == before


ADMIN_STATUS = {name: 200 if method == "GET" else 302 for name, (method, _, _) in ROUTES.items()}


@pytest.mark.parametrize("name", list(ROUTES))
def test_administrators_may_use_every_page(app, client, world, admin, name):
    _, response = _request(client, world, name, token_from(client))

    assert response.status_code == ADMIN_STATUS[name], page_text(response)[:2000]


def test_a_deactivated_administrator_is_signed_out(app, client, world, admin):
    with app.app_context():
        user = db.session.get(User, admin.id)
        accounts.set_active(user, False, actor=None, via="cli")
        db.session.commit()

    response = client.get(f"/admin/cohorts/{world.cohort}")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("name", [n for n, (m, _, _) in ROUTES.items() if m == "POST"])
def test_a_post_without_the_csrf_token_is_refused(app, client, world, admin, name):
    before = state(app)

    _, response = _request(client, world, name, "")

    assert response.status_code == 400
    assert state(app) == before


# -- creating and editing a cohort ---------------------------------------------------------


def test_create_a_cohort(app, client, admin, submit):
    response = submit(
        "/admin/cohorts/new",
        {
            "name": "  Residents   2027 ",
            "description": "Internal medicine",
            "opens_on": "2027-07-01",
            "closes_on": "2027-07-31",
        },
    )

    assert response.status_code == 302
    with app.app_context():
        cohort = db.session.execute(select(Cohort)).scalar_one()
        assert (cohort.name, cohort.description) == ("Residents 2027", "Internal medicine")
        assert (cohort.opens_on, cohort.closes_on) == (date(2027, 7, 1), date(2027, 7, 31))
        assert cohort.created_by_id == admin.id
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "cohort.create")
        ).scalar_one()
        assert (event.actor_id, event.via) == (admin.id, "web")
    assert response.headers["Location"] == f"/admin/cohorts/{cohort.id}"
    page = page_text(client.get(response.headers["Location"]))
    assert "Cohort “Residents 2027” created." in page
    assert "01 Jul 2027 to 31 Jul 2027" in page
    assert "Residents 2027" in page_text(client.get("/admin/cohorts"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Enter a name for the cohort."),
        ({"name": "   "}, "Enter a name for the cohort."),
        ({"name": "JULY   intake"}, "A cohort with this name already exists."),
        (
            {"name": "Backwards", "opens_on": "2027-08-01", "closes_on": "2027-07-01"},
            "The enrolment window cannot close before it opens.",
        ),
        ({"name": "Bad day", "opens_on": "2027-02-30"}, "Not a valid date value."),
        ({"name": "Bad day", "closes_on": "next week"}, "Not a valid date value."),
        ({"name": "x" * 121}, "Use at most 120 characters."),
    ],
)
def test_a_bad_cohort_form_is_refused_with_the_field_error(
    app, client, world, admin, submit, data, message
):
    before = state(app)

    response = submit("/admin/cohorts/new", data)

    assert response.status_code == 422
    body = page_text(response)
    assert message in body
    assert 'aria-invalid="true"' in body
    assert state(app) == before


def test_edit_a_cohort(app, client, world, admin, submit):
    response = submit(
        f"/admin/cohorts/{world.cohort}/edit",
        {"name": "July intake 2027", "description": "", "closes_on": "2031-07-31"},
    )

    assert response.status_code == 302
    assert "The cohort is saved." in page_text(client.get(response.headers["Location"]))
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort)
        assert (cohort.name, cohort.closes_on) == ("July intake 2027", date(2031, 7, 31))


def test_edit_refuses_the_name_of_another_cohort(app, client, world, admin, submit):
    before = state(app)

    response = submit(f"/admin/cohorts/{world.cohort}/edit", {"name": "other COHORT"})

    assert response.status_code == 422
    assert "A cohort with this name already exists." in page_text(response)
    assert state(app) == before


# -- courses and due dates ------------------------------------------------------------------


def test_add_a_course_with_a_due_date_enrols_every_member(app, client, world, admin, submit):
    response = submit(
        f"/admin/cohorts/{world.cohort}",
        {"course": str(world.second), "due_on": "2031-06-30"},
        action=f"/admin/cohorts/{world.cohort}/courses",
    )

    assert response.status_code == 302
    page = page_text(client.get(response.headers["Location"]))
    assert "Course added; every member is enrolled in it." in page
    assert "The Second Course" in page
    assert 'value="2031-06-30"' in page
    with app.app_context():
        enrolled = db.session.execute(
            select(Enrollment.user_id, Enrollment.due_on, Enrollment.source).where(
                Enrollment.course_id == world.second
            )
        ).all()
    assert sorted(enrolled) == sorted(
        [(world.member, date(2031, 6, 30), "cohort"), (world.invitee, date(2031, 6, 30), "cohort")]
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"course": "", "due_on": ""}, "Choose a course."),
        ({"course": "999999", "due_on": ""}, "Not a valid choice."),
        ({"course": "{second}", "due_on": "2027-02-30"}, "Not a valid date value."),
    ],
)
def test_add_a_course_refuses_bad_input(app, client, world, admin, submit, data, message):
    data = {k: v.format(second=world.second) for k, v in data.items()}
    before = state(app)

    response = submit(
        f"/admin/cohorts/{world.cohort}", data, action=f"/admin/cohorts/{world.cohort}/courses"
    )

    assert response.status_code == 422
    assert message in page_text(response)
    assert state(app) == before


def test_a_course_already_in_the_cohort_cannot_be_added_again(app, client, world, admin, submit):
    before = state(app)

    response = submit(
        f"/admin/cohorts/{world.cohort}",
        {"course": str(world.course), "due_on": ""},
        action=f"/admin/cohorts/{world.cohort}/courses",
    )

    assert response.status_code == 422
    assert state(app) == before


def test_change_the_due_date(app, client, world, admin, submit):
    response = submit(
        f"/admin/cohorts/{world.cohort}",
        {"due_on": "2031-05-31"},
        action=f"/admin/cohorts/{world.cohort}/courses/{world.course}/due",
    )

    assert response.status_code == 302
    assert "Due date saved" in page_text(client.get(response.headers["Location"]))
    with app.app_context():
        dues = set(
            db.session.execute(
                select(Enrollment.due_on).where(Enrollment.course_id == world.course)
            ).scalars()
        )
    assert dues == {date(2031, 5, 31)}


def test_a_bad_due_date_changes_nothing_and_says_so(app, client, world, admin, submit):
    before = state(app)

    response = submit(
        f"/admin/cohorts/{world.cohort}",
        {"due_on": "2027-02-30"},
        action=f"/admin/cohorts/{world.cohort}/courses/{world.course}/due",
    )

    assert response.status_code == 302
    assert "The due date was not changed" in page_text(client.get(response.headers["Location"]))
    assert state(app) == before


def test_remove_a_course_keeps_the_enrolments(app, client, world, admin, submit):
    response = submit(
        f"/admin/cohorts/{world.cohort}",
        {},
        action=f"/admin/cohorts/{world.cohort}/courses/{world.course}/remove",
    )

    assert response.status_code == 302
    page = page_text(client.get(response.headers["Location"]))
    assert "Members keep their enrolment and progress." in page
    assert "This cohort has no courses yet." in page
    with app.app_context():
        enrolled = db.session.execute(
            select(Enrollment.user_id, Enrollment.due_on).where(
                Enrollment.course_id == world.course
            )
        ).all()
    assert sorted(enrolled) == sorted([(world.member, None), (world.invitee, None)])


# -- members ---------------------------------------------------------------------------------


def test_add_one_person(app, client, world, admin, submit, outbox):
    response = submit(
        f"/admin/cohorts/{world.cohort}",
        {"email": "Nia@Example.org", "full_name": "Nia New", "profession": "Midwife"},
        action=f"/admin/cohorts/{world.cohort}/members",
    )

    assert response.status_code == 302
    page = page_text(client.get(response.headers["Location"]))
    assert flashes(page) == [
        (
            "success",
            "nia@example.org is now a member and enrolled; an invitation is queued. "
            "The mail is sent.",
        )
    ]
    assert "nia@example.org" in members_of(app, world.cohort)
    assert invitation_links(outbox, "nia@example.org")
    assert mail_rows(app) == {"nia@example.org": (True, 1)}


def test_add_an_existing_account_tells_them_by_mail(app, client, world, admin, submit, outbox):
    response = submit(
        f"/admin/cohorts/{world.cohort}",
        {"email": "outsider@example.org"},
        action=f"/admin/cohorts/{world.cohort}/members",
    )

    assert response.status_code == 302
    page = page_text(client.get(response.headers["Location"]))
    assert flashes(page) == [
        (
            "success",
            "outsider@example.org is now a member and enrolled; a message saying so is "
            "queued. The mail is sent.",
        )
    ]
    assert [m["To"] for m in outbox()] == ["outsider@example.org"]
    assert invitation_links(outbox, "outsider@example.org") == []


def test_add_one_person_when_the_mail_server_is_down(
    app, client, world, admin, submit, outbox, monkeypatch
):
    tried = refuse_all_mail(monkeypatch)

    response = submit(
        f"/admin/cohorts/{world.cohort}",
        {"email": "nia@example.org", "full_name": "Nia New"},
        action=f"/admin/cohorts/{world.cohort}/members",
    )

    assert response.status_code == 302
    page = page_text(client.get(response.headers["Location"]))
    assert flashes(page) == [
        (
            "error",
            "nia@example.org is now a member and enrolled; an invitation is queued. "
            "0 of 1 messages sent; the mail server did not take the other 1, which wait in "
            "the queue and will be tried again.",
        )
    ]
    assert "1 message(s) are waiting to be sent." in page
    assert "nia@example.org" in members_of(app, world.cohort)
    assert tried == ["nia@example.org"]
    assert mail_rows(app) == {"nia@example.org": (False, 1)}
    assert outbox() == []


def test_a_request_does_not_send_mail_queued_by_an_earlier_one(
    app, client, world, admin, submit, outbox
):
    queue_earlier_mail(app)

    added = submit(
        f"/admin/cohorts/{world.cohort}",
        {"email": "nia@example.org", "full_name": "Nia New"},
        action=f"/admin/cohorts/{world.cohort}/members",
    )
    resent = submit(
        f"/admin/cohorts/{world.cohort}",
        {},
        action=f"/admin/cohorts/{world.cohort}/members/{world.invitee}/invite",
    )
    applied = apply(
        client,
        upload(client, world.cohort, csv_file(HEADER, "fay@example.org,Fay,")).headers["Location"],
    )

    assert added.status_code == resent.status_code == applied.status_code == 302
    assert sorted(m["To"] for m in outbox()) == [
        "fay@example.org",
        "invitee@example.org",
        "nia@example.org",
    ]
    assert mail_rows(app)["earlier@example.org"] == (False, 0)
    page = page_text(client.get(f"/admin/cohorts/{world.cohort}"))
    assert "1 message(s) are waiting to be sent." in page


def test_a_request_does_not_send_mail_that_failed_in_an_earlier_one(
    app, client, world, admin, submit, outbox, monkeypatch
):
    refuse_all_mail(monkeypatch)
    submit(
        f"/admin/cohorts/{world.cohort}",
        {"email": "nia@example.org", "full_name": "Nia New"},
        action=f"/admin/cohorts/{world.cohort}/members",
    )
    monkeypatch.undo()
    with app.app_context():  # as if the pause after the failure were over
        db.session.execute(update(OutgoingMail).values(next_attempt_at=None))
        db.session.commit()

    submit(
        f"/admin/cohorts/{world.cohort}",
        {},
        action=f"/admin/cohorts/{world.cohort}/members/{world.invitee}/invite",
    )

    assert [m["To"] for m in outbox()] == ["invitee@example.org"]
    assert mail_rows(app)["nia@example.org"] == (False, 1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "", "full_name": "X"}, "Enter an email address."),
        ({"email": "nope", "full_name": "X"}, "“nope” is not an email address."),
        ({"email": "nia@example.org", "full_name": ""}, "Full name is missing"),
        ({"email": "member@example.org"}, "member@example.org is already a member of July intake"),
        ({"email": "nia@example.org", "full_name": "N" * 201}, "A name has at most 200"),
    ],
)
def test_add_one_person_refuses_bad_input(app, client, world, admin, submit, data, message):
    before = state(app)

    response = submit(
        f"/admin/cohorts/{world.cohort}", data, action=f"/admin/cohorts/{world.cohort}/members"
    )

    assert response.status_code == 422
    assert message in page_text(response)
    assert state(app) == before


def test_add_one_person_outside_the_window_is_refused(app, client, world, admin, submit):
    with app.app_context():
        db.session.get(Cohort, world.cohort).opens_on = utcnow().date() + timedelta(days=2)
        db.session.commit()
    before = state(app)

    response = submit(
        f"/admin/cohorts/{world.cohort}",
        {"email": "nia@example.org", "full_name": "Nia New"},
        action=f"/admin/cohorts/{world.cohort}/members",
    )

    assert response.status_code == 422
    assert "The enrolment window of July intake opens on" in page_text(response)
    assert state(app) == before


def test_remove_a_member_keeps_their_enrolment(app, client, world, admin, submit):
    response = submit(
        f"/admin/cohorts/{world.cohort}",
        {},
        action=f"/admin/cohorts/{world.cohort}/members/{world.member}/remove",
    )

    assert response.status_code == 302
    page = page_text(client.get(response.headers["Location"]))
    assert "Mia Member is no longer a member. Their progress and certificates are kept." in page
    assert members_of(app, world.cohort) == {"invitee@example.org"}
    with app.app_context():
        kept = db.session.execute(
            select(Enrollment.course_id, Enrollment.due_on).where(
                Enrollment.user_id == world.member
            )
        ).all()
    assert [tuple(k) for k in kept] == [(world.course, None)]


def test_resend_an_invitation(app, client, world, admin, submit, outbox):
    response = submit(
        f"/admin/cohorts/{world.cohort}",
        {},
        action=f"/admin/cohorts/{world.cohort}/members/{world.invitee}/invite",
    )

    assert response.status_code == 302
    page = page_text(client.get(response.headers["Location"]))
    assert flashes(page) == [
        ("success", "A new invitation to invitee@example.org is queued. The mail is sent.")
    ]
    [link] = invitation_links(outbox, "invitee@example.org")
    assert "Welcome, Ivo Invitee" in page_text(app.test_client().get(path_of(link)))
    with app.app_context():
        assert db.session.get(User, world.invitee).invited_at is not None


def test_an_invitation_is_not_resent_to_someone_with_a_password(
    app, client, world, admin, submit, outbox
):
    before = state(app)

    response = submit(
        f"/admin/cohorts/{world.cohort}",
        {},
        action=f"/admin/cohorts/{world.cohort}/members/{world.member}/invite",
    )

    assert response.status_code == 302
    assert "already set a password" in page_text(client.get(response.headers["Location"]))
    assert outbox() == []
    assert state(app) == before


def test_the_member_list_shows_who_has_not_signed_in_yet(client, world, admin):
    page = page_text(client.get(f"/admin/cohorts/{world.cohort}"))

    assert "Members (2)" in page
    assert "Mia Member" in page
    assert "Ivo Invitee" in page
    assert "not signed in yet" in page
    assert page.count("Resend invitation<span") == 1


# -- a CSV file: upload, preview, apply -------------------------------------------------------


GOOD_AND_BAD = csv_file(
    HEADER,
    "new@example.org,Nia New,Midwife",
    "outsider@example.org,,",
    "member@example.org,,",
    "not-an-email,Bad Email,",
    "new@example.org,Nia Again,",
    "nameless@example.org,,",
    "long@example.org," + "L" * 10_000 + ",",
)


def test_upload_shows_a_preview_of_every_row_and_changes_nothing(app, client, world, admin):
    before = state(app)

    response = upload(client, world.cohort, GOOD_AND_BAD)

    assert response.status_code == 302
    preview = response.headers["Location"]
    assert re.fullmatch(rf"/admin/cohorts/{world.cohort}/roster/\d+", preview)
    page = page_text(client.get(preview))
    assert "Nothing has changed yet." in page
    assert "4 rows cannot be applied" in page
    for message in (
        "Row 5: “not-an-email” is not an email address.",
        "Row 6: duplicate of row 2 (new@example.org).",
        "Row 7: full name is missing (it is printed on certificates).",
        "Row 8: full name has 10,000 characters; the limit is 200.",
    ):
        assert message in page
    assert "L" * 200 not in page
    assert "Apply: add 2 people and skip 4 rows with errors" in page
    assert f"(due {long_date(world.due)})" in page
    assert emails(app) == before_emails(before)
    after = state(app)
    assert len(after["uploads"]) == len(before["uploads"]) + 1
    assert {k: v for k, v in after.items() if k != "uploads"} == {
        k: v for k, v in before.items() if k != "uploads"
    }


def before_emails(before: dict) -> set[str]:
    return {email for _, email, _, _ in before["users"]}


def test_apply_adds_the_people_and_sends_the_invitations(app, client, world, admin, outbox):
    preview = upload(client, world.cohort, GOOD_AND_BAD).headers["Location"]

    response = apply(client, preview)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/cohorts/{world.cohort}"
    page = page_text(client.get(response.headers["Location"]))
    assert flashes(page) == [
        (
            "success",
            "Applied: 2 people added to July intake (1 new accounts invited, 1 existing "
            "accounts told by mail); 4 rows with errors skipped. All 2 messages are sent.",
        )
    ]
    assert members_of(app, world.cohort) == {
        "member@example.org",
        "invitee@example.org",
        "new@example.org",
        "outsider@example.org",
    }
    assert "nameless@example.org" not in emails(app)
    [link] = invitation_links(outbox, "new@example.org")
    assert link.startswith("http://lms.test/invitation/")
    [notice] = [m for m in outbox() if m["To"] == "outsider@example.org"]
    assert "/invitation/" not in notice.get_body(("plain",)).get_content()
    with app.app_context():
        assert mail.pending_count() == 0
        stored = db.session.get(RosterUpload, int(preview.rsplit("/", 1)[1]))
        assert stored.applied_at is not None
        # Names and addresses are not kept once applied.
        assert stored.data == b""


def upload_id(preview: str) -> int:
    return int(preview.rsplit("/", 1)[1])


def test_an_applied_file_cannot_be_applied_again(app, client, world, admin, outbox):
    preview = upload(client, world.cohort, GOOD_AND_BAD).headers["Location"]
    digest = preview_digest(client, preview)
    apply(client, preview, digest)
    before, mails = state(app), len(outbox())

    response = apply(client, preview, digest)

    assert response.status_code == 302
    assert response.headers["Location"] == preview
    page = page_text(client.get(preview))
    assert flashes(page) == [("error", "Nothing was applied. This file has already been applied.")]
    assert "This file was applied to July intake on" in page
    assert 'name="digest"' not in page
    assert state(app) == before
    assert len(outbox()) == mails


def test_the_preview_of_an_applied_file_says_when_and_shows_no_rows(app, client, world, admin):
    preview = upload(client, world.cohort, GOOD_AND_BAD).headers["Location"]
    apply(client, preview)
    with app.app_context():
        applied_at = db.session.get(RosterUpload, upload_id(preview)).applied_at

    response = client.get(preview)

    assert response.status_code == 200
    page = page_text(response)
    text = " ".join(page.split())
    assert (
        f"This file was applied to July intake on "
        f"{applied_at.strftime('%d %B %Y at %H:%M UTC')}." in text
    )
    assert "Its contents are not kept once applied" in text
    assert "Nothing has changed yet." not in page
    assert "<table" not in page
    assert 'name="digest"' not in page
    assert "/apply" not in page
    assert "new@example.org" not in page
    assert "Row 5:" not in page


def test_two_administrators_applying_the_same_file_apply_it_once(
    app, client, world, admin, outbox, monkeypatch
):
    preview = upload(client, world.cohort, GOOD_AND_BAD).headers["Location"]
    real_plan = roster.plan

    def plan_then_another_administrator_applies(cohort, data):
        # The other request claimed the file between this one's reading and its claim.
        planned = real_plan(cohort, data)
        with app.app_context():
            db.session.execute(
                update(RosterUpload)
                .where(RosterUpload.id == upload_id(preview))
                .values(applied_at=utcnow(), data=b"")
            )
            db.session.commit()
        return planned

    digest, token = preview_digest(client, preview), token_from(client, preview)
    monkeypatch.setattr(roster, "plan", plan_then_another_administrator_applies)
    before = state(app)

    response = client.post(f"{preview}/apply", data={"csrf_token": token, "digest": digest})

    assert response.status_code == 302
    assert response.headers["Location"] == preview
    monkeypatch.undo()
    page = page_text(client.get(preview))
    assert ("error", "Nothing was applied. This file has already been applied.") in flashes(page)
    after = state(app)
    assert {k: v for k, v in after.items() if k != "uploads"} == {
        k: v for k, v in before.items() if k != "uploads"
    }
    assert "new@example.org" not in emails(app)
    assert outbox() == []


def test_a_file_that_can_no_longer_be_read_is_not_previewed(app, client, world, admin):
    preview = upload(
        client, world.cohort, csv_file(HEADER, "one@example.org,One,", "two@example.org,Two,")
    ).headers["Location"]
    app.config["ROSTER_MAX_ROWS"] = 1
    before = state(app)

    response = client.get(preview)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/cohorts/{world.cohort}"
    [(category, message)] = flashes(page_text(client.get(response.headers["Location"])))
    assert category == "error"
    assert message.startswith("This file can no longer be read:")
    assert state(app) == before


def test_a_file_that_can_no_longer_be_read_is_not_applied(app, client, world, admin, outbox):
    preview = upload(
        client, world.cohort, csv_file(HEADER, "one@example.org,One,", "two@example.org,Two,")
    ).headers["Location"]
    digest, token = preview_digest(client, preview), token_from(client)
    app.config["ROSTER_MAX_ROWS"] = 1
    before = state(app)

    response = client.post(f"{preview}/apply", data={"csrf_token": token, "digest": digest})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/cohorts/{world.cohort}"
    [(category, message)] = flashes(page_text(client.get(response.headers["Location"])))
    assert category == "error"
    assert message.startswith("Nothing was applied: this file can no longer be read.")
    assert state(app) == before
    with app.app_context():
        stored = db.session.get(RosterUpload, upload_id(preview))
        assert (stored.applied_at, stored.data != b"") == (None, True)
    assert outbox() == []


def test_the_invitation_link_sets_a_password_once_and_shows_the_due_date(
    app, client, world, admin, outbox, submit
):
    apply(client, upload(client, world.cohort, GOOD_AND_BAD).headers["Location"])
    [link] = invitation_links(outbox, "new@example.org")
    browser = app.test_client()

    form = browser.get(path_of(link))
    assert form.status_code == 200
    assert "Welcome, Nia New" in page_text(form)
    response = submit(
        path_of(link), {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, via=browser
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    dashboard = page_text(browser.get("/dashboard"))
    assert "Welcome. Your password is set and you are signed in." in dashboard
    assert f"Due date: {long_date(world.due)}." in dashboard
    assert f"Due date: {long_date(world.due)}." in page_text(browser.get(f"/courses/{SLUG}"))
    # The password works for signing in afterwards.
    assert (
        submit(
            "/login", {"email": "new@example.org", "password": NEW_PASSWORD}, via=app.test_client()
        ).status_code
        == 302
    )

    again = app.test_client().get(path_of(link))
    assert again.status_code == 400
    assert "This link no longer works" in page_text(again)
    with app.app_context():
        user = db.session.execute(select(User).where(User.email == "new@example.org")).scalar_one()
        hash_after_first_use = user.password_hash
    second = app.test_client()
    refused = second.post(
        path_of(link),
        data={"password": "another long passphrase!", "confirm": "another long passphrase!"},
    )
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.get(User, user.id).password_hash == hash_after_first_use


def test_an_overdue_course_says_so_on_the_dashboard(app, client, world, admin, submit, outbox):
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort)
        past = utcnow().date() - timedelta(days=3)
        services.set_course(cohort, course_by_slug(SLUG), past, actor=None, via="cli", now=utcnow())
        db.session.commit()
    browser = app.test_client()
    submit("/login", {"email": "member@example.org", "password": PASSWORD}, via=browser)

    page = page_text(browser.get("/dashboard"))

    assert f"Due date: {long_date(past)}. It has passed" in page


def test_an_invitation_with_a_short_password_is_refused_and_still_works(
    app, client, world, admin, outbox, submit
):
    apply(client, upload(client, world.cohort, GOOD_AND_BAD).headers["Location"])
    [link] = invitation_links(outbox, "new@example.org")
    browser = app.test_client()

    refused = submit(path_of(link), {"password": "short", "confirm": "short"}, via=browser)

    assert refused.status_code == 422
    assert "at least 12 characters" in page_text(refused)
    assert browser.get("/dashboard").status_code == 302  # not signed in
    accepted = submit(
        path_of(link), {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, via=browser
    )
    assert accepted.status_code == 302


def test_an_expired_invitation_is_refused(app, client, world, admin, outbox, submit):
    apply(client, upload(client, world.cohort, GOOD_AND_BAD).headers["Location"])
    [link] = invitation_links(outbox, "new@example.org")
    app.config["INVITATION_MAX_AGE_SECONDS"] = -1
    browser = app.test_client()

    response = browser.get(path_of(link))

    assert response.status_code == 400
    assert "This link no longer works" in page_text(response)
    assert "This one has expired" in page_text(response)
    with app.app_context():
        user = db.session.execute(select(User).where(User.email == "new@example.org")).scalar_one()
        assert user.password_hash is None


def test_a_forged_invitation_link_is_refused(client, world):
    for token in ("nonsense", "x" * 600):
        response = client.get(f"/invitation/{token}")
        assert response.status_code == 400
        assert "This link no longer works" in page_text(response)


def test_a_stale_preview_applies_nothing(app, client, world, admin):
    first = upload(
        client, world.cohort, csv_file(HEADER, "one@example.org,One,", "two@example.org,Two,")
    ).headers["Location"]
    stale_digest = preview_digest(client, first)
    second = upload(client, world.cohort, csv_file(HEADER, "one@example.org,One,"))
    apply(client, second.headers["Location"])
    before = state(app)

    response = apply(client, first, stale_digest)

    assert response.status_code == 302
    assert response.headers["Location"] == first
    page = page_text(client.get(first))
    assert "Something changed since this preview" in page
    assert "Nothing was applied" in page
    assert state(app) == before
    assert "two@example.org" not in emails(app)
    # The fresh preview shows the new plan and can be applied.
    assert "Apply: add 1 person" in page
    assert apply(client, first).status_code == 302
    assert "two@example.org" in members_of(app, world.cohort)


def _change_due_date(cohort, world):
    services.set_course(
        cohort,
        course_by_slug(SLUG),
        world.due + timedelta(days=1),
        actor=None,
        via="cli",
        now=utcnow(),
    )


def _add_a_course(cohort, world):
    services.set_course(cohort, course_by_slug(SECOND), None, actor=None, via="cli", now=utcnow())


def _remove_the_course(cohort, world):
    services.remove_course(cohort, course_by_slug(SLUG), actor=None, via="cli")


@pytest.mark.parametrize(
    "change", [_change_due_date, _add_a_course, _remove_the_course], ids=lambda f: f.__name__
)
def test_a_preview_is_stale_when_the_cohort_courses_changed(
    app, client, world, admin, outbox, change
):
    preview = upload(client, world.cohort, GOOD_AND_BAD).headers["Location"]
    digest = preview_digest(client, preview)
    with app.app_context():
        change(db.session.get(Cohort, world.cohort), world)
        db.session.commit()
    before = state(app)

    response = apply(client, preview, digest)

    assert response.status_code == 302
    assert response.headers["Location"] == preview
    page = page_text(client.get(preview))
    [(category, message)] = flashes(page)
    assert category == "error"
    assert message.startswith(
        "Nothing was applied. Something changed since this preview (accounts, members or "
        "the cohort's courses)."
    )
    assert state(app) == before
    assert outbox() == []
    # The new preview can be applied.
    assert apply(client, preview).status_code == 302
    assert "new@example.org" in members_of(app, world.cohort)


def test_a_file_outside_the_enrolment_window_applies_nothing(app, client, world, admin):
    preview = upload(client, world.cohort, GOOD_AND_BAD).headers["Location"]
    digest = preview_digest(client, preview)
    with app.app_context():
        db.session.get(Cohort, world.cohort).closes_on = utcnow().date() - timedelta(days=1)
        db.session.commit()
    before = state(app)

    page = page_text(client.get(preview))
    assert "change the window to add members" in page
    assert 'name="digest"' not in page
    response = apply(client, preview, digest)

    assert response.status_code == 302
    assert "Nothing was applied. The enrolment window of July intake closed on" in page_text(
        client.get(response.headers["Location"])
    )
    assert state(app) == before


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (None, "", "Choose a CSV file to upload."),
        (b"", "empty.csv", "The file is empty"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "people.xlsx", "not a CSV text"),
        (b"email,full name\nana@example.org,Jos\xe9\n", "latin1.csv", "Line 2: the file is not"),
        (b"name,surname\nAna,L\n", "people.csv", "missing: email; found: “name”, “surname”"),
        (b"email,full name\n", "header.csv", "The file has a header row but no one in it."),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_clear_message(
    app, client, world, admin, data, filename, message
):
    before = state(app)

    response = upload(client, world.cohort, data, filename)

    assert response.status_code == 422
    assert message in page_text(response)
    assert "<title>Error: " in page_text(response)
    assert state(app) == before


def test_an_upload_over_the_request_limit_is_refused(app, client, world, admin):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    data = csv_file(HEADER, *(f"person{n}@example.org,Person {n}," for n in range(300)))
    before = state(app)

    response = upload(client, world.cohort, data)

    assert response.status_code == 413
    assert "That file is too large" in page_text(response)
    assert state(app) == before


def test_markup_in_a_file_is_shown_as_text(client, world, admin):
    data = csv_file(HEADER, 'x@example.org,"<script>alert(1)</script>",', "<b>@x,Bo,")
    preview = upload(client, world.cohort, data).headers["Location"]

    page = page_text(client.get(preview))

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>@x" not in page


def test_a_file_over_the_size_limit_is_refused(app, client, world, admin):
    app.config["ROSTER_MAX_BYTES"] = 1024
    data = csv_file(HEADER, *(f"person{n}@example.org,Person {n}," for n in range(100)))
    before = state(app)

    response = upload(client, world.cohort, data)

    assert response.status_code == 422
    assert "1 KB" in page_text(response)
    assert "Split it into smaller files" in page_text(response)
    assert state(app) == before


def test_a_long_preview_is_split_into_pages(app, client, world, admin):
    rows = [f"person{n:03d}@example.org,Person {n}," for n in range(250)]
    preview = upload(client, world.cohort, csv_file(HEADER, *rows)).headers["Location"]

    first, second = page_text(client.get(preview)), page_text(client.get(f"{preview}?page=2"))

    assert "person000@example.org" in first
    assert "person249@example.org" not in first
    assert "person249@example.org" in second
    assert "page 2 of 2" in second
    assert "Apply: add 250 people" in second


# -- unknown and mismatched ids --------------------------------------------------------------


NOT_FOUND = {
    "cohort page": ("GET", "/admin/cohorts/999"),
    "edit": ("GET", "/admin/cohorts/999/edit"),
    "add course": ("POST", "/admin/cohorts/999/courses"),
    "due of unknown course": ("POST", "/admin/cohorts/{w.cohort}/courses/999/due"),
    "due of a course not in the cohort": (
        "POST",
        "/admin/cohorts/{w.cohort}/courses/{w.second}/due",
    ),
    "remove unknown course": ("POST", "/admin/cohorts/{w.cohort}/courses/999/remove"),
    "remove a course not in it": ("POST", "/admin/cohorts/{w.cohort}/courses/{w.second}/remove"),
    "remove unknown member": ("POST", "/admin/cohorts/{w.cohort}/members/999/remove"),
    "remove a non-member": ("POST", "/admin/cohorts/{w.cohort}/members/{w.outsider}/remove"),
    "invite a non-member": ("POST", "/admin/cohorts/{w.cohort}/members/{w.outsider}/invite"),
    "remove from unknown cohort": ("POST", "/admin/cohorts/999/members/{w.member}/remove"),
    "unknown upload": ("GET", "/admin/cohorts/{w.cohort}/roster/999"),
    "apply unknown upload": ("POST", "/admin/cohorts/{w.cohort}/roster/999/apply"),
    "another cohort's upload": ("GET", "/admin/cohorts/{w.cohort}/roster/{w.other_upload}"),
    "apply another cohort's upload": (
        "POST",
        "/admin/cohorts/{w.cohort}/roster/{w.other_upload}/apply",
    ),
    "upload to unknown cohort": ("POST", "/admin/cohorts/999/roster"),
}


@pytest.mark.parametrize("name", list(NOT_FOUND))
def test_unknown_or_mismatched_ids_are_not_found(app, client, world, admin, name):
    method, template = NOT_FOUND[name]
    path = template.format(w=world)
    before = state(app)

    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": token_from(client), "digest": "x"})

    assert response.status_code == 404
    assert "Page not found" in page_text(response)
    assert state(app) == before


HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    ("method", "template"),
    [
        ("GET", "/admin/cohorts/{huge}"),
        ("GET", "/admin/cohorts/{huge}/edit"),
        ("POST", "/admin/cohorts/{w.cohort}/courses/{huge}/due"),
        ("POST", "/admin/cohorts/{w.cohort}/members/{huge}/remove"),
        ("GET", "/admin/cohorts/{w.cohort}/roster/{huge}"),
        ("POST", "/admin/cohorts/{w.cohort}/roster/{huge}/apply"),
    ],
)
def test_an_id_too_large_for_the_database_is_not_found(app, client, world, admin, method, template):
    path = template.format(w=world, huge=HUGE)
    before = state(app)

    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": token_from(client)})

    assert response.status_code == 404
    assert state(app) == before


# -- the mail queue --------------------------------------------------------------------------


def test_the_send_button_sends_the_waiting_mail(app, client, world, admin, outbox):
    with app.app_context():
        mail.queue_many(
            [
                {
                    "kind": "reminder",
                    "user_id": world.member,
                    "to_address": "member@example.org",
                    "subject": "Waiting",
                    "body": "A message that waited.",
                }
            ]
        )
        db.session.commit()
    page = page_text(client.get(f"/admin/cohorts/{world.cohort}"))
    assert "1 message(s) are waiting to be sent." in page

    response = client.post(
        "/admin/mail/send", data={"csrf_token": csrf_token_from(page), "cohort": world.cohort}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/cohorts/{world.cohort}"
    after = page_text(client.get(response.headers["Location"]))
    assert flashes(after) == [("success", "1 message(s) sent; 0 still waiting.")]
    assert "No mail is waiting to be sent." in after
    assert [m["Subject"] for m in outbox()] == ["Waiting"]


def test_the_send_button_sends_at_most_the_request_limit(app, client, world, admin, outbox):
    app.config["MAIL_SEND_IN_REQUEST_MAX"] = 2
    for n in range(3):
        queue_earlier_mail(app, f"waiting{n}@example.org")

    response = client.post(
        "/admin/mail/send", data={"csrf_token": token_from(client), "cohort": world.cohort}
    )

    after = page_text(client.get(response.headers["Location"]))
    assert flashes(after) == [("success", "2 message(s) sent; 1 still waiting.")]
    assert "1 message(s) are waiting to be sent." in after
    assert [m["To"] for m in outbox()] == ["waiting0@example.org", "waiting1@example.org"]


def test_the_send_button_when_the_mail_server_is_down(
    app, client, world, admin, outbox, monkeypatch
):
    for n in range(3):
        queue_earlier_mail(app, f"waiting{n}@example.org")
    tried = refuse_all_mail(monkeypatch)

    response = client.post(
        "/admin/mail/send", data={"csrf_token": token_from(client), "cohort": world.cohort}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/cohorts/{world.cohort}"
    after = page_text(client.get(response.headers["Location"]))
    assert flashes(after) == [
        (
            "error",
            "0 message(s) sent, then the mail server did not accept one; 3 wait in the "
            "queue and will be tried again later.",
        )
    ]
    assert tried == ["waiting0@example.org"]  # it stops at the first failure
    assert mail_rows(app) == {
        "waiting0@example.org": (False, 1),
        "waiting1@example.org": (False, 0),
        "waiting2@example.org": (False, 0),
    }
    assert outbox() == []


def test_the_cohort_page_tells_of_mail_given_up_on(app, client, world, admin):
    queue_earlier_mail(app, "given-up@example.org")
    queue_earlier_mail(app, "waiting@example.org")
    with app.app_context():
        db.session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.to_address == "given-up@example.org")
            .values(attempts=mail.MAX_DELIVERY_ATTEMPTS, last_error="down")
        )
        db.session.commit()

    page = " ".join(page_text(client.get(f"/admin/cohorts/{world.cohort}")).split())

    assert "1 message(s) are waiting to be sent." in page
    assert "1 message(s) could not be sent after five attempts." in page
    assert "flask --app lms mail retry" in page


def test_the_cohort_page_says_nothing_of_given_up_mail_when_there_is_none(client, world, admin):
    page = page_text(client.get(f"/admin/cohorts/{world.cohort}"))

    assert "could not be sent after" not in page
    assert "mail retry" not in page


def test_the_send_button_without_a_cohort_returns_to_the_list(client, world, admin):
    response = client.post("/admin/mail/send", data={"csrf_token": token_from(client)})

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/cohorts"


def test_mail_that_cannot_be_sent_is_kept_and_the_administrator_told(
    app, client, world, admin, monkeypatch, outbox
):
    tried = refuse_all_mail(monkeypatch)
    preview = upload(
        client,
        world.cohort,
        csv_file(HEADER, "new@example.org,Nia New,", "outsider@example.org,,"),
    )

    response = apply(client, preview.headers["Location"])

    assert response.headers["Location"] == f"/admin/cohorts/{world.cohort}"
    page = page_text(client.get(response.headers["Location"]))
    assert flashes(page) == [
        (
            "error",
            "Applied: 2 people added to July intake (1 new accounts invited, 1 existing "
            "accounts told by mail); 0 rows with errors skipped. 0 of 2 messages sent; the "
            "mail server did not take the other 2, which wait in the queue and will be tried "
            "again.",
        )
    ]
    assert "2 message(s) are waiting to be sent." in page
    assert members_of(app, world.cohort) >= {"new@example.org", "outsider@example.org"}
    assert len(tried) == 1  # it stops at the first failure
    assert sorted(mail_rows(app).values()) == [(False, 0), (False, 1)]
    assert outbox() == []


# -- what the pages cost -----------------------------------------------------------------------


def _fill(app, cohort_id: int, n: int, prefix: str) -> None:
    with app.app_context():
        emails_ = [f"{prefix}{i}@example.org" for i in range(n)]
        db.session.execute(
            insert(User),
            [
                {
                    "email": e,
                    "full_name": f"Person {e}",
                    "role": "learner",
                    "session_token": f"{i:032d}",
                    "password_hash": None if i % 2 else "x",
                    "invited_at": utcnow() if i % 2 else None,
                    "active": i % 7 != 0,
                }
                for i, e in enumerate(emails_)
            ],
        )
        ids = db.session.execute(select(User.id).where(User.email.in_(emails_))).scalars()
        cohort = db.session.get(Cohort, cohort_id)
        services.add_members(cohort, list(ids), actor=None, via="cli", now=utcnow())
        db.session.commit()


def test_the_cohort_page_costs_the_same_queries_for_5_and_120_members(
    app, client, world, admin, count_queries
):
    with app.app_context():
        small = services.create_cohort(name="Small", actor=None, via="cli")
        large = services.create_cohort(name="Large", actor=None, via="cli")
        for cohort in (small, large):
            services.set_course(
                cohort, course_by_slug(SLUG), world.due, actor=None, via="cli", now=utcnow()
            )
        db.session.commit()
        small_id, large_id = small.id, large.id
    _fill(app, small_id, 5, "small")
    _fill(app, large_id, 120, "large")
    counts = {}
    for cohort_id in (small_id, large_id):
        client.get(f"/admin/cohorts/{cohort_id}")
        with count_queries() as queries:
            response = client.get(f"/admin/cohorts/{cohort_id}")
        assert response.status_code == 200
        counts[cohort_id] = len(queries)

    assert counts[small_id] == counts[large_id], counts
    large_page = page_text(client.get(f"/admin/cohorts/{large_id}"))
    assert "Members (120)" in large_page
    assert "page 1 of 3" in large_page


def test_the_cohort_list_costs_the_same_queries_for_one_and_many_cohorts(
    app, client, world, admin, count_queries
):
    client.get("/admin/cohorts")
    with count_queries() as few:
        client.get("/admin/cohorts")
    with app.app_context():
        for n in range(20):
            services.create_cohort(name=f"Cohort {n}", actor=None, via="cli")
        db.session.commit()
    with count_queries() as many:
        page = page_text(client.get("/admin/cohorts"))

    assert len(few) == len(many)
    assert "Cohort 19" in page
    assert db_count(app, Cohort) == 22


def db_count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_preview_costs_the_same_queries_for_20_and_300_rows(
    app, client, world, admin, count_queries
):
    counts = {}
    for n in (20, 300):
        rows = [f"p{n}-{i}@example.org,Person {i}," for i in range(n)]
        rows += ["member@example.org,,", "outsider@example.org,,", "bad-email,Bad,"]
        preview = upload(client, world.cohort, csv_file(HEADER, *rows)).headers["Location"]
        client.get(preview)
        with count_queries() as queries:
            response = client.get(preview)
        assert response.status_code == 200
        counts[n] = len(queries)

    assert counts[20] == counts[300], counts
