"""Site pages, error pages, the health check, and what every page is made of."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.accounts.tokens import make_reset_token
from lms.catalog.services import course_by_slug
from lms.cohorts import services
from lms.cohorts.models import Cohort
from lms.extensions import db, utcnow
from tests.http.conftest import page_text, path_of
from tests.learning_fixtures import EXAMPLE, SLUG, import_folder

HOTLINE = "1-888-373-7888"
SKIP_LINK = "Skip to main content"

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
EVENT_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


@pytest.mark.parametrize("path", ["/", "/support"])
def test_public_pages_show_the_hotline(client, path):
    response = client.get(path)

    assert response.status_code == 200
    body = page_text(response)
    assert HOTLINE in body
    assert 'href="tel:+18883737888"' in body
    assert SKIP_LINK in body


def test_home_invites_visitors_to_sign_in(client):
    assert 'href="/login"' in page_text(client.get("/", follow_redirects=True))


def test_support_names_the_course_team_contact_when_configured(app, client):
    app.config["SUPPORT_EMAIL"] = "help@lms.example.org"

    body = page_text(client.get("/support"))

    assert 'href="mailto:help@lms.example.org"' in body


@pytest.mark.parametrize(
    "path", ["/no-such-page", "/admin", "/static/nothing.css", "/setup/", "/%00", "/" + "x" * 5000]
)
def test_unknown_address_gets_the_site_not_found_page(client, path):
    response = client.get(path)
    response.close()

    assert response.status_code == 404
    body = page_text(response)
    assert "Page not found" in body
    assert SKIP_LINK in body
    assert HOTLINE in body


def test_health_check_answers_ok_as_json(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok"}


def test_health_check_needs_no_sign_in_and_sets_no_cookie(client):
    client.get("/healthz")

    assert client.get_cookie("session") is None


def test_wrong_method_gets_the_site_page(client):
    response = client.post("/support")

    assert response.status_code == 405
    assert SKIP_LINK in page_text(response)


def test_very_large_form_gets_a_page_not_a_failure(client):
    response = client.post("/login", data={"email": "x" * (17 * 1024 * 1024)})

    assert response.status_code == 413
    assert SKIP_LINK in page_text(response)


# -- no inline script or style, on every page ----------------------------------


@pytest.fixture
def every_page(app, client, make_user, login, submit, setup_link):
    """(name, html) for each page and each error state a person can reach."""

    def collect():
        pages = []

        def add(name, response):
            response.close()
            pages.append((name, page_text(response)))

        add("home, signed out", client.get("/", follow_redirects=True))
        add("support", client.get("/support"))
        add("sign in", client.get("/login"))
        add("sign in, errors", submit("/login", {"email": "bad", "password": ""}))
        add("forgot password", client.get("/forgot-password"))
        add("forgot password, errors", submit("/forgot-password", {"email": "bad"}))
        add("setup", client.get(path_of(setup_link())))
        add("setup, errors", submit(path_of(setup_link()), {"email": "bad"}))
        add("link no longer works", client.get("/reset-password/garbage"))
        add("not found", client.get("/no-such-page"))
        add("wrong method", client.get("/logout"))
        add("form expired", client.post("/login", data={}))

        admin = make_user("administrator")
        with app.app_context():
            token = make_reset_token(db.session.get(User, admin.id))
        add("reset password", client.get(f"/reset-password/{token}"))
        add("reset password, errors", submit(f"/reset-password/{token}", {"password": "x"}))

        login(admin)
        add("dashboard", client.get("/", follow_redirects=True))
        add("account", client.get("/account"))
        add(
            "account, errors",
            submit("/account", {"full_name": ""}, action="/account/profile"),
        )
        add("users", client.get("/admin/users"))
        add("new user", client.get("/admin/users/new"))
        add("user", client.get(f"/admin/users/{admin.id}"))
        add("audit trail", client.get("/admin/audit"))
        add("audit trail, errors", client.get("/admin/audit?date_from=2027-02-30"))
        add("instructors", client.get("/admin/courses"))

        import_folder(app, EXAMPLE)
        add("cohorts", client.get("/admin/cohorts"))
        add("new cohort, errors", submit("/admin/cohorts/new", {"name": ""}))
        submit("/admin/cohorts/new", {"name": "July intake"})
        with app.app_context():
            cohort = db.session.execute(select(Cohort)).scalar_one()
            course = course_by_slug(SLUG)
            services.set_course(cohort, course, None, actor=None, via="cli", now=utcnow())
            db.session.commit()
            cohort_id = cohort.id
        page = f"/admin/cohorts/{cohort_id}"
        add("cohort", client.get(page))
        roster = b"email,full name\nana@example.org,Ana Lopez\nbad,Bo\n"
        upload = submit(
            page,
            {"roster": (io.BytesIO(roster), "intake.csv")},
            action=f"{page}/roster",
            content_type="multipart/form-data",
        )
        add("roster preview", client.get(upload.headers["Location"]))
        add(
            "cohort, upload errors",
            submit(
                page,
                {"roster": (io.BytesIO(b""), "empty.csv")},
                action=f"{page}/roster",
                content_type="multipart/form-data",
            ),
        )
        add("reports", client.get("/reports"))
        for report in ("progress", "quizzes/first-steps/items", "knowledge-gain", "evaluation"):
            add(report, client.get(f"/reports/courses/{SLUG}/{report}?cohort={cohort_id}"))
        add("progress, errors", client.get(f"/reports/courses/{SLUG}/progress?cohort=999"))
        add("completions", client.get("/reports/completions"))
        return pages

    return collect


def test_no_page_has_inline_script_or_style(every_page):
    for name, html in every_page():
        assert not INLINE_SCRIPT.search(html), name
        assert not STYLE_ELEMENT.search(html), name
        assert not STYLE_ATTRIBUTE.search(html), name
        assert not EVENT_ATTRIBUTE.search(html), name
        assert not JAVASCRIPT_URL.search(html), name


def test_every_page_has_the_site_layout(every_page):
    for name, html in every_page():
        assert SKIP_LINK in html, name
        assert '<main id="main"' in html, name
        assert '<html lang="en">' in html, name
