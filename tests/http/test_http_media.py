"""Images of a course version, served by the app at the URL the lesson HTML uses."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.catalog import services
from lms.catalog.loader import load_course
from lms.catalog.models import Lesson
from lms.extensions import db
from tests.conftest import FIXTURE_COURSES

URL = "/media/example-course/1/images/dot.png"


@pytest.fixture
def imported(app):
    with app.app_context():
        services.import_course(load_course(FIXTURE_COURSES / "example-course").course)
        db.session.commit()


def test_the_lesson_html_points_at_the_served_image(app, imported):
    with app.app_context():
        html = db.session.execute(
            select(Lesson.body_html).where(Lesson.slug == "welcome")
        ).scalar_one()
    assert f'<img src="{URL}" alt="A single dot" loading="lazy">' in html


def test_a_signed_in_user_gets_the_image(client, imported, make_user, login):
    login(make_user())
    response = client.get(URL)
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG")
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_anonymous_visitors_are_sent_to_sign_in(client, imported):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "url",
    [
        "/media/example-course/2/images/dot.png",
        "/media/example-course/1/images/other.png",
        "/media/nope/1/images/dot.png",
        "/media/example-course/1/../course.toml",
    ],
)
def test_anything_else_is_not_found(client, imported, make_user, login, url):
    login(make_user())
    assert client.get(url).status_code == 404
