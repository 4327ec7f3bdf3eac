"""The per-process cache of published versions' content (``versions_with_content``):
loaded once per app, shared read-only, never for a draft, never stale when an id
names other content, and never in the way of the request's own transaction."""

from __future__ import annotations

from sqlalchemy import inspect, update

from lms.accounts.models import User
from lms.authoring import drafts
from lms.catalog.loader import load_course
from lms.catalog.models import CourseVersion
from lms.catalog.services import import_course
from lms.extensions import db, utcnow
from lms.learning import services
from tests.learning_fixtures import (  # noqa: F401
    EXAMPLE,
    SLUG,
    ModuleDef,
    example_course_fixture,
    write_course,
)


def current_id(slug: str = SLUG) -> int:
    return services.course_by_slug(slug).current_version_id


def test_a_published_version_is_loaded_once_then_served_from_memory(
    app, example_course, count_queries
):
    with app.app_context():
        version_id = current_id()
    with app.app_context(), count_queries() as cold:
        first = services.version_with_content(version_id)
    with app.app_context(), count_queries() as warm:
        second = services.version_with_content(version_id)
    # cold: the content-hash check, then the version, modules, lessons and quizzes
    assert len(cold) == 5
    assert len(warm) == 1, warm
    assert second is first
    assert inspect(first).detached


def test_the_cached_content_reads_without_a_session(app, example_course, count_queries):
    with app.app_context():
        version = services.version_with_content(current_id())
    with count_queries() as statements:  # no app context, no session
        outline = [
            (module.slug, [(lesson.slug, lesson.module.slug) for lesson in module.lessons])
            for module in version.modules
        ]
        quizzes = [(q.key, q.module.slug if q.module else None) for q in version.quizzes]
        with_quiz = [m.slug for m in version.modules if m.quiz is not None]
        back = all(m.quiz.module is m for m in version.modules if m.quiz is not None)
    assert statements == []
    assert outline and all(m == slug for slug, lessons in outline for _, m in lessons)
    assert with_quiz and back
    assert ("pretest", None) in quizzes
    assert any(key.startswith("module:") and module for key, module in quizzes)


def test_a_commit_in_the_request_does_not_expire_the_shared_content(
    app, example_course, count_queries
):
    with app.app_context():
        version = services.version_with_content(current_id())
        db.session.execute(update(User).values(full_name="Renamed"))
        db.session.commit()
        with count_queries() as statements:
            titles = [module.title for module in version.modules]
        assert titles and statements == []
        assert not inspect(version).expired_attributes


def test_a_draft_is_loaded_into_the_session_every_time(app, example_course, make_user):
    author = make_user("administrator")
    with app.app_context():
        course = services.course_by_slug(SLUG)
        draft = drafts.start_draft(course, db.session.get(User, author.id), utcnow())
        db.session.commit()
        draft_id = draft.id
    for _ in range(2):
        with app.app_context():
            loaded = services.version_with_content(draft_id)
            assert inspect(loaded).persistent  # the request's own, so edits can be saved
            assert loaded in db.session
    cache = app.extensions["lms.content_cache"]
    assert all(key[0] != draft_id for key in cache.entries)


def test_an_id_that_names_other_content_is_loaded_again(app, example_course):
    """A database restored under a running server: the same id, another content hash."""
    with app.app_context():
        version_id = current_id()
        before = services.version_with_content(version_id)
        db.session.execute(
            update(CourseVersion)
            .where(CourseVersion.id == version_id)
            .values(content_hash="0" * 64, title="Restored from a backup")
        )
        db.session.commit()
    with app.app_context():
        after = services.version_with_content(version_id)
    assert after is not before
    assert after.title == "Restored from a backup"
    kept = [key for key in app.extensions["lms.content_cache"].entries if key[0] == version_id]
    assert len(kept) == 1, "the old content of that id is dropped"


def test_a_version_written_in_the_open_transaction_is_found(app, tmp_path):
    """Seeding imports courses and reads them back before its one commit: the cache's own
    session cannot see them yet, so they are loaded in the request's session."""
    folder = write_course(tmp_path, "not-committed", modules=[ModuleDef("only")])
    with app.app_context():
        outcome = import_course(load_course(folder).course)
        version = services.version_with_content(outcome.version.id)
        assert version.title == outcome.version.title
        assert [m.slug for m in version.modules] == ["only"]
        assert inspect(version).persistent
        db.session.rollback()


def test_the_cache_keeps_at_most_its_size(app, tmp_path):
    folders = [write_course(tmp_path, f"course-{n}", modules=[ModuleDef("only")]) for n in range(3)]
    with app.app_context():
        ids = [import_course(load_course(f).course).version.id for f in folders]
        db.session.commit()
        app.extensions["lms.content_cache"] = services._ContentCache(size=2)
        loaded = services.versions_with_content(ids)
    assert sorted(loaded) == sorted(ids)
    entries = app.extensions["lms.content_cache"].entries
    assert len(entries) == 2
    assert [key[0] for key in entries] == ids[1:]  # the oldest went first


def test_several_versions_at_once_in_one_query_when_cached(
    app, example_course, tmp_path, count_queries
):
    other = write_course(tmp_path, "second-course", modules=[ModuleDef("one"), ModuleDef("two")])
    with app.app_context():
        import_course(load_course(other).course)
        db.session.commit()
        ids = [current_id(), current_id("second-course")]
    with app.app_context():
        services.versions_with_content(ids)
    with app.app_context(), count_queries() as statements:
        loaded = services.versions_with_content(ids + ids)
    assert len(statements) == 1
    assert sorted(loaded) == sorted(ids)
    assert [m.slug for m in loaded[ids[1]].modules] == ["one", "two"]


def test_an_in_memory_database_is_never_cached(tmp_path, monkeypatch):
    """Every session of an in-memory SQLite database shares one connection: the cache's
    own session would end the request's transaction, so nothing is cached there."""
    from config import TestConfig
    from lms import create_app
    from tests.learning_fixtures import import_folder

    class InMemory(TestConfig):
        DATABASE_URL = "sqlite://"
        OUTBOX_DIR = str(tmp_path / "outbox")

    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(InMemory)
    with app.app_context():
        db.create_all()
    import_folder(app, EXAMPLE)
    with app.app_context():
        version = services.version_with_content(current_id())
        assert inspect(version).persistent
        assert services._content_cache() is None
        db.session.remove()
