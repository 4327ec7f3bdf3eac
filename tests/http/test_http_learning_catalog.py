"""The catalogue, the course page and enrolment (issue #4, requirement 1)."""

from __future__ import annotations

import re

from lms.accounts.models import User
from lms.extensions import db, utcnow
from lms.learning import services
from tests.conftest import csrf_token_from
from tests.http.conftest import page_text
from tests.learning_fixtures import (  # noqa: F401
    SLUG,
    ModuleDef,
    browser_for_fixture,
    completions_fixture,
    enrolled_fixture,
    enrollment_count,
    enrollment_of,
    example_course_fixture,
    import_folder,
    learner_fixture,
    write_course,
)

ENROL_FORM = re.compile(r'<form[^>]+action="/courses/[a-z0-9-]+/enrol"')


def test_the_catalogue_lists_published_courses_with_their_facts(client, example_course):
    text = page_text(client.get("/courses"))
    assert "An Example Course" in text
    assert "A complete small course that shows every part of the course format." in text
    assert "Authors of courses for this LMS" in text
    assert "0.5 hours" in text
    assert "about 30 minutes" in text
    assert 'href="/courses/example-course"' in text


def test_the_catalogue_lists_every_published_course(client, app, tmp_path, example_course):
    import_folder(app, write_course(tmp_path, "second-course", modules=[ModuleDef("only")]))
    text = page_text(client.get("/courses"))
    assert "An Example Course" in text
    assert "Course second-course" in text
    assert "1.5 hours" in text
    assert "about 25 minutes" in text


def test_an_empty_catalogue_says_so_calmly(client):
    response = client.get("/courses")
    assert response.status_code == 200
    assert "No course is published yet" in page_text(response)


def test_the_course_page_shows_objectives_modules_and_completion_rules(client, example_course):
    response = client.get("/courses/example-course")
    assert response.status_code == 200
    text = page_text(response)
    assert "Recognise each part of a course folder." in text
    assert "Write a lesson with a content note and a callout." in text
    for module in ("First steps", "Going further"):
        assert module in text
    for lesson in ("Welcome", "A lesson with a content note", "Quizzes in GIFT"):
        assert lesson in text
    assert "Mark every lesson complete." in text
    assert "Pass every module quiz" in text
    assert "Take the post-test at the end." in text
    assert "Fill in the course evaluation." in text
    # The facts of the catalogue are on the course page too.
    assert "Authors of courses for this LMS" in text
    assert "0.5 hours" in text


def test_a_visitor_is_asked_to_sign_in_to_enrol(client, example_course):
    text = page_text(client.get("/courses/example-course"))
    assert "Sign in to enrol" in text
    assert not ENROL_FORM.search(text)


def test_a_learner_enrols_themselves(app, learner, example_course):
    text = learner.text("/courses/example-course")
    assert ENROL_FORM.search(text)
    assert "Enrol in this course" in text
    response = learner.enrol()
    assert response.headers["Location"].endswith("/courses/example-course")
    text = page_text(learner.get("/courses/example-course"))
    assert "You are enrolled in An Example Course." in text
    assert "Your progress" in text
    assert not ENROL_FORM.search(text)
    row = enrollment_of(app, learner.user)
    assert row["source"] == "self"
    assert row["completed_at"] is None


def test_enrolling_twice_keeps_one_enrolment(app, learner, example_course):
    learner.enrol()
    first = enrollment_of(app, learner.user)
    learner.enrol()
    assert enrollment_count(app, learner.user) == 1
    assert enrollment_of(app, learner.user) == first


def test_the_enrol_service_returns_the_existing_enrolment(app, make_user, example_course):
    user = make_user()
    with app.app_context():
        person = db.session.get(User, user.id)
        course = services.course_by_slug(SLUG)
        first = services.enrol(person, course, now=utcnow())
        db.session.commit()
        again = services.enrol(person, course, now=utcnow())
        db.session.commit()
        assert again.id == first.id
    assert enrollment_count(app) == 1


def test_enrolment_needs_a_signed_in_user(client, csrf_token, example_course):
    token = csrf_token()  # the sign-in page
    response = client.post("/courses/example-course/enrol", data={"csrf_token": token})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert enrollment_count(client.application) == 0


def test_enrolment_needs_the_csrf_token(app, learner, example_course):
    response = learner.client.post("/courses/example-course/enrol")
    assert response.status_code == 400
    assert enrollment_count(app) == 0


def test_enrolling_by_get_is_not_allowed(app, learner, example_course):
    assert learner.get("/courses/example-course/enrol").status_code == 405
    assert enrollment_count(app) == 0


def closed_course(app, tmp_path) -> str:
    folder = write_course(
        tmp_path, "closed-course", modules=[ModuleDef("only")], self_enrollment=False
    )
    import_folder(app, folder)
    return "closed-course"


def test_a_course_without_self_enrolment_has_no_enrol_button(app, learner, tmp_path):
    slug = closed_course(app, tmp_path)
    text = learner.text(f"/courses/{slug}")
    assert not ENROL_FORM.search(text)
    assert "Enrol in this course" not in text
    assert "arranged by your programme's administrator" in text


def test_posting_enrol_to_a_course_without_self_enrolment_is_not_found(app, learner, tmp_path):
    slug = closed_course(app, tmp_path)
    token = csrf_token_from(learner.text(f"/courses/{slug}"))
    response = learner.client.post(f"/courses/{slug}/enrol", data={"csrf_token": token})
    assert response.status_code == 404
    assert enrollment_count(app, slug=slug) == 0


def test_the_pages_of_an_unknown_course_are_not_found(learner):
    assert learner.get("/courses/no-such-course").status_code == 404
    assert learner.post("/courses/no-such-course/enrol").status_code == 404
    assert learner.get("/courses/no-such-course/continue").status_code == 404
