from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lms.accounts.models import EMAIL_MAX, NAME_MAX, PROFESSION_MAX
from lms.cohorts.models import COHORT_NAME_MAX, DESCRIPTION_MAX

DATE_HINT = "A day, for example 2027-06-30 (UTC)."


def _date(label: str, description: str):
    return DateField(
        label,
        description=description,
        validators=[Optional()],
        format="%Y-%m-%d",
    )


class CohortForm(FlaskForm):
    name = StringField(
        "Cohort name",
        description="For example: Internal medicine residents, July 2027 intake.",
        validators=[
            DataRequired("Enter a name for the cohort."),
            Length(max=COHORT_NAME_MAX, message=f"Use at most {COHORT_NAME_MAX} characters."),
        ],
    )
    description = TextAreaField(
        "Description (optional)",
        validators=[
            Length(max=DESCRIPTION_MAX, message=f"Use at most {DESCRIPTION_MAX} characters.")
        ],
    )
    opens_on = _date(
        "Enrolment opens on (optional)",
        "Members can be added from this day. Leave empty to allow it now.",
    )
    closes_on = _date(
        "Enrolment closes on (optional)",
        "The last day members can be added. Leave empty for no end.",
    )


class CourseForm(FlaskForm):
    course = SelectField("Course to add", validators=[InputRequired("Choose a course.")])
    due_on = _date("Due date (optional)", "The last day to complete the course.")


class DueDateForm(FlaskForm):
    due_on = _date("Due date", "Leave empty for no due date.")


class MemberForm(FlaskForm):
    email = StringField(
        "Email address",
        validators=[InputRequired("Enter an email address."), Length(max=EMAIL_MAX)],
        render_kw={"inputmode": "email", "spellcheck": "false", "autocomplete": "off"},
    )
    full_name = StringField(
        "Full name (for a new account)",
        description="Needed only if the person has no account yet; printed on certificates.",
        validators=[Length(max=NAME_MAX, message=f"A name has at most {NAME_MAX} characters.")],
        render_kw={"autocomplete": "off"},
    )
    profession = StringField(
        "Profession or training level (optional)",
        validators=[
            Length(max=PROFESSION_MAX, message=f"Use at most {PROFESSION_MAX} characters.")
        ],
        render_kw={"autocomplete": "off"},
    )


class UploadForm(FlaskForm):
    roster = FileField(
        "CSV file of members",
        description=(
            "Columns: email, full name, profession (optional). The first row names the "
            "columns; comma or semicolon separated; UTF-8."
        ),
        validators=[FileRequired("Choose a CSV file to upload.")],
        render_kw={"accept": ".csv,text/csv"},
    )
