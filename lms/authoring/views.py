"""Authoring pages: edit a course's draft, preview it as a learner sees it,
publish it as a new version, compare versions, download any version as a zip.

Every handler: load the course (or 404), check ``permissions.can_edit_course``
(404 otherwise), validate the form, call one function of lms/authoring/drafts.py,
commit once, then redirect, or render the form again with its messages and the
person's text kept (422; 409 for an edit conflict).
"""

from __future__ import annotations

import random
from types import SimpleNamespace

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from lms import permissions
from lms.accounts.models import User
from lms.authoring import compare as comparing
from lms.authoring import drafts
from lms.authoring.forms import (
    BODY_MAX,
    EVALUATION_MAX,
    INT_MAX,
    ConfirmForm,
    ImageForm,
    LessonForm,
    ModuleForm,
    MoveLessonForm,
    NewLessonForm,
    NewModuleForm,
    PublishForm,
    QuizForm,
    SettingsForm,
    TestForm,
)
from lms.catalog.loader import SLUG_RE
from lms.catalog.models import Course, CourseVersion
from lms.catalog.rendering import render_markdown
from lms.catalog.services import course_by_slug, module_folder, version_zip
from lms.choices import options
from lms.extensions import db, utcnow
from lms.learning import services as learning
from lms.refusals import show_on_form

bp = Blueprint("authoring", __name__, url_prefix="/author")

UNPROCESSABLE, CONFLICT = 422, 409
COURSE = "/courses/<slug:slug>"
MODULE = COURSE + "/modules/<slug:module>"
LESSON = MODULE + "/lessons/<slug:lesson>"
TESTS = ("pretest", "posttest")


def _course(slug: str) -> Course:
    course = course_by_slug(slug)
    permissions.require(permissions.can_edit_course(current_user, course))
    if course.current_version_id is None:
        abort(404)
    return course


def _working(course: Course) -> CourseVersion:
    return drafts.working_version(course)


def _quiz_key(quiz: str) -> str:
    return quiz if quiz in TESTS else f"module:{quiz}"


def _read(form) -> int:
    """The version an edit form was read from; 400 for a tampered form (a revision,
    where the form has one that is not used, must still be a number or empty)."""
    try:
        form.revision_read(new_allowed=True)
        return form.version_read()
    except (TypeError, ValueError):
        abort(400)


def _read_both(form, *, new_allowed: bool = False) -> tuple[int, int | None]:
    """The version and the revision an edit form was read from; 400 for a tampered form."""
    try:
        return form.version_read(), form.revision_read(new_allowed=new_allowed)
    except (TypeError, ValueError):
        abort(400)


def _refused(form, refusal: drafts.AuthoringRefused) -> int:
    db.session.rollback()
    show_on_form(form, refusal)
    return CONFLICT if isinstance(refusal, drafts.EditConflict) else UNPROCESSABLE


def _rebase(form, version: CourseVersion, row) -> None:
    """After an edit conflict, the form names what is there now: having seen it, the
    person may save again deliberately (their text, still in the form, wins)."""
    form.read_from.data = str(version.id)
    form.revision.data = str(row.revision) if row is not None else ""


def _saved(message: str) -> None:
    flash(f"{message} Learners see it once you publish the draft.", "success")


# -- index and overview ----------------------------------------------------------------------


@bp.get("")
@login_required
def index():
    permissions.require(permissions.can_author(current_user))
    published = learning.published_courses()
    allowed = {c.id for c in permissions.editable_courses(current_user, [c for c, _ in published])}
    editable = [(course, version) for course, version in published if course.id in allowed]
    open_drafts = drafts.drafts_of([course.id for course, _ in editable])
    courses = [(course, version, open_drafts.get(course.id)) for course, version in editable]
    return render_template("authoring/index.html", courses=courses)


def _overview(course: Course, publish_form: PublishForm | None = None, status: int = 200):
    version = _working(course)
    current = db.session.get(CourseVersion, course.current_version_id)
    draft = version if version.is_draft else None
    editor = db.session.get(User, version.edited_by_id) if draft and version.edited_by_id else None
    return render_template(
        "authoring/course.html",
        course=course,
        version=version,
        current=current,
        draft=draft,
        # The importer's verdict on the draft: what stops it being published.
        problems=drafts.check(draft).errors if draft else [],
        editor=editor,
        newer=draft is not None and draft.based_on_id != course.current_version_id,
        publish_form=publish_form or PublishForm(read_from=version.id, stamp=version.edit_stamp),
        module_form=NewModuleForm(read_from=version.id),
        confirm_form=ConfirmForm(read_from=version.id),
        module_folder=module_folder,
    ), status


@bp.get(COURSE)
@login_required
def course(slug: str):
    return _overview(_course(slug))


# -- course settings -------------------------------------------------------------------------


def _evaluation_rows(form: SettingsForm, existing: set[str]) -> list[dict]:
    """The evaluation as saved: kept rows in order, a new row when its question is
    written. An existing question is removed only by ticking "Remove" (learners'
    answers are kept under its identifier); clearing its text is refused."""
    items, seen = [], set()
    for number, row in enumerate(form.evaluation, start=1):
        data = row.form
        prompt = " ".join((data.prompt.data or "").split())
        item_id = (data.item_id.data or "").strip()
        if data.remove.data and item_id in existing:
            continue
        if not prompt:
            if item_id in existing:
                data.prompt.errors = [
                    *data.prompt.errors,
                    "Write the question, or tick “Remove this question”.",
                ]
                raise drafts.AuthoringRefused(f"Evaluation question “{item_id}” has no text.")
            continue  # the empty row for a new question
        if not item_id:
            item_id = drafts.slug_from(prompt)[:40].rstrip("-") or f"question-{number}"
            while item_id in seen or item_id in existing:
                item_id = f"{item_id[:36]}-{number}"
                number += 1
        if not SLUG_RE.match(item_id):
            data.item_id.errors = [
                *data.item_id.errors,
                "Use lower-case letters (a-z), digits and single hyphens.",
            ]
            raise drafts.AuthoringRefused("An evaluation question's identifier is not valid.")
        if item_id in seen:
            data.item_id.errors = [*data.item_id.errors, "Two questions use this identifier."]
            raise drafts.AuthoringRefused(f"Two evaluation questions use the id '{item_id}'.")
        seen.add(item_id)
        items.append(
            {
                "id": item_id,
                "kind": data.kind.data,
                "prompt": prompt,
                "required": bool(data.required.data),
            }
        )
    return items


def _settings_form(version: CourseVersion, formdata=None) -> SettingsForm:
    form = SettingsForm(
        formdata=formdata,
        read_from=version.id,
        revision=version.revision,
        title=version.title,
        summary=version.summary,
        audience=version.audience,
        credit_hours=version.credit_hours,
        estimated_minutes=version.estimated_minutes,
        pass_mark=version.pass_mark,
        self_enrollment=version.self_enrollment,
        objectives="\n".join(version.objectives),
        completion_rules=list(version.completion_rules),
        references_md=version.references_md,
        evaluation=[
            {
                "item_id": item["id"],
                "kind": item["kind"],
                "prompt": item["prompt"],
                "required": item.get("required", True),
            }
            for item in version.evaluation
        ],
    )
    if formdata is None and len(form.evaluation.entries) < EVALUATION_MAX:
        form.evaluation.append_entry({"kind": "likert", "required": True})
    return form


@bp.route(COURSE + "/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str):
    course = _course(slug)
    version = _working(course)
    form = _settings_form(version, request.form if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.validate():
            read_from, revision = _read_both(form)
            try:
                values = drafts.Settings(
                    title=" ".join(form.title.data.split()),
                    summary=form.summary.data.strip(),
                    audience=" ".join((form.audience.data or "").split()),
                    credit_hours=float(form.credit_hours.data),
                    estimated_minutes=form.estimated_minutes.data,
                    pass_mark=form.pass_mark.data,
                    self_enrollment=form.self_enrollment.data,
                    objectives=form.objective_list(),
                    completion_rules=list(form.completion_rules.data),
                    evaluation=_evaluation_rows(form, {item["id"] for item in version.evaluation}),
                    references_md=(form.references_md.data or "").replace("\r\n", "\n").strip(),
                )
                drafts.save_settings(course, read_from, revision, values, current_user, utcnow())
            except drafts.AuthoringRefused as refusal:
                status = _refused(form, refusal)
                if isinstance(refusal, drafts.EditConflict):
                    version = _working(course)
                    _rebase(form, version, version)
            else:
                db.session.commit()
                _saved("The course settings are saved in the draft.")
                return redirect(url_for("authoring.course", slug=slug))
        else:
            status = UNPROCESSABLE
    return render_template(
        "authoring/settings.html",
        course=course,
        version=version,
        form=form,
        existing_ids={item["id"] for item in version.evaluation},
    ), status


# -- modules ---------------------------------------------------------------------------------


@bp.post(COURSE + "/modules")
@login_required
def module_add(slug: str):
    course = _course(slug)
    form = NewModuleForm()
    if form.validate():
        read_from = _read(form)
        title = " ".join(form.title.data.split())
        try:
            module = drafts.add_module(
                course,
                read_from,
                title,
                form.slug.data,
                current_user,
                utcnow(),
            )
        except drafts.AuthoringRefused as refusal:
            status = _refused(form, refusal)
        else:
            db.session.commit()
            flash(f"Module “{module.title}” added to the draft. Add its first lesson.", "success")
            return redirect(url_for("authoring.module", slug=slug, module=module.slug))
    else:
        status = UNPROCESSABLE
    version = _working(course)
    return render_template(
        "authoring/module_new.html", course=course, version=version, form=form
    ), status


def _module_or_404(version: CourseVersion, module: str):
    return drafts.find_module(version, module) or abort(404)


def _gone(course, version, what: str, fields: dict[str, str]):
    """A save for something no longer in the draft (removed, or moved, by someone else):
    409, with what the person wrote shown so that nothing typed is lost."""
    db.session.rollback()
    return render_template(
        "authoring/gone.html",
        course=course,
        version=version,
        what=what,
        fields=[(label, request.form.get(name, "")) for name, label in fields.items()],
    ), CONFLICT


LESSON_FIELDS = {"title": "Title", "content_note": "Content note", "body": "Lesson text"}


@bp.route(MODULE, methods=["GET", "POST"])
@login_required
def module(slug: str, module: str):
    course = _course(slug)
    version = _working(course)
    row = drafts.find_module(version, module)
    if row is None and request.method == "POST":
        return _gone(
            course,
            version,
            "module",
            {"title": "Title", "summary": "Summary", "objectives": "Objectives"},
        )
    row = row or abort(404)
    form = ModuleForm(
        read_from=version.id,
        revision=row.revision,
        title=row.title,
        summary=row.summary,
        objectives="\n".join(row.objectives),
    )
    status = 200
    if request.method == "POST":
        if form.validate():
            read_from, revision = _read_both(form)
            try:
                drafts.save_module(
                    course,
                    read_from,
                    module,
                    revision,
                    title=" ".join(form.title.data.split()),
                    summary=(form.summary.data or "").strip(),
                    objectives=form.objective_list(),
                    actor=current_user,
                    now=utcnow(),
                )
            except drafts.AuthoringRefused as refusal:
                status = _refused(form, refusal)
                if isinstance(refusal, drafts.EditConflict):
                    version = _working(course)
                    _rebase(form, version, drafts.find_module(version, module))
            else:
                db.session.commit()
                _saved("The module is saved in the draft.")
                return redirect(url_for("authoring.module", slug=slug, module=module))
        else:
            status = UNPROCESSABLE
    quiz = drafts.find_quiz(version, f"module:{module}")
    return render_template(
        "authoring/module.html",
        course=course,
        version=version,
        module=row,
        quiz=quiz,
        form=form,
        confirm_form=ConfirmForm(read_from=version.id),
    ), status


@bp.post(MODULE + "/move")
@login_required
def module_move(slug: str, module: str):
    course = _course(slug)
    form = ConfirmForm()
    step = {"up": -1, "down": 1}.get(request.form.get("direction", "")) or abort(400)
    if not form.validate():
        abort(400)
    read_from = _read(form)
    try:
        drafts.move_module(course, read_from, module, step, current_user, utcnow())
    except drafts.AuthoringRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
    else:
        db.session.commit()
        flash("Module moved in the draft.", "success")
    return redirect(url_for("authoring.course", slug=slug, _anchor=f"module-{module}"))


def _stamp(form) -> int | None:
    """The draft's edit stamp when the page was shown (publish and discard)."""
    value = form.stamp.data or ""
    return int(value) if value.isdigit() and len(value) < 11 else None


def _confirmed(form) -> int | None:
    """The number of affected learners the confirmation page showed (None: not confirmed)."""
    value = form.confirmed.data or ""
    return int(value) if value.isdigit() and len(value) < 10 else None


def _confirm_page(
    course, version, title: str, message: str, action: str, form, status=200, learners=0
):
    return render_template(
        "authoring/confirm.html",
        course=course,
        version=version,
        title=title,
        message=message,
        action=action,
        form=form,
        learners=learners,
    ), status


def _remove(
    course, version, *, title: str, action: str, learners: int, note: str, remove, done: str
):
    """A removal: GET asks (saying how many learners it affects, ``note``); POST does it,
    asking again if learners gained a record meanwhile. ``remove(read_from, confirmed)``
    calls the drafts function."""
    form = ConfirmForm(read_from=version.id)
    if request.method == "GET":
        return _confirm_page(course, version, title, note, action, form, learners=learners)
    if not form.validate():
        abort(400)
    read_from = _read(form)
    try:
        remove(read_from, _confirmed(form))
    except drafts.NeedsConfirmation as refusal:
        db.session.rollback()
        return _confirm_page(
            course, version, title, refusal.message, action, form, learners=refusal.learners
        )
    except drafts.AuthoringRefused as refusal:
        status = _refused(form, refusal)
        return _confirm_page(course, version, title, "", action, form, status)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("authoring.course", slug=course.slug))


@bp.route(MODULE + "/remove", methods=["GET", "POST"])
@login_required
def module_remove(slug: str, module: str):
    course = _course(slug)
    version = _working(course)
    row = _module_or_404(version, module)
    count = drafts.learners_with_module(course, module) if request.method == "GET" else 0
    return _remove(
        course,
        version,
        title=f"Remove the module “{row.title}”",
        action=url_for("authoring.module_remove", slug=slug, module=module),
        learners=count,
        note=drafts.learners_note(count, drafts.MODULE_RECORDS) if count else "",
        remove=lambda read_from, confirmed: drafts.remove_module(
            course, read_from, module, confirmed=confirmed, actor=current_user, now=utcnow()
        ),
        done=f"Module “{row.title}” removed from the draft.",
    )


# -- lessons ---------------------------------------------------------------------------------


def text_problems(problems: list[tuple[int, str]]) -> list[str]:
    """The renderer's (line, message) pairs as the pages say them: line of the text."""
    return [f"line {line} of the text: {message}" for line, message in problems]


@bp.context_processor
def _helpers():
    return {"text_problems": text_problems}


def _lesson_text(form: LessonForm) -> drafts.LessonText:
    return drafts.LessonText(
        title=" ".join(form.title.data.split()),
        minutes=form.minutes.data,
        content_note=" ".join((form.content_note.data or "").split()),
        body_md=form.body.data.replace("\r\n", "\n").strip(),
    )


def _preview_of(course, version, module_row, body: str):
    """The body rendered as a learner will see it, and the renderer's problems."""
    if version.is_draft:
        return drafts.render_lesson_body(course, version, module_row, body)
    return render_markdown(body)


@bp.post(MODULE + "/preview-markdown")
@login_required
def markdown_preview(slug: str, module: str):
    """The live preview of the lesson editor (static/authoring.js): the text rendered as
    the lesson page will show it. Changes nothing; CSRF-checked like every POST."""
    course = _course(slug)
    version = _working(course)
    module_row = _module_or_404(version, module)
    body = request.form.get("body", "")
    if len(body) > BODY_MAX:
        return {"html": "", "problems": [f"The text is over {BODY_MAX:,} characters."]}
    rendered = _preview_of(course, version, module_row, body)
    return {
        "html": rendered.html,
        "problems": text_problems(rendered.problems),
    }


@bp.route(MODULE + "/lessons/new", methods=["GET", "POST"])
@login_required
def lesson_new(slug: str, module: str):
    course = _course(slug)
    version = _working(course)
    module_row = drafts.find_module(version, module)
    if module_row is None and request.method == "POST":
        return _gone(course, version, "module", LESSON_FIELDS)
    module_row = module_row or abort(404)
    form = NewLessonForm(read_from=version.id, minutes=10)
    status, rendered = 200, None
    if request.method == "POST":
        if form.validate():
            if request.form.get("action") == "show":
                rendered = _preview_of(course, version, module_row, form.body.data)
            else:
                read_from = _read(form)
                text = _lesson_text(form)
                try:
                    lesson = drafts.add_lesson(
                        course,
                        read_from,
                        module,
                        form.slug.data,
                        text,
                        current_user,
                        utcnow(),
                    )
                except drafts.AuthoringRefused as refusal:
                    status = _refused(form, refusal)
                else:
                    db.session.commit()
                    _saved(f"Lesson “{lesson.title}” added to the draft.")
                    return redirect(
                        url_for("authoring.lesson", slug=slug, module=module, lesson=lesson.slug)
                    )
        else:
            status = UNPROCESSABLE
    return render_template(
        "authoring/lesson.html",
        course=course,
        version=version,
        module=module_row,
        lesson=None,
        form=form,
        rendered=rendered,
    ), status


@bp.route(LESSON, methods=["GET", "POST"])
@login_required
def lesson(slug: str, module: str, lesson: str):
    course = _course(slug)
    version = _working(course)
    module_row = drafts.find_module(version, module)
    row = drafts.find_lesson(version, module, lesson)
    if row is None and request.method == "POST":
        return _gone(course, version, "lesson", LESSON_FIELDS)
    module_row, row = module_row or abort(404), row or abort(404)
    form = LessonForm(
        read_from=version.id,
        revision=row.revision,
        title=row.title,
        minutes=row.minutes,
        content_note=row.content_note,
        body=row.body_md,
    )
    status, rendered, theirs = 200, None, None
    if request.method == "POST":
        if form.validate():
            if request.form.get("action") == "show":
                rendered = _preview_of(course, version, module_row, form.body.data)
            else:
                read_from, revision = _read_both(form)
                try:
                    drafts.save_lesson(
                        course,
                        read_from,
                        module,
                        lesson,
                        revision,
                        _lesson_text(form),
                        current_user,
                        utcnow(),
                    )
                except drafts.AuthoringRefused as refusal:
                    status = _refused(form, refusal)
                    if isinstance(refusal, drafts.EditConflict):
                        version = _working(course)
                        theirs = drafts.find_lesson(version, module, lesson)
                        _rebase(form, version, theirs)
                else:
                    db.session.commit()
                    _saved("The lesson is saved in the draft.")
                    return redirect(
                        url_for("authoring.lesson", slug=slug, module=module, lesson=lesson)
                    )
        else:
            status = UNPROCESSABLE
    problems = []
    if version.is_draft and status == 200 and rendered is None:
        problems = drafts.render_lesson_body(course, version, module_row, row.body_md).problems
    move_form = MoveLessonForm(read_from=version.id)
    move_form.to_module.choices = options(
        (m.slug, m.title) for m in version.modules if m.slug != module
    )
    return render_template(
        "authoring/lesson.html",
        course=course,
        version=version,
        module=module_row,
        lesson=row,
        form=form,
        rendered=rendered,
        problems=text_problems(problems),
        theirs=theirs,
        move_form=move_form,
        confirm_form=ConfirmForm(read_from=version.id),
    ), status


@bp.post(LESSON + "/move")
@login_required
def lesson_move(slug: str, module: str, lesson: str):
    course = _course(slug)
    version = _working(course)
    form = MoveLessonForm()
    form.to_module.choices = options((m.slug, m.title) for m in version.modules)
    direction = request.form.get("direction")
    step = {"up": -1, "down": 1}.get(direction or "", 0)
    if not step and not form.validate():
        flash(" ".join(form.to_module.errors) or "Choose where to move the lesson.", "error")
        return redirect(url_for("authoring.lesson", slug=slug, module=module, lesson=lesson))
    read_from = _read(form)
    to_module = None if step else form.to_module.data
    try:
        moved = drafts.move_lesson(
            course,
            read_from,
            module,
            lesson,
            step=step,
            to_module=to_module,
            confirmed=_confirmed(form),
            actor=current_user,
            now=utcnow(),
        )
    except drafts.NeedsConfirmation as refusal:
        db.session.rollback()
        target = drafts.find_module(version, to_module)
        return render_template(
            "authoring/confirm.html",
            course=course,
            version=version,
            title=f"Move the lesson to “{target.title}”",
            message=refusal.message,
            action=url_for("authoring.lesson_move", slug=slug, module=module, lesson=lesson),
            form=form,
            extra={"to_module": to_module},
            learners=refusal.learners,
        )
    except drafts.AuthoringRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return redirect(url_for("authoring.course", slug=slug))
    db.session.commit()
    flash("Lesson moved in the draft.", "success")
    if step:
        return redirect(url_for("authoring.course", slug=slug, _anchor=f"module-{module}"))
    return redirect(
        url_for("authoring.lesson", slug=slug, module=moved.module.slug, lesson=moved.slug)
    )


@bp.route(LESSON + "/remove", methods=["GET", "POST"])
@login_required
def lesson_remove(slug: str, module: str, lesson: str):
    course = _course(slug)
    version = _working(course)
    row = drafts.find_lesson(version, module, lesson) or abort(404)
    count = drafts.learners_with_lesson(course, module, lesson) if request.method == "GET" else 0
    return _remove(
        course,
        version,
        title=f"Remove the lesson “{row.title}”",
        action=url_for("authoring.lesson_remove", slug=slug, module=module, lesson=lesson),
        learners=count,
        note=drafts.learners_note(count, "completed this lesson") if count else "",
        remove=lambda read_from, confirmed: drafts.remove_lesson(
            course,
            read_from,
            module,
            lesson,
            confirmed=confirmed,
            actor=current_user,
            now=utcnow(),
        ),
        done=f"Lesson “{row.title}” removed from the draft.",
    )


# -- quizzes ---------------------------------------------------------------------------------


@bp.route(COURSE + "/quizzes/<slug:quiz>", methods=["GET", "POST"])
@login_required
def quiz(slug: str, quiz: str):
    course = _course(slug)
    version = _working(course)
    key = _quiz_key(quiz)
    module_row = None
    if key not in TESTS:
        module_row = drafts.find_module(version, quiz)
        if module_row is None and request.method == "POST":
            return _gone(course, version, "module", {"title": "Title", "source": "Questions"})
        module_row = module_row or abort(404)
    row = drafts.find_quiz(version, key)
    form_class = TestForm if key in TESTS else QuizForm
    defaults = {"read_from": version.id, "revision": row.revision if row else ""}
    if row is not None:
        defaults["source"] = row.source
        if form_class is QuizForm:
            defaults.update(
                title=row.title,
                pass_mark=row.pass_mark,
                max_attempts=row.max_attempts,
                shuffle_questions=row.shuffle_questions,
                shuffle_answers=row.shuffle_answers,
                graded=row.graded,
            )
    elif form_class is QuizForm:
        defaults.update(
            title=drafts.DEFAULT_QUIZ_TITLE,
            pass_mark=version.pass_mark,
            max_attempts=0,
            shuffle_answers=True,
            graded=True,
        )
    form = form_class(**defaults)
    status = 200
    name = drafts.quiz_file_name(version, key)
    source = row.source if row is not None else ""
    if request.method == "POST":
        source = (form.source.data or "").replace("\r\n", "\n")
        if form.validate():
            read_from, revision = _read_both(form, new_allowed=True)
            settings = None
            if form_class is QuizForm:
                settings = drafts.QuizSettings(
                    title=" ".join(form.title.data.split()),
                    pass_mark=form.pass_mark.data,
                    max_attempts=form.max_attempts.data,
                    shuffle_questions=form.shuffle_questions.data,
                    shuffle_answers=form.shuffle_answers.data,
                    graded=form.graded.data,
                )
            try:
                _saved_quiz, problems = drafts.save_quiz(
                    course, read_from, key, revision, settings, source, current_user, utcnow()
                )
            except drafts.AuthoringRefused as refusal:
                status = _refused(form, refusal)
                if isinstance(refusal, drafts.EditConflict):
                    version = _working(course)
                    _rebase(form, version, drafts.find_quiz(version, key))
            else:
                db.session.commit()
                if problems:
                    count = len(problems)
                    flash(
                        f"Saved in the draft, with {count} problem{'s' if count != 1 else ''} "
                        "to fix before the course can be published: see below.",
                        "error",
                    )
                else:
                    _saved("The quiz is saved in the draft.")
                return redirect(url_for("authoring.quiz", slug=slug, quiz=quiz))
        else:
            status = UNPROCESSABLE
    problems = [
        f"{name}:{line}: {message}"
        for line, message in (drafts.quiz_problems(source, name) if source.strip() else [])
    ]
    return render_template(
        "authoring/quiz.html",
        course=course,
        version=version,
        module=module_row,
        quiz=row,
        key=key,
        quiz_slug=quiz,
        file_name=name,
        form=form,
        problems=problems,
        questions=drafts.questions_of(source, name) if source.strip() else [],
        confirm_form=ConfirmForm(read_from=version.id),
    ), status


@bp.route(COURSE + "/quizzes/<slug:quiz>/remove", methods=["GET", "POST"])
@login_required
def quiz_remove(slug: str, quiz: str):
    course = _course(slug)
    version = _working(course)
    key = _quiz_key(quiz)
    row = drafts.find_quiz(version, key) or abort(404)
    count = drafts.learners_with_quiz(course, key) if request.method == "GET" else 0
    return _remove(
        course,
        version,
        title=f"Remove the quiz “{row.title}”",
        action=url_for("authoring.quiz_remove", slug=slug, quiz=quiz),
        learners=count,
        note=drafts.learners_note(count, "attempted this quiz") if count else "",
        remove=lambda read_from, confirmed: drafts.remove_quiz(
            course, read_from, key, confirmed=confirmed, actor=current_user, now=utcnow()
        ),
        done=f"Quiz “{row.title}” removed from the draft.",
    )


# -- images ----------------------------------------------------------------------------------


@bp.route(COURSE + "/images", methods=["GET", "POST"])
@login_required
def images(slug: str):
    course = _course(slug)
    version = _working(course)
    form = ImageForm(read_from=version.id)
    status = 200
    if request.method == "POST":
        if form.validate():
            read_from = _read(form)
            upload = form.image.data
            if upload is None or not getattr(upload, "filename", ""):
                form.image.errors = ["Choose an image file to upload."]
                status = UNPROCESSABLE
            else:
                data = upload.read(drafts.IMAGE_MAX_BYTES + 1)
                try:
                    path = drafts.add_image(
                        course, read_from, upload.filename, data, current_user, utcnow()
                    )
                except drafts.AuthoringRefused as refusal:
                    status = _refused(form, refusal)
                else:
                    db.session.commit()
                    flash(
                        f"Image saved in the draft as {path}. In a lesson, write "
                        f"![a description of the picture](../{path}).",
                        "success",
                    )
                    return redirect(url_for("authoring.images", slug=slug))
        else:
            status = UNPROCESSABLE
    return render_template(
        "authoring/images.html",
        course=course,
        version=version,
        form=form,
        confirm_form=ConfirmForm(read_from=version.id),
        using={a.path: drafts.lessons_using(version, a.path) for a in version.assets},
    ), status


@bp.post(COURSE + "/images/remove")
@login_required
def image_remove(slug: str):
    course = _course(slug)
    form = ConfirmForm()
    if not form.validate():
        abort(400)
    read_from = _read(form)
    path = request.form.get("path", "")
    try:
        drafts.remove_image(course, read_from, path, current_user, utcnow())
    except drafts.AuthoringRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
    else:
        db.session.commit()
        flash(f"Image {path} removed from the draft.", "success")
    return redirect(url_for("authoring.images", slug=slug))


@bp.get(COURSE + "/draft/media/<path:path>")
@login_required
def draft_media(slug: str, path: str):
    course = _course(slug)
    if "\x00" in path or len(path) > 300:
        abort(404)
    found = drafts.draft_image(course, path) or abort(404)
    media_type, data = found
    response = Response(data, mimetype=media_type)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- preview ---------------------------------------------------------------------------------


def _preview_step_url(course_slug: str, step) -> str:
    """learning.views.step_url's twin: the same steps, in the preview."""
    if step is None or step.kind == "evaluation":
        return url_for("authoring.course", slug=course_slug)
    if step.kind == "lesson":
        return url_for(
            "authoring.preview_lesson",
            slug=course_slug,
            module=step.module_slug,
            lesson=step.lesson_slug,
        )
    quiz = step.module_slug if step.kind == "quiz" else step.kind
    return url_for("authoring.preview_quiz", slug=course_slug, quiz=quiz)


def _nobody(version: CourseVersion):
    """The progress of a learner who has done nothing: what a preview shows."""
    return learning.progress_for(None, version)


@bp.get(COURSE + "/preview/lessons/<slug:module>/<slug:lesson>")
@login_required
def preview_lesson(slug: str, module: str, lesson: str):
    course = _course(slug)
    version = _working(course)
    module_row = _module_or_404(version, module)
    row = drafts.find_lesson(version, module, lesson) or abort(404)
    if row.content_note and request.args.get("note") != "seen":
        return render_template(
            "learning/content_note.html",
            course=course,
            module=module_row,
            lesson=row,
            preview=version,
            continue_url=url_for(
                "authoring.preview_lesson", slug=slug, module=module, lesson=lesson, note="seen"
            ),
        )
    progress = _nobody(version)
    previous, following = progress.around(module, lesson)
    return render_template(
        "learning/lesson.html",
        course=course,
        version=version,
        module=module_row,
        lesson=row,
        progress=progress,
        previous=previous,
        following=following,
        preview=version,
        step_link=_preview_step_url,
    )


@bp.route(COURSE + "/preview/quizzes/<slug:quiz>", methods=["GET", "POST"])
@login_required
def preview_quiz(slug: str, quiz: str):
    """The quiz as a learner takes it; answers are graded in memory and never stored."""
    course = _course(slug)
    version = _working(course)
    row = drafts.find_quiz(version, _quiz_key(quiz)) or abort(404)
    questions = {q.slug: q for q in row.questions}
    try:
        seed = int(request.values.get("seed", ""))
    except ValueError:
        seed = random.SystemRandom().randrange(1, 2**31)
    order, answer_orders = learning.attempt_layout(row, list(row.questions), random.Random(seed))
    attempt = SimpleNamespace(
        id=None,
        number=1,
        question_order=order,
        answer_orders=answer_orders,
        responses={},
        results=None,
        score=None,
        passed=None,
        submitted_at=None,
    )
    context = {
        "course": course,
        "version": version,
        "quiz": row,
        "attempt": attempt,
        "questions": questions,
        "progress": _nobody(version),
        "preview": version,
        "form_action": url_for("authoring.preview_quiz", slug=slug, quiz=quiz, seed=seed),
        "error": None,
    }
    if not questions:
        flash("This quiz has no questions that can be shown: fix its problems first.", "error")
        return redirect(url_for("authoring.quiz", slug=slug, quiz=quiz))
    if request.method == "POST":
        form = request.form.to_dict(flat=False)
        try:
            attempt.responses = learning.read_responses(attempt, questions, form)
        except learning.LearningError as problem:
            context["error"] = str(problem)
            return render_template("learning/attempt.html", **context), 400
        if request.form.get("action") == "submit":
            attempt.results, attempt.score, attempt.passed = learning.grade(
                row, questions, order, attempt.responses
            )
            attempt.submitted_at = utcnow()
            return render_template("learning/review.html", **context)
        flash("A preview saves nothing; for learners, “Save answers” keeps their answers.", "info")
    return render_template("learning/attempt.html", **context)


# -- publish, discard, history, compare, download --------------------------------------------


@bp.post(COURSE + "/publish")
@login_required
def publish(slug: str):
    course = _course(slug)
    form = PublishForm()
    if form.validate():
        read_from = _read(form)
        try:
            outcome = drafts.publish(
                course,
                read_from,
                form.note.data,
                stamp_seen=_stamp(form),
                replace_newer=form.replace_newer.data,
                actor=current_user,
            )
        except drafts.AuthoringRefused as refusal:
            status = _refused(form, refusal)
        else:
            db.session.commit()
            flash(
                f"Published as version {outcome.version.number}. Learners see it now; their "
                "progress is kept.",
                "success",
            )
            return redirect(url_for("authoring.history", slug=slug))
    else:
        status = UNPROCESSABLE
    return _overview(course, form, status)


@bp.route(COURSE + "/discard", methods=["GET", "POST"])
@login_required
def discard(slug: str):
    course = _course(slug)
    version = _working(course)
    if not version.is_draft:
        flash("There is no draft to discard.", "info")
        return redirect(url_for("authoring.course", slug=slug))
    form = ConfirmForm(read_from=version.id, stamp=version.edit_stamp)
    action = url_for("authoring.discard", slug=slug)
    title = "Discard the draft"
    message = (
        "Every change made in the draft since it was started is lost. Learners keep "
        "seeing the published version."
    )
    if request.method == "GET":
        return _confirm_page(course, version, title, message, action, form)
    if not form.validate():
        abort(400)
    read_from = _read(form)
    try:
        drafts.discard(course, read_from, current_user, stamp_seen=_stamp(form))
    except drafts.AuthoringRefused as refusal:
        status = _refused(form, refusal)
        return _confirm_page(course, version, title, message, action, form, status)
    db.session.commit()
    flash("The draft was discarded.", "success")
    return redirect(url_for("authoring.course", slug=slug))


@bp.get(COURSE + "/versions")
@login_required
def history(slug: str):
    course = _course(slug)
    versions = list(
        db.session.execute(
            select(CourseVersion, User)
            .outerjoin(User, User.id == CourseVersion.created_by_id)
            .where(CourseVersion.course_id == course.id)
            .order_by(CourseVersion.number.desc())
        ).all()
    )
    versions.sort(key=lambda row: (not row[0].is_draft, -row[0].number))  # the draft first
    return render_template(
        "authoring/history.html", course=course, versions=versions, form=_compare_form(versions)
    )


def _compare_form(versions):
    from lms.authoring.forms import CompareForm

    form = CompareForm(request.args)
    choices = options(
        (str(v.number), "the draft" if v.is_draft else f"version {v.number}") for v, _ in versions
    )
    form.older.choices = choices
    form.newer.choices = choices
    return form


@bp.get(COURSE + "/compare")
@login_required
def compare(slug: str):
    course = _course(slug)
    try:
        older, newer = int(request.args["older"]), int(request.args["newer"])
    except (KeyError, ValueError):
        abort(404)
    if not (0 <= older <= INT_MAX and 0 <= newer <= INT_MAX):
        abort(404)  # no such version, and too large for the database to be asked
    old = drafts.version_by_number(course, older) or abort(404)
    new = drafts.version_by_number(course, newer) or abort(404)
    return render_template(
        "authoring/compare.html",
        course=course,
        old=old,
        new=new,
        comparison=comparing.compare(old, new),
    )


@bp.get(COURSE + "/versions/<int(max=2147483647):number>.zip")
@login_required
def download(slug: str, number: int):
    course = _course(slug)
    version = drafts.version_by_number(course, number) or abort(404)
    name = f"{course.slug}-draft.zip" if version.is_draft else f"{course.slug}-v{number}.zip"
    return Response(
        version_zip(version),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
