"""Shared by the authoring tests: the example course imported, an administrator,
an instructor of the course, an instructor of nothing, and a learner."""

from __future__ import annotations

import pytest

from lms.accounts.models import User
from lms.catalog import instructors
from lms.catalog.services import course_by_slug
from lms.extensions import db
from tests.conftest import csrf_token_from
from tests.learning_fixtures import EXAMPLE, SLUG, import_folder

BASE = f"/author/courses/{SLUG}"


@pytest.fixture(name="authoring")
def authoring_fixture(app, make_user):
    import_folder(app, EXAMPLE)
    admin = make_user("administrator", email="admin@example.org", full_name="Ada Admin")
    teacher = make_user("instructor", email="teacher@example.org", full_name="Tess Teacher")
    other = make_user("instructor", email="other@example.org", full_name="Otto Other")
    learner = make_user("learner", email="learner@example.org", full_name="Lena Learner")
    with app.app_context():
        instructors.assign(
            course_by_slug(SLUG), db.session.get(User, teacher.id), actor=None, via="cli"
        )
        db.session.commit()
    return {"admin": admin, "teacher": teacher, "other": other, "learner": learner}


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of the first form on a page that has read_from (and the token)."""
    import re

    found = {"csrf_token": csrf_token_from(html)}
    for name in ("read_from", "revision"):
        match = re.search(
            rf'name="{name}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="{name}"', html
        )
        if match:
            found[name] = match.group(1) or match.group(2) or ""
    return found
