"""Learners' work, generated: how far each learner gets in a course, and quiz answers
that follow a per-learner ability and a per-question difficulty, graded by the
course's own GIFT grader, so that facility and discrimination come out as they would.

Everything is drawn from one ``random.Random`` in a fixed order, so a seed gives the
same rows. Rows are plain dicts for bulk INSERTs; they name their enrolment by a key
of the caller's choosing until the enrolment rows exist (``Activity.insert``).

Used by ``flask --app lms bench seed`` (lms/benchdata/seeding.py) and by
bench/reports.py (``seed_cohort``).
"""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from lms.accounts.models import User
from lms.catalog.models import Course, CourseVersion
from lms.certificates.models import CODE_LENGTH, Certificate
from lms.certificates.services import ALPHABET
from lms.cohorts.models import Cohort, CohortMember
from lms.extensions import db, utcnow
from lms.learning.models import Enrollment, EvaluationResponse, LessonProgress, QuizAttempt
from lms.learning.services import grade_question, quiz_questions, version_with_content


class BenchDataError(ValueError):
    """Benchmark data cannot be made here; the message says why."""


def bulk_insert(model, rows: list[dict], key: str | tuple[str, ...] | None = None) -> dict:
    """INSERT ``rows`` into ``model``'s table in one executemany. With ``key`` (a column
    name, or a tuple of them, unique among ``rows``), return each new row's id by its key.

    Through the table (Core) rather than the ORM's bulk path, which costs about three
    times as much per row here and gains nothing: the rows are plain values. The ids
    come back by RETURNING in no particular order and are matched by key, because
    asking for them in order makes SQLite insert the rows one statement at a time."""
    table = model.__table__
    if not rows:
        return {}
    if key is None:
        db.session.execute(insert(table), rows)
        return {}
    names = (key,) if isinstance(key, str) else key
    result = db.session.execute(
        insert(table).returning(table.c.id, *(table.c[name] for name in names)), rows
    )
    return {
        (values[0] if isinstance(key, str) else tuple(values)): row_id for row_id, *values in result
    }


def words(text: str) -> list[str]:
    return text.split()


FIRST = words(
    "Amara Ana Ben Carlos Chen Dmitri Elif Emma Fatima Grace Hana Ibrahim Isabel James Jia "
    "Kofi Lena Liam Lucía Mei Mohammed Nadia Nguyễn Olga Omar Priya Ravi Rosa Sadia Sam "
    "Søren Tariq Thandiwe Tomás Wei Yara Yusuf Zoë Zainab Ángel"
)
LAST = words(
    "Abebe Adeyemi Ahmed Alvarez Andersen Brown Chowdhury Costa Dubois Fernández García "
    "Haddad Hoang Ivanova Jones Kaur Khan Kim Kowalski Li Martin Mensah Müller Nakamura "
    "Novak O'Brien Okafor Patel Petrov Rossi Santos Schmidt Singh Smith Tanaka Thompson "
    "Wang Williams Yilmaz"
)
PRACTICE = [
    "Ask to see the patient alone for part of every visit.",
    "Use a professional interpreter, never the companion.",
    "Keep the hotline number at the nurses' station and know our referral pathway.",
    "Look for clusters of indicators rather than a single sign, and document objectively.",
    "Talk with our team about a clinic protocol for suspected trafficking.",
]
IMPROVE = [
    "More case studies, please.",
    "A short video of a screening conversation would help.",
    "The module on ICD-10-CM codes was hard to follow.",
    "Local referral contacts for our state.",
    "Nothing: it was clear and well paced.",
]
# The professions of seed_cohort's learners (bench/reports.py): kept as they were, so
# that its random draws, and therefore its row counts, do not change.
COHORT_PROFESSIONS = ["Registered nurse", "Resident physician", "Midwife"]


# -- quizzes -----------------------------------------------------------------------------------


class Quizzes:
    """A course version's quizzes as the seeder needs them: per question a difficulty, a
    slope and a few candidate responses (right and wrong), each graded once by the
    course's own grader."""

    def __init__(self, version: CourseVersion, rng: random.Random):
        self.version = version
        self.pass_mark = {}
        self.slugs = {}
        self.orders = {}
        self.questions = {}
        for quiz in sorted(version.quizzes, key=lambda quiz: quiz.key):
            questions = quiz_questions(quiz)
            self.pass_mark[quiz.key] = quiz.pass_mark
            self.slugs[quiz.key] = [q.slug for q in questions]
            self.orders[quiz.key] = {
                q.slug: list(range(len(q.data.get("answers") or q.data.get("pairs") or [])))
                for q in questions
            }
            self.questions[quiz.key] = [self._prepare(q, rng) for q in questions]

    def __contains__(self, key: str) -> bool:
        return key in self.questions

    @staticmethod
    def _prepare(question, rng: random.Random) -> dict:
        right, wrong = _candidate_responses(question)

        def graded(response):
            score, feedback = grade_question(question, response)
            return response, {"score": score, "feedback": feedback}

        return {
            "slug": question.slug,
            "difficulty": rng.uniform(0.15, 0.85),
            # A few questions discriminate negatively, as real ones sometimes do.
            "slope": -3.0 if rng.random() < 0.06 else rng.uniform(4.0, 10.0),
            "right": [graded(r) for r in right],
            "wrong": [graded(r) for r in wrong],
        }

    def attempt(self, rng, key, enrollment_id, number, ability, at, *, force_right=False):
        responses, results = {}, {}
        for q in self.questions[key]:
            chance = 1 / (1 + math.exp(-q["slope"] * (ability - q["difficulty"])))
            right = force_right or rng.random() < chance
            response, result = rng.choice(q["right"] if right else q["wrong"])
            responses[q["slug"]] = response
            results[q["slug"]] = result
        score = math.fsum(r["score"] for r in results.values()) / len(results)
        return self.open_attempt(key, enrollment_id, number, at) | {
            "submitted_at": at + timedelta(minutes=rng.randint(3, 12)),
            "responses": responses,
            "results": results,
            "score": score,
            "passed": score * 100 >= self.pass_mark[key] - 1e-9,
        }

    def open_attempt(self, key, enrollment_id, number, at):
        return {
            "enrollment_id": enrollment_id,
            "quiz_key": key,
            "number": number,
            "version_id": self.version.id,
            "started_at": at,
            "submitted_at": None,
            "question_order": self.slugs[key],
            "answer_orders": self.orders[key],
            "responses": {},
            "results": None,
            "score": None,
            "passed": None,
        }


def _candidate_responses(question) -> tuple[list, list]:
    """(right responses, wrong responses) of a question, in the shape attempts store."""
    data = question.data
    if question.type == "multichoice" and data.get("single", True):
        fractions = [a["fraction"] for a in data["answers"]]
        best = fractions.index(max(fractions))
        return [best], [i for i in range(len(fractions)) if i != best]
    if question.type == "multichoice":
        fractions = [a["fraction"] for a in data["answers"]]
        good = [i for i, f in enumerate(fractions) if f > 0]
        bad = [i for i, f in enumerate(fractions) if f <= 0]
        return [good], [good[:-1], good[:2] + bad[:1], bad[:1], good[:1]]
    if question.type == "truefalse":
        return [data["correct"]], [not data["correct"]]
    if question.type == "match":
        pairs = [(str(i), p["answer"]) for i, p in enumerate(data["pairs"]) if p["question"]]
        answers = [a for _, a in pairs]
        swapped = answers[1:2] + answers[:1] + answers[2:]
        rotated = answers[1:] + answers[:1]
        return [dict(pairs)], [
            {k: a for (k, _), a in zip(pairs, swapped, strict=True)},
            {k: a for (k, _), a in zip(pairs, rotated, strict=True)},
        ]
    if question.type == "shortanswer":
        best = max(data["answers"], key=lambda a: a["fraction"])
        return [best["text"]], ["I am not sure"]
    if question.type == "numerical":
        best = max(data["answers"], key=lambda a: a["fraction"])
        if "min" in best:
            value = (best["min"] + best["max"]) / 2
        else:
            value = best["value"] if best["value"] is not None else 0
        return [str(value)], [str(value + 1000 * (1 + abs(value)))]
    raise BenchDataError(
        f"no responses planned for the {question.type} question {question.slug!r}: "
        "benchmark data can answer multiple choice, true/false, matching, short answer "
        "and numerical questions"
    )


# -- who does what -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How far one learner gets in one course, how able they are, and when they enrolled."""

    kind: str  # "completed", "halfway", "pretest only" or "not started"
    ability: float
    enrolled_at: datetime


def draw_plan(rng: random.Random, latest: datetime, days: tuple[int, int]) -> Plan:
    """About a third complete, a third get part of the way, a tenth take only the
    pre-test and a fifth never start; enrolled ``days`` (a range) before ``latest``."""
    roll = rng.random()
    kind = (
        "completed"
        if roll < 0.35
        else "halfway"
        if roll < 0.70
        else "pretest only"
        if roll < 0.80
        else "not started"
    )
    enrolled = latest - timedelta(days=rng.randint(*days), minutes=rng.randint(0, 1440))
    return Plan(kind, rng.betavariate(3, 2), enrolled)


@dataclass
class Activity:
    """Rows of learners' work, gathered for bulk INSERTs."""

    lessons: list[dict] = field(default_factory=list)
    attempts: list[dict] = field(default_factory=list)
    evaluations: list[dict] = field(default_factory=list)
    certificates: list[dict] = field(default_factory=list)
    codes: set[str] = field(default_factory=set)  # certificate codes already drawn
    totals: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("lessons", "attempts", "evaluations"), 0)
    )

    def insert(self, enrollment_ids: dict[Any, int]) -> None:
        """Insert the gathered rows, their enrolment keys replaced by ``enrollment_ids``,
        and start again (the certificate codes drawn so far are kept)."""
        for rows, model in (
            (self.lessons, LessonProgress),
            (self.attempts, QuizAttempt),
            (self.evaluations, EvaluationResponse),
            (self.certificates, Certificate),
        ):
            for row in rows:
                row["enrollment_id"] = enrollment_ids[row["enrollment_id"]]
            bulk_insert(model, rows)
        self.totals["lessons"] += len(self.lessons)
        self.totals["attempts"] += len(self.attempts)
        self.totals["evaluations"] += len(self.evaluations)
        self.lessons, self.attempts, self.evaluations, self.certificates = [], [], [], []

    def new_code(self, rng: random.Random) -> str:
        """A certificate code from the project's alphabet, drawn from ``rng``, unique here."""
        code = "".join(rng.choices(ALPHABET, k=CODE_LENGTH))
        while code in self.codes:
            code = "".join(rng.choices(ALPHABET, k=CODE_LENGTH))
        self.codes.add(code)
        return code


class CourseWork:
    """One course's content as the seeder walks it, and the work of one learner in it."""

    def __init__(self, course: Course, version: CourseVersion, rng: random.Random):
        self.course, self.version = course, version
        self.quizzes = Quizzes(version, rng)
        self.modules = [(m.slug, [lesson.slug for lesson in m.lessons]) for m in version.modules]
        self.likert = [item["id"] for item in version.evaluation if item["kind"] == "likert"]
        self.texts = [item["id"] for item in version.evaluation if item["kind"] == "text"]

    def work(self, rng, rows: Activity, key, user_id: int, learner_name: str, plan: Plan):
        """Add the rows of ``plan`` (its enrolment named by ``key``) to ``rows``; return the
        enrolment's own columns that follow from it: where "continue" leads, the last
        activity, and the completion."""
        quizzes, version = self.quizzes, self.version
        kind, ability = plan.kind, plan.ability
        at = plan.enrolled_at + timedelta(hours=rng.randint(1, 72))
        state = {
            "last_lesson": None,
            "last_activity_at": None,
            "completed_at": None,
            "completed_version_id": None,
        }
        if kind == "not started":
            return state
        if "pretest" in quizzes:
            rows.attempts.append(quizzes.attempt(rng, "pretest", key, 1, ability - 0.25, at))
        state["last_activity_at"] = at
        if kind == "pretest only":
            return state
        modules = self.modules
        done = len(modules) if kind == "completed" else rng.randint(0, len(modules) - 1)
        for index, (module_slug, lesson_slugs) in enumerate(modules[: done + 1]):
            finished = index < done
            count = len(lesson_slugs) if finished else rng.randint(0, len(lesson_slugs) - 1)
            for lesson_slug in lesson_slugs[:count]:
                at += timedelta(minutes=rng.randint(5, 30))
                rows.lessons.append(
                    {
                        "enrollment_id": key,
                        "module_slug": module_slug,
                        "lesson_slug": lesson_slug,
                        "completed_at": at,
                    }
                )
                state["last_lesson"] = f"{module_slug}/{lesson_slug}"
            quiz_key = f"module:{module_slug}"
            if quiz_key not in quizzes:
                continue
            if finished:
                for number in (1, 2, 3):
                    at += timedelta(minutes=rng.randint(10, 600))
                    attempt = quizzes.attempt(
                        rng,
                        quiz_key,
                        key,
                        number,
                        ability + 0.15 * number,
                        at,
                        force_right=number == 3,
                    )
                    rows.attempts.append(attempt)
                    if attempt["passed"]:
                        break
            elif count and rng.random() < 0.3:
                at += timedelta(minutes=rng.randint(10, 600))
                rows.attempts.append(quizzes.attempt(rng, quiz_key, key, 1, ability, at))
                if rng.random() < 0.2:
                    rows.attempts.append(
                        quizzes.open_attempt(quiz_key, key, 2, at + timedelta(hours=1))
                    )
        state["last_activity_at"] = at
        if kind != "completed":
            return state
        at += timedelta(days=rng.randint(0, 10))
        if "posttest" in quizzes:
            rows.attempts.append(quizzes.attempt(rng, "posttest", key, 1, ability + 0.3, at))
        if version.evaluation:
            at += timedelta(minutes=rng.randint(15, 60))
            rows.evaluations.append(
                {
                    "enrollment_id": key,
                    "version_id": version.id,
                    "submitted_at": at,
                    "answers": self._evaluation(rng, ability),
                }
            )
        rows.certificates.append(
            {
                "code": rows.new_code(rng),
                "enrollment_id": key,
                "user_id": user_id,
                "course_id": self.course.id,
                "version_id": version.id,
                "learner_name": learner_name,
                "course_slug": self.course.slug,
                "course_title": version.title,
                "credit_hours": version.credit_hours,
                "course_version_number": version.number,
                "completed_at": at,
                "issued_at": at,
            }
        )
        state |= {"last_activity_at": at, "completed_at": at, "completed_version_id": version.id}
        return state

    def _evaluation(self, rng, ability: float) -> dict:
        answers: dict[str, Any] = {
            item: max(1, min(5, round(rng.gauss(3.2 + 1.5 * ability, 0.9)))) for item in self.likert
        }
        # Free text is optional: most say what they will change, fewer what to improve.
        if rng.random() < 0.6 and self.texts:
            answers[self.texts[0]] = rng.choice(PRACTICE)
        if rng.random() < 0.3 and len(self.texts) > 1:
            answers[self.texts[1]] = rng.choice(IMPROVE)
        return answers


def work_and_enrol(rng, course_work: dict[int, CourseWork], rows: Activity, enrolments):
    """Draw the work of ``enrolments`` (dicts: user_id, course_id, enrolled_at, source,
    due_on, plus ``plan`` and ``learner_name``), insert the enrolments and then their work."""
    records = []
    for enrolment in enrolments:
        key = (enrolment["user_id"], enrolment["course_id"])
        plan, name = enrolment["plan"], enrolment["learner_name"]
        state = course_work[enrolment["course_id"]].work(
            rng, rows, key, enrolment["user_id"], name, plan
        )
        record = {k: v for k, v in enrolment.items() if k not in ("plan", "learner_name")}
        records.append(record | state)
    rows.insert(bulk_insert(Enrollment, records, ("user_id", "course_id")))
    return records


# -- bench/reports.py: one course, one cohort ------------------------------------------------


def seed_cohort(course: Course, cohort: Cohort, n: int, seed_value: int = 6) -> dict[str, int]:
    """``n`` learners in ``cohort`` and ``course``, with their work; counts of rows.

    Learners are ``learner00000@example.org`` on; they have no password."""
    rng = random.Random(seed_value)
    version = version_with_content(course.current_version_id)
    work = CourseWork(course, version, rng)
    now = utcnow().replace(microsecond=0)
    due_on = now.date() + timedelta(days=30)

    learners = [
        {
            "email": f"learner{i:05d}@example.org",
            "full_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "profession": rng.choice(COHORT_PROFESSIONS),
            "role": "learner",
            "active": True,
            "session_token": secrets.token_hex(16),
            "created_at": now - timedelta(days=600),
        }
        for i in range(n)
    ]
    ids = bulk_insert(User, learners, "email")
    users = [(ids[row["email"]], row["full_name"]) for row in learners]
    bulk_insert(
        CohortMember,
        [{"cohort_id": cohort.id, "user_id": uid, "added_at": now} for uid, _ in users],
    )
    # Who does what, decided before any work is drawn.
    plans = [draw_plan(rng, now, (40, 540)) for _ in users]
    rows = Activity()
    enrolments = [
        {
            "user_id": uid,
            "course_id": course.id,
            "enrolled_at": plan.enrolled_at,
            "source": "cohort",
            "due_on": due_on,
            "plan": plan,
            "learner_name": name,
        }
        for (uid, name), plan in zip(users, plans, strict=True)
    ]
    records = work_and_enrol(rng, {course.id: work}, rows, enrolments)
    db.session.commit()
    return {
        "learners": len(users),
        "lesson rows": rows.totals["lessons"],
        "attempts": rows.totals["attempts"],
        "evaluations": rows.totals["evaluations"],
        "completions": sum(record["completed_at"] is not None for record in records),
    }
