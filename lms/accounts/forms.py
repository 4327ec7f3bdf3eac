from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from lms.accounts.models import EMAIL_MAX, NAME_MAX, PROFESSION_MAX
from lms.accounts.services import AccountError, normalise_email

# Longer than any password the rules accept (256), short of anything costly to hash.
PASSWORD_FIELD_MAX = 1024

PROFESSIONS = [
    "Medical student",
    "Resident physician",
    "Attending physician",
    "Nursing student",
    "Registered nurse",
    "Nurse practitioner",
    "Physician assistant",
    "Midwife",
    "Social worker",
    "Behavioural health clinician",
    "Pharmacist",
    "Emergency medical services",
    "Clinic staff",
]


def valid_email(form, field) -> None:
    try:
        normalise_email(field.data)
    except AccountError as error:
        raise ValidationError(error.message) from None


def _email_field(label="Email address", autocomplete="email"):
    return StringField(
        label,
        validators=[InputRequired("Enter an email address."), Length(max=EMAIL_MAX), valid_email],
        render_kw={"autocomplete": autocomplete, "inputmode": "email", "spellcheck": "false"},
    )


def name_field(
    description="As it should appear on your certificates.",
    missing="Enter your full name.",
    autocomplete="name",
):
    """The full-name field; an administrator's forms say "the person's" and turn
    the browser's autocomplete off (it would offer their own name)."""
    return StringField(
        "Full name",
        description=description,
        validators=[
            DataRequired(missing),
            Length(max=NAME_MAX, message=f"A name has at most {NAME_MAX} characters."),
        ],
        render_kw={"autocomplete": autocomplete},
    )


def profession_field(autocomplete="organization-title"):
    return StringField(
        "Profession or training level",
        description="For example: resident physician, registered nurse, medical student.",
        validators=[
            Length(
                max=PROFESSION_MAX,
                message=f"Use at most {PROFESSION_MAX} characters.",
            )
        ],
        render_kw={"autocomplete": autocomplete, "list": "professions"},
    )


def _new_password_field(label="New password"):
    return PasswordField(
        label,
        description="At least 12 characters. A few unrelated words make a strong password.",
        validators=[InputRequired("Choose a password.")],
        render_kw={"autocomplete": "new-password"},
    )


def _confirm_field(other: str, label: str = "Type the new password again"):
    return PasswordField(
        label,
        validators=[
            InputRequired("Type the password again."),
            EqualTo(other, message="The two passwords are not the same."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def _current_password_field():
    return PasswordField(
        "Current password",
        validators=[
            InputRequired("Enter your current password."),
            Length(max=PASSWORD_FIELD_MAX, message="That is longer than any password here."),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class LoginForm(FlaskForm):
    email = _email_field(autocomplete="username")
    password = PasswordField(
        "Password",
        validators=[
            InputRequired("Enter your password."),
            Length(max=PASSWORD_FIELD_MAX, message="That is longer than any password here."),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me signed in on this device")


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password = _new_password_field()
    confirm = _confirm_field("password")


class InvitationForm(FlaskForm):
    password = _new_password_field("Choose a password")
    confirm = _confirm_field("password", "Type the password again")


class SetupForm(FlaskForm):
    full_name = name_field()
    email = _email_field()
    profession = profession_field()
    password = _new_password_field("Password")
    confirm = _confirm_field("password", "Type the password again")


class ProfileForm(FlaskForm):
    full_name = name_field()
    profession = profession_field()


class EmailForm(FlaskForm):
    email = _email_field("New email address")
    current_password = _current_password_field()


class PasswordForm(FlaskForm):
    current_password = _current_password_field()
    new_password = _new_password_field()
    confirm = _confirm_field("new_password")
