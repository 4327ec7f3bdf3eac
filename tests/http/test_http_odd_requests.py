"""Odd URLs and inputs found in review: each a calm 4xx, never a 500, nothing stored."""

from __future__ import annotations

import zipfile

import pytest

from lms.certificates import views as certificate_views
from tests.certificate_fixtures import admin_fixture, certified_fixture  # noqa: F401
from tests.learning_fixtures import (  # noqa: F401
    browser_for_fixture,
    enrolled_fixture,
    evaluation_rows,
    example_course_fixture,
    learner_fixture,
)


@pytest.mark.parametrize(
    "path",
    [
        "/courses/example-course/attempts/99999999999999999999999",
        "/media/example-course/99999999999999999999999/images/dot.png",
        "/courses/example%00course",
        "/courses/Example-Course",
        "/courses/example-course/lessons/first-steps/wel%00come",
        "/media/example-course/1/images/dot%00.png",
    ],
)
def test_odd_urls_are_not_found(enrolled, path):
    assert enrolled.get(path).status_code == 404


@pytest.mark.parametrize("value", ["²", "٣", "0", "6", "4.0", " "])
def test_a_likert_answer_that_is_not_one_of_the_five_is_refused(app, enrolled, value):
    response = enrolled.post(
        "/courses/example-course/evaluation", {"e-met-objectives": value, "e-improve": "x"}
    )
    assert response.status_code == 422
    assert evaluation_rows(app) == []


def test_an_overlong_password_is_refused_before_hashing(client, make_user, login):
    response = login(make_user(), password="p" * 5000)
    assert response.status_code == 422
    assert "longer than any password" in response.get_data(as_text=True)


def test_certificate_search_takes_wildcards_literally(certified, admin):
    assert certified.code.upper() not in admin.text("/admin/certificates?q=%25")
    assert admin.get("/admin/certificates?q=%00").status_code == 200


def test_a_course_zip_over_the_limit_points_to_the_command(certified, admin, monkeypatch):
    monkeypatch.setattr(certificate_views, "ZIP_MAX", 0)
    response = admin.get("/admin/courses/example-course/certificates.zip")
    assert response.status_code == 302
    page = admin.text("/admin/certificates")
    assert "certificates zip example-course" in page


def test_the_zip_command_writes_every_current_certificate(app, certified, tmp_path):
    out = tmp_path / "all.zip"
    result = app.test_cli_runner().invoke(args=["certificates", "zip", "example-course", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        assert len(archive.namelist()) == 1
    missing = app.test_cli_runner().invoke(args=["certificates", "zip", "nope", str(out)])
    assert missing.exit_code == 1
    assert "No course 'nope' has certificates." in missing.output
