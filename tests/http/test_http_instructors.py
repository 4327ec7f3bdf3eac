"""Assigning instructors to courses in the browser (/admin/courses)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.catalog.models import Course, CourseInstructor
from lms.extensions import db
from tests.admin_fixtures import audit_rows
from tests.http.conftest import page_text
from tests.learning_fixtures import EXAMPLE, SLUG, ModuleDef, import_folder, write_course

PAGE = "/admin/courses"
ADD = f"/admin/courses/{SLUG}/instructors"
FIELD = "course-1-email"
TOKEN = "course-1-csrf_token"


def _assignments(app) -> list[tuple[int, int]]:
    with app.app_context():
        rows = db.session.execute(select(CourseInstructor.course_id, CourseInstructor.user_id))
        return sorted(tuple(r) for r in rows)


@pytest.fixture
def course(app):
    import_folder(app, EXAMPLE)
    return SLUG


@pytest.fixture
def admin(client, make_user, login):
    user = make_user("administrator")
    login(user)
    return user


def _extra_course(app, root, slug: str, *, published: bool = True) -> None:
    write_course(root, slug, modules=[ModuleDef("m", quiz=None)], completion=("lessons",))
    import_folder(app, root / slug)
    if not published:
        with app.app_context():
            course = db.session.execute(select(Course).where(Course.slug == slug)).scalar_one()
            course.current_version_id = None
            db.session.commit()


def _add(submit, email: str, slug: str = SLUG, field: str = FIELD, token: str = TOKEN):
    return submit(
        PAGE, {field: email}, action=f"/admin/courses/{slug}/instructors", csrf_field=token
    )


def _remove(submit, user_id: int, slug: str = SLUG):
    return submit(PAGE, {}, action=f"/admin/courses/{slug}/instructors/{user_id}/remove")


# -- who may use it ------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(client, course):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fadmin%2Fcourses"


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_other_roles_see_page_not_found(app, client, make_user, login, submit, course, role):
    user = make_user(role)
    login(user)
    assert client.get(PAGE).status_code == 404
    assert _add(submit, user.email, token="csrf_token").status_code == 404
    assert _assignments(app) == []


def test_administrators_see_every_course(app, client, admin, course, tmp_path):
    _extra_course(app, tmp_path, "unpublished-course", published=False)

    response = client.get(PAGE)

    assert response.status_code == 200
    body = page_text(response)
    assert "An Example Course" in body
    section = body.split('id="course-unpublished-course"', 1)[1]
    assert '<h2 id="course-unpublished-course-title">unpublished-course</h2>' in section
    assert "not published" in section
    assert "No instructor." in body
    assert '<a href="/admin/courses" aria-current="page">Instructors</a>' in body
    assert '<a href="/admin/courses">Instructors</a>' in page_text(client.get("/account"))


# -- adding and removing -------------------------------------------------------------------


def test_add_and_remove_an_instructor(app, client, admin, make_user, submit, course):
    teacher = make_user("instructor", full_name="Bo Chen")

    response = _add(submit, teacher.email.upper())

    assert response.status_code == 302
    assert response.headers["Location"] == f"{PAGE}#course-{SLUG}"
    assert _assignments(app) == [(1, teacher.id)]
    body = page_text(client.get(PAGE))
    assert "Bo Chen now teaches An Example Course." in body
    section = body.split(f'id="course-{SLUG}"', 1)[1]
    assert f'<a href="/admin/users/{teacher.id}">Bo Chen</a>' in section
    (added,) = audit_rows(app, "course.instructor.add")
    assert (added["target_type"], added["target_id"], added["after"], added["actor_id"]) == (
        "course",
        SLUG,
        {"user": teacher.email},
        admin.id,
    )

    assert _remove(submit, teacher.id).status_code == 302

    assert _assignments(app) == []
    (removed,) = audit_rows(app, "course.instructor.remove")
    assert (removed["before"], removed["after"]) == ({"user": teacher.email}, None)


def test_adding_twice_changes_nothing_the_second_time(
    app, client, admin, make_user, submit, course
):
    teacher = make_user("instructor", full_name="Bo Chen")
    _add(submit, teacher.email)

    assert _add(submit, teacher.email).status_code == 302

    assert _assignments(app) == [(1, teacher.id)]
    assert len(audit_rows(app, "course.instructor.add")) == 1
    assert "Bo Chen already teaches An Example Course." in page_text(client.get(PAGE))


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@example.org", "No account uses the email address"),
        ("learner1@example.org", "is not an instructor (learner)"),
        ("not an email", "Enter an email address in the form name@example.org."),
        ("", "Enter an email address."),
        ("x" * 10_000 + "@example.org", "Field cannot be longer than 254 characters."),
    ],
)
def test_bad_addresses_get_a_message_next_to_the_field(
    app, admin, make_user, submit, course, email, message
):
    make_user("learner", email="learner1@example.org")

    response = _add(submit, email)

    assert response.status_code == 422
    body = page_text(response)
    assert message in body
    assert f'id="{FIELD}-error"' in body
    assert _assignments(app) == []
    assert audit_rows(app, "course.instructor.add") == []


def test_a_deactivated_instructor_cannot_be_added(app, admin, make_user, submit, course):
    teacher = make_user("instructor", active=False)
    response = _add(submit, teacher.email)
    assert response.status_code == 422
    assert "reactivate the account first" in page_text(response)
    assert _assignments(app) == []


def test_removing_someone_who_does_not_teach_changes_nothing(
    app, client, admin, make_user, submit, course
):
    teacher = make_user("instructor", full_name="Bo Chen")
    assert _remove(submit, teacher.id).status_code == 302
    assert "Bo Chen did not teach An Example Course." in page_text(client.get(PAGE))
    assert audit_rows(app, "course.instructor.remove") == []


@pytest.mark.parametrize(
    "action",
    [
        "/admin/courses/no-such-course/instructors",
        "/admin/courses/Bad_Slug/instructors",
        f"/admin/courses/{SLUG}/instructors/999/remove",
        f"/admin/courses/{SLUG}/instructors/99999999999999999999/remove",
    ],
)
def test_unknown_courses_and_users_are_not_found(admin, submit, course, action):
    assert submit(PAGE, {FIELD: "x@example.org"}, action=action).status_code == 404


def test_forms_without_the_token_are_refused(app, client, admin, make_user, course):
    teacher = make_user("instructor")
    assert client.post(ADD, data={FIELD: teacher.email}).status_code == 400
    assert _assignments(app) == []


def test_an_instructor_who_changed_role_is_flagged(app, client, admin, make_user, submit, course):
    teacher = make_user("instructor", full_name="Bo Chen")
    _add(submit, teacher.email)
    submit(
        f"/admin/users/{teacher.id}",
        {"role-role": "learner"},
        action=f"/admin/users/{teacher.id}/role",
        csrf_field="role-csrf_token",
    )
    assert "(now learner: sees no reports)" in page_text(client.get(PAGE))


def test_every_form_on_the_page_has_its_own_field(app, client, admin, course, tmp_path):
    _extra_course(app, tmp_path, "second-course")
    body = page_text(client.get(PAGE))
    ids = re.findall(r'<input[^>]* id="([^"]+)"', body)
    assert len(ids) == len(set(ids))
    assert {"course-1-email", "course-2-email"} <= set(ids)


def test_page_costs_the_same_queries_with_one_or_many_courses(
    app, client, admin, make_user, submit, course, tmp_path, count_queries
):
    teacher = make_user("instructor")
    _add(submit, teacher.email)
    with count_queries() as few:
        assert client.get(PAGE).status_code == 200
    for n in range(4):
        slug = f"extra-course-{n}"
        _extra_course(app, tmp_path, slug)
        _add(submit, teacher.email, slug, f"course-{n + 2}-email", f"course-{n + 2}-csrf_token")
    with count_queries() as many:
        assert client.get(PAGE).status_code == 200
    assert len(_assignments(app)) == 5
    assert len(many) == len(few)
    assert len(few) <= 3
