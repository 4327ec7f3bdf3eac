"""Cohort pages for administrators: cohorts, their courses and due dates, members,
CSV uploads with a preview before anything changes, and the mail queue.

Every handler: load (or 404), check permission, validate, call one service,
commit once, then redirect (post/redirect/get) or render.
"""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from lms import mail, permissions
from lms.accounts import invitations
from lms.accounts import services as account_services
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.choices import options
from lms.cohorts import roster, services
from lms.cohorts.forms import CohortForm, CourseForm, DueDateForm, MemberForm, UploadForm
from lms.cohorts.models import Cohort, RosterUpload
from lms.extensions import db, utcnow
from lms.refusals import show_on_form

bp = Blueprint("cohorts", __name__, url_prefix="/admin")

UNPROCESSABLE = 422
PREVIEW_PAGE_SIZE = 200
UPLOAD_KEPT_DAYS = 7


def _allowed() -> None:
    permissions.require(permissions.can_manage_cohorts(current_user))


def _cohort(cohort_id: int) -> Cohort:
    _allowed()
    return services.cohort_by_id(cohort_id) or abort(404)


def _page() -> int:
    return min(max(1, request.args.get("page", 1, type=int) or 1), 1_000_000)


def _flash_with_mail(message: str, batch: str, queued: int) -> None:
    """Send what this request queued, then say what happened and what became of the mail."""
    flash(*mail.send_and_describe(message, batch, queued))


# -- cohorts -------------------------------------------------------------------


@bp.get("/cohorts")
@login_required
def cohort_list():
    _allowed()
    return render_template("cohorts/list.html", cohorts=services.all_cohorts())


def _cohort_form_page(cohort: Cohort | None):
    """Create a cohort (``cohort`` None) or edit one: the same form and rules."""
    form = CohortForm(obj=cohort)
    if form.validate_on_submit():
        fields = {
            "name": form.name.data,
            "description": form.description.data,
            "opens_on": form.opens_on.data,
            "closes_on": form.closes_on.data,
        }
        try:
            if cohort is None:
                cohort = services.create_cohort(**fields, actor=current_user, via="web")
                message = f"Cohort “{cohort.name}” created. Now give it courses and members."
            else:
                services.update_cohort(cohort, **fields, actor=current_user, via="web")
                message = "The cohort is saved."
        except services.CohortError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))
    status = UNPROCESSABLE if form.errors or form.form_errors else 200
    return render_template("cohorts/edit.html", form=form, cohort=cohort), status


@bp.route("/cohorts/new", methods=["GET", "POST"])
@login_required
def new_cohort():
    _allowed()
    return _cohort_form_page(None)


@bp.route("/cohorts/<id:cohort_id>/edit", methods=["GET", "POST"])
@login_required
def edit_cohort(cohort_id: int):
    return _cohort_form_page(_cohort(cohort_id))


def _course_choices(cohort: Cohort):
    return options((str(course.id), title) for course, title in services.addable_courses(cohort))


def _cohort_page(
    cohort: Cohort, *, course_form=None, member_form=None, upload_form=None, status=200
):
    course_form = course_form or CourseForm(formdata=None)
    course_form.course.choices = _course_choices(cohort)
    return (
        render_template(
            "cohorts/cohort.html",
            cohort=cohort,
            courses=services.courses_of(cohort),
            members=services.members_page(cohort, _page()),
            course_form=course_form,
            due_form=DueDateForm(formdata=None),
            member_form=member_form or MemberForm(formdata=None),
            upload_form=upload_form or UploadForm(formdata=None),
            window_problem=services.window_problem(cohort, utcnow()),
            status_of=account_services.status_of,
            mail_waiting=mail.pending_count(),
            mail_failed=mail.failed_count(),
        ),
        status,
    )


@bp.get("/cohorts/<id:cohort_id>")
@login_required
def cohort_page(cohort_id: int):
    return _cohort_page(_cohort(cohort_id))


@bp.post("/cohorts/<id:cohort_id>/courses")
@login_required
def add_course(cohort_id: int):
    cohort = _cohort(cohort_id)
    form = CourseForm()
    form.course.choices = _course_choices(cohort)
    if form.validate_on_submit():
        course = db.session.get(Course, int(form.course.data))
        try:
            services.set_course(
                cohort, course, form.due_on.data, actor=current_user, via="web", now=utcnow()
            )
        except services.CohortError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash("Course added; every member is enrolled in it.", "success")
            return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))
    return _cohort_page(cohort, course_form=form, status=UNPROCESSABLE)


def _cohort_course(cohort: Cohort, course_id: int) -> Course:
    for row in services.courses_of(cohort):
        if row.course.id == course_id:
            return row.course
    abort(404)


@bp.post("/cohorts/<id:cohort_id>/courses/<id:course_id>/due")
@login_required
def set_due_date(cohort_id: int, course_id: int):
    cohort = _cohort(cohort_id)
    course = _cohort_course(cohort, course_id)
    form = DueDateForm()
    if not form.validate_on_submit():
        flash("The due date was not changed: enter a day such as 2027-06-30.", "error")
        return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))
    try:
        services.set_course(
            cohort, course, form.due_on.data, actor=current_user, via="web", now=utcnow()
        )
    except services.CohortError as error:
        db.session.rollback()
        flash(f"The due date was not changed. {error.message}", "error")
        return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))
    db.session.commit()
    flash("Due date saved; members see it on their dashboard.", "success")
    return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))


@bp.post("/cohorts/<id:cohort_id>/courses/<id:course_id>/remove")
@login_required
def remove_course(cohort_id: int, course_id: int):
    cohort = _cohort(cohort_id)
    course = _cohort_course(cohort, course_id)
    services.remove_course(cohort, course, actor=current_user, via="web")
    db.session.commit()
    flash("Course removed from the cohort. Members keep their enrolment and progress.", "success")
    return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))


# -- members -------------------------------------------------------------------


@bp.post("/cohorts/<id:cohort_id>/members")
@login_required
def add_member(cohort_id: int):
    cohort = _cohort(cohort_id)
    form = MemberForm()
    if form.validate_on_submit():
        batch = mail.new_batch()
        try:
            row = roster.add_person(
                cohort,
                email=form.email.data,
                full_name=form.full_name.data or "",
                profession=form.profession.data or "",
                actor=current_user,
                via="web",
                now=utcnow(),
                batch=batch,
            )
        except services.CohortError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            told = "an invitation" if row.outcome == roster.NEW else "a message saying so"
            _flash_with_mail(
                f"{row.email} is now a member and enrolled; {told} is queued.", batch, 1
            )
            return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))
    return _cohort_page(cohort, member_form=form, status=UNPROCESSABLE)


def _member(cohort: Cohort, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not services.is_member(cohort, user):
        abort(404)
    return user


@bp.post("/cohorts/<id:cohort_id>/members/<id:user_id>/remove")
@login_required
def remove_member(cohort_id: int, user_id: int):
    cohort = _cohort(cohort_id)
    user = _member(cohort, user_id)
    services.remove_member(cohort, user, actor=current_user, via="web")
    db.session.commit()
    flash(
        f"{user.full_name} is no longer a member. Their progress and certificates are kept.",
        "success",
    )
    return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))


@bp.post("/cohorts/<id:cohort_id>/members/<id:user_id>/invite")
@login_required
def resend_invitation(cohort_id: int, user_id: int):
    cohort = _cohort(cohort_id)
    user = _member(cohort, user_id)
    batch = mail.new_batch()
    try:
        invitations.resend(user, actor=current_user, via="web", now=utcnow(), batch=batch)
    except invitations.InvitationError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        _flash_with_mail(f"A new invitation to {user.email} is queued.", batch, 1)
    return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))


# -- CSV files -----------------------------------------------------------------


@bp.post("/cohorts/<id:cohort_id>/roster")
@login_required
def upload_roster(cohort_id: int):
    cohort = _cohort(cohort_id)
    form = UploadForm()
    if form.validate_on_submit():
        limit = current_app.config["ROSTER_MAX_BYTES"]
        data = form.roster.data.read(limit + 1)
        try:
            roster.plan(cohort, data)  # a file that cannot be read is refused now
        except roster.RosterError as error:
            form.roster.errors = [*form.roster.errors, error.message]
        else:
            now = utcnow()
            services.delete_roster_uploads_before(now - timedelta(days=UPLOAD_KEPT_DAYS))
            upload = RosterUpload(
                cohort_id=cohort.id,
                uploaded_by_id=current_user.id,
                uploaded_at=now,
                filename=(form.roster.data.filename or "")[:255],
                data=data,
            )
            db.session.add(upload)
            db.session.commit()
            return redirect(
                url_for("cohorts.roster_preview", cohort_id=cohort.id, upload_id=upload.id)
            )
    return _cohort_page(cohort, upload_form=form, status=UNPROCESSABLE)


def _upload(cohort: Cohort, upload_id: int) -> RosterUpload:
    upload = db.session.get(RosterUpload, upload_id)
    if upload is None or upload.cohort_id != cohort.id:
        abort(404)
    return upload


@bp.get("/cohorts/<id:cohort_id>/roster/<id:upload_id>")
@login_required
def roster_preview(cohort_id: int, upload_id: int):
    cohort = _cohort(cohort_id)
    upload = _upload(cohort, upload_id)
    if upload.applied_at is not None:
        return render_template("cohorts/preview.html", cohort=cohort, upload=upload, plan=None)
    try:
        plan = roster.plan(cohort, upload.data)
    except roster.RosterError as error:  # the limits changed since the upload
        flash(f"This file can no longer be read: {error.message}", "error")
        return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))
    page = _page()
    start = (page - 1) * PREVIEW_PAGE_SIZE
    return render_template(
        "cohorts/preview.html",
        cohort=cohort,
        upload=upload,
        plan=plan,
        counts=plan.counts,
        errors=plan.errors,
        rows=plan.rows[start : start + PREVIEW_PAGE_SIZE],
        page=page,
        pages=max(1, -(-len(plan.rows) // PREVIEW_PAGE_SIZE)),
        window_problem=services.window_problem(cohort, utcnow()),
        courses=services.courses_of(cohort),
    )


@bp.post("/cohorts/<id:cohort_id>/roster/<id:upload_id>/apply")
@login_required
def apply_roster(cohort_id: int, upload_id: int):
    cohort = _cohort(cohort_id)
    upload = _upload(cohort, upload_id)
    preview = url_for("cohorts.roster_preview", cohort_id=cohort.id, upload_id=upload.id)
    if upload.applied_at is not None:
        flash("Nothing was applied. This file has already been applied.", "error")
        return redirect(preview)
    now, batch = utcnow(), mail.new_batch()
    try:
        plan = roster.plan(cohort, upload.data)
        if request.form.get("digest") != plan.digest():
            raise services.CohortError(
                "Something changed since this preview (accounts, members or the cohort's "
                "courses). Check the new preview below and apply again."
            )
        # Claimed first, in the same transaction: a second click, or a second
        # administrator, finds it applied and changes nothing.
        services.claim_upload(upload, now)
        result = roster.apply(cohort, plan, actor=current_user, via="web", now=now, batch=batch)
    except roster.RosterError as error:
        db.session.rollback()
        flash(f"Nothing was applied: this file can no longer be read. {error.message}", "error")
        return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))
    except services.CohortError as error:
        db.session.rollback()
        flash(f"Nothing was applied. {error.message}", "error")
        return redirect(preview)
    except IntegrityError:  # another administrator added some of these people just now
        db.session.rollback()
        flash(
            "Nothing was applied: the cohort changed at the same moment. Check the new "
            "preview below and apply again.",
            "error",
        )
        return redirect(preview)
    db.session.commit()
    _flash_with_mail(
        f"Applied: {result.added:,} people added to {cohort.name} ({result.created:,} new "
        f"accounts invited, {result.told:,} existing accounts told by mail); "
        f"{len(plan.errors):,} rows with errors skipped.",
        batch,
        result.invited + result.told,
    )
    return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))


# -- mail ----------------------------------------------------------------------


@bp.post("/mail/send")
@login_required
def send_mail():
    _allowed()
    delivery = mail.deliver_queued(current_app.config["MAIL_SEND_IN_REQUEST_MAX"])
    left = mail.pending_count()
    if delivery.stopped:
        flash(
            f"{delivery.sent:,} message(s) sent, then the mail server did not accept one; "
            f"{left:,} wait in the queue and will be tried again later.",
            "error",
        )
    else:
        flash(f"{delivery.sent:,} message(s) sent; {left:,} still waiting.", "success")
    cohort_id = request.form.get("cohort", type=int)
    if cohort_id:
        return redirect(url_for("cohorts.cohort_page", cohort_id=cohort_id))
    return redirect(url_for("cohorts.cohort_list"))
