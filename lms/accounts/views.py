"""Sign in and out, password reset, first-run setup, the account page, the user list.

Every handler: load (or 404), check permission, validate the form, call one
service, commit once, then redirect or render.
"""

from __future__ import annotations

import math

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from lms import permissions
from lms.accounts import services, tokens
from lms.accounts.forms import (
    PROFESSIONS,
    EmailForm,
    ForgotPasswordForm,
    InvitationForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    ResetPasswordForm,
    SetupForm,
)
from lms.extensions import db, utcnow
from lms.refusals import show_on_form
from lms.security import client_address, safe_next_url

bp = Blueprint("accounts", __name__)

UNPROCESSABLE = 422
LOGIN_FAILED = "The email address or password is not correct."
RESET_SENT = (
    "If an account uses that address, we have sent it a link to choose a new password. "
    "The link works once, for a limited time. Check your spam folder if it does not arrive."
)


def _minutes(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next_url(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("site.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        outcome = services.authenticate(
            form.email.data, form.password.data, client_address(), utcnow()
        )
        db.session.commit()
        if outcome.user is not None:
            login_user(outcome.user, remember=form.remember.data)
            flash(f"Welcome, {outcome.user.full_name}.", "success")
            return redirect(next_url or url_for("site.home"))
        if outcome.retry_after_seconds:
            form.form_errors.append(
                "Too many sign-in attempts in a short time. Please wait "
                f"{_minutes(outcome.retry_after_seconds)} and try again, or reset your "
                "password if you have forgotten it."
            )
            status = 429
        elif outcome.inactive:
            form.form_errors.append(
                "This account has been deactivated. Please contact your course administrator."
            )
            status = UNPROCESSABLE
        else:
            form.form_errors.append(LOGIN_FAILED)
            status = UNPROCESSABLE
    elif form.errors:
        status = UNPROCESSABLE
    return render_template("accounts/login.html", form=form, next_url=next_url), status


@bp.post("/logout")
def logout():
    logout_user()
    flash("You have signed out. You can come back at any time.", "success")
    return redirect(url_for("accounts.login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        wait = services.request_password_reset(form.email.data, client_address(), utcnow())
        db.session.commit()
        if wait:
            form.form_errors.append(
                f"Too many requests from this connection. Please wait {_minutes(wait)}."
            )
            return render_template("accounts/forgot_password.html", form=form), 429
        flash(RESET_SENT, "success")
        return redirect(url_for("accounts.login"))
    status = UNPROCESSABLE if form.errors else 200
    return render_template("accounts/forgot_password.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = tokens.user_for_reset_token(token)
    if user is None:
        return render_template("accounts/link_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data)
        except services.AccountError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            logout_user()
            flash("Your password has been changed. Sign in with your new password.", "success")
            return redirect(url_for("accounts.login"))
    status = UNPROCESSABLE if form.errors else 200
    return render_template("accounts/reset_password.html", form=form, user=user), status


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    user = tokens.user_for_invitation_token(token)
    if user is None:
        return render_template("accounts/link_invalid.html", invitation=True), 400
    form = InvitationForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data)
        except services.AccountError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            login_user(user)
            flash("Welcome. Your password is set and you are signed in.", "success")
            return redirect(url_for("learning.dashboard"))
    status = UNPROCESSABLE if form.errors else 200
    return render_template("accounts/invitation.html", form=form, user=user), status


@bp.route("/setup/<token>", methods=["GET", "POST"])
def setup(token: str):
    permissions.require(tokens.setup_token_is_valid(token) and not services.administrator_exists())
    form = SetupForm()
    if form.validate_on_submit():
        try:
            services.create_first_administrator(
                email=form.email.data,
                full_name=form.full_name.data,
                profession=form.profession.data,
                password=form.password.data,
            )
        except services.AccountError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash("Your administrator account is ready. Sign in to continue.", "success")
            return redirect(url_for("accounts.login"))
    status = UNPROCESSABLE if form.errors else 200
    return (
        render_template("accounts/setup.html", form=form, professions=PROFESSIONS),
        status,
    )


def _account_page(profile=None, email=None, password=None, status=200):
    user = current_user
    profile = profile or ProfileForm(
        formdata=None, full_name=user.full_name, profession=user.profession
    )
    email = email or EmailForm(formdata=None, prefix="email")
    password = password or PasswordForm(formdata=None, prefix="password")
    return (
        render_template(
            "accounts/account.html",
            profile_form=profile,
            email_form=email,
            password_form=password,
            professions=PROFESSIONS,
        ),
        status,
    )


@bp.get("/account")
@login_required
def account():
    return _account_page()


@bp.post("/account/profile")
@login_required
def update_profile():
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user, full_name=form.full_name.data, profession=form.profession.data
            )
        except services.AccountError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash("Your details have been saved.", "success")
            return redirect(url_for("accounts.account"))
    return _account_page(profile=form, status=UNPROCESSABLE)


@bp.post("/account/email")
@login_required
def change_email():
    form = EmailForm(prefix="email")
    if form.validate_on_submit():
        try:
            services.change_email(current_user, form.current_password.data, form.email.data)
        except services.AccountError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash("Your email address has been changed.", "success")
            return redirect(url_for("accounts.account"))
    return _account_page(email=form, status=UNPROCESSABLE)


@bp.post("/account/password")
@login_required
def change_password():
    form = PasswordForm(prefix="password")
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except services.AccountError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            # The session token changed, which signed out every other device;
            # this one stays signed in with the new token, remembered if it was.
            cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            login_user(current_user._get_current_object(), remember=cookie in request.cookies)
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(url_for("accounts.account"))
    return _account_page(password=form, status=UNPROCESSABLE)


# The administration pages (users, audit trail, course instructors) are routes of
# this blueprint too.
from lms.accounts import admin_views  # noqa: E402,F401
