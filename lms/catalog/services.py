"""Course versions in and out of the database: import, list, export.

Functions add rows to the session; the caller commits once. The loader has
already refused any course with a problem, so an import never half-happens.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

import tomli_w
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from lms import audit
from lms.catalog import gift
from lms.catalog.loader import COMPLETION_RULES, CourseSpec, QuizSpec
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
from lms.catalog.rendering import render_question_text
from lms.extensions import db

# The loader writes image sources as "asset:<path in the course folder>".
_ASSET_REF = re.compile(r'src="asset:([^"]+)"')


def asset_url(course_slug: str, version_number: int, path: str) -> str:
    """Where an image of a course version is served (lms/catalog/views.py)."""
    return f"/media/{quote(course_slug)}/{version_number}/{quote(path)}"


@dataclass
class ImportOutcome:
    course: Course
    version: CourseVersion
    created: bool  # False: this content already was the latest version


def latest_version(course: Course) -> CourseVersion | None:
    """The highest-numbered published version (never the draft)."""
    return db.session.execute(
        select(CourseVersion)
        .where(CourseVersion.course_id == course.id, CourseVersion.number > DRAFT_NUMBER)
        .order_by(CourseVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()


def import_course(
    spec: CourseSpec, *, actor=None, via: str = "cli", change_note: str = "", based_on=None
) -> ImportOutcome:
    """Make ``spec`` the course's current version, unless it is the latest already.

    ``via`` "browser" is a publication from a draft (lms/authoring), ``based_on``
    the version that draft was started from."""
    content_hash = spec.content_hash()
    course = db.session.execute(select(Course).where(Course.slug == spec.slug)).scalar_one_or_none()
    if course is None:
        course = Course(slug=spec.slug)
        db.session.add(course)
        db.session.flush()
    latest = latest_version(course)
    if latest is not None and latest.content_hash == content_hash:
        return ImportOutcome(course, latest, created=False)
    number = latest.number + 1 if latest else 1
    version = _new_version(spec, course, number, content_hash, actor)
    version.source = "browser" if via == "browser" else "import"
    version.change_note = change_note
    version.based_on_id = based_on.id if based_on is not None else None
    db.session.flush()
    course.current_version_id = version.id
    audit.record(
        "course.publish" if via == "browser" else "course.import",
        target_type="course",
        target_id=course.slug,
        actor=actor,
        via=via,
        before={"version": latest.number} if latest else None,
        after={"version": number, "content_hash": content_hash}
        | ({"change_note": change_note} if change_note else {}),
    )
    return ImportOutcome(course, version, created=True)


def _new_version(spec: CourseSpec, course: Course, number: int, content_hash: str, actor):
    def served(html: str) -> str:
        return _ASSET_REF.sub(lambda m: f'src="{asset_url(spec.slug, number, m.group(1))}"', html)

    version = CourseVersion(
        course_id=course.id,
        number=number,
        content_hash=content_hash,
        created_by_id=actor.id if actor is not None else None,
        title=spec.title,
        summary=spec.summary,
        audience=spec.audience,
        credit_hours=spec.credit_hours,
        estimated_minutes=spec.estimated_minutes,
        pass_mark=spec.pass_mark,
        self_enrollment=spec.self_enrollment,
        objectives=spec.objectives,
        completion_rules=spec.completion,
        evaluation=[asdict(item) for item in spec.evaluation],
        references_md=spec.references_md,
        references_html=served(spec.references_html),
    )
    db.session.add(version)
    for m in spec.modules:
        module = Module(
            slug=m.slug,
            position=m.position,
            title=m.title,
            summary=m.summary,
            objectives=m.objectives,
            lessons=[
                Lesson(
                    slug=lesson.slug,
                    position=lesson.position,
                    title=lesson.title,
                    minutes=lesson.minutes,
                    content_note=lesson.content_note,
                    body_md=lesson.body_md,
                    body_html=served(lesson.body_html),
                )
                for lesson in m.lessons
            ],
        )
        version.modules.append(module)
        if m.quiz is not None:
            version.quizzes.append(_new_quiz(m.quiz, module))
    for test in (spec.pretest, spec.posttest):
        if test is not None:
            version.quizzes.append(_new_quiz(test, None))
    stored = set(
        db.session.execute(
            select(AssetBlob.sha256).where(
                AssetBlob.sha256.in_([a.sha256 for a in spec.assets.values()])
            )
        ).scalars()
    )
    for asset in spec.assets.values():
        if asset.sha256 not in stored:
            db.session.add(AssetBlob(sha256=asset.sha256, data=asset.data))
            stored.add(asset.sha256)
        version.assets.append(
            CourseAsset(path=asset.path, media_type=asset.media_type, sha256=asset.sha256)
        )
    return version


def _new_quiz(spec: QuizSpec, module: Module | None) -> Quiz:
    return Quiz(
        key=spec.key,
        kind=spec.kind,
        module=module,
        title=spec.title,
        pass_mark=spec.pass_mark,
        max_attempts=spec.max_attempts,
        shuffle_questions=spec.shuffle_questions,
        shuffle_answers=spec.shuffle_answers,
        graded=spec.graded,
        source=spec.source,
        questions=[
            Question(
                slug=q.id,
                position=n,
                type=q.type,
                data=question_data(q),
                source=gift.write([q]),
            )
            for n, q in enumerate(spec.questions, start=1)
        ],
    )


def question_data(question) -> dict:
    """The question as JSON, with every text also rendered to HTML for the pages."""
    data = gift.to_json(question)
    data["stem_html"] = render_question_text(question.stem, question.stem_format)
    if data.get("general_feedback"):
        data["general_feedback_html"] = render_question_text(
            question.general_feedback, getattr(question, "general_feedback_format", "moodle")
        )
    return data


# -- reading -------------------------------------------------------------------------------


def all_courses() -> list[Course]:
    """Every course with its versions (two queries, however many courses)."""
    return list(
        db.session.execute(
            select(Course).order_by(Course.slug).options(selectinload(Course.versions))
        ).scalars()
    )


_COURSE_BY_SLUG = select(Course).where(Course.slug == bindparam("slug"))  # built once: every page


def course_by_slug(slug: str) -> Course | None:
    return db.session.execute(_COURSE_BY_SLUG, {"slug": slug}).scalar_one_or_none()


def catalog_is_empty() -> bool:
    return db.session.execute(select(Course.id).limit(1)).first() is None


# -- export ---------------------------------------------------------------------------------


def version_files(version: CourseVersion) -> list[tuple[str, str | bytes]]:
    """``version`` as the files of a course folder (docs/course-format.md): each
    (path inside the folder, text or bytes), in a stable order."""
    files: list[tuple[str, str | bytes]] = []

    def write(rel: str, data: str | bytes) -> None:
        files.append((rel, data))

    course_toml = {
        "slug": version.course.slug,
        "title": version.title,
        "summary": version.summary,
        "audience": version.audience,
        "credit_hours": version.credit_hours,
        "estimated_minutes": version.estimated_minutes,
        "pass_mark": version.pass_mark,
        "self_enrollment": version.self_enrollment,
        "objectives": version.objectives,
        "completion": [r for r in COMPLETION_RULES if r in version.completion_rules],
    }
    if version.evaluation:
        course_toml["evaluation"] = [
            {k: item[k] for k in ("id", "kind", "prompt", "required")}
            for item in version.evaluation
        ]
    write("course.toml", tomli_w.dumps(course_toml))
    if version.references_md:
        write("references.md", version.references_md)
    quizzes = {quiz.key: quiz for quiz in version.quizzes}
    for test in ("pretest", "posttest"):
        if test in quizzes:
            write(f"{test}.gift", quizzes[test].source)
    for module in version.modules:
        folder_name = module_folder(version, module)
        module_toml: dict = {"title": module.title}
        if module.summary:
            module_toml["summary"] = module.summary
        module_toml["objectives"] = module.objectives
        quiz = quizzes.get(f"module:{module.slug}")
        if quiz is not None:
            module_toml["quiz"] = {
                "title": quiz.title,
                "pass_mark": quiz.pass_mark,
                "max_attempts": quiz.max_attempts,
                "shuffle_questions": quiz.shuffle_questions,
                "shuffle_answers": quiz.shuffle_answers,
                "graded": quiz.graded,
            }
            write(f"{folder_name}/quiz.gift", quiz.source)
        write(f"{folder_name}/module.toml", tomli_w.dumps(module_toml))
        lesson_width = max(2, len(str(max((x.position for x in module.lessons), default=1))))
        for lesson in module.lessons:
            front = {"title": lesson.title, "minutes": lesson.minutes}
            if lesson.content_note:
                front["content_note"] = lesson.content_note
            text = f"+++\n{tomli_w.dumps(front)}+++\n\n{lesson.body_md}\n"
            write(f"{folder_name}/{lesson.position:0{lesson_width}d}-{lesson.slug}.md", text)
    blobs = dict(
        db.session.execute(
            select(AssetBlob.sha256, AssetBlob.data).where(
                AssetBlob.sha256.in_({asset.sha256 for asset in version.assets})
            )
        ).all()
    )
    for asset in sorted(version.assets, key=lambda a: a.path):
        write(asset.path, blobs[asset.sha256])
    return files


def module_folder(version: CourseVersion, module: Module) -> str:
    """The folder name of ``module`` in the course folder: its number and slug."""
    width = max(2, len(str(max((m.position for m in version.modules), default=1))))
    return f"{module.position:0{width}d}-{module.slug}"


def export_version(version: CourseVersion, folder: Path) -> list[Path]:
    """Write ``version`` as a course folder inside ``folder``; returns the files written."""
    root = folder / version.course.slug
    written: list[Path] = []
    for rel, data in version_files(version):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        written.append(path)
    return written


# A fixed time for every zip entry: the same version gives the same bytes.
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def version_zip(version: CourseVersion) -> bytes:
    """``version`` as a zip of its course folder (the folder named by the slug)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, data in version_files(version):
            info = zipfile.ZipInfo(f"{version.course.slug}/{rel}", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data.encode("utf-8") if isinstance(data, str) else data)
    return out.getvalue()
