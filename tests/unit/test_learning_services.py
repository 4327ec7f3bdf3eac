"""The learner's journey as services, without HTTP: grading by GIFT semantics, reading
answers, submitting once, completing once, and the same under concurrency."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms import permissions
from lms.accounts.models import User
from lms.extensions import db, utcnow
from lms.learning import services
from lms.learning.models import Enrollment, QuizAttempt
from tests.conftest import TEST_DATABASE_URL
from tests.learning_fixtures import (  # noqa: F401
    SLUG,
    ModuleDef,
    completions_fixture,
    example_course_fixture,
    import_folder,
    snapshot,
    write_course,
)

needs_postgresql = pytest.mark.skipif(
    not TEST_DATABASE_URL,
    reason="needs PostgreSQL (set LMS_TEST_DATABASE_URL): SQLite lets one writer in at a "
    "time, so two connections cannot race on the same row",
)

GRADING_QUIZ = r"""::Tolerance::
What is three, give or take a half? {#3:0.5#Within half of three.}

::Range::
A number from one to five. {#1..5#In the range.}

::Opioid::
Name an opioid. {=heroin#Yes, heroin. =dia*#Yes, diamorphine. =%50%opiate#Half: be more specific.}

::Several::
Choose the red flags. {
  ~%50%Scripted story#Yes: a scripted story is a red flag.
  ~%50%No documents#Yes: someone else holds the documents.
  ~%-100%Came alone#No: coming alone is not a red flag.
}

::Pairs::
Match each callout with its purpose. {
  =Red flag -> A sign of control
  =Clinical pearl -> Practical advice
  =Self-care -> Looking after yourself
  ####Each callout block has its own purpose.
}

::Alone::
A patient may be trafficked even when they come alone. {TRUE#They can be.#Right: they can be.}
"""


# The grading quiz's form with every answer right.
ALL_RIGHT = {
    "q-tolerance": "3",
    "q-range": "2",
    "q-opioid": "heroin",
    "q-several": ["0", "1"],
    "q-pairs--0": "A sign of control",
    "q-pairs--1": "Practical advice",
    "q-pairs--2": "Looking after yourself",
    "q-alone": "true",
}


@dataclass
class Study:
    """What a request for ``user`` in ``slug`` loads (inside an app context)."""

    user: User
    course: object
    version: object
    enrollment: Enrollment

    def progress(self):
        return services.progress_for(self.enrollment, self.version)

    def quiz(self, key: str):
        return services.quiz_in_version(self.version.id, key)

    def questions(self, quiz) -> dict:
        return {q.slug: q for q in services.quiz_questions(quiz)}

    def start(self, key: str) -> QuizAttempt:
        quiz = self.quiz(key)
        state = self.progress().quizzes[key]
        return services.start_attempt(
            self.enrollment, quiz, services.quiz_questions(quiz), state, utcnow()
        )


def study(user_id: int, slug: str = SLUG) -> Study:
    user = db.session.get(User, user_id)
    course = services.course_by_slug(slug)
    version = services.version_with_content(course.current_version_id)
    return Study(user, course, version, services.enrollment_for(user, course))


@pytest.fixture
def learner_id(app, make_user, example_course) -> int:
    """A learner enrolled in the example course (through the service)."""
    record = make_user()
    with app.app_context():
        user = db.session.get(User, record.id)
        services.enrol(user, services.course_by_slug(SLUG), now=utcnow())
        db.session.commit()
    return record.id


@pytest.fixture
def grading(app, make_user, tmp_path) -> int:
    """A learner enrolled in a course whose quiz has every gradable GIFT type."""
    module = ModuleDef("grading", quiz=GRADING_QUIZ, quiz_settings="pass_mark = 60")
    import_folder(app, write_course(tmp_path, "grading-course", modules=[module]))
    record = make_user()
    with app.app_context():
        user = db.session.get(User, record.id)
        services.enrol(user, services.course_by_slug("grading-course"), now=utcnow())
        db.session.commit()
    return record.id


def submit_form(user_id: int, slug: str, key: str, form: dict) -> dict:
    """Start an attempt, read ``form`` as the page would send it, submit; the stored row."""
    s = study(user_id, slug)
    attempt = s.start(key)
    quiz = s.quiz(key)
    questions = s.questions(quiz)
    form = {name: value if isinstance(value, list) else [value] for name, value in form.items()}
    services.save_responses(attempt, services.read_responses(attempt, questions, form), utcnow())
    assert services.submit_attempt(attempt, quiz, questions, utcnow()) is True
    db.session.commit()
    return snapshot(db.session.get(QuizAttempt, attempt.id))


# -- grading by GIFT semantics -------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "answer", "score"),
    [
        ("tolerance", "3", 1.0),
        ("tolerance", "3.5", 1.0),  # the edge of the tolerance counts
        ("tolerance", "2.5", 1.0),
        ("tolerance", "3.6", 0.0),
        ("tolerance", "2.4", 0.0),
        ("tolerance", "three", 0.0),
        ("range", "1", 1.0),
        ("range", "5", 1.0),
        ("range", "3.25", 1.0),
        ("range", "5.01", 0.0),
        ("range", "0", 0.0),
        ("opioid", "heroin", 1.0),
        ("opioid", "HEROIN", 1.0),
        ("opioid", "Diamorphine", 1.0),  # the wildcard dia*
        ("opioid", "opiate", 0.5),  # an answer worth 50%
        ("opioid", "morphine", 0.0),
        ("several", ["0"], 0.5),
        ("several", ["0", "1"], 1.0),
        ("several", ["0", "1", "2"], 0.0),  # 50 + 50 - 100
        ("several", ["1", "2"], 0.0),  # 50 - 100: floored at 0, never negative
        ("several", ["2"], 0.0),
        ("alone", "true", 1.0),
        ("alone", "false", 0.0),
    ],
)
def test_answers_are_graded_by_gift_semantics(app, grading, question, answer, score):
    with app.app_context():
        row = submit_form(grading, "grading-course", "module:grading", {f"q-{question}": answer})
    assert row["results"][question]["score"] == pytest.approx(score)
    for other, result in row["results"].items():
        if other != question:
            assert result["score"] == 0.0  # unanswered


@pytest.mark.parametrize(
    ("chosen", "score"),
    [
        (["A sign of control", "Practical advice", "Looking after yourself"], 1.0),
        (["A sign of control", "Looking after yourself", "Practical advice"], 1 / 3),
        (["Practical advice", "Looking after yourself", "A sign of control"], 0.0),
        (["A sign of control", "", ""], 1 / 3),
    ],
)
def test_matching_scores_the_share_of_pairs_right(app, grading, chosen, score):
    form = {f"q-pairs--{i}": value for i, value in enumerate(chosen)}
    with app.app_context():
        row = submit_form(grading, "grading-course", "module:grading", form)
    assert row["results"]["pairs"]["score"] == pytest.approx(score, abs=1e-6)


def test_feedback_is_kept_for_each_answer_chosen(app, grading):
    form = {"q-several": ["0", "2"], "q-opioid": "opiate", "q-alone": "false"}
    with app.app_context():
        row = submit_form(grading, "grading-course", "module:grading", form)
    assert row["results"]["several"]["feedback"] == [
        "Yes: a scripted story is a red flag.",
        "No: coming alone is not a red flag.",
    ]
    assert row["results"]["opioid"]["feedback"] == ["Half: be more specific."]
    assert row["results"]["alone"]["feedback"] == ["They can be."]


def test_the_score_is_the_mean_and_the_pass_mark_applies(app, grading):
    right = ALL_RIGHT
    with app.app_context():
        row = submit_form(grading, "grading-course", "module:grading", right)
        assert row["score"] == 1.0
        assert row["passed"] is True
        # 3.5 of 6 = 58%: below the quiz's own pass mark of 60.
        partial = {**right, "q-tolerance": "9", "q-range": "9", "q-opioid": "opiate"}
        row = submit_form(grading, "grading-course", "module:grading", partial)
        assert row["score"] == pytest.approx(3.5 / 6)
        assert row["passed"] is False
        # 4 of 6 = 67%: passes.
        four = {**right, "q-range": "9", "q-tolerance": "9"}
        row = submit_form(grading, "grading-course", "module:grading", four)
        assert row["score"] == pytest.approx(4 / 6)
        assert row["passed"] is True


def test_the_general_feedback_is_stored_with_the_question(app, grading):
    with app.app_context():
        s = study(grading, "grading-course")
        questions = s.questions(s.quiz("module:grading"))
        assert (
            "Each callout block has its own purpose."
            in questions["pairs"].data["general_feedback_html"]
        )


# -- reading answers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "form",
    [
        {"q-unknown": ["1"]},
        {"score": ["1"]},
        {"q-where-is-the-slug": ["abc"]},
        {"q-where-is-the-slug": ["3"]},
        {"q-where-is-the-slug": ["0", "1"]},
        {"q-callouts": ["0", "x"]},
        {"q-": ["0"]},
    ],
)
def test_answers_the_form_could_not_send_are_refused(app, learner_id, form):
    with app.app_context():
        s = study(learner_id)
        attempt = s.start("module:first-steps")
        questions = s.questions(s.quiz("module:first-steps"))
        with pytest.raises(services.LearningError):
            services.read_responses(attempt, questions, form)


def test_answers_are_read_as_the_grader_expects(app, learner_id):
    with app.app_context():
        s = study(learner_id)
        attempt = s.start("module:first-steps")
        questions = s.questions(s.quiz("module:first-steps"))
        form = {"csrf_token": ["t"], "action": ["save"], "q-callouts": ["1", "0", "1"]}
        assert services.read_responses(attempt, questions, form) == {"callouts": [0, 1]}
        assert services.read_responses(attempt, questions, {}) == {}


def test_saving_answers_to_a_submitted_attempt_is_refused(app, learner_id):
    with app.app_context():
        s = study(learner_id)
        attempt = s.start("module:first-steps")
        quiz = s.quiz("module:first-steps")
        services.submit_attempt(attempt, quiz, s.questions(quiz), utcnow())
        db.session.commit()
        with pytest.raises(services.LearningError):
            services.save_responses(attempt, {"where-is-the-slug": 0}, utcnow())


# -- attempts: the limit, submitting once ------------------------------------------------------


def test_the_attempt_limit_refuses_a_fourth_attempt_and_creates_nothing(app, learner_id):
    with app.app_context():
        for _ in range(3):
            submit_form(learner_id, SLUG, "module:first-steps", {})
        s = study(learner_id)
        with pytest.raises(services.LearningError, match="You have used all 3 attempts"):
            s.start("module:first-steps")
        db.session.commit()
        count = db.session.execute(select(func.count(QuizAttempt.id))).scalar_one()
    assert count == 3


def test_start_returns_the_open_attempt(app, learner_id):
    with app.app_context():
        s = study(learner_id)
        first = s.start("module:first-steps")
        db.session.commit()
        assert study(learner_id).start("module:first-steps").id == first.id


def test_a_second_submit_returns_false_and_changes_nothing(app, learner_id):
    with app.app_context():
        s = study(learner_id)
        attempt = s.start("module:first-steps")
        quiz = s.quiz("module:first-steps")
        questions = s.questions(quiz)
        services.save_responses(attempt, {"where-is-the-slug": 0}, utcnow())
        results = [services.submit_attempt(attempt, quiz, questions, utcnow())]
        db.session.commit()
        before = snapshot(db.session.get(QuizAttempt, attempt.id))
        results.append(services.submit_attempt(attempt, quiz, questions, utcnow()))
        db.session.commit()
        assert results == [True, False]
        assert snapshot(db.session.get(QuizAttempt, attempt.id)) == before


def test_a_submit_from_a_stale_page_changes_nothing(app, learner_id):
    """Two tabs: B loaded the attempt before A submitted it; B then submits other answers.

    B's submit loses (False), and the stored attempt must stay as A graded it: its
    answers, score and feedback belong together.
    """
    with app.app_context():
        attempt_id = study(learner_id).start("module:first-steps").id
        db.session.commit()
    with app.app_context():  # request B
        b = study(learner_id)
        b_attempt = db.session.get(QuizAttempt, attempt_id)
        assert b_attempt.submitted_at is None
        with app.app_context():  # request A, start to finish, meanwhile
            a = study(learner_id)
            a_attempt = db.session.get(QuizAttempt, attempt_id)
            quiz = a.quiz("module:first-steps")
            services.save_responses(a_attempt, {"where-is-the-slug": 0}, utcnow())
            assert services.submit_attempt(a_attempt, quiz, a.questions(quiz), utcnow())
            db.session.commit()
        quiz = b.quiz("module:first-steps")
        with pytest.raises(services.LearningError, match="already been submitted"):
            services.save_responses(b_attempt, {"where-is-the-slug": 2}, utcnow())
        won = services.submit_attempt(b_attempt, quiz, b.questions(quiz), utcnow())
        db.session.commit()
    assert won is False
    with app.app_context():
        row = snapshot(db.session.get(QuizAttempt, attempt_id))
    assert row["score"] == 0.5
    assert row["responses"] == {"where-is-the-slug": 0}, (
        "the losing submit overwrote the graded answers"
    )


@needs_postgresql
def test_two_threads_submitting_the_same_attempt_at_once_one_wins(app, learner_id):
    with app.app_context():
        s = study(learner_id)
        attempt = s.start("module:first-steps")
        services.save_responses(attempt, {"where-is-the-slug": 0}, utcnow())
        db.session.commit()
        attempt_id = attempt.id
    barrier = threading.Barrier(2)
    results, errors = [], []

    def submit():
        try:
            with app.app_context():
                t = study(learner_id)
                mine = db.session.get(QuizAttempt, attempt_id)
                quiz = t.quiz("module:first-steps")
                questions = t.questions(quiz)
                barrier.wait(timeout=10)
                results.append(services.submit_attempt(mine, quiz, questions, utcnow()))
                db.session.commit()
                db.session.remove()
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(results) == [False, True]
    with app.app_context():
        row = snapshot(db.session.get(QuizAttempt, attempt_id))
    assert row["score"] == 0.5
    assert row["submitted_at"] is not None


# -- progress and completion ------------------------------------------------------------------


def finish_everything(user_id: int, *, but: str = "") -> None:
    """Every step of the example course (inside an app context), except ``but``."""
    s = study(user_id)
    now = utcnow()
    if but != "lessons":
        for module in s.version.modules:
            for lesson in module.lessons:
                services.mark_lesson_complete(s.enrollment, module.slug, lesson.slug, now)
    db.session.commit()
    right = {
        "module:first-steps": {"q-where-is-the-slug": "0", "q-callouts": ["0", "1"]},
        "module:going-further": {"q-gift-comes-from": "moodle", "q-numbers": "4"},
        "posttest": {},
    }
    for key, form in right.items():
        if but != key:
            submit_form(user_id, SLUG, key, form)
    if but != "evaluation":
        s = study(user_id)
        services.submit_evaluation(s.enrollment, s.version, {"met-objectives": 4}, now)
        db.session.commit()


def test_the_rules_of_the_example_course(app, learner_id):
    with app.app_context():
        s = study(learner_id)
        progress = s.progress()
        assert progress.rules() == {
            "lessons": False,
            "quizzes": False,
            "posttest": False,
            "evaluation": False,
        }
        assert [step.kind for step in progress.steps] == [
            "lesson",
            "lesson",
            "quiz",
            "lesson",
            "quiz",
            "posttest",
            "evaluation",
        ]
        assert progress.next_step.lesson_slug == "welcome"
        finish_everything(learner_id)
        progress = study(learner_id).progress()
        assert all(progress.rules().values())
        assert progress.complete
        assert progress.next_step is None
        assert progress.percent == 100


@pytest.mark.parametrize("missing", ["lessons", "module:going-further", "posttest", "evaluation"])
def test_the_course_is_not_complete_while_a_rule_fails(app, learner_id, missing):
    with app.app_context():
        finish_everything(learner_id, but=missing)
        s = study(learner_id)
        progress = s.progress()
        assert not progress.complete
        assert services.complete_if_done(s.enrollment, progress, utcnow()) is False
        db.session.commit()
        assert study(learner_id).enrollment.completed_at is None


def test_completion_is_recorded_and_signalled_exactly_once(app, learner_id, completions):
    with app.app_context():
        finish_everything(learner_id)
        s = study(learner_id)
        progress = s.progress()
        first = services.complete_if_done(s.enrollment, progress, utcnow())
        db.session.commit()
        completed_at = s.enrollment.completed_at
        again = services.complete_if_done(s.enrollment, s.progress(), utcnow())
        db.session.commit()
        assert first is True
        assert again is False
        assert s.enrollment.completed_at == completed_at
        assert s.enrollment.completed_version_id == s.version.id
        assert completions == [(s.enrollment.id, s.version.id)]


def test_a_stale_request_does_not_complete_again(app, learner_id, completions):
    with app.app_context():
        finish_everything(learner_id)
    with app.app_context():  # request B loaded the enrolment before A completed it
        b = study(learner_id)
        b_progress = b.progress()
        assert b.enrollment.completed_at is None
        with app.app_context():  # request A
            a = study(learner_id)
            assert services.complete_if_done(a.enrollment, a.progress(), utcnow()) is True
            db.session.commit()
            completed_at = a.enrollment.completed_at
        assert services.complete_if_done(b.enrollment, b_progress, utcnow()) is False
        db.session.commit()
        assert b.enrollment.completed_at == completed_at
    assert len(completions) == 1


@needs_postgresql
def test_two_threads_completing_at_once_complete_once(app, learner_id, completions):
    with app.app_context():
        finish_everything(learner_id)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def complete():
        try:
            with app.app_context():
                t = study(learner_id)
                progress = t.progress()
                barrier.wait(timeout=10)
                results.append(services.complete_if_done(t.enrollment, progress, utcnow()))
                db.session.commit()
                db.session.remove()
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(results) == [False, True]
    assert len(completions) == 1


def test_the_pre_test_is_no_rule_and_no_step(app, learner_id):
    with app.app_context():
        submit_form(learner_id, SLUG, "pretest", {"q-folder-names": "0"})
        progress = study(learner_id).progress()
        assert "pretest" not in progress.rules()
        assert all(step.kind != "pretest" for step in progress.steps)
        assert progress.done_steps == 0
        assert progress.quizzes["pretest"].best == 0.5


def test_knowledge_gain_needs_both_tests(app, learner_id):
    with app.app_context():
        assert study(learner_id).progress().knowledge_gain() is None
        submit_form(learner_id, SLUG, "pretest", {"q-folder-names": "0"})
        assert study(learner_id).progress().knowledge_gain() is None
        submit_form(learner_id, SLUG, "posttest", {"q-folder-names": "0", "q-front-matter": "true"})
        assert study(learner_id).progress().knowledge_gain() == (50, 100, 50)


def test_progress_of_many_enrolments_matches_progress_of_each(app, make_user, example_course):
    ids = []
    for n in range(3):
        record = make_user()
        with app.app_context():
            user = db.session.get(User, record.id)
            services.enrol(user, services.course_by_slug(SLUG), now=utcnow())
            db.session.commit()
            s = study(record.id)
            for module in s.version.modules[: n + 1]:
                for lesson in module.lessons[:n]:
                    services.mark_lesson_complete(s.enrollment, module.slug, lesson.slug, utcnow())
            db.session.commit()
        ids.append(record.id)
    with app.app_context():
        studies = [study(i) for i in ids]
        many = services.progress_for_many([(s.enrollment, s.version) for s in studies])
        for s in studies:
            one = s.progress()
            assert many[s.enrollment.id].completed_lessons == one.completed_lessons
            assert many[s.enrollment.id].done_steps == one.done_steps
            assert many[s.enrollment.id].rules() == one.rules()
        assert [many[s.enrollment.id].done_steps for s in studies] == [0, 2, 3]


def test_quiz_state_counts_attempts_best_pass_and_the_open_one(app, grading):
    """The figures progress reads from SQL aggregates (no attempt objects), checked
    against attempts made here: a pass, then a better fail, then one left open."""
    right = ALL_RIGHT
    key = "module:grading"
    with app.app_context():
        fresh = study(grading, "grading-course").progress().quizzes[key]
        assert (fresh.attempts, fresh.attempts_submitted, fresh.best) == (0, 0, None)
        assert (fresh.passed, fresh.open_attempt_id) == (False, None)
        submit_form(grading, "grading-course", key, {**right, "q-range": "9", "q-tolerance": "9"})
        submit_form(grading, "grading-course", key, {"q-alone": "true"})  # 1 of 6: fails
        # passed with 4/6, later failed with 1/6: passed stays, best is 4/6
        state = study(grading, "grading-course").progress().quizzes[key]
        assert (state.attempts, state.attempts_submitted) == (2, 2)
        assert state.best == pytest.approx(4 / 6) and state.passed is True
        assert state.open_attempt_id is None and state.best_percent == 67
        opened = study(grading, "grading-course").start(key)
        db.session.commit()
        state = study(grading, "grading-course").progress().quizzes[key]
        assert (state.attempts, state.attempts_submitted) == (3, 2)
        assert state.open_attempt_id == opened.id
        assert state.best == pytest.approx(4 / 6) and state.passed is True
        assert not state.may_start  # an attempt is open


def test_a_submitted_fail_is_not_a_pass(app, grading):
    with app.app_context():
        submit_form(grading, "grading-course", "module:grading", {"q-alone": "true"})
        state = study(grading, "grading-course").progress().quizzes["module:grading"]
        assert (state.attempts, state.attempts_submitted, state.passed) == (1, 1, False)
        assert state.best == pytest.approx(1 / 6)
        assert state.may_retry


def test_the_progress_of_someone_not_enrolled_is_empty(app, example_course):
    with app.app_context():
        course = services.course_by_slug(SLUG)
        version = services.version_with_content(course.current_version_id)
        progress = services.progress_for(None, version)
        assert progress.done_steps == 0
        assert not progress.complete


# -- evaluation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "answers", "errors"),
    [
        ({"e-met-objectives": ["5"]}, {"met-objectives": 5}, {}),
        ({"e-met-objectives": [" 3 "], "e-improve": ["  "]}, {"met-objectives": 3}, {}),
        ({}, {}, {"met-objectives": "Please answer this question."}),
        ({"e-met-objectives": ["6"]}, {}, {"met-objectives": "Choose one of the five answers."}),
        ({"e-met-objectives": ["1", "2"]}, {}, {"met-objectives": "Choose one answer."}),
        (
            {"e-met-objectives": ["2"], "e-improve": ["x" * 4001]},
            {"met-objectives": 2},
            {"improve": "Use at most 4000 characters."},
        ),
    ],
)
def test_reading_the_evaluation(app, example_course, form, answers, errors):
    with app.app_context():
        version = services.version_with_content(services.course_by_slug(SLUG).current_version_id)
        assert services.read_evaluation(version, form) == (answers, errors)


def test_the_evaluation_is_submitted_once(app, learner_id):
    with app.app_context():
        s = study(learner_id)
        services.submit_evaluation(s.enrollment, s.version, {"met-objectives": 4}, utcnow())
        db.session.commit()
        with pytest.raises(services.LearningError, match="already submitted"):
            services.submit_evaluation(s.enrollment, s.version, {"met-objectives": 1}, utcnow())
        db.session.commit()
        assert s.progress().evaluation_submitted


# -- enrolment and permissions ------------------------------------------------------------------


def test_enrolling_twice_returns_the_same_enrolment(app, learner_id):
    with app.app_context():
        s = study(learner_id)
        assert services.enrol(s.user, s.course, now=utcnow()).id == s.enrollment.id
        db.session.commit()
        count = db.session.execute(select(func.count(Enrollment.id))).scalar_one()
    assert count == 1


def person(user_id: int = 1, *, active: bool = True):
    return SimpleNamespace(id=user_id, role="learner", is_authenticated=True, is_active=active)


def test_who_may_study_and_see_an_attempt():
    enrollment = SimpleNamespace(id=10, user_id=1)
    attempt = SimpleNamespace(enrollment_id=10)
    other_attempt = SimpleNamespace(enrollment_id=11)
    assert permissions.can_study(person(1), enrollment)
    assert not permissions.can_study(person(2), enrollment)
    assert not permissions.can_study(person(1), None)
    assert not permissions.can_study(person(1, active=False), enrollment)
    assert permissions.can_see_attempt(person(1), enrollment, attempt)
    assert not permissions.can_see_attempt(person(1), enrollment, other_attempt)
    assert not permissions.can_see_attempt(person(1), enrollment, None)
    assert not permissions.can_see_attempt(person(2), enrollment, attempt)


def test_who_may_enrol():
    published = SimpleNamespace(current_version_id=1)
    hidden = SimpleNamespace(current_version_id=None)
    open_version = SimpleNamespace(self_enrollment=True)
    closed_version = SimpleNamespace(self_enrollment=False)
    assert permissions.can_enrol(person(), published, open_version)
    assert not permissions.can_enrol(person(), published, closed_version)
    assert not permissions.can_enrol(person(), hidden, open_version)
    assert not permissions.can_enrol(None, published, open_version)
    assert not permissions.can_enrol(person(active=False), published, open_version)


def test_the_database_refuses_a_second_enrolment_of_the_same_learner(app, learner_id):
    with app.app_context():
        s = study(learner_id)
        db.session.add(Enrollment(user_id=s.user.id, course_id=s.course.id, enrolled_at=utcnow()))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        count = db.session.execute(select(func.count(Enrollment.id))).scalar_one()
    assert count == 1
