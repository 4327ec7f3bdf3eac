"""The four shipped courses: valid, complete, and written to the standard of the format."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.catalog.loader import load_course

SHIPPED = Path(__file__).resolve().parents[2] / "courses"


def test_exactly_the_four_courses_are_shipped():
    assert sorted(p.name for p in SHIPPED.iterdir() if p.is_dir()) == sorted(SHIPPED_SLUGS)


SHIPPED_SLUGS = [
    "identification-and-referral",
    "trauma-informed-practice",
    "trauma-and-the-brain-body-connection",
    "self-care-boundaries-and-burnout",
]


@pytest.mark.parametrize("slug", SHIPPED_SLUGS)
def test_the_shipped_courses_are_valid_and_complete(slug):
    result = load_course(SHIPPED / slug)
    assert result.errors == []
    course = result.course
    assert len(course.modules) >= 4
    assert course.objectives
    assert course.pretest and course.posttest
    assert course.references_md.strip()
    for module in course.modules:
        assert module.lessons
        assert module.quiz is not None, module.slug
        assert len(module.quiz.questions) >= 5, module.slug
        for question in module.quiz.questions:
            answers = [a.feedback for a in question.answers]
            assert all(answers), f"{module.slug}/{question.id}: an answer has no feedback"


def test_the_shipped_courses_import_and_reimport_unchanged(app):
    from lms.catalog import services
    from lms.extensions import db

    with app.app_context():
        specs = [load_course(SHIPPED / slug).course for slug in SHIPPED_SLUGS]
        outcomes = [services.import_course(spec) for spec in specs]
        db.session.commit()
        assert all(o.created and o.version.number == 1 for o in outcomes)
        again = [services.import_course(load_course(SHIPPED / s).course) for s in SHIPPED_SLUGS]
        assert not any(o.created for o in again)
        lessons = [lesson for o in outcomes for m in o.version.modules for lesson in m.lessons]
        assert all("<script" not in lesson.body_html for lesson in lessons)
        assert sum(1 for lesson in lessons if lesson.content_note) >= 20
