"""Quiz item analysis: how each question of a quiz performed.

Counted over every submitted attempt by default (Canvas counts only each
learner's last one, which hides how a question does on first contact), or over
each learner's first submitted attempt only. Questions are matched across course
versions by their slug; their text and answers are labelled from the current
version.

Definitions (also on the page and in docs/reports.md):

- facility: the mean item score, 0..1 (partial credit counts as given);
- D, the upper-lower index: facility in the top 27 % of attempts by attempt
  score minus facility in the bottom 27 %, attempts tied at a group's boundary
  sharing its places pro rata (so D does not depend on the order of attempts);
- the corrected point-biserial: the correlation between the item score and the
  rest of the attempt (its total minus this item);
- flags: too easy (facility > 0.90) and too hard (facility < 0.30) once at
  least MIN_N attempts answered the question; negative discrimination
  (point-biserial < 0 or D < 0) once at least MIN_N_DISCRIMINATION did, since
  with a handful of attempts the 27 % groups hold one or two attempts each and
  the sign of D or of a correlation is mostly chance.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select

from lms.catalog import gift
from lms.catalog.models import DRAFT_NUMBER, Course, CourseVersion, Module, Question, Quiz
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.learning.models import QuizAttempt
from lms.learning.services import quiz_in_version, quiz_questions
from lms.reports import statistics
from lms.reports.queries import ReportInputError, enrollment_ids

TOO_EASY = 0.90
TOO_HARD = 0.30
MIN_N = 5  # attempts before the facility flags (too easy, too hard)
MIN_N_DISCRIMINATION = 20  # attempts before the negative-discrimination flag
TOP_TYPED = 5
LABEL_MAX = 120

FLAG_TEXT = {
    "too easy": f"too easy (facility above {TOO_EASY:.2f})",
    "too hard": f"too hard (facility below {TOO_HARD:.2f})",
    "negative discrimination": "negative discrimination (point-biserial or D below 0)",
}


def quiz_key_of(quiz_slug: str) -> str:
    """The key of the quiz named in a URL: "pretest", "posttest" or a module's slug."""
    return quiz_slug if quiz_slug in ("pretest", "posttest") else f"module:{quiz_slug}"


def quiz_slug_of(key: str) -> str:
    return key.removeprefix("module:")


@dataclass(frozen=True)
class Choice:
    label: str
    count: int
    share: float  # of the attempts that had the question
    credit: float | None = None  # the answer's fraction of the mark, where it has one


@dataclass
class ItemStats:
    number: int
    slug: str
    type: str
    label: str
    in_current_version: bool
    n: int = 0
    facility: float | None = None
    upper_lower: float | None = None
    point_biserial: float | None = None
    choices: list[Choice] = field(default_factory=list)
    choices_note: str = ""
    flags: list[str] = field(default_factory=list)

    @property
    def flag_texts(self) -> list[str]:
        return [FLAG_TEXT[flag] for flag in self.flags]


@dataclass
class ItemAnalysis:
    course: Course
    version: CourseVersion
    quiz: Quiz
    cohort: Cohort | None
    first_only: bool
    attempts: int
    learners: int
    mean_score: float | None
    median_score: float | None
    items: list[ItemStats]

    module_title: str = ""

    @property
    def quiz_slug(self) -> str:
        return quiz_slug_of(self.quiz.key)

    @property
    def quiz_title(self) -> str:
        if self.module_title:
            return f"{self.module_title}: {self.quiz.title}"
        return self.quiz.title

    @property
    def flagged(self) -> list[ItemStats]:
        return [item for item in self.items if item.flags]


def _label(text: str, fmt: str = "moodle") -> str:
    text = " ".join(gift.plain_text(text or "", fmt).split())
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


def _question_label(question: Question) -> str:
    data = question.data
    return _label(data.get("title") or data.get("stem", ""), data.get("stem_format", "moodle"))


def _question_slugs(course: Course, key: str) -> list[str]:
    """Every question slug this quiz has had, in any published version (attempts of an
    older version are analysed too; a draft's new questions have no answers yet)."""
    return list(
        db.session.execute(
            select(Question.slug)
            .join(Quiz, Question.quiz_id == Quiz.id)
            .join(CourseVersion, Quiz.version_id == CourseVersion.id)
            .where(
                CourseVersion.course_id == course.id,
                CourseVersion.number > DRAFT_NUMBER,
                Quiz.key == key,
            )
            .distinct()
            .order_by(Question.slug)
        ).scalars()
    )


def _attempt_rows(
    course: Course, key: str, cohort: Cohort | None, first_only: bool, slugs: list[str]
):
    """(enrollment id, attempt score, responses, score of each of ``slugs`` or None).

    Only each question's score is read out of ``results`` (a JSON path in SQL):
    the feedback texts that make up most of it are never fetched nor decoded.
    """
    scope = enrollment_ids(course.id, cohort.id if cohort else None)
    query = (
        select(
            QuizAttempt.enrollment_id,
            QuizAttempt.score,
            QuizAttempt.responses,
            *(QuizAttempt.results[(slug, "score")].as_float() for slug in slugs),
        )
        .where(
            QuizAttempt.quiz_key == key,
            QuizAttempt.submitted_at.is_not(None),
            QuizAttempt.enrollment_id.in_(scope),
        )
        .order_by(QuizAttempt.enrollment_id, QuizAttempt.number)
    )
    if first_only:
        first = (
            select(QuizAttempt.enrollment_id, func.min(QuizAttempt.number).label("number"))
            .where(
                QuizAttempt.quiz_key == key,
                QuizAttempt.submitted_at.is_not(None),
                QuizAttempt.enrollment_id.in_(scope),
            )
            .group_by(QuizAttempt.enrollment_id)
            .subquery()
        )
        query = query.join(
            first,
            and_(
                first.c.enrollment_id == QuizAttempt.enrollment_id,
                first.c.number == QuizAttempt.number,
            ),
        )
    return db.session.execute(query)


def _choices(question: Question | None, type_: str, responses: list[Any]) -> tuple[list, str]:
    """How often each answer was chosen; a note where the type has no list of answers."""
    n = len(responses)
    data = question.data if question is not None else {}
    if type_ == "multichoice":
        counts: Counter[int] = Counter()
        for response in responses:
            if isinstance(response, list):
                counts.update(r for r in set(response) if isinstance(r, int))
            elif isinstance(response, int) and not isinstance(response, bool):
                counts[response] += 1
        answers = data.get("answers", [])
        indexes = sorted(set(range(len(answers))) | set(counts))
        choices = []
        for i in indexes:
            if i < len(answers):
                answer = answers[i]
                label = _label(answer.get("text", ""), answer.get("text_format", "moodle"))
                credit = answer.get("fraction")
            else:
                label, credit = f"Answer {i + 1} (not in the current version)", None
            choices.append(Choice(label, counts[i], counts[i] / n, credit))
        note = "" if data.get("single", True) else "Several answers may be chosen in one attempt."
        return choices, note
    if type_ == "truefalse":
        true = sum(1 for r in responses if r is True)
        false = sum(1 for r in responses if r is False)
        correct = data.get("correct")
        return [
            Choice("True", true, true / n, None if correct is None else float(correct is True)),
            Choice("False", false, false / n, None if correct is None else float(correct is False)),
        ], ""
    if type_ in ("shortanswer", "numerical"):
        typed = Counter(
            " ".join(str(r).split()).casefold() for r in responses if r not in (None, "")
        )
        top = sorted(typed.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_TYPED]
        note = f"The {TOP_TYPED} most frequent answers, compared without case or extra spaces."
        return [Choice(text, count, count / n) for text, count in top], note
    if type_ == "match":
        choices = []
        for index, pair in enumerate(data.get("pairs", [])):
            if not pair.get("question"):
                continue  # an extra answer offered as a distractor
            right = sum(
                1
                for r in responses
                if isinstance(r, dict) and r.get(str(index)) == pair.get("answer")
            )
            label = f"{_label(pair['question'], pair.get('question_format', 'moodle'))} → " + (
                _label(pair.get("answer", ""))
            )
            choices.append(Choice(label, right, right / n))
        return choices, "For each pair: how many attempts matched it correctly."
    return [], "No list of answers for this kind of question."


def _flags(item: ItemStats) -> list[str]:
    if item.n < MIN_N or item.facility is None:
        return []
    flags = []
    if item.facility > TOO_EASY:
        flags.append("too easy")
    if item.facility < TOO_HARD:
        flags.append("too hard")
    if item.n >= MIN_N_DISCRIMINATION and (
        (item.point_biserial is not None and item.point_biserial < 0)
        or (item.upper_lower is not None and item.upper_lower < 0)
    ):
        flags.append("negative discrimination")
    return flags


def item_analysis(
    course: Course,
    quiz_slug: str,
    *,
    cohort: Cohort | None = None,
    first_only: bool = False,
) -> ItemAnalysis:
    """Per question of the quiz: n, facility, D, point-biserial, answers chosen, flags
    (four queries). ReportInputError if the current version has no such quiz."""
    version = course.current_version
    key = quiz_key_of(quiz_slug)
    quiz = quiz_in_version(version.id, key)
    if quiz is None:
        raise ReportInputError(f"The course {course.slug} has no quiz {quiz_slug!r}.")
    questions = {q.slug: q for q in quiz_questions(quiz)}

    scores: dict[str, list[float]] = {}
    totals: dict[str, list[float]] = {}
    ranks: dict[str, list[float]] = {}
    answers: dict[str, list[Any]] = {}
    attempt_scores: list[float] = []
    learners: set[int] = set()
    slugs = _question_slugs(course, key)
    for enrollment_id, attempt_score, responses, *slug_scores in _attempt_rows(
        course, key, cohort, first_only, slugs
    ):
        learners.add(enrollment_id)
        attempt_scores.append(attempt_score or 0.0)
        responses = responses or {}
        item_scores = {
            slug: min(1.0, max(0.0, score))
            for slug, score in zip(slugs, slug_scores, strict=True)
            if score is not None
        }
        total = math.fsum(item_scores.values())
        for slug, score in item_scores.items():
            if slug not in scores:
                scores[slug], totals[slug], ranks[slug], answers[slug] = [], [], [], []
            scores[slug].append(score)
            totals[slug].append(total)
            ranks[slug].append(attempt_score or 0.0)
            answers[slug].append(responses.get(slug))

    # Descriptions are not questions, and an essay has no automatic score.
    ordered = [
        s
        for s, q in questions.items()
        if q.type != "description" and (q.data.get("gradable", True) or s in scores)
    ]
    ordered += sorted(s for s in scores if s not in questions)
    items = []
    for number, slug in enumerate(ordered, start=1):
        question = questions.get(slug)
        item = ItemStats(
            number=number,
            slug=slug,
            type=question.type if question else _type_from(answers.get(slug, [])),
            label=_question_label(question) if question else slug,
            in_current_version=question is not None,
        )
        item_scores = scores.get(slug, [])
        item.n = len(item_scores)
        if item.n:
            item.facility = statistics.facility(item_scores)
            item.upper_lower = statistics.upper_lower_index(item_scores, ranks[slug])
            item.point_biserial = statistics.point_biserial(item_scores, totals[slug])
            item.choices, item.choices_note = _choices(question, item.type, answers[slug])
        item.flags = _flags(item)
        items.append(item)
    return ItemAnalysis(
        course=course,
        version=version,
        quiz=quiz,
        cohort=cohort,
        first_only=first_only,
        attempts=len(attempt_scores),
        learners=len(learners),
        mean_score=statistics.mean(attempt_scores),
        median_score=statistics.median(attempt_scores),
        items=items,
        module_title=db.session.get(Module, quiz.module_id).title if quiz.module_id else "",
    )


def _type_from(responses: list[Any]) -> str:
    """A question no longer in the current version: its kind guessed from the answers."""
    for response in responses:
        if isinstance(response, bool):
            return "truefalse"
        if isinstance(response, int | list):
            return "multichoice"
        if isinstance(response, dict):
            return "match"
        if isinstance(response, str):
            return "shortanswer"
    return "unknown"
