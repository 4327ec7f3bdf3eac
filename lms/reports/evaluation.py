"""Evaluation results: Likert distributions and free-text answers, anonymously.

Items are those of the course's current version, matched by their id in every
response (answers to items a later version removed are not shown).

The evaluation is anonymous, and the learners of these courses include survivors
of trafficking, so nothing here may tie a response to a learner:

- no response carries a name or a time: the progress matrix says which learners
  submitted the evaluation, so a submission time on each response would match
  every response to a name (the progress report says whether, never when);
- no order follows the order of submission (which the row ids follow too):
  written answers are sorted by their text, case aside, responses in the CSV by
  their answers, and numbered after sorting;
- with fewer than MIN_RESPONSES responses matching the filter (a cohort of one
  or two, a course just started), only their count is shown: the Likert
  distributions and the answers appear once at least MIN_RESPONSES learners
  have answered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from lms.catalog.models import Course, CourseVersion
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.learning.models import EvaluationResponse
from lms.learning.services import LIKERT
from lms.reports import statistics
from lms.reports.queries import Page, enrollment_ids, page_of

TEXT_PER_PAGE = 50
# Results are shown only once at least this many responses match the filter.
MIN_RESPONSES = 5
WITHHELD_TEXT = (
    f"Results appear once at least {MIN_RESPONSES} learners have answered, "
    "to keep answers anonymous."
)


@dataclass(frozen=True)
class Level:
    value: int
    label: str
    count: int
    share: float  # of the answers to the item


@dataclass
class LikertItem:
    id: str
    prompt: str
    levels: list[Level]
    n: int
    mean: float | None
    median: float | None


@dataclass(frozen=True)
class TextAnswer:
    """A written answer, numbered within its question after sorting by text."""

    item_id: str
    prompt: str
    number: int
    text: str


@dataclass(frozen=True)
class Response:
    """One response's answers, numbered after sorting by the answers."""

    number: int
    answers: dict[str, Any]


@dataclass
class EvaluationResults:
    course: Course
    version: CourseVersion
    cohort: Cohort | None
    count: int  # responses matching the filter, shown even when withheld
    responses: list[Response] = field(default_factory=list)  # empty when withheld
    likert: list[LikertItem] = field(default_factory=list)
    text_items: list[dict] = field(default_factory=list)
    text_answers: list[TextAnswer] = field(default_factory=list)
    page: Page | None = None

    @property
    def items(self) -> list[dict]:
        return list(self.version.evaluation)

    @property
    def withheld(self) -> bool:
        """Too few responses to show any without risking who wrote what."""
        return self.count < MIN_RESPONSES

    @property
    def withheld_text(self) -> str:
        return WITHHELD_TEXT


def evaluation_results(
    course: Course,
    *,
    cohort: Cohort | None = None,
    page: int | None = None,
    per_page: int = TEXT_PER_PAGE,
) -> EvaluationResults:
    """Every response in one query; with ``page``, that page of the free-text answers
    (ReportInputError for a page that does not exist). With fewer than
    MIN_RESPONSES responses, only their count."""
    version = course.current_version
    # Only the answers: not the time, not the id (both follow the order of submission).
    answers = [
        row or {}
        for row in db.session.execute(
            select(EvaluationResponse.answers).where(
                EvaluationResponse.enrollment_id.in_(
                    enrollment_ids(course.id, cohort.id if cohort else None)
                )
            )
        ).scalars()
    ]
    report = EvaluationResults(course, version, cohort, count=len(answers))
    if report.withheld:
        if page is not None:
            report.page = page_of([], page, per_page)
        return report
    items = list(version.evaluation)
    answers.sort(key=lambda a: _response_key(a, items))
    report.responses = [Response(number, a) for number, a in enumerate(answers, start=1)]
    for item in items:
        if item.get("kind") == "likert":
            report.likert.append(_likert(item, answers))
        else:
            report.text_items.append(item)
            texts = sorted(
                (
                    text
                    for a in answers
                    if isinstance(text := a.get(item["id"]), str) and text.strip()
                ),
                key=_text_key,
            )
            report.text_answers += [
                TextAnswer(item["id"], item.get("prompt", ""), number, text)
                for number, text in enumerate(texts, start=1)
            ]
    if page is not None:
        report.page = page_of(report.text_answers, page, per_page)
    return report


def _text_key(text: str) -> tuple[str, str]:
    """By text without case (then with it, so that the order is always the same)."""
    return text.strip().casefold(), text


def _value_key(value: Any) -> tuple:
    """An order over whatever a response holds: unanswered, numbers, texts, others."""
    if value is None:
        return (0, 0, "", "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, value, "", "")
    if isinstance(value, str):
        return (2, 0, *_text_key(value))
    return (3, 0, json.dumps(value, sort_keys=True, default=str), "")


def _response_key(answers: dict[str, Any], items: list[dict]) -> tuple:
    """Responses by their answers, question by question in the evaluation's order;
    then by anything else they hold, so equal keys mean equal responses."""
    return (
        tuple(_value_key(answers.get(item["id"])) for item in items),
        json.dumps(answers, sort_keys=True, default=str),
    )


def _likert(item: dict, answers: list[dict[str, Any]]) -> LikertItem:
    values = [
        value
        for a in answers
        if isinstance(value := a.get(item["id"]), int)
        and not isinstance(value, bool)
        and value in LIKERT
    ]
    n = len(values)
    levels = [
        Level(level, label, values.count(level), values.count(level) / n if n else 0.0)
        for level, label in LIKERT.items()
    ]
    return LikertItem(
        item["id"],
        item.get("prompt", ""),
        levels,
        n,
        statistics.mean(values),
        statistics.median(values),
    )
