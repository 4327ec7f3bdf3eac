"""A course's draft: the one version (number 0) instructors edit in the browser.

Learners keep seeing the current published version until an instructor
publishes. Publishing writes the draft out in the course format
(``catalog.services.version_files``), reads it back with the importer's own
loader (so a draft is checked by exactly the rules a course folder is) and
imports it as a new numbered version; the draft is then gone, and the next edit
starts a new one from the version learners see.

The draft starts implicitly: an edit page shows the draft if there is one, else
the current version, and the first save copies the current version into a new
draft. Every save names the version row it was read from and the revision of
the thing saved (settings, a module, a lesson or a quiz); a save made from a
stale page is refused with ``EditConflict`` rather than silently overwriting
someone else's work (docs/authoring.md).

Functions change the session; the view commits once.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import secrets
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lms import audit
from lms.catalog import gift, loader
from lms.catalog.loader import IMAGE_MAX_BYTES, IMAGE_TYPES, SLUG_MAX, SLUG_RE, check_gift
from lms.catalog.models import (
    DRAFT_NUMBER,
    AssetBlob,
    Course,
    CourseAsset,
    CourseVersion,
    Lesson,
    Module,
    Question,
    Quiz,
)
from lms.catalog.rendering import render_markdown
from lms.catalog.services import (
    ImportOutcome,
    import_course,
    module_folder,
    question_data,
    version_files,
)
from lms.extensions import db
from lms.learning.models import Enrollment, LessonProgress, QuizAttempt
from lms.refusals import Refusal

DEFAULT_QUIZ_TITLE = "Check your understanding"
TEST_TITLES = {"pretest": "Pre-test", "posttest": "Post-test"}
MODULE_RECORDS = "completed lessons of this module or attempted its quiz"


class AuthoringRefused(Refusal):
    """A rule refused the edit; nothing was changed."""


class EditConflict(AuthoringRefused):
    """Someone saved (or published, or discarded the draft) after this page was opened."""


class NeedsConfirmation(AuthoringRefused):
    """The change affects learners' records: ask before doing it. ``learners`` says how
    many; the confirmation sends that number back, and a different number (more
    learners since) asks again."""

    def __init__(self, message: str, learners: int):
        super().__init__(message)
        self.learners = learners


# -- finding ---------------------------------------------------------------------------------


def _with_content(query):
    return query.options(
        selectinload(CourseVersion.modules).selectinload(Module.lessons),
        selectinload(CourseVersion.quizzes).selectinload(Quiz.questions),
        selectinload(CourseVersion.assets),
    )


def draft_of(course: Course) -> CourseVersion | None:
    """The course's draft with its content, or None."""
    return db.session.execute(
        _with_content(select(CourseVersion)).where(
            CourseVersion.course_id == course.id, CourseVersion.number == DRAFT_NUMBER
        )
    ).scalar_one_or_none()


def drafts_of(course_ids: list[int]) -> dict[int, CourseVersion]:
    """The drafts of several courses, by course id, in one query (without content)."""
    rows = db.session.execute(
        select(CourseVersion).where(
            CourseVersion.course_id.in_(course_ids), CourseVersion.number == DRAFT_NUMBER
        )
    ).scalars()
    return {draft.course_id: draft for draft in rows}


def version_by_number(course: Course, number: int) -> CourseVersion | None:
    """A version with its content: a published number, or 0 for the draft."""
    return db.session.execute(
        _with_content(select(CourseVersion)).where(
            CourseVersion.course_id == course.id, CourseVersion.number == number
        )
    ).scalar_one_or_none()


def working_version(course: Course) -> CourseVersion | None:
    """What an edit page shows: the draft if there is one, else the current version."""
    draft = draft_of(course)
    if draft is not None:
        return draft
    if course.current_version_id is None:
        return None
    return db.session.execute(
        _with_content(select(CourseVersion)).where(CourseVersion.id == course.current_version_id)
    ).scalar_one()


def find_module(version: CourseVersion, slug: str) -> Module | None:
    return next((m for m in version.modules if m.slug == slug), None)


def find_lesson(version: CourseVersion, module_slug: str, lesson_slug: str) -> Lesson | None:
    module = find_module(version, module_slug)
    if module is None:
        return None
    return next((x for x in module.lessons if x.slug == lesson_slug), None)


def find_quiz(version: CourseVersion, key: str) -> Quiz | None:
    return next((q for q in version.quizzes if q.key == key), None)


# -- the draft, started from the current version ---------------------------------------------


def draft_asset_url(course_slug: str, path: str) -> str:
    """Where an image of the draft is served to the course's editors (authoring.views)."""
    return f"/author/courses/{quote(course_slug)}/draft/media/{quote(path)}"


def _base_version(course: Course) -> CourseVersion:
    return db.session.execute(
        _with_content(select(CourseVersion)).where(CourseVersion.id == course.current_version_id)
    ).scalar_one()


def start_draft(course: Course, actor, now: datetime) -> CourseVersion:
    """The course's draft, copied from the current version if there is none yet."""
    existing = draft_of(course)
    if existing is not None:
        return existing
    if course.current_version_id is None:
        raise AuthoringRefused("This course has no published version to start a draft from.")
    base = _base_version(course)
    draft = CourseVersion(
        course_id=course.id,
        number=DRAFT_NUMBER,
        content_hash="",
        created_at=now,
        created_by_id=actor.id,
        source="draft",
        based_on_id=base.id,
        edited_at=now,
        edited_by_id=actor.id,
        edit_stamp=new_revision(),
        revision=base.revision,
        title=base.title,
        summary=base.summary,
        audience=base.audience,
        credit_hours=base.credit_hours,
        estimated_minutes=base.estimated_minutes,
        pass_mark=base.pass_mark,
        self_enrollment=base.self_enrollment,
        objectives=list(base.objectives),
        completion_rules=list(base.completion_rules),
        evaluation=[dict(item) for item in base.evaluation],
        references_md=base.references_md,
        references_html="",
    )
    draft.assets = [
        CourseAsset(path=a.path, media_type=a.media_type, sha256=a.sha256) for a in base.assets
    ]
    modules = {}
    for m in base.modules:
        module = Module(
            slug=m.slug,
            position=m.position,
            title=m.title,
            summary=m.summary,
            objectives=list(m.objectives),
            revision=m.revision,
            lessons=[
                Lesson(
                    slug=x.slug,
                    position=x.position,
                    title=x.title,
                    minutes=x.minutes,
                    content_note=x.content_note,
                    body_md=x.body_md,
                    body_html="",
                    revision=x.revision,
                )
                for x in m.lessons
            ],
        )
        draft.modules.append(module)
        modules[m.id] = module
    for q in base.quizzes:
        draft.quizzes.append(
            Quiz(
                key=q.key,
                kind=q.kind,
                module=modules.get(q.module_id),
                title=q.title,
                pass_mark=q.pass_mark,
                max_attempts=q.max_attempts,
                shuffle_questions=q.shuffle_questions,
                shuffle_answers=q.shuffle_answers,
                graded=q.graded,
                source=q.source,
                revision=q.revision,
                questions=[
                    Question(
                        slug=x.slug, position=x.position, type=x.type, data=x.data, source=x.source
                    )
                    for x in q.questions
                ],
            )
        )
    db.session.add(draft)
    _render_all(course, draft)
    try:
        db.session.flush()
    except IntegrityError:
        # Another editor's first save started the draft a moment ago (the unique
        # course and number). No savepoint: SQLite's driver would commit it early.
        db.session.rollback()
        raise EditConflict(
            "Someone else started a draft of this course at the same moment. Your text is "
            "kept below: save again to put it into their draft."
        ) from None
    audit.record(
        "course.draft.start",
        target_type="course",
        target_id=course.slug,
        actor=actor,
        after={"based_on": base.number},
    )
    return draft


def draft_for_save(course: Course, read_from: int, actor, now: datetime) -> CourseVersion:
    """The draft a save goes into, refusing a page read from anything that is no longer
    what the editors are working on. ``read_from`` is the version row the page showed:
    the draft itself, or the current version when there was no draft yet.

    Every save first gives the draft a new ``edit_stamp``. That write waits for a
    publication or a discard in progress (which claims the stamp: ``_claim``) and
    finds no row once the draft is gone, so a save never lands in a draft that is
    being published."""
    draft = draft_of(course)
    if draft is not None and read_from == draft.id:
        return _stamped(draft, actor, now)
    if read_from == course.current_version_id and (draft is None or draft.based_on_id == read_from):
        return _stamped(draft, actor, now) if draft is not None else start_draft(course, actor, now)
    raise _changed()


def _changed() -> EditConflict:
    return EditConflict(
        "This course changed after you opened this page: a new version was published, or "
        "the draft was published or discarded. Your text is kept below; open the page again "
        "to see the course as it is now, then make your change there."
    )


def _stamped(draft: CourseVersion, actor, now: datetime) -> CourseVersion:
    """The draft with a new edit stamp, and who last changed it and when."""
    stamp = new_revision()
    done = db.session.execute(
        update(CourseVersion)
        .where(CourseVersion.id == draft.id, CourseVersion.number == DRAFT_NUMBER)
        .values(edit_stamp=stamp, edited_at=now, edited_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise _changed()
    draft.edit_stamp, draft.edited_at, draft.edited_by_id = stamp, now, actor.id
    return draft


def _claim(draft: CourseVersion | None, read_from: int, stamp_seen: int | None) -> CourseVersion:
    """The draft, for publishing or discarding it, only if nobody saved it since the
    page was shown (``stamp_seen``); the claim waits for a save in progress."""
    if draft is None or draft.id != read_from:
        raise EditConflict(
            "The draft you were looking at was published or discarded meanwhile. Open the "
            "course again to see where it stands."
        )
    done = db.session.execute(
        update(CourseVersion)
        .where(CourseVersion.id == draft.id, CourseVersion.edit_stamp == stamp_seen)
        .values(edit_stamp=new_revision())
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise EditConflict(
            "Someone saved a change to the draft after you opened this page. Look at the "
            "draft again (and compare it with the published version), then try again."
        )
    return draft


def new_revision() -> int:
    """A revision for a saved or added thing: random, never 1 (what an unedited copy of
    a published row has), so a page read from a removed lesson, or from a discarded
    draft whose row id the database reused, never matches what is there now."""
    return secrets.randbelow(2**31 - 3) + 2


def _save(model, row, expected: int, values: dict, what: str) -> None:
    """Write ``values`` to ``row`` only if nobody saved it since revision ``expected``."""
    result = db.session.execute(
        update(model)
        .where(model.id == row.id, model.revision == expected)
        .values(revision=new_revision(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise EditConflict(
            f"Someone else saved {what} after you opened it. Your text is kept below, not "
            "saved; their version is now in the draft. Compare the two, then save again."
        )
    db.session.refresh(row)


# -- rendering -------------------------------------------------------------------------------


def _resolver(course: Course, draft: CourseVersion, base: str):
    paths = {asset.path for asset in draft.assets}

    def resolve(src: str) -> str | None:
        path = loader.image_path(base, src)
        return draft_asset_url(course.slug, path) if path in paths else None

    return resolve


def render_lesson_body(course: Course, draft: CourseVersion, module: Module, body_md: str):
    """The lesson's HTML as a learner will see it (the importer's renderer), with
    images served from the draft, and the problems an author must fix."""
    return render_markdown(
        body_md, image_url=_resolver(course, draft, module_folder(draft, module))
    )


def _render_all(course: Course, draft: CourseVersion) -> None:
    """Render every lesson and the references again: after a copy, and whenever the
    draft's images or module folders change."""
    for module in draft.modules:
        for lesson in module.lessons:
            lesson.body_html = render_lesson_body(course, draft, module, lesson.body_md).html
    draft.references_html = render_markdown(
        draft.references_md, image_url=_resolver(course, draft, "")
    ).html


# -- settings --------------------------------------------------------------------------------


@dataclass
class Settings:
    title: str
    summary: str
    audience: str
    credit_hours: float
    estimated_minutes: int
    pass_mark: int
    self_enrollment: bool
    objectives: list[str]
    completion_rules: list[str]
    evaluation: list[dict]
    references_md: str


def save_settings(
    course: Course, read_from: int, revision: int, settings: Settings, actor, now
) -> CourseVersion:
    draft = draft_for_save(course, read_from, actor, now)
    values = {
        "title": settings.title,
        "summary": settings.summary,
        "audience": settings.audience,
        "credit_hours": settings.credit_hours,
        "estimated_minutes": settings.estimated_minutes,
        "pass_mark": settings.pass_mark,
        "self_enrollment": settings.self_enrollment,
        "objectives": settings.objectives,
        "completion_rules": settings.completion_rules,
        "evaluation": settings.evaluation,
        "references_md": settings.references_md,
        "references_html": render_markdown(
            settings.references_md, image_url=_resolver(course, draft, "")
        ).html,
    }
    _save(CourseVersion, draft, revision, values, "the course settings")
    return draft


# -- modules ---------------------------------------------------------------------------------


def slug_from(title: str) -> str:
    """A slug suggested for a new module or lesson: lower-case ASCII words joined by hyphens."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


def check_slug(slug: str, taken: set[str], what: str) -> str:
    slug = (slug or "").strip()
    if not slug:
        raise AuthoringRefused(f"Give the {what} an address (a slug).", "slug")
    if len(slug) > SLUG_MAX or not SLUG_RE.match(slug):
        raise AuthoringRefused(
            f"A slug is at most {SLUG_MAX} lower-case letters (a-z), digits and single "
            "hyphens, such as 'red-flags-at-triage'.",
            "slug",
        )
    if slug in taken:
        raise AuthoringRefused(f"Another {what} here already uses the slug '{slug}'.", "slug")
    return slug


def _renumber_modules(course: Course, draft: CourseVersion, order: list[Module]) -> None:
    """Set module positions 1..n in ``order``; images kept inside a module's folder
    follow it (the folder's name holds the number); lessons are rendered again."""
    before = {m.id: module_folder(draft, m) for m in draft.modules}
    for position, module in enumerate(order, start=1):
        module.position = position
    draft.modules.sort(key=lambda m: m.position)
    moved = {before[m.id]: module_folder(draft, m) for m in order if m.id in before}
    for asset in draft.assets:
        head, _, rest = asset.path.partition("/")
        if rest and head in moved and moved[head] != head:
            asset.path = f"{moved[head]}/{rest}"
    _render_all(course, draft)


def add_module(course: Course, read_from: int, title: str, slug: str, actor, now) -> Module:
    draft = draft_for_save(course, read_from, actor, now)
    taken = {m.slug for m in draft.modules} | {"pretest", "posttest"}
    slug = check_slug(slug or slug_from(title), taken, "module")
    module = Module(
        slug=slug,
        position=len(draft.modules) + 1,
        title=title,
        summary="",
        objectives=[],
        revision=new_revision(),
    )
    draft.modules.append(module)
    db.session.flush()
    _renumber_modules(course, draft, list(draft.modules))
    return module


def save_module(
    course: Course,
    read_from: int,
    module_slug: str,
    revision: int,
    *,
    title: str,
    summary: str,
    objectives: list[str],
    actor,
    now,
) -> Module:
    draft = draft_for_save(course, read_from, actor, now)
    module = find_module(draft, module_slug) or _gone("module")
    _save(
        Module,
        module,
        revision,
        {"title": title, "summary": summary, "objectives": objectives},
        "this module",
    )
    return module


def move_module(course: Course, read_from: int, module_slug: str, step: int, actor, now):
    draft = draft_for_save(course, read_from, actor, now)
    module = find_module(draft, module_slug) or _gone("module")
    order = list(draft.modules)
    index = order.index(module)
    target = index + step
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
        _renumber_modules(course, draft, order)


def learners_with_module(course: Course, module_slug: str) -> int:
    """Learners of the course with a completed lesson of the module or an attempt at its quiz."""
    lessons = select(LessonProgress.enrollment_id).where(LessonProgress.module_slug == module_slug)
    attempts = select(QuizAttempt.enrollment_id).where(
        QuizAttempt.quiz_key == f"module:{module_slug}"
    )
    return db.session.execute(
        select(func.count(Enrollment.id)).where(
            Enrollment.course_id == course.id,
            or_(Enrollment.id.in_(lessons), Enrollment.id.in_(attempts)),
        )
    ).scalar_one()


def learners_with_lesson(course: Course, module_slug: str, lesson_slug: str) -> int:
    """Learners of the course who completed the lesson (in any version)."""
    return db.session.execute(
        select(func.count(LessonProgress.id))
        .join(Enrollment, Enrollment.id == LessonProgress.enrollment_id)
        .where(
            Enrollment.course_id == course.id,
            LessonProgress.module_slug == module_slug,
            LessonProgress.lesson_slug == lesson_slug,
        )
    ).scalar_one()


def learners_note(count: int, what: str) -> str:
    people = "1 learner has" if count == 1 else f"{count:,} learners have"
    return (
        f"{people} {what}. Their records are kept, but once you publish, it no longer "
        "counts towards their progress in this course."
    )


def remove_module(
    course: Course, read_from: int, module_slug: str, *, confirmed: int | None, actor, now
) -> None:
    draft = draft_for_save(course, read_from, actor, now)
    module = find_module(draft, module_slug) or _gone("module")
    affected = learners_with_module(course, module_slug)
    if affected and affected != confirmed:
        raise NeedsConfirmation(
            learners_note(affected, MODULE_RECORDS),
            affected,
        )
    remaining = [m for m in draft.modules if m is not module]
    prefix = module_folder(draft, module) + "/"
    for asset in [a for a in draft.assets if a.path.startswith(prefix)]:
        draft.assets.remove(asset)
    quiz = find_quiz(draft, f"module:{module_slug}")
    if quiz is not None:
        draft.quizzes.remove(quiz)
    draft.modules.remove(module)
    db.session.flush()
    _renumber_modules(course, draft, remaining)


# -- lessons ---------------------------------------------------------------------------------


@dataclass
class LessonText:
    title: str
    minutes: int
    content_note: str
    body_md: str


def add_lesson(
    course: Course, read_from: int, module_slug: str, slug: str, text: LessonText, actor, now
) -> Lesson:
    draft = draft_for_save(course, read_from, actor, now)
    module = find_module(draft, module_slug) or _gone("module")
    slug = check_slug(slug or slug_from(text.title), {x.slug for x in module.lessons}, "lesson")
    lesson = Lesson(
        slug=slug,
        position=len(module.lessons) + 1,
        title=text.title,
        minutes=text.minutes,
        content_note=text.content_note,
        body_md=text.body_md,
        body_html=render_lesson_body(course, draft, module, text.body_md).html,
        revision=new_revision(),
    )
    module.lessons.append(lesson)
    db.session.flush()
    return lesson


def save_lesson(
    course: Course,
    read_from: int,
    module_slug: str,
    lesson_slug: str,
    revision: int,
    text: LessonText,
    actor,
    now,
) -> Lesson:
    """Save a lesson's text. Its slug never changes, so learners' progress stays with it."""
    draft = draft_for_save(course, read_from, actor, now)
    module = find_module(draft, module_slug) or _gone("module")
    lesson = find_lesson(draft, module_slug, lesson_slug) or _gone("lesson")
    _save(
        Lesson,
        lesson,
        revision,
        {
            "title": text.title,
            "minutes": text.minutes,
            "content_note": text.content_note,
            "body_md": text.body_md,
            "body_html": render_lesson_body(course, draft, module, text.body_md).html,
        },
        "this lesson",
    )
    return lesson


def move_lesson(
    course: Course,
    read_from: int,
    module_slug: str,
    lesson_slug: str,
    *,
    step: int = 0,
    to_module: str | None = None,
    confirmed: int | None = None,
    actor,
    now,
) -> Lesson:
    """Move a lesson up or down its module (``step``), or to the end of another module.

    Progress is kept by (module, lesson) slug, so a lesson moved to another module
    is a new lesson to learners who completed it: that asks for confirmation."""
    draft = draft_for_save(course, read_from, actor, now)
    module = find_module(draft, module_slug) or _gone("module")
    lesson = find_lesson(draft, module_slug, lesson_slug) or _gone("lesson")
    if to_module and to_module != module_slug:
        target = find_module(draft, to_module) or _gone("module")
        if any(x.slug == lesson.slug for x in target.lessons):
            raise AuthoringRefused(
                f"The module '{target.title}' already has a lesson with the slug '{lesson.slug}'.",
                "to_module",
            )
        affected = learners_with_lesson(course, module_slug, lesson_slug)
        if affected and affected != confirmed:
            raise NeedsConfirmation(
                learners_note(affected, "completed this lesson where it is now"), affected
            )
        module.lessons.remove(lesson)
        target.lessons.append(lesson)
        for position, x in enumerate(module.lessons, start=1):
            x.position = position
        lesson.position = len(target.lessons)
        db.session.flush()
        lesson.body_html = render_lesson_body(course, draft, target, lesson.body_md).html
    else:
        order = list(module.lessons)
        index = order.index(lesson)
        if 0 <= index + step < len(order):
            order[index], order[index + step] = order[index + step], order[index]
            for position, x in enumerate(order, start=1):
                x.position = position
            module.lessons.sort(key=lambda x: x.position)
    return lesson


def remove_lesson(
    course: Course,
    read_from: int,
    module_slug: str,
    lesson_slug: str,
    *,
    confirmed: int | None,
    actor,
    now,
) -> None:
    draft = draft_for_save(course, read_from, actor, now)
    module = find_module(draft, module_slug) or _gone("module")
    lesson = find_lesson(draft, module_slug, lesson_slug) or _gone("lesson")
    affected = learners_with_lesson(course, module_slug, lesson_slug)
    if affected and affected != confirmed:
        raise NeedsConfirmation(learners_note(affected, "completed this lesson"), affected)
    module.lessons.remove(lesson)
    for position, x in enumerate(module.lessons, start=1):
        x.position = position


# -- quizzes ---------------------------------------------------------------------------------


@dataclass
class QuizSettings:
    title: str
    pass_mark: int
    max_attempts: int
    shuffle_questions: bool
    shuffle_answers: bool
    graded: bool


def quiz_problems(source: str, name: str) -> list[tuple[int, str]]:
    """Every problem of a quiz text, as (line, message): the importer's own check."""
    return check_gift(source, name)[1]


def questions_of(source: str, name: str) -> list[Question]:
    """The questions of a quiz text as the pages show them; none while it has problems."""
    result, problems = check_gift(source, name)
    if problems:
        return []  # a quiz with errors is kept as text only; publishing refuses it
    return [
        Question(slug=q.id, position=n, type=q.type, data=question_data(q), source=gift.write([q]))
        for n, q in enumerate(result.questions, start=1)
    ]


def save_quiz(
    course: Course,
    read_from: int,
    key: str,
    revision: int | None,
    settings: QuizSettings | None,
    source: str,
    actor,
    now,
) -> tuple[Quiz, list[tuple[int, str]]]:
    """Save a quiz's GIFT text (and, for a module quiz, its settings), creating the
    quiz if the module (or course, for a pre- or post-test) has none. Text with
    errors is saved too, as the draft's, with its problems returned; publishing is
    refused until they are fixed. ``revision`` None: the page showed no quiz yet."""
    draft = draft_for_save(course, read_from, actor, now)
    source = source.replace("\r\n", "\n")
    quiz = find_quiz(draft, key)
    name = quiz_file_name(draft, key)
    problems = quiz_problems(source, name)
    if quiz is None:
        if revision is not None:
            raise EditConflict(
                "This quiz was removed from the draft after you opened it. Your text is kept "
                "below; save again to add it back."
            )
        module = None
        if key.startswith("module:"):
            module = find_module(draft, key.removeprefix("module:")) or _gone("module")
        values = settings or _test_settings(key, draft)
        quiz = Quiz(
            key=key,
            kind="module" if module is not None else key,
            module=module,
            source=source,
            revision=new_revision(),
            **vars(values),
        )
        draft.quizzes.append(quiz)
        db.session.flush()
    elif revision is None:
        raise EditConflict(
            "Someone else added this quiz after you opened the page. Your text is kept below; "
            "their questions are now in the draft."
        )
    else:
        values = vars(settings) if settings is not None else {}
        _save(Quiz, quiz, revision, {"source": source, **values}, "this quiz")
    # The old questions go first: the new ones may reuse their ids (unique per quiz).
    quiz.questions.clear()
    db.session.flush()
    quiz.questions = questions_of(source, name)
    return quiz, problems


def _test_settings(key: str, draft: CourseVersion) -> QuizSettings:
    # As the loader sets them: tests are scored for knowledge gain and never block anyone.
    return QuizSettings(TEST_TITLES[key], draft.pass_mark, 1, False, True, False)


def quiz_file_name(version: CourseVersion, key: str) -> str:
    """The quiz's file in the course folder, for messages such as ``quiz.gift:12``."""
    if key in TEST_TITLES:
        return f"{key}.gift"
    module = find_module(version, key.removeprefix("module:"))
    folder = module_folder(version, module) if module is not None else key
    return f"{folder}/quiz.gift"


def learners_with_quiz(course: Course, key: str) -> int:
    """Learners of the course who attempted the quiz (in any version)."""
    return db.session.execute(
        select(func.count(func.distinct(QuizAttempt.enrollment_id)))
        .join(Enrollment, Enrollment.id == QuizAttempt.enrollment_id)
        .where(Enrollment.course_id == course.id, QuizAttempt.quiz_key == key)
    ).scalar_one()


def remove_quiz(
    course: Course, read_from: int, key: str, *, confirmed: int | None, actor, now
) -> None:
    draft = draft_for_save(course, read_from, actor, now)
    quiz = find_quiz(draft, key) or _gone("quiz")
    affected = learners_with_quiz(course, key)
    if affected and affected != confirmed:
        raise NeedsConfirmation(learners_note(affected, "attempted this quiz"), affected)
    draft.quizzes.remove(quiz)


# -- images ----------------------------------------------------------------------------------

# What an image file starts with, by type: the name alone is not trusted.
SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}


def image_name(filename: str) -> str:
    """A safe file name for an upload: its base name, lower case, [a-z0-9-] and the suffix."""
    base = posixpath.basename((filename or "").replace("\\", "/"))
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = slug_from(stem) or "image"
    return f"{stem[:60]}.{suffix.lower()}" if suffix else stem[:60]


def add_image(course: Course, read_from: int, filename: str, data: bytes, actor, now) -> str:
    """Store an uploaded image in the draft's ``images/`` folder; returns its path there."""
    name = image_name(filename)
    suffix = posixpath.splitext(name)[1]
    if suffix not in IMAGE_TYPES:
        allowed = ", ".join(sorted(IMAGE_TYPES))
        raise AuthoringRefused(
            f"'{filename}' is not an image this site serves: use {allowed}.", "image"
        )
    if not data:
        raise AuthoringRefused(f"'{filename}' is empty.", "image")
    if len(data) > IMAGE_MAX_BYTES:
        raise AuthoringRefused(
            f"'{filename}' is {len(data) / 1024 / 1024:.1f} MiB; an image may be at most "
            f"{IMAGE_MAX_BYTES // 1024 // 1024} MiB. Save it smaller (a lesson picture rarely "
            "needs more than 1600 pixels across).",
            "image",
        )
    media_type = IMAGE_TYPES[suffix]
    if not data.startswith(SIGNATURES[media_type]) or (
        media_type == "image/webp" and data[8:12] != b"WEBP"
    ):
        raise AuthoringRefused(
            f"'{filename}' is named like a {suffix[1:].upper()} image but its contents are not "
            "one. Export it again from the program that made it.",
            "image",
        )
    draft = draft_for_save(course, read_from, actor, now)
    path = f"{loader.ASSET_FOLDER}/{name}"
    if any(a.path == path for a in draft.assets):
        raise AuthoringRefused(
            f"The draft already has an image named '{name}'. Remove that one first, or "
            "rename your file.",
            "image",
        )
    sha256 = hashlib.sha256(data).hexdigest()
    if db.session.get(AssetBlob, sha256) is None:
        db.session.add(AssetBlob(sha256=sha256, data=data))
    draft.assets.append(CourseAsset(path=path, media_type=media_type, sha256=sha256))
    db.session.flush()
    _render_all(course, draft)
    return path


def lessons_using(draft: CourseVersion, path: str) -> list[Lesson]:
    used = []
    for module in draft.modules:
        base = module_folder(draft, module)
        for lesson in module.lessons:
            for src in re.findall(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)", lesson.body_md):
                if loader.image_path(base, src) == path:
                    used.append(lesson)
                    break
    return used


def remove_image(course: Course, read_from: int, path: str, actor, now) -> None:
    draft = draft_for_save(course, read_from, actor, now)
    asset = next((a for a in draft.assets if a.path == path), None) or _gone("image")
    used = lessons_using(draft, path)
    if used:
        names = ", ".join(f"'{x.title}'" for x in used)
        raise AuthoringRefused(
            f"The image is used by {names}. Take it out of the text first, then remove it."
        )
    draft.assets.remove(asset)
    db.session.flush()
    _render_all(course, draft)


def draft_image(course: Course, path: str) -> tuple[str, bytes] | None:
    """(media type, bytes) of an image of the course's draft."""
    row = db.session.execute(
        select(CourseAsset.media_type, AssetBlob.data)
        .join(CourseVersion, CourseVersion.id == CourseAsset.version_id)
        .join(AssetBlob, AssetBlob.sha256 == CourseAsset.sha256)
        .where(
            CourseVersion.course_id == course.id,
            CourseVersion.number == DRAFT_NUMBER,
            CourseAsset.path == path,
        )
    ).first()
    return (row[0], row[1]) if row else None


# -- checking, publishing, discarding --------------------------------------------------------


def check(draft: CourseVersion) -> loader.LoadResult:
    """The draft as the importer sees it: written out as a course folder and read
    back by the loader. Problems are ``path:line: message`` inside the folder."""
    with tempfile.TemporaryDirectory(prefix="lms-draft-") as tmp:
        root = Path(tmp) / draft.course.slug
        for rel, data in version_files(draft):
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, str):
                path.write_text(data, encoding="utf-8")
            else:
                path.write_bytes(data)
        result = loader.load_course(root)
        prefix = f"{root}/"
        result.errors = [message.replace(prefix, "") for message in result.errors]
        return result


def publish(
    course: Course,
    read_from: int,
    note: str,
    *,
    stamp_seen: int | None,
    replace_newer: bool,
    actor,
) -> ImportOutcome:
    """Make the draft the course's new current version, then remove the draft.

    Refused while the draft has problems, when it is the same as the current
    version, and, unless ``replace_newer``, when another version was published
    after the draft was started (its changes would be undone)."""
    note = " ".join((note or "").split())
    if not note:
        raise AuthoringRefused(
            "Say in a few words what changed (learners do not see it; the history does).",
            "note",
        )
    if len(note) > 500:
        raise AuthoringRefused("The change note is at most 500 characters.", "note")
    draft = _claim(draft_of(course), read_from, stamp_seen)
    result = check(draft)
    if result.errors:
        count = len(result.errors)
        raise AuthoringRefused(
            f"The draft has {count} problem{'s' if count != 1 else ''} to fix before it can be "
            "published; they are listed on this page."
        )
    if draft.based_on_id != course.current_version_id and not replace_newer:
        raise NeedsConfirmation(
            "Another version of this course was published after this draft was started. "
            "Publishing the draft replaces it, undoing its changes. Compare the two first.",
            0,
        )
    based_on = db.session.get(CourseVersion, draft.based_on_id) if draft.based_on_id else None
    outcome = import_course(
        result.course, actor=actor, via="browser", change_note=note, based_on=based_on
    )
    if not outcome.created:
        raise AuthoringRefused(
            f"The draft is the same as version {outcome.version.number}, which learners "
            "already see: there is nothing to publish. Discard the draft, or change something."
        )
    outcome.version.edited_at = draft.edited_at
    outcome.version.edited_by_id = draft.edited_by_id
    _delete(draft)
    return outcome


def discard(course: Course, read_from: int, actor, *, stamp_seen: int | None) -> None:
    draft = _claim(draft_of(course), read_from, stamp_seen)
    audit.record(
        "course.draft.discard",
        target_type="course",
        target_id=course.slug,
        actor=actor,
        before={"based_on": draft.based_on_id},
    )
    _delete(draft)


def _delete(draft: CourseVersion) -> None:
    # Children first, in one statement each (SQLite runs without ON DELETE CASCADE here).
    module_ids = select(Module.id).where(Module.version_id == draft.id)
    quiz_ids = select(Quiz.id).where(Quiz.version_id == draft.id)
    db.session.execute(delete(Question).where(Question.quiz_id.in_(quiz_ids)))
    db.session.execute(delete(Quiz).where(Quiz.version_id == draft.id))
    db.session.execute(delete(Lesson).where(Lesson.module_id.in_(module_ids)))
    db.session.execute(delete(Module).where(Module.version_id == draft.id))
    db.session.execute(delete(CourseAsset).where(CourseAsset.version_id == draft.id))
    db.session.execute(delete(CourseVersion).where(CourseVersion.id == draft.id))
    db.session.expunge(draft)


def _gone(what: str):
    raise EditConflict(
        f"This {what} is no longer in the draft: someone removed it, or the draft was "
        "published or discarded. Open the course again to see where it stands."
    )
