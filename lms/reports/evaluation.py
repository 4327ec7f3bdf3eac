"""Evaluation results: Likert distributions and free-text answers.

Items are those of the course's current version, matched by their id in every
response (answers to items a later version removed are not shown). Answers are
shown without the learner's name: people write more frankly when the course's
instructors cannot tell who wrote what.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
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
    item_id: str
    prompt: str
    text: str
    submitted_at: datetime


@dataclass(frozen=True)
class Response:
    number: int
    submitted_at: datetime
    version_id: int
    answers: dict[str, Any]


@dataclass
class EvaluationResults:
    course: Course
    version: CourseVersion
    cohort: Cohort | None
    responses: list[Response]
    likert: list[LikertItem] = field(default_factory=list)
    text_items: list[dict] = field(default_factory=list)
    text_answers: list[TextAnswer] = field(default_factory=list)
    page: Page | None = None

    @property
    def items(self) -> list[dict]:
        return list(self.version.evaluation)


def evaluation_results(
    course: Course,
    *,
    cohort: Cohort | None = None,
    page: int | None = None,
    per_page: int = TEXT_PER_PAGE,
) -> EvaluationResults:
    """Every response in one query; with ``page``, that page of the free-text answers
    (ReportInputError for a page that does not exist)."""
    version = course.current_version
    rows = db.session.execute(
        select(
            EvaluationResponse.submitted_at,
            EvaluationResponse.version_id,
            EvaluationResponse.answers,
        )
        .where(
            EvaluationResponse.enrollment_id.in_(
                enrollment_ids(course.id, cohort.id if cohort else None)
            )
        )
        .order_by(EvaluationResponse.submitted_at, EvaluationResponse.id)
    )
    responses = [
        Response(number, submitted_at, version_id, answers or {})
        for number, (submitted_at, version_id, answers) in enumerate(rows, start=1)
    ]
    report = EvaluationResults(course, version, cohort, responses)
    for item in version.evaluation:
        if item.get("kind") == "likert":
            report.likert.append(_likert(item, responses))
        else:
            report.text_items.append(item)
            report.text_answers += [
                TextAnswer(item["id"], item.get("prompt", ""), text, r.submitted_at)
                for r in responses
                if isinstance(text := r.answers.get(item["id"]), str) and text.strip()
            ]
    if page is not None:
        report.page = page_of(report.text_answers, page, per_page)
    return report


def _likert(item: dict, responses: list[Response]) -> LikertItem:
    values = [
        value
        for r in responses
        if isinstance(value := r.answers.get(item["id"]), int)
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
