"""The filters of the reports: GET forms (no CSRF token: they change nothing)."""

from __future__ import annotations

from datetime import date, datetime

from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional, ValidationError

from lms.choices import ChoiceField, options
from lms.extensions import utcnow
from lms.reports.completions import EARLIEST, LATEST, default_period


class IsoDateField(DateField):
    """A date typed as YYYY-MM-DD, with a message that says so."""

    def process_formdata(self, valuelist) -> None:
        if not valuelist or not valuelist[0]:
            return
        try:
            self.data = datetime.strptime(valuelist[0].strip(), "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError("Enter a real date as YYYY-MM-DD, for example 2025-01-31.") from None


class CohortFilterForm(FlaskForm):
    class Meta:
        csrf = False

    cohort = ChoiceField(
        "Cohort",
        refusal="Choose a cohort from the list.",
        description="Show only the members of one cohort.",
    )

    def __init__(self, formdata, cohorts, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        self._cohorts = {str(c.id): c for c in cohorts}
        self.cohort.choices = options(
            [("", "All learners")] + [(str(c.id), c.name) for c in cohorts]
        )
        if self.cohort.data is None:
            self.cohort.data = ""

    @property
    def selected_cohort(self):
        return self._cohorts.get(self.cohort.data or "")


class ItemAnalysisForm(CohortFilterForm):
    attempts = ChoiceField(
        "Attempts counted",
        choices=options(
            [("all", "Every submitted attempt"), ("first", "Each learner's first attempt only")]
        ),
        default="all",
        refusal="Choose every attempt or first attempts only.",
    )

    @property
    def first_only(self) -> bool:
        return self.attempts.data == "first"


def _default_from() -> date:
    return default_period(utcnow().date())[0]


def _default_to() -> date:
    return utcnow().date()


class CompletionForm(CohortFilterForm):
    date_from = IsoDateField(
        "From (first day, UTC)",
        name="from",
        validators=[Optional()],
        default=_default_from,
        description="YYYY-MM-DD. Completions on this day count.",
    )
    date_to = IsoDateField(
        "To (last day, UTC)",
        name="to",
        validators=[Optional()],
        default=_default_to,
        description="YYYY-MM-DD. Completions on this day count.",
    )

    def validate_date_from(self, field) -> None:
        if field.data is not None and not EARLIEST <= field.data <= LATEST:
            raise ValidationError(f"Choose a date between {EARLIEST} and {LATEST}.")

    def validate_date_to(self, field) -> None:
        if field.data is not None and not EARLIEST <= field.data <= LATEST:
            raise ValidationError(f"Choose a date between {EARLIEST} and {LATEST}.")
        start = self.date_from.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError("The last day is before the first day.")

    @property
    def period(self) -> tuple[date, date]:
        default_from, default_to = default_period(utcnow().date())
        return self.date_from.data or default_from, self.date_to.data or default_to


def index_forms(entries) -> dict[int, CohortFilterForm]:
    """A cohort choice for each course of the index page, each with its own field id."""
    forms = {}
    for entry in entries:
        if not entry.cohorts:
            continue
        form = CohortFilterForm(None, entry.cohorts)
        form.cohort.id = f"cohort-{entry.course.id}"
        form.cohort.label.field_id = form.cohort.id
        form.cohort.description = f"Show the progress of one cohort in {entry.title}."
        forms[entry.course.id] = form
    return forms
