"""Forms of the administration pages: users, the audit trail, course instructors."""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from lms.accounts.forms import name_field, profession_field, valid_email
from lms.accounts.models import EMAIL_MAX, ROLE_LABELS
from lms.accounts.services import STATUS_LABELS
from lms.choices import ChoiceField, options

SEARCH_MAX = 200
ROLE_CHOICES = [(role.value, label) for role, label in ROLE_LABELS.items()]
NOT_A_CHOICE = "Choose one of the options in the list."


def _email_field(label="Email address"):
    return StringField(
        label,
        validators=[InputRequired("Enter an email address."), Length(max=EMAIL_MAX), valid_email],
        render_kw={"autocomplete": "off", "inputmode": "email", "spellcheck": "false"},
    )


def _name_field():
    return name_field(
        description="As it should appear on certificates.",
        missing="Enter the person's full name.",
        autocomplete="off",
    )


def _profession_field():
    return profession_field(autocomplete="off")


def _choice(label, **kwargs):
    """A select that refuses a forged value with a sentence; empty is for InputRequired."""
    return ChoiceField(label, refusal=NOT_A_CHOICE, empty_allowed=True, **kwargs)


def _role_field():
    return _choice(
        "Role",
        choices=options(ROLE_CHOICES),
        default="learner",
        validators=[InputRequired("Choose a role.")],
    )


class NewUserForm(FlaskForm):
    full_name = _name_field()
    email = _email_field()
    profession = _profession_field()
    role = _role_field()


class UserDetailsForm(FlaskForm):
    full_name = _name_field()
    email = _email_field()
    profession = _profession_field()


class RoleForm(FlaskForm):
    role = _role_field()


class ActionForm(FlaskForm):
    """A button with no fields (deactivate, resend an invitation, remove an
    instructor): the site-wide CSRF check covers it; this only carries errors."""

    class Meta:
        csrf = False


class InstructorForm(FlaskForm):
    email = _email_field("Email address of an instructor")


# -- filters: GET forms, nothing changes, so no CSRF token ----------------------------


class _FilterForm(FlaskForm):
    class Meta:
        csrf = False


class UserFilterForm(_FilterForm):
    q = StringField(
        "Name or email address contains",
        validators=[Optional(), Length(max=SEARCH_MAX, message="Use at most 200 characters.")],
        render_kw={"spellcheck": "false"},
    )
    role = _choice("Role", choices=options([("", "Any role"), *ROLE_CHOICES]))
    status = _choice(
        "Status",
        choices=options([("", "Any status"), *((s.value, v) for s, v in STATUS_LABELS.items())]),
    )
    cohort = _choice("Cohort", choices=options([("", "Any cohort")]))


class _Day(DateField):
    """A day as YYYY-MM-DD (what a date input sends), with a message a person can act on."""

    def process_formdata(self, valuelist) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = datetime.strptime(valuelist[0].strip(), "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError("Enter a date as year-month-day, for example 2025-03-31.") from None


class AuditFilterForm(_FilterForm):
    action = SelectField(
        "Action",
        choices=options([("", "Any action")]),
        validate_choice=False,
        validators=[Optional(), Length(max=64)],
    )
    actor = StringField(
        "Made by (part of an email address)",
        validators=[Optional(), Length(max=EMAIL_MAX, message="Use at most 254 characters.")],
        render_kw={"spellcheck": "false", "inputmode": "email"},
    )
    target_type = SelectField(
        "Changed",
        choices=options([("", "Anything")]),
        validate_choice=False,
        validators=[Optional(), Length(max=40)],
    )
    date_from = _Day("From (UTC)", validators=[Optional()])
    date_to = _Day("To (UTC), included", validators=[Optional()])

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")
