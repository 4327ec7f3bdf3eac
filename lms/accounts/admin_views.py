"""Administration pages: users, the audit trail and course instructors.

Routes of the accounts blueprint (``lms.accounts.views`` imports this module).
Every handler: check permission (404 otherwise), load (or 404), validate the
form, call one service, commit once, then redirect or render. The audit trail
has no handler that changes anything.
"""

from __future__ import annotations

import csv
import io

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from lms import audit, mail, permissions
from lms.accounts import invitations, services
from lms.accounts.admin_forms import (
    ActionForm,
    AuditFilterForm,
    InstructorForm,
    NewUserForm,
    RoleForm,
    UserDetailsForm,
    UserFilterForm,
    options,
)
from lms.accounts.forms import PROFESSIONS
from lms.accounts.models import User
from lms.accounts.views import UNPROCESSABLE, bp
from lms.catalog import instructors
from lms.catalog.services import course_by_slug
from lms.certificates.documents import csv_safe
from lms.choices import option_values
from lms.extensions import db, utcnow
from lms.refusals import show_on_form

PER_PAGE = 50
# Ids in URLs are bounded, so a huge number is a 404 and never a database error.
ID = "id"  # a positive id that fits the database (lms.IdConverter)


def _page_number() -> int:
    page = request.args.get("page", 1, type=int) or 1
    return min(max(1, page), 1_000_000)


def _flash_with_mail(message: str, batch: str) -> None:
    """After the commit: send the invitation this request queued, and say so."""
    flash(*mail.send_and_describe(message, batch, 1))


# -- users ------------------------------------------------------------------------------


def _require_user_manager() -> None:
    permissions.require(permissions.can_manage_users(current_user))


def _user_or_404(user_id: int) -> User:
    _require_user_manager()
    return db.session.get(User, user_id) or abort(404)


def _user_filters(form: UserFilterForm) -> tuple[services.UserFilters, dict[str, str]]:
    """The filters, and the same as URL arguments for the pager links."""
    args = {name: (form[name].data or "").strip() for name in ("q", "role", "status", "cohort")}
    args = {name: value for name, value in args.items() if value}
    filters = services.UserFilters(
        search=args.get("q", ""),
        role=args.get("role", ""),
        status=args.get("status", ""),
        cohort_id=int(args["cohort"]) if "cohort" in args else None,
    )
    return filters, args


@bp.get("/admin/users")
@login_required
def user_list():
    _require_user_manager()
    form = UserFilterForm(formdata=request.args)
    form.cohort.choices = options(
        [("", "Any cohort"), *((str(i), name) for i, name in services.cohort_choices())]
    )
    if not form.validate():
        return _users_page(form, status=UNPROCESSABLE)
    filters, args = _user_filters(form)
    return _users_page(form, services.users_page(_page_number(), PER_PAGE, filters=filters), args)


def _users_page(form, pagination=None, args=None, status=200):
    return (
        render_template(
            "admin/users.html",
            form=form,
            pagination=pagination,
            filter_args=args or {},
            status_of=services.status_of,
            status_labels=services.STATUS_LABELS,
        ),
        status,
    )


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def user_new():
    _require_user_manager()
    form = NewUserForm()
    if form.validate_on_submit():
        batch = mail.new_batch()
        try:
            user = services.create_user(
                email=form.email.data,
                full_name=form.full_name.data,
                profession=form.profession.data,
                role=form.role.data,
                actor=current_user,
                via="web",
            )
            invitations.queue_invitations([user], courses=[], now=utcnow(), batch=batch)
        except services.AccountError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            _flash_with_mail(f"Account created; an invitation to {user.email} is queued.", batch)
            return redirect(url_for("accounts.user_detail", user_id=user.id))
    status = UNPROCESSABLE if form.errors else 200
    return render_template("admin/user_new.html", form=form, professions=PROFESSIONS), status


def _user_page(user: User, *, status: int = 200, **forms):
    forms.setdefault("details_form", UserDetailsForm(formdata=None, prefix="details", obj=user))
    forms.setdefault("role_form", RoleForm(formdata=None, prefix="role", role=user.role))
    forms.setdefault("status_form", ActionForm(formdata=None, prefix="status"))
    forms.setdefault("invite_form", ActionForm(formdata=None, prefix="invite"))
    return (
        render_template(
            "admin/user.html",
            user=user,
            user_status=services.status_of(user),
            status_labels=services.STATUS_LABELS,
            is_self=user.id == current_user.id,
            enrolments=services.enrolments_of(user),
            cohorts=services.cohorts_of(user),
            taught=instructors.courses_taught_by(user),
            events=audit.events_about("user", user.id),
            professions=PROFESSIONS,
            **forms,
        ),
        status,
    )


def _back_to(user: User):
    return redirect(url_for("accounts.user_detail", user_id=user.id))


@bp.get(f"/admin/users/<{ID}:user_id>")
@login_required
def user_detail(user_id: int):
    return _user_page(_user_or_404(user_id))


@bp.post(f"/admin/users/<{ID}:user_id>/details")
@login_required
def user_update(user_id: int):
    user = _user_or_404(user_id)
    form = UserDetailsForm(prefix="details")
    if form.validate_on_submit():
        try:
            changed = services.update_user(
                user,
                email=form.email.data,
                full_name=form.full_name.data,
                profession=form.profession.data,
                actor=current_user,
                via="web",
            )
        except services.AccountError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            if not changed:
                flash("Nothing to save: the details were already as written.", "info")
            elif "email" in changed and user.password_hash is None:
                flash(
                    "Details saved. Earlier invitations went to the old address: "
                    "send the invitation again.",
                    "success",
                )
            else:
                flash("Details saved.", "success")
            return _back_to(user)
    return _user_page(user, details_form=form, status=UNPROCESSABLE)


@bp.post(f"/admin/users/<{ID}:user_id>/role")
@login_required
def user_role(user_id: int):
    user = _user_or_404(user_id)
    form = RoleForm(prefix="role")
    if form.validate_on_submit():
        try:
            services.set_role(user, form.role.data, actor=current_user, via="web")
        except services.AccountError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(f"{user.full_name} is now: {user.role_label}.", "success")
            return _back_to(user)
    return _user_page(user, role_form=form, status=UNPROCESSABLE)


def _set_active(user_id: int, active: bool):
    user = _user_or_404(user_id)
    try:
        services.set_active(user, active, actor=current_user, via="web")
    except services.AccountError as error:
        db.session.rollback()
        form = ActionForm(formdata=None, prefix="status")
        form.form_errors.append(error.message)
        return _user_page(user, status_form=form, status=UNPROCESSABLE)
    db.session.commit()
    if active:
        flash(f"{user.full_name} can sign in again.", "success")
    else:
        flash(
            f"{user.full_name} is deactivated and signed out everywhere. "
            "Their records and certificates are kept.",
            "success",
        )
    return _back_to(user)


@bp.post(f"/admin/users/<{ID}:user_id>/deactivate")
@login_required
def user_deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post(f"/admin/users/<{ID}:user_id>/activate")
@login_required
def user_activate(user_id: int):
    return _set_active(user_id, True)


@bp.post(f"/admin/users/<{ID}:user_id>/invite")
@login_required
def user_invite(user_id: int):
    user = _user_or_404(user_id)
    batch = mail.new_batch()
    try:
        invitations.resend(user, actor=current_user, via="web", now=utcnow(), batch=batch)
    except invitations.InvitationError as error:
        db.session.rollback()
        form = ActionForm(formdata=None, prefix="invite")
        form.form_errors.append(error.message)
        return _user_page(user, invite_form=form, status=UNPROCESSABLE)
    db.session.commit()
    _flash_with_mail(f"A new invitation to {user.email} is queued.", batch)
    return _back_to(user)


# -- audit trail (read only) -----------------------------------------------------------------

CSV_COLUMNS = [
    "at_utc",
    "actor_email",
    "actor_name",
    "via",
    "action",
    "target_type",
    "target_id",
    "before",
    "after",
]


def _audit_form() -> AuditFilterForm:
    form = AuditFilterForm(formdata=request.args)
    actions = audit.distinct_actions()
    groups = sorted({action.split(".", 1)[0] + "." for action in actions if "." in action})
    form.action.choices = options(
        [
            ("", "Any action"),
            *((group, f"Every {group[:-1]} action") for group in groups),
            *((action, action) for action in actions),
        ]
    )
    form.target_type.choices = options(
        [("", "Anything"), *((t, t) for t in audit.distinct_target_types())]
    )
    for select in (form.action, form.target_type):
        # A value typed into the URL (a prefix such as "cohort.") stays visible.
        if select.data and select.data not in option_values(select):
            select.choices = [*select.choices, *options([(select.data, select.data)])]
    return form


def _audit_filters(form: AuditFilterForm) -> tuple[audit.AuditFilters, dict[str, str]]:
    filters = audit.AuditFilters(
        action=form.action.data or "",
        actor=(form.actor.data or "").strip(),
        target_type=form.target_type.data or "",
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )
    args = {
        "action": filters.action,
        "actor": filters.actor,
        "target_type": filters.target_type,
        "date_from": filters.date_from.isoformat() if filters.date_from else "",
        "date_to": filters.date_to.isoformat() if filters.date_to else "",
    }
    return filters, {name: value for name, value in args.items() if value}


def _audit_page(form, pagination=None, args=None, status=200):
    return (
        render_template(
            "admin/audit.html",
            form=form,
            pagination=pagination,
            filter_args=args or {},
            target_users=audit.target_users(pagination.items) if pagination else {},
        ),
        status,
    )


@bp.get("/admin/audit")
@login_required
def audit_list():
    permissions.require(permissions.can_view_audit_trail(current_user))
    form = _audit_form()
    if not form.validate():
        return _audit_page(form, status=UNPROCESSABLE)
    filters, args = _audit_filters(form)
    return _audit_page(form, audit.events_page(filters, _page_number(), PER_PAGE), args)


def _csv_rows(filters: audit.AuditFilters):
    out = io.StringIO()
    writer = csv.writer(out)

    def flush() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + flush()
    for event in audit.events_for_export(filters):
        writer.writerow(
            [
                event.at.isoformat(),
                *(
                    csv_safe(text)
                    for text in (
                        event.actor.email if event.actor else "",
                        event.actor.full_name
                        if event.actor
                        else audit.VIA_LABELS.get(event.via, ""),
                        event.via,
                        event.action,
                        event.target_type,
                        event.target_id,
                        audit.readable(event.before) if event.before is not None else "",
                        audit.readable(event.after) if event.after is not None else "",
                    )
                ),
            ]
        )
        yield flush()


@bp.get("/admin/audit.csv")
@login_required
def audit_csv():
    permissions.require(permissions.can_view_audit_trail(current_user))
    form = _audit_form()
    if not form.validate():
        return _audit_page(form, status=UNPROCESSABLE)
    filters, _args = _audit_filters(form)
    return Response(
        stream_with_context(_csv_rows(filters)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-trail.csv"'},
    )


# -- course instructors --------------------------------------------------------------------


def _require_instructor_manager() -> None:
    permissions.require(permissions.can_assign_instructors(current_user))


def _course_or_404(slug: str):
    _require_instructor_manager()
    return course_by_slug(slug) or abort(404)


def _courses_page(failed_form=None, failed_course_id=None, status=200):
    rows = instructors.every_course_with_instructors()
    forms = {
        row.course.id: InstructorForm(formdata=None, prefix=f"course-{row.course.id}")
        for row in rows
    }
    if failed_form is not None:
        forms[failed_course_id] = failed_form
    return render_template("admin/courses.html", rows=rows, forms=forms), status


def _to_course(course):
    return redirect(url_for("accounts.course_list", _anchor=f"course-{course.slug}"))


@bp.get("/admin/courses")
@login_required
def course_list():
    _require_instructor_manager()
    return _courses_page()


@bp.post("/admin/courses/<slug:slug>/instructors")
@login_required
def instructor_add(slug: str):
    course = _course_or_404(slug)
    form = InstructorForm(prefix=f"course-{course.id}")
    if form.validate_on_submit():
        try:
            user = instructors.instructor_by_email(form.email.data)
            added = instructors.assign(course, user, actor=current_user, via="web")
        except instructors.InstructorError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            title = instructors.course_title(course)
            if added:
                flash(f"{user.full_name} now teaches {title}.", "success")
            else:
                flash(f"{user.full_name} already teaches {title}.", "info")
            return _to_course(course)
    return _courses_page(form, course.id, status=UNPROCESSABLE)


@bp.post(f"/admin/courses/<slug:slug>/instructors/<{ID}:user_id>/remove")
@login_required
def instructor_remove(slug: str, user_id: int):
    course = _course_or_404(slug)
    user = db.session.get(User, user_id) or abort(404)
    title = instructors.course_title(course)
    if instructors.unassign(course, user, actor=current_user, via="web"):
        db.session.commit()
        flash(f"{user.full_name} no longer teaches {title}.", "success")
    else:
        flash(f"{user.full_name} did not teach {title}.", "info")
    return _to_course(course)
