"""The draft of a course (lms/authoring/drafts.py): starting it, editing it with the
edit-conflict rule, slugs that never change, confirmation when learners are
affected, images, publishing as a new immutable version, discarding, and the
round trip through the course files into a fresh site."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.audit import AuditEvent
from lms.authoring import drafts
from lms.catalog.loader import load_course
from lms.catalog.models import DRAFT_NUMBER, CourseVersion, Lesson
from lms.catalog.services import (
    course_by_slug,
    export_version,
    import_course,
    latest_version,
    version_zip,
)
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import LessonProgress
from tests.learning_fixtures import EXAMPLE, SLUG, import_folder

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def course(app, make_user):
    import_folder(app, EXAMPLE)
    teacher = make_user("instructor", email="t@example.org")
    other = make_user("instructor", email="o@example.org")
    learner = make_user("learner", email="l@example.org")
    return {"teacher": teacher.id, "other": other.id, "learner": learner.id}


def _course():
    return course_by_slug(SLUG)


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _text(title="Welcome, again", body="A new first paragraph.\n\nA second one.", note=""):
    return drafts.LessonText(title=title, minutes=7, content_note=note, body_md=body)


def _current():
    return db.session.get(CourseVersion, _course().current_version_id)


def _edit_welcome(app, user_id, text=None, read_from=None, revision=1):
    with app.app_context():
        course = _course()
        drafts.save_lesson(
            course,
            read_from if read_from is not None else course.current_version_id,
            "first-steps",
            "welcome",
            revision,
            text or _text(),
            _user(user_id),
            NOW,
        )
        db.session.commit()


def _publish(app, user_id, note="A change", **kwargs):
    with app.app_context():
        course = _course()
        draft = drafts.draft_of(course)
        outcome = drafts.publish(
            course,
            draft.id,
            note,
            stamp_seen=draft.edit_stamp,
            replace_newer=kwargs.get("replace_newer", False),
            actor=_user(user_id),
        )
        db.session.commit()
        return outcome.version.number


# -- starting and editing --------------------------------------------------------------------


def test_the_first_save_starts_a_draft_and_learners_keep_the_published_text(app, course):
    with app.app_context():
        before = drafts.find_lesson(_current(), "first-steps", "welcome").body_md
    _edit_welcome(app, course["teacher"])
    with app.app_context():
        draft = drafts.draft_of(_course())
        assert draft.number == DRAFT_NUMBER and draft.is_draft
        assert draft.based_on_id == _course().current_version_id
        assert drafts.find_lesson(draft, "first-steps", "welcome").body_md.startswith("A new")
        # Learners read the current version, untouched.
        assert drafts.find_lesson(_current(), "first-steps", "welcome").body_md == before
        # The draft is not a version: not listed, not "latest".
        assert [v.number for v in _course().versions] == [1]
        assert latest_version(_course()).number == 1
        actions = db.session.execute(select(AuditEvent.action)).scalars().all()
        assert "course.draft.start" in actions


def test_a_draft_copies_everything_of_the_version(app, course):
    with app.app_context():
        course_row = _course()
        draft = drafts.start_draft(course_row, _user(course["teacher"]), NOW)
        db.session.commit()
        current = _current()
        files = dict(_files(current))
        assert dict(_files(draft)) == files
        assert not drafts.check(draft).errors


def _files(version):
    from lms.catalog.services import version_files

    return version_files(version)


def test_a_stale_save_is_refused_and_changes_nothing(app, course):
    _edit_welcome(app, course["teacher"], _text(body="First editor's text."))
    with app.app_context():
        draft_id = drafts.draft_of(_course()).id
    # The second editor opened the page (revision 1 of the draft's lesson) before that save.
    with pytest.raises(drafts.EditConflict):
        _edit_welcome(app, course["other"], _text(body="Second editor's text."), read_from=draft_id)
    with app.app_context():
        lesson = drafts.find_lesson(drafts.draft_of(_course()), "first-steps", "welcome")
        assert lesson.body_md == "First editor's text." and lesson.revision != 1
        seen = lesson.revision
    # Having seen it, they save from the revision now there: that works.
    _edit_welcome(
        app, course["other"], _text(body="Merged text."), read_from=draft_id, revision=seen
    )
    with app.app_context():
        lesson = drafts.find_lesson(drafts.draft_of(_course()), "first-steps", "welcome")
        assert lesson.body_md == "Merged text." and lesson.revision not in (1, seen)


def test_a_page_read_from_the_published_version_after_a_draft_was_edited_is_refused(app, course):
    _edit_welcome(app, course["teacher"], _text(body="In the draft."))
    with pytest.raises(drafts.EditConflict):
        # Read from version 1 (before the draft existed), revision 1 of the lesson.
        _edit_welcome(app, course["other"], _text(body="From an old page."))


def test_a_page_read_before_a_new_version_was_published_is_refused(app, course):
    with app.app_context():
        old_version_id = _course().current_version_id
    _edit_welcome(app, course["teacher"])
    _publish(app, course["teacher"])
    with pytest.raises(drafts.EditConflict):
        _edit_welcome(app, course["other"], read_from=old_version_id)


def test_renaming_a_lesson_keeps_its_slug_and_learners_keep_their_progress(app, course, make_user):
    with app.app_context():
        user = _user(course["learner"])
        enrollment = learning.enrol(user, _course(), now=NOW)
        learning.mark_lesson_complete(enrollment, "first-steps", "welcome", NOW)
        db.session.commit()
        enrollment_id = enrollment.id
    _edit_welcome(app, course["teacher"], _text(title="A completely new title"))
    assert _publish(app, course["teacher"]) == 2
    with app.app_context():
        lesson = drafts.find_lesson(_current(), "first-steps", "welcome")
        assert lesson.title == "A completely new title"
        version = learning.version_with_content(_course().current_version_id)
        enrollment = db.session.get(learning.Enrollment, enrollment_id)
        assert learning.progress_for(enrollment, version).lesson_done("first-steps", "welcome")


# -- learners affected: confirmation ---------------------------------------------------------


def _complete(app, user_id, module, lesson):
    with app.app_context():
        enrollment = learning.enrollment_for(_user(user_id), _course()) or learning.enrol(
            _user(user_id), _course(), now=NOW
        )
        learning.mark_lesson_complete(enrollment, module, lesson, NOW)
        db.session.commit()


def test_removing_a_completed_lesson_asks_first_and_says_how_many_learners(app, course):
    _complete(app, course["learner"], "first-steps", "welcome")
    with app.app_context():
        course_row = _course()
        with pytest.raises(drafts.NeedsConfirmation) as refused:
            drafts.remove_lesson(
                course_row,
                course_row.current_version_id,
                "first-steps",
                "welcome",
                confirmed=None,
                actor=_user(course["teacher"]),
                now=NOW,
            )
        assert refused.value.learners == 1
        assert "1 learner has completed this lesson" in refused.value.message
        db.session.rollback()
    with app.app_context():
        assert drafts.draft_of(_course()) is None  # nothing happened
        course_row = _course()
        drafts.remove_lesson(
            course_row,
            course_row.current_version_id,
            "first-steps",
            "welcome",
            confirmed=1,
            actor=_user(course["teacher"]),
            now=NOW,
        )
        db.session.commit()
        draft = drafts.draft_of(_course())
        assert [x.slug for x in drafts.find_module(draft, "first-steps").lessons] == [
            "a-hard-lesson"
        ]
        assert [x.position for x in drafts.find_module(draft, "first-steps").lessons] == [1]
        # The learner's record is kept.
        assert db.session.execute(select(func.count(LessonProgress.id))).scalar_one() == 1


def test_moving_a_completed_lesson_to_another_module_asks_first(app, course):
    _complete(app, course["learner"], "first-steps", "welcome")
    with app.app_context():
        course_row = _course()
        kwargs = {"to_module": "going-further", "actor": _user(course["teacher"]), "now": NOW}
        with pytest.raises(drafts.NeedsConfirmation):
            drafts.move_lesson(
                course_row, course_row.current_version_id, "first-steps", "welcome", **kwargs
            )
        db.session.rollback()
        course_row = _course()
        drafts.move_lesson(
            course_row,
            course_row.current_version_id,
            "first-steps",
            "welcome",
            confirmed=1,
            **kwargs,
        )
        db.session.commit()
        draft = drafts.draft_of(_course())
        assert [x.slug for x in drafts.find_module(draft, "going-further").lessons] == [
            "gift",
            "welcome",
        ]
        assert not drafts.check(draft).errors


def test_removing_something_nobody_completed_needs_no_confirmation(app, course):
    with app.app_context():
        course_row = _course()
        drafts.remove_module(
            course_row,
            course_row.current_version_id,
            "going-further",
            confirmed=None,
            actor=_user(course["teacher"]),
            now=NOW,
        )
        db.session.commit()
        draft = drafts.draft_of(_course())
        assert [m.slug for m in draft.modules] == ["first-steps"]
        assert drafts.find_quiz(draft, "module:going-further") is None


# -- modules ---------------------------------------------------------------------------------


def test_modules_are_added_renamed_and_reordered_keeping_their_slugs(app, course):
    with app.app_context():
        course_row = _course()
        actor = _user(course["teacher"])
        read_from = course_row.current_version_id
        module = drafts.add_module(course_row, read_from, "Safety planning", "", actor, NOW)
        db.session.commit()
        assert module.slug == "safety-planning" and module.position == 3
    with app.app_context():
        course_row, actor = _course(), _user(course["teacher"])
        draft = drafts.draft_of(course_row)
        with pytest.raises(drafts.AuthoringRefused, match="slug"):
            drafts.add_module(course_row, draft.id, "Again", "first-steps", actor, NOW)
        with pytest.raises(drafts.AuthoringRefused, match="lower-case"):
            drafts.add_module(course_row, draft.id, "Again", "Bad Slug!", actor, NOW)
        db.session.rollback()
        course_row, actor = _course(), _user(course["teacher"])
        draft = drafts.draft_of(course_row)
        drafts.save_module(
            course_row,
            draft.id,
            "first-steps",
            1,
            title="The first steps, renamed",
            summary="",
            objectives=["One."],
            actor=actor,
            now=NOW,
        )
        drafts.move_module(course_row, draft.id, "safety-planning", -1, actor, NOW)
        drafts.move_module(course_row, draft.id, "safety-planning", -1, actor, NOW)
        db.session.commit()
        draft = drafts.draft_of(_course())
        assert [(m.slug, m.title) for m in draft.modules][:2] == [
            ("safety-planning", "Safety planning"),
            ("first-steps", "The first steps, renamed"),
        ]
        # A module without a lesson cannot be published: the importer's rule.
        assert any("at least one lesson" in e for e in drafts.check(draft).errors)


def test_slug_from_titles():
    assert drafts.slug_from("Safety planning: first steps") == "safety-planning-first-steps"
    assert drafts.slug_from("Über Café") == "uber-cafe"
    assert drafts.slug_from("!!!") == ""


def test_moving_a_module_renumbers_and_stays_valid(app, course):
    with app.app_context():
        course_row = _course()
        actor = _user(course["teacher"])
        drafts.move_module(
            course_row, course_row.current_version_id, "going-further", -1, actor, NOW
        )
        db.session.commit()
        draft = drafts.draft_of(_course())
        assert [(m.position, m.slug) for m in draft.modules] == [
            (1, "going-further"),
            (2, "first-steps"),
        ]
        assert not drafts.check(draft).errors


# -- quizzes ---------------------------------------------------------------------------------


def test_a_quiz_with_errors_is_saved_as_text_and_blocks_publishing(app, course):
    with app.app_context():
        course_row = _course()
        actor = _user(course["teacher"])
        quiz = drafts.find_quiz(_current(), "module:first-steps")
        broken = quiz.source + "\n\n::Broken:: A question without its closing brace {=yes ~no\n"
        settings = drafts.QuizSettings(quiz.title, quiz.pass_mark, 0, False, True, True)
        saved, problems = drafts.save_quiz(
            course_row,
            course_row.current_version_id,
            "module:first-steps",
            quiz.revision,
            settings,
            broken,
            actor,
            NOW,
        )
        db.session.commit()
        assert problems and all(line > 1 for line, _ in problems)
        draft = drafts.draft_of(_course())
        assert drafts.find_quiz(draft, "module:first-steps").source == broken
        errors = drafts.check(draft).errors
        assert errors and errors[0].startswith("01-first-steps/quiz.gift:")
        with pytest.raises(drafts.AuthoringRefused, match="problem"):
            drafts.publish(
                _course(),
                draft.id,
                "Broken",
                stamp_seen=draft.edit_stamp,
                replace_newer=False,
                actor=actor,
            )
        db.session.rollback()
        assert _course().current_version.number == 1


def test_a_fixed_question_feedback_is_published_and_graded_with_the_new_feedback(app, course):
    with app.app_context():
        course_row = _course()
        quiz = drafts.find_quiz(_current(), "module:first-steps")
        old_feedback = quiz.questions[0].data["answers"][0]["feedback"]
        assert old_feedback
        fixed = quiz.source.replace(old_feedback, "Right: ask the patient alone.", 1)
        drafts.save_quiz(
            course_row,
            course_row.current_version_id,
            "module:first-steps",
            quiz.revision,
            drafts.QuizSettings(quiz.title, quiz.pass_mark, quiz.max_attempts, False, True, True),
            fixed,
            _user(course["teacher"]),
            NOW,
        )
        db.session.commit()
    assert _publish(app, course["teacher"], "Clearer feedback") == 2
    with app.app_context():
        quiz = drafts.find_quiz(_current(), "module:first-steps")
        feedbacks = [a["feedback"] for q in quiz.questions for a in q.data.get("answers", [])]
        assert "Right: ask the patient alone." in feedbacks
        assert _current().change_note == "Clearer feedback"
        assert _current().source == "browser"


# -- images ----------------------------------------------------------------------------------


def test_images_are_checked_by_content_size_and_name(app, course):
    with app.app_context():
        course_row = _course()
        actor = _user(course["teacher"])
        read_from = course_row.current_version_id
        for name, data, reason in [
            ("notes.txt", PNG, "not an image"),
            ("fake.png", b"MZ\x90\x00 not a png at all", "contents are not"),
            ("big.png", PNG + b"\0" * (2 * 1024 * 1024), "at most 2 MiB"),
            ("empty.png", b"", "empty"),
        ]:
            with pytest.raises(drafts.AuthoringRefused, match=reason):
                drafts.add_image(course_row, read_from, name, data, actor, NOW)
            db.session.rollback()
        assert drafts.draft_of(_course()) is None
        course_row = _course()
        path = drafts.add_image(course_row, read_from, "../../Red Flags.PNG", PNG, actor, NOW)
        db.session.commit()
        assert path == "images/red-flags.png"
        assert drafts.draft_image(_course(), path) == ("image/png", PNG)


def test_a_lesson_shows_a_new_image_and_the_image_cannot_be_removed_while_used(app, course):
    with app.app_context():
        course_row = _course()
        actor = _user(course["teacher"])
        path = drafts.add_image(
            course_row, course_row.current_version_id, "chart.png", PNG, actor, NOW
        )
        db.session.commit()
        draft_id = drafts.draft_of(_course()).id
    _edit_welcome(
        app,
        course["teacher"],
        _text(body="See ![A chart of red flags](../images/chart.png)."),
        read_from=draft_id,
    )
    with app.app_context():
        draft = drafts.draft_of(_course())
        html = drafts.find_lesson(draft, "first-steps", "welcome").body_html
        assert f'src="/author/courses/{SLUG}/draft/media/{path}"' in html
        with pytest.raises(drafts.AuthoringRefused, match="used by"):
            drafts.remove_image(_course(), draft.id, path, _user(course["teacher"]), NOW)
        db.session.rollback()
    number = _publish(app, course["teacher"])
    with app.app_context():
        html = drafts.find_lesson(_current(), "first-steps", "welcome").body_html
        assert f'src="/media/{SLUG}/{number}/images/chart.png"' in html


# -- publishing, discarding ------------------------------------------------------------------


def test_publishing_makes_an_immutable_numbered_version_and_removes_the_draft(app, course):
    _edit_welcome(app, course["teacher"])
    assert _publish(app, course["teacher"], "  Rewrote   the welcome. ") == 2
    with app.app_context():
        course_row = _course()
        assert drafts.draft_of(course_row) is None
        current = _current()
        assert current.number == 2 and current.change_note == "Rewrote the welcome."
        assert current.created_by_id == course["teacher"]
        assert current.based_on.number == 1
        assert [v.number for v in course_row.versions] == [1, 2]
        # Version 1 is untouched.
        old = drafts.version_by_number(course_row, 1)
        assert drafts.find_lesson(old, "first-steps", "welcome").title != "Welcome, again"
        # No draft rows are left behind.
        assert db.session.execute(select(func.count(Lesson.id))).scalar_one() == 2 * 3
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "course.publish")
        ).scalar_one()
        assert event.after["version"] == 2 and event.after["change_note"]


def test_publishing_needs_a_note_and_a_change(app, course):
    with app.app_context():
        course_row = _course()
        actor = _user(course["teacher"])
        draft = drafts.start_draft(course_row, actor, NOW)
        db.session.commit()
        stamp = draft.edit_stamp
        with pytest.raises(drafts.AuthoringRefused, match="what changed"):
            drafts.publish(
                _course(), draft.id, "  ", stamp_seen=stamp, replace_newer=False, actor=actor
            )
        with pytest.raises(drafts.AuthoringRefused, match="nothing to publish"):
            drafts.publish(
                _course(), draft.id, "No change", stamp_seen=stamp, replace_newer=False, actor=actor
            )
        db.session.rollback()


def test_a_draft_started_before_another_publication_asks_before_replacing_it(app, course, tmp_path):
    _edit_welcome(app, course["teacher"])
    # Meanwhile, the team imports a new version from git.
    folder = tmp_path / SLUG
    with app.app_context():
        export_version(_current(), tmp_path)
    lesson = next(folder.glob("02-*/01-*.md"))
    lesson.write_text(lesson.read_text() + "\nAdded in git.\n")
    import_folder(app, folder)
    with pytest.raises(drafts.NeedsConfirmation, match="published after this draft"):
        _publish(app, course["teacher"])
    assert _publish(app, course["teacher"], replace_newer=True) == 3


def test_discarding_removes_the_draft_only(app, course):
    _edit_welcome(app, course["teacher"])
    with app.app_context():
        course_row = _course()
        draft = drafts.draft_of(course_row)
        drafts.discard(course_row, draft.id, _user(course["teacher"]), stamp_seen=draft.edit_stamp)
        db.session.commit()
        assert drafts.draft_of(_course()) is None
        assert _current().number == 1
        assert db.session.execute(select(func.count(CourseVersion.id))).scalar_one() == 1
        with pytest.raises(drafts.EditConflict):
            drafts.discard(_course(), 12345, _user(course["teacher"]), stamp_seen=None)


# -- the round trip --------------------------------------------------------------------------


def test_a_course_edited_in_the_browser_exported_and_imported_into_a_fresh_site_is_identical(
    app, course, fresh_app, tmp_path
):
    """Edit, publish, download the zip, import it into a new site: the same content."""
    _edit_welcome(app, course["teacher"], _text(note="Describes coercion."))
    with app.app_context():
        course_row = _course()
        draft = drafts.draft_of(course_row)
        drafts.add_image(course_row, draft.id, "diagram.png", PNG, _user(course["teacher"]), NOW)
        db.session.commit()
    _publish(app, course["teacher"])
    with app.app_context():
        current = _current()
        archive = version_zip(current)
        published_hash = current.content_hash
        published_files = dict(_files(current))
    folder = tmp_path / "unzipped"
    zipfile.ZipFile(io.BytesIO(archive)).extractall(folder)
    result = load_course(folder / SLUG)
    assert not result.errors, result.errors
    assert result.course.content_hash() == published_hash
    from flask_migrate import upgrade

    with fresh_app.app_context():
        upgrade()
        outcome = import_course(result.course)
        db.session.commit()
        assert outcome.version.content_hash == published_hash
        assert dict(_files(outcome.version)) == published_files
    # The zip is deterministic: the same version gives the same bytes.
    with app.app_context():
        assert version_zip(_current()) == archive


# -- what a review found: saves that must never be lost ----------------------------------------


def test_a_save_made_while_the_draft_is_being_published_is_refused_not_lost(app, course):
    """The publisher claims the draft's edit stamp first: a save that comes after the page
    was shown makes the claim fail, and a save that comes during it finds no draft."""
    _edit_welcome(app, course["teacher"], _text(body="Reviewed text."))
    with app.app_context():
        shown = drafts.draft_of(_course())
        stamp, draft_id, revision = (
            shown.edit_stamp,
            shown.id,
            drafts.find_lesson(shown, "first-steps", "welcome").revision,
        )
    # Another editor saves after the publisher opened the page.
    _edit_welcome(
        app, course["other"], _text(body="A late fix."), read_from=draft_id, revision=revision
    )
    with app.app_context():
        course_row = _course()
        with pytest.raises(drafts.EditConflict, match="saved a change"):
            drafts.publish(
                course_row,
                draft_id,
                "Publish what I saw",
                stamp_seen=stamp,
                replace_newer=False,
                actor=_user(course["teacher"]),
            )
        db.session.rollback()
    assert _publish(app, course["teacher"], "Publish what is there") == 2
    with app.app_context():
        assert drafts.find_lesson(_current(), "first-steps", "welcome").body_md == "A late fix."
        # A save from a page of the published draft now finds no draft to go into.
        with pytest.raises(drafts.EditConflict):
            drafts.draft_for_save(_course(), draft_id, _user(course["other"]), NOW)


def test_a_page_of_a_removed_lesson_does_not_overwrite_a_new_lesson_with_its_slug(app, course):
    _edit_welcome(app, course["teacher"], _text(body="First."))
    with app.app_context():
        draft = drafts.draft_of(_course())
        stale = (draft.id, drafts.find_lesson(draft, "first-steps", "welcome").revision)
        actor = _user(course["other"])
        drafts.remove_lesson(
            _course(), draft.id, "first-steps", "welcome", confirmed=None, actor=actor, now=NOW
        )
        drafts.add_lesson(
            _course(), draft.id, "first-steps", "welcome", _text(body="New lesson."), actor, NOW
        )
        db.session.commit()
    with pytest.raises(drafts.EditConflict):
        _edit_welcome(
            app, course["teacher"], _text(body="Stale."), read_from=stale[0], revision=stale[1]
        )
    with app.app_context():
        lesson = drafts.find_lesson(drafts.draft_of(_course()), "first-steps", "welcome")
        assert lesson.body_md == "New lesson."


def test_a_page_of_a_discarded_draft_does_not_write_into_the_next_one(app, course):
    """SQLite reuses the highest row id: the next draft may have the discarded one's id."""
    _edit_welcome(app, course["teacher"], _text(body="In the first draft."))
    with app.app_context():
        draft = drafts.draft_of(_course())
        stale = (draft.id, drafts.find_lesson(draft, "first-steps", "welcome").revision)
        drafts.discard(_course(), draft.id, _user(course["teacher"]), stamp_seen=draft.edit_stamp)
        db.session.commit()
    _edit_welcome(app, course["other"], _text(body="In the second draft."))
    with pytest.raises(drafts.EditConflict):
        _edit_welcome(
            app, course["teacher"], _text(body="Stale."), read_from=stale[0], revision=stale[1]
        )
    with app.app_context():
        lesson = drafts.find_lesson(drafts.draft_of(_course()), "first-steps", "welcome")
        assert lesson.body_md == "In the second draft."


def test_a_confirmation_for_fewer_learners_than_now_asks_again(app, course, make_user):
    _complete(app, course["learner"], "first-steps", "welcome")
    second = make_user("learner", email="second@example.org")
    _complete(app, second.id, "first-steps", "welcome")
    with app.app_context():
        course_row = _course()
        with pytest.raises(drafts.NeedsConfirmation) as refused:
            drafts.remove_lesson(
                course_row,
                course_row.current_version_id,
                "first-steps",
                "welcome",
                confirmed=1,  # the page said one learner; there are two now
                actor=_user(course["teacher"]),
                now=NOW,
            )
        assert refused.value.learners == 2 and "2 learners have" in refused.value.message
