"""The learner's pages: catalogue, dashboard, course outline, lessons, quizzes, evaluation.

Every handler: load (or 404), check permission, validate, call a service,
commit once, then redirect (post/redirect/get) or render.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms import permissions
from lms.certificates import services as certificate_services
from lms.extensions import db, utcnow
from lms.learning import services
from lms.learning.models import QuizAttempt

bp = Blueprint("learning", __name__)

CALM = "You can come back to this at any time."


def _course(slug: str):
    """The course and its current version with content, or 404."""
    course = services.course_by_slug(slug)
    permissions.require(permissions.can_see_course(current_user, course))
    return course, services.version_with_content(course.current_version_id)


def _studying(slug: str):
    """Course, version, enrolment and progress of the signed-in learner, or 404."""
    course, version = _course(slug)
    enrollment = services.enrollment_for(current_user, course)
    permissions.require(permissions.can_study(current_user, enrollment))
    return course, version, enrollment, services.progress_for(enrollment, version)


def _module_and_lesson(version, module_slug: str, lesson_slug: str):
    for module in version.modules:
        if module.slug == module_slug:
            for lesson in module.lessons:
                if lesson.slug == lesson_slug:
                    return module, lesson
    abort(404)


def _quiz_key(quiz_slug: str) -> str:
    return quiz_slug if quiz_slug in ("pretest", "posttest") else f"module:{quiz_slug}"


def quiz_slug(quiz) -> str:
    """The quiz's part of its URL: the inverse of _quiz_key."""
    return quiz.key.removeprefix("module:")


def step_url(course_slug: str, step) -> str:
    if step is None:
        return url_for("learning.course", slug=course_slug)
    if step.kind == "lesson":
        return url_for(
            "learning.lesson", slug=course_slug, module=step.module_slug, lesson=step.lesson_slug
        )
    if step.kind == "evaluation":
        return url_for("learning.evaluation", slug=course_slug)
    quiz = step.module_slug if step.kind == "quiz" else step.kind
    return url_for("learning.quiz", slug=course_slug, quiz=quiz)


def _flash_completion(completed: bool) -> bool:
    if completed:
        flash("You have completed this course. Well done.", "success")
    return completed


def _complete_if_done(enrollment, progress) -> bool:
    # Also called when pages are opened: a new version may have removed the last
    # step a learner had left, and the course is then complete without one.
    return _flash_completion(services.complete_if_done(enrollment, progress, utcnow()))


@bp.app_context_processor
def _helpers():
    return {"step_url": step_url, "quiz_slug": quiz_slug, "likert": services.LIKERT}


# -- catalogue and dashboard ---------------------------------------------------------


@bp.get("/courses")
def catalog():
    return render_template("learning/catalog.html", courses=services.published_courses())


@bp.get("/dashboard")
@login_required
def dashboard():
    enrolled = services.enrollments_of(current_user)
    versions = services.versions_with_content({version_id for _, _, version_id in enrolled})
    progress = services.progress_for_many([(e, versions[v]) for e, _, v in enrolled])
    rows = [(enrollment, course, progress[enrollment.id]) for enrollment, course, _ in enrolled]
    newly_completed = [e for e, _, course_progress in rows if _complete_if_done(e, course_progress)]
    if newly_completed:
        db.session.commit()
    certificates = {
        c.enrollment_id: c for c in certificate_services.current_certificates_of(current_user)
    }
    return render_template(
        "learning/dashboard.html", rows=rows, certificates=certificates, today=utcnow().date()
    )


@bp.get("/courses/<slug:slug>")
def course(slug: str):
    course, version = _course(slug)
    enrollment = services.enrollment_for(current_user, course)
    progress = services.progress_for(enrollment, version)
    if enrollment is not None and _complete_if_done(enrollment, progress):
        db.session.commit()
    return render_template(
        "learning/course.html",
        course=course,
        version=version,
        enrollment=enrollment,
        progress=progress,
        may_enrol=permissions.can_enrol(current_user, course, version),
        today=utcnow().date(),
    )


@bp.post("/courses/<slug:slug>/enrol")
@login_required
def enrol(slug: str):
    course, version = _course(slug)
    permissions.require(permissions.can_enrol(current_user, course, version))
    services.enrol(current_user, course, now=utcnow())
    db.session.commit()
    flash(f"You are enrolled in {version.title}.", "success")
    return redirect(url_for("learning.course", slug=slug))


@bp.get("/courses/<slug:slug>/continue")
@login_required
def resume(slug: str):
    """The exact next step: the last lesson opened if unfinished, else the first open step."""
    course, version, enrollment, progress = _studying(slug)
    if _complete_if_done(enrollment, progress):
        db.session.commit()
    return redirect(step_url(slug, progress.resume_step()))


# -- lessons ------------------------------------------------------------------------------


@bp.get("/courses/<slug:slug>/lessons/<slug:module>/<slug:lesson>")
@login_required
def lesson(slug: str, module: str, lesson: str):
    course, version, enrollment, progress = _studying(slug)
    module_row, lesson_row = _module_and_lesson(version, module, lesson)
    if lesson_row.content_note and request.args.get("note") != "seen":
        return render_template(
            "learning/content_note.html", course=course, module=module_row, lesson=lesson_row
        )
    services.record_visit(enrollment, module, lesson, utcnow())
    previous, following = progress.around(module, lesson)
    # Rendered before the commit: a commit expires every loaded object, and the
    # template would then reload the version, its modules and lessons one by one
    # (a quarter of this page's time under load, docs/performance.md).
    page = render_template(
        "learning/lesson.html",
        course=course,
        version=version,
        module=module_row,
        lesson=lesson_row,
        progress=progress,
        previous=previous,
        following=following,
    )
    db.session.commit()
    return page


@bp.post("/courses/<slug:slug>/lessons/<slug:module>/<slug:lesson>/complete")
@login_required
def complete_lesson(slug: str, module: str, lesson: str):
    course, version, enrollment, progress = _studying(slug)
    _module_and_lesson(version, module, lesson)
    _flash_completion(services.complete_lesson(enrollment, progress, module, lesson, utcnow()))
    db.session.commit()
    return redirect(step_url(slug, progress.next_step))


# -- quizzes ------------------------------------------------------------------------------


@bp.get("/courses/<slug:slug>/quizzes/<slug:quiz>")
@login_required
def quiz(slug: str, quiz: str):
    course, version, enrollment, progress = _studying(slug)
    state = progress.quizzes.get(_quiz_key(quiz)) or abort(404)
    attempts = services.attempts_of(enrollment, state.quiz.key)
    return render_template(
        "learning/quiz.html",
        course=course,
        version=version,
        state=state,
        attempts=attempts,
        progress=progress,
    )


@bp.post("/courses/<slug:slug>/quizzes/<slug:quiz>/start")
@login_required
def start_quiz(slug: str, quiz: str):
    course, version, enrollment, progress = _studying(slug)
    state = progress.quizzes.get(_quiz_key(quiz)) or abort(404)
    try:
        attempt = services.start_attempt(
            enrollment, state.quiz, services.quiz_questions(state.quiz), state, utcnow()
        )
    except services.LearningError as error:
        flash(str(error), "error")
        return redirect(url_for("learning.quiz", slug=slug, quiz=quiz))
    db.session.commit()
    return redirect(url_for("learning.attempt", slug=slug, attempt_id=attempt.id))


@bp.route("/courses/<slug:slug>/attempts/<int(max=2147483647):attempt_id>", methods=["GET", "POST"])
@login_required
def attempt(slug: str, attempt_id: int):
    course, version, enrollment, progress = _studying(slug)
    attempt = db.session.get(QuizAttempt, attempt_id)
    permissions.require(permissions.can_see_attempt(current_user, enrollment, attempt))
    quiz = services.quiz_of_attempt(attempt) or abort(404)
    questions = {q.slug: q for q in services.quiz_questions(quiz)}
    status, error = 200, None
    if request.method == "POST":
        if attempt.submitted_at is not None:
            flash("This attempt was already submitted; here is its result.", "info")
            return redirect(url_for("learning.attempt", slug=slug, attempt_id=attempt.id))
        submit = request.form.get("action") == "submit"
        try:
            completed = services.answer_attempt(
                attempt,
                quiz,
                questions,
                request.form.to_dict(flat=False),
                submit=submit,
                enrollment=enrollment,
                version=version,
                now=utcnow(),
            )
        except services.LearningError as problem:
            db.session.rollback()
            if services.attempt_submitted(attempt.id):
                # Submitted a moment ago from another tab (or another server): its result.
                flash("This attempt was already submitted; here is its result.", "info")
                return redirect(url_for("learning.attempt", slug=slug, attempt_id=attempt.id))
            error, status = str(problem), 400
        else:
            if not submit:
                flash(f"Your answers are saved. {CALM}", "success")
            _flash_completion(completed)
            db.session.commit()
            return redirect(url_for("learning.attempt", slug=slug, attempt_id=attempt.id))
    template = "learning/attempt.html" if attempt.submitted_at is None else "learning/review.html"
    return (
        render_template(
            template,
            course=course,
            version=version,
            quiz=quiz,
            attempt=attempt,
            questions=questions,
            progress=progress,
            error=error,
        ),
        status,
    )


# -- evaluation ---------------------------------------------------------------------------


@bp.route("/courses/<slug:slug>/evaluation", methods=["GET", "POST"])
@login_required
def evaluation(slug: str):
    course, version, enrollment, progress = _studying(slug)
    if not version.evaluation:
        abort(404)
    answers, errors, status = {}, {}, 200
    if request.method == "POST" and not progress.evaluation_submitted:
        answers, errors = services.read_evaluation(version, request.form.to_dict(flat=False))
        if not errors:
            try:
                completed = services.evaluate(enrollment, progress, answers, utcnow())
            except services.LearningError as problem:
                flash(str(problem), "info")
                return redirect(url_for("learning.course", slug=slug))
            flash("Thank you: your evaluation is submitted.", "success")
            _flash_completion(completed)
            db.session.commit()
            return redirect(url_for("learning.course", slug=slug))
        status = 422
    return (
        render_template(
            "learning/evaluation.html",
            course=course,
            version=version,
            progress=progress,
            answers=answers,
            errors=errors,
        ),
        status,
    )
