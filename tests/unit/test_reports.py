"""The report functions of lms/reports on data made through the learning services
(issue #6, "Reports"), and their cost in queries at 10 and 1,000 learners."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from lms.accounts.models import User
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.learning import services
from lms.learning.models import Enrollment, QuizAttempt
from lms.reports import charts, exports, queries
from lms.reports.completions import completion_summary, default_period
from lms.reports.evaluation import MIN_RESPONSES, evaluation_results
from lms.reports.gain import knowledge_gain
from lms.reports.items import MIN_N, MIN_N_DISCRIMINATION, ItemStats, _flags, item_analysis
from lms.reports.progress import (
    DONE,
    IN_PROGRESS,
    NOT_STARTED,
    learner_detail,
    progress_all,
    progress_table,
)
from lms.reports.progress import progress_matrix as matrix_of
from lms.reports.queries import ReportInputError
from tests.learning_fixtures import (
    EXAMPLE,
    SLUG,
    TWO_QUESTIONS,
    ModuleDef,
    import_folder,
    write_course,
    write_generated_course,
)
from tests.report_fixtures import (
    EVALUATIONS,
    NOW,
    assign,
    bulk_learners,
    evaluators,
    make_cohort,
    read_csv,
    reports_fixture,  # noqa: F401
    study,
)


def course(slug: str = SLUG):
    return queries.published_course(slug)


def cohort(cohort_id: int):
    return db.session.get(Cohort, cohort_id)


# -- progress matrix -------------------------------------------------------------------------


def test_matrix_rows_by_name_with_states_and_scores(app, reports):
    with app.app_context():
        matrix = matrix_of(course())
        assert [m.slug for m in matrix.modules] == ["first-steps", "going-further"]
        rows = {row.name: row for row in matrix.rows}
        assert list(rows) == [f"Learner {x}" for x in "ABCDEF"]
        states = {name: [c.state for c in row.cells] for name, row in rows.items()}
        assert states == {
            "Learner A": [DONE, DONE],
            # Both lessons of module 1 and its quiz passed (75% >= 50%).
            "Learner B": [DONE, NOT_STARTED],
            # A quiz attempt but no lesson: in progress, even with the quiz passed.
            "Learner C": [IN_PROGRESS, NOT_STARTED],
            "Learner D": [IN_PROGRESS, NOT_STARTED],
            "Learner E": [IN_PROGRESS, NOT_STARTED],
            "Learner F": [IN_PROGRESS, NOT_STARTED],
        }
        best = {name: row.cells[0].best for name, row in rows.items()}
        assert best == {
            "Learner A": 1.0,
            "Learner B": 0.75,
            "Learner C": 0.5,
            "Learner D": 0.5,
            "Learner E": 0.0,
            "Learner F": 0.25,
        }
        a = rows["Learner A"]
        assert (a.pretest_best, a.posttest_best) == (0.0, 1.0)
        assert a.evaluation_submitted is True
        assert a.completed_at is not None
        assert a.certificate_code and not a.certificate_revoked
        b = rows["Learner B"]
        assert b.pretest_best is None and b.completed_at is None and b.certificate == ""
        assert b.evaluation_submitted is False


def test_matrix_pages_and_refuses_a_page_that_does_not_exist(app, reports):
    with app.app_context():
        second = matrix_of(course(), page=2, per_page=4)
        assert [row.name for row in second.rows] == ["Learner E", "Learner F"]
        assert (second.page.pages, second.page.total, second.page.has_prev) == (2, 6, True)
        for page in (0, 3, -1):
            with pytest.raises(ReportInputError, match="no page"):
                matrix_of(course(), page=page, per_page=4)


def test_matrix_of_a_cohort_lists_its_members_only(app, reports):
    cohort_id = make_cohort(app, "Residents 2025", members=[reports["B"], reports["D"]])
    with app.app_context():
        matrix = matrix_of(course(), cohort=cohort(cohort_id))
        assert [row.name for row in matrix.rows] == ["Learner B", "Learner D"]
        assert [row.name for row in progress_all(course(), cohort=cohort(cohort_id)).rows] == [
            "Learner B",
            "Learner D",
        ]


# The learner's own page (Progress.module_state) and the matrix name the states apart.
OWN_PAGE_STATE = {"complete": DONE, "in progress": IN_PROGRESS, "not started": NOT_STARTED}
QUIZ_RIGHT = {"q-which-is-right": "0", "q-sky": "true"}
QUIZ_WRONG = {"q-which-is-right": "1", "q-sky": "false"}
RULES_SLUG = "rules-course"
RULES_MODULES = ("graded", "ungraded", "no-quiz")
ALL_LESSONS = [("graded", "one"), ("graded", "two"), ("ungraded", "one"), ("no-quiz", "one")]
QUIZZED = ("graded", "ungraded")
# What each learner did, in every module at once.
SITUATIONS = {
    "nothing": {},
    "one lesson": {"lessons": [("graded", "one"), ("ungraded", "one"), ("no-quiz", "one")]},
    "the second lesson only": {"lessons": [("graded", "two")]},
    "every lesson": {"lessons": ALL_LESSONS},
    "every lesson, quizzes failed": {
        "lessons": ALL_LESSONS,
        "quizzes": [(m, QUIZ_WRONG) for m in QUIZZED],
    },
    "every lesson, quizzes passed": {
        "lessons": ALL_LESSONS,
        "quizzes": [(m, QUIZ_RIGHT) for m in QUIZZED],
    },
    "quizzes passed only": {"quizzes": [(m, QUIZ_RIGHT) for m in QUIZZED]},
    "quizzes failed only": {"quizzes": [(m, QUIZ_WRONG) for m in QUIZZED]},
    "every lesson, quizzes open": {"lessons": ALL_LESSONS, "open": QUIZZED},
    "quizzes open only": {"open": QUIZZED},
}


def _open_attempts(app, enrollment_id: int, module_slugs) -> None:
    """Start an attempt at each module's quiz and leave it open (not submitted)."""
    with app.app_context():
        enrollment = db.session.get(Enrollment, enrollment_id)
        version = services.version_with_content(course(RULES_SLUG).current_version_id)
        for module_slug in module_slugs:
            quiz = next(q for q in version.quizzes if q.key == f"module:{module_slug}")
            state = services.progress_for(enrollment, version).quizzes[quiz.key]
            services.start_attempt(enrollment, quiz, services.quiz_questions(quiz), state, NOW)
        db.session.commit()


def _learners_in_every_situation(app, make_user) -> dict[str, int]:
    ids = {}
    for name, plan in SITUATIONS.items():
        user = make_user(full_name=name)
        ids[name] = study(
            app,
            user,
            slug=RULES_SLUG,
            lessons=plan.get("lessons", ()),
            quizzes=plan.get("quizzes", ()),
        )
        _open_attempts(app, ids[name], plan.get("open", ()))
    return ids


@pytest.mark.parametrize(
    "rules",
    [
        ("lessons",),
        ("quizzes",),
        ("lessons", "quizzes"),
        ("lessons", "quizzes", "posttest", "evaluation"),
        ("lessons", "evaluation"),
    ],
)
def test_matrix_states_are_those_of_the_learners_own_page(app, tmp_path, make_user, rules):
    """For every learner and module, the matrix (page and CSV) shows the state the
    learner's own course page computes (Progress.module_state), whatever rules the
    course completes by."""
    _rules_course(app, tmp_path, rules)
    ids = _learners_in_every_situation(app, make_user)
    with app.app_context():
        the_course = course(RULES_SLUG)
        version = services.version_with_content(the_course.current_version_id)
        assert [m.slug for m in version.modules] == list(RULES_MODULES)
        paged = {row.enrollment_id: row for row in matrix_of(the_course).rows}
        every = {row.enrollment_id: row for row in progress_all(the_course).rows}
        seen = set()
        for name, enrollment_id in ids.items():
            enrollment = db.session.get(Enrollment, enrollment_id)
            progress = services.progress_for(enrollment, version)
            own = [OWN_PAGE_STATE[progress.module_state(m)] for m in version.modules]
            assert [c.state for c in paged[enrollment_id].cells] == own, (rules, name)
            assert [c.state for c in every[enrollment_id].cells] == own, (rules, name)
            seen.update(own)
        assert seen == {DONE, IN_PROGRESS, NOT_STARTED}  # the comparison is not vacuous


def _rules_course(app, tmp_path, rules) -> None:
    """A module with a graded quiz, one with an ungraded quiz, one without a quiz;
    a post-test and an evaluation when the rules name them."""
    folder = write_course(
        tmp_path,
        RULES_SLUG,
        modules=[
            ModuleDef("graded", lessons=["one", "two"]),
            ModuleDef("ungraded", lessons=["one"], quiz_settings="graded = false"),
            ModuleDef("no-quiz", lessons=["one"], quiz=None),
        ],
        completion=rules,
        posttest=TWO_QUESTIONS if "posttest" in rules else None,
        evaluation="evaluation" in rules,
    )
    import_folder(app, folder)


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        # The course completes by its lessons: a failed graded quiz does not hold
        # the module back (the learner's own page says "complete").
        (("lessons",), [DONE, DONE, DONE]),
        # By lessons and quizzes: the graded quiz must be passed.
        (("lessons", "quizzes"), [IN_PROGRESS, DONE, DONE]),
    ],
)
def test_a_graded_quiz_counts_only_when_the_course_completes_by_quizzes(
    app, tmp_path, make_user, rules, expected
):
    _rules_course(app, tmp_path, rules)
    enrollment_id = study(
        app,
        make_user(full_name="Lessons done, quiz failed"),
        slug=RULES_SLUG,
        lessons=ALL_LESSONS,
        quizzes=[("graded", QUIZ_WRONG), ("ungraded", QUIZ_WRONG)],
    )
    with app.app_context():
        [row] = matrix_of(course(RULES_SLUG)).rows
        [csv_row] = read_csv(exports.progress_csv(progress_table(course(RULES_SLUG))).text)
        version = services.version_with_content(course(RULES_SLUG).current_version_id)
        progress = services.progress_for(db.session.get(Enrollment, enrollment_id), version)
        own_page = [OWN_PAGE_STATE[progress.module_state(m)] for m in version.modules]
    assert own_page == expected
    assert [c.state for c in row.cells] == expected
    assert [csv_row[f"module_{n}_{m}_state"] for n, m in enumerate(RULES_MODULES, 1)] == expected


def test_heat_map_carries_letters_a_legend_and_a_summary(app, reports):
    with app.app_context():
        svg = charts.heat_map(matrix_of(course()))
        letters = [t.text for t in svg.texts]
        assert letters.count("D") >= 3 and letters.count("P") >= 4 and "N" in letters
        assert {"D: done", "P: in progress", "N: not started"} <= set(letters)
        assert "module 1 (First steps): 2 of 6 done, 4 in progress, 0 not started" in svg.desc
        assert all(r.fill.startswith("#") for r in svg.rects)


def test_progress_csv_has_every_learner_and_escapes_formulas(app, reports, make_user):
    evil = make_user(full_name='=HYPERLINK("http://x")', email="evil@example.org")
    study(app, evil)
    with app.app_context():
        rows = read_csv(exports.progress_csv(progress_table(course())).text)
    assert len(rows) == 7
    assert rows[0]["learner"] == '\'=HYPERLINK("http://x")'
    a = next(r for r in rows if r["learner"] == "Learner A")
    assert a["module_1_first-steps_state"] == "done"
    assert a["module_1_first-steps_best_percent"] == "100.0"
    assert a["pretest_best_percent"] == "0.0"
    assert a["evaluation_submitted"] == "yes"
    assert a["certificate_status"] == "valid"
    assert len(a["certificate_code"]) == 15  # grouped: XXXX-XXXX-XXXXX


def test_the_csv_table_holds_the_same_cells_as_the_matrix(app, reports, make_user):
    """The export's lean path (progress_table) and the pages' objects (progress_all)
    come from the same queries and the same state rule: they agree on every cell."""
    study(app, make_user(full_name="Learner H", email="h@example.org"))
    with app.app_context():
        matrix = progress_all(course())
        table = progress_table(course())
        from_table = [
            (learner[0], [state for state, _ in cells], [best for _, best in cells], pre, post)
            for learner, cells, pre, post in table.records()
        ]
        from_matrix = [
            (
                row.name,
                [c.state for c in row.cells],
                [c.best for c in row.cells],
                row.pretest_best,
                row.posttest_best,
            )
            for row in matrix.rows
        ]
    assert from_table == from_matrix
    assert {state for _, states, *_ in from_table for state in states} == {
        DONE,
        IN_PROGRESS,
        NOT_STARTED,
    }


# -- one learner -------------------------------------------------------------------------------


def test_learner_detail_lists_lessons_attempts_evaluation_and_certificate(app, reports):
    with app.app_context():
        enrollment = db.session.get(Enrollment, reports["ids"]["A"])
        detail = learner_detail(course(), enrollment)
        assert detail.lessons_done == detail.lessons_in_version == 3
        keys = sorted((a.quiz_key, a.number) for a in detail.attempts)
        assert keys == [
            ("module:first-steps", 1),
            ("module:first-steps", 2),
            ("module:going-further", 1),
            ("posttest", 1),
            ("pretest", 1),
        ]
        assert all(a.submitted_at and a.score is not None for a in detail.attempts)
        assert {a.quiz_title for a in detail.attempts} >= {"Pre-test", "Post-test"}
        assert detail.evaluation_submitted is True
        assert detail.certificate is not None and detail.certificate.status == "valid"
        rows = read_csv(exports.learner_csv(detail).text)
        assert [r["record"] for r in rows].count("attempt") == 5
        assert rows[-1]["record"] == "certificate"


def test_progress_and_learner_detail_say_whether_the_evaluation_was_submitted_not_when(
    app, reports, make_user
):
    """A submission time next to a name would match the name to an evaluation response."""

    late = make_user(full_name="Learner G", email="g@example.org")
    study(app, late)
    # The evaluation three days later (study submits it an hour after ``at``): 2025-06-05.
    enrollment_id = study(
        app, late, evaluation={"e-met-objectives": "2"}, at=NOW + timedelta(days=3)
    )
    with app.app_context():
        matrix = progress_all(course())
        row = next(r for r in matrix.rows if r.enrollment_id == enrollment_id)
        assert row.evaluation_submitted is True
        assert not hasattr(row, "evaluation_submitted_at")
        progress = exports.progress_csv(progress_table(course())).text
        detail = learner_detail(course(), db.session.get(Enrollment, enrollment_id))
        assert detail.evaluation_submitted is True
        assert not hasattr(detail, "evaluation_submitted_at")
        learner = exports.learner_csv(detail).text
    rows = read_csv(progress)
    assert "evaluation_submitted_at" not in rows[0]
    assert next(r for r in rows if r["learner"] == "Learner G")["evaluation_submitted"] == "yes"
    assert next(r for r in rows if r["learner"] == "Learner B")["evaluation_submitted"] == "no"
    [evaluation] = [r for r in read_csv(learner) if r["record"] == "evaluation"]
    assert (evaluation["started_at"], evaluation["finished_at"]) == ("", "")
    assert evaluation["note"] == "submitted"
    for text in (progress, learner):
        assert "2025-06-05" not in text


# -- item analysis -----------------------------------------------------------------------------


def _item(report, slug):
    return next(item for item in report.items if item.slug == slug)


def test_item_analysis_over_first_attempts_by_hand(app, reports):
    with app.app_context():
        report = item_analysis(course(), "first-steps", first_only=True)
    assert (report.attempts, report.learners) == (6, 6)
    slug = _item(report, "where-is-the-slug")
    # Right: A, B, D of six. Ranked by attempt score E 0, F .25, C .5, D .5, B .75, A 1:
    # groups of 2: lower E, F (0, 0), upper B, A (1, 1): D = 1.
    # Rest of the attempt (the callouts score): 1, .5, 1, 0, 0, .5; covariance with
    # the item's 1, 1, 0, 1, 0, 0 is 0: point-biserial 0.
    assert (slug.n, slug.facility, slug.upper_lower) == (6, 0.5, 1.0)
    assert slug.point_biserial == pytest.approx(0.0, abs=1e-12)
    assert slug.flags == []
    shares = [(c.count, round(c.share, 3), c.credit) for c in slug.choices]
    assert shares == [(3, 0.5, 1.0), (2, 0.333, 0.0), (1, 0.167, 0.0)]
    assert slug.choices[0].label == "Its file name, without the leading number"
    callouts = _item(report, "callouts")
    # 1 + .5 + 1 + 0 + 0 + .5 = 3 of 6; lower E, F (0, .5), upper B, A (.5, 1): D = .5.
    assert (callouts.facility, callouts.upper_lower) == (0.5, 0.5)
    # Several answers in one attempt: red-flag by A, B, C; self-care by A, C, F; warning by D, E.
    assert [c.count for c in callouts.choices] == [3, 3, 2]
    assert "Several answers" in callouts.choices_note


def test_item_analysis_counts_every_attempt_by_default(app, reports):
    with app.app_context():
        report = item_analysis(course(), "first-steps")
    # A took the quiz twice (right both times): 7 attempts by 6 learners.
    assert (report.attempts, report.learners, report.first_only) == (7, 6, False)
    assert _item(report, "where-is-the-slug").facility == pytest.approx(4 / 7)


def test_item_analysis_of_other_question_kinds(app, reports):
    with app.app_context():
        further = item_analysis(course(), "going-further")
        pre = item_analysis(course(), "pretest")
    typed = _item(further, "gift-comes-from")
    assert typed.type == "shortanswer"
    assert [(c.label, c.count) for c in typed.choices] == [("moodle", 1)]
    assert "most frequent" in typed.choices_note
    truefalse = _item(pre, "front-matter")
    assert [(c.label, c.count) for c in truefalse.choices] == [("True", 0), ("False", 1)]
    # One attempt: too few to flag, though nobody got it right.
    assert truefalse.facility == 0.0 and truefalse.flags == []
    assert truefalse.point_biserial is None and truefalse.upper_lower is None


def test_item_analysis_of_a_cohort_and_of_an_unknown_quiz(app, reports):
    cohort_id = make_cohort(app, "Night shift", members=[reports["E"], reports["F"]])
    with app.app_context():
        report = item_analysis(course(), "first-steps", cohort=cohort(cohort_id))
        assert report.attempts == 2 and _item(report, "where-is-the-slug").facility == 0.0
        with pytest.raises(ReportInputError, match="no quiz"):
            item_analysis(course(), "no-such-module")


@pytest.mark.parametrize(
    ("n", "facility", "pb", "d", "flags"),
    [
        (5, 0.95, 0.2, 0.1, ["too easy"]),
        (5, 0.90, 0.2, 0.1, []),  # the thresholds themselves are not flagged
        (5, 0.29, 0.2, 0.1, ["too hard"]),
        (5, 0.30, 0.2, 0.1, []),
        # Negative discrimination only once 20 attempts answered: with 5 or 6 the
        # 27% groups hold one attempt each.
        (5, 0.5, -0.01, 0.2, []),
        (5, 0.5, 0.3, -0.2, []),
        (19, 0.5, -0.5, -0.5, []),
        (19, 0.2, -0.5, -0.5, ["too hard"]),
        (20, 0.5, -0.01, 0.2, ["negative discrimination"]),
        (20, 0.5, 0.3, -0.2, ["negative discrimination"]),
        (20, 0.5, 0.0, 0.0, []),
        (20, 0.2, None, -0.5, ["too hard", "negative discrimination"]),
        (4, 0.1, -0.9, -0.9, []),  # fewer than five attempts: never flagged
    ],
)
def test_flags_and_their_thresholds(n, facility, pb, d, flags):
    item = ItemStats(1, "q", "multichoice", "Q", True, n, facility, d, pb)
    assert _flags(item) == flags


def test_the_two_flag_thresholds():
    assert (MIN_N, MIN_N_DISCRIMINATION) == (5, 20)


def test_items_csv(app, reports):
    with app.app_context():
        rows = read_csv(exports.items_csv(item_analysis(course(), "first-steps")).text)
    assert [r["question_slug"] for r in rows] == ["where-is-the-slug", "callouts"]
    assert rows[0]["n"] == "7" and rows[0]["facility"] == str(round(4 / 7, 4))


# -- knowledge gain --------------------------------------------------------------------------------


def test_knowledge_gain_takes_the_first_pretest_and_the_best_posttest(app, reports):
    with app.app_context():
        a = reports["ids"]["A"]
        version_id = course().current_version_id
        # A later pre-test attempt (all right) and a worse post-test: neither counts.
        db.session.execute(
            insert(QuizAttempt),
            [
                _extra_attempt(a, "pretest", 2, version_id, 1.0),
                _extra_attempt(a, "posttest", 2, version_id, 0.5),
            ],
        )
        db.session.commit()
        report = knowledge_gain(course(), page=1)
    assert report.has_tests
    [row] = report.rows
    assert (row.name, row.pre, row.post, row.gain) == ("Learner A", 0.0, 100.0, 100.0)
    assert (report.n, report.mean_gain, report.median_gain) == (1, 100.0, 100.0)
    assert [b.count for b in report.bins()][-1] == 1


def _extra_attempt(enrollment_id, key, number, version_id, score):
    return {
        "enrollment_id": enrollment_id,
        "quiz_key": key,
        "number": number,
        "version_id": version_id,
        "started_at": NOW + timedelta(days=number),
        "submitted_at": NOW + timedelta(days=number, minutes=5),
        "question_order": [],
        "answer_orders": {},
        "responses": {},
        "results": {},
        "score": score,
        "passed": True,
    }


def test_knowledge_gain_statistics_over_several_learners(app, make_user):
    from tests.learning_fixtures import RIGHT, WRONG

    import_folder(app, EXAMPLE)
    half = {"q-folder-names": "0", "q-front-matter": "false"}  # one of two right: 50%
    plans = [(WRONG, RIGHT), (WRONG, {"posttest": half}), ({"pretest": half}, RIGHT)]
    for pre, post in plans:
        study(
            app,
            make_user(),
            quizzes=[("pretest", pre["pretest"]), ("posttest", post["posttest"])],
        )
    study(app, make_user(), quizzes=[("pretest", half)])  # never took the post-test
    with app.app_context():
        report = knowledge_gain(course())
        rows = read_csv(exports.gain_csv(report).text)
    # Gains: 0 -> 100 (+100), 0 -> 50 (+50), 50 -> 100 (+50).
    assert sorted(report.gains) == [50.0, 50.0, 100.0]
    assert report.n == 3 and report.only_pre == 1 and report.only_post == 0
    assert report.mean_pre == pytest.approx(50 / 3)
    assert report.mean_post == pytest.approx(250 / 3)
    assert report.mean_gain == pytest.approx(200 / 3)
    assert report.median_gain == 50.0
    assert len(rows) == 4 and rows[-1]["gain_points"] == ""


# -- evaluation ------------------------------------------------------------------------------------


def test_evaluation_results_carry_no_time_and_no_order_of_submission(app, reports, make_user):
    # A answered first ("More cases, please.", 4); then, an hour apart, EVALUATIONS.
    evaluators(app, make_user)
    with app.app_context():
        report = evaluation_results(course(), page=1)
        text = exports.evaluation_csv(report).text
    assert report.count == 6 and not report.withheld
    [likert] = report.likert
    # Ratings 4, 2, 5, 4, 5, 3: mean 23/6, median (4 + 4) / 2.
    assert (likert.id, likert.n, likert.median) == ("met-objectives", 6, 4.0)
    assert likert.mean == pytest.approx(23 / 6)
    assert [level.count for level in likert.levels] == [0, 1, 1, 2, 2]
    assert likert.levels[3].label == "Agree"
    # Written answers by their text, case aside (ties: capitals first), numbered after.
    assert [(a.number, a.text) for a in report.page.items] == [
        (1, "A glossary of terms."),
        (2, "More cases, please."),
        (3, "More cases, please."),
        (4, "more cases, please."),
        (5, "Zoom in on the diagrams."),
    ]
    for record in (*report.responses, *report.text_answers):
        assert not hasattr(record, "submitted_at")
    # The CSV: a row per response, sorted by the answers column by column (an
    # unanswered question first), numbered after sorting; no time anywhere.
    rows = read_csv(text)
    assert list(rows[0]) == ["response", "met-objectives", "improve"]
    assert [(r["response"], r["met-objectives"], r["improve"]) for r in rows] == [
        ("1", "2", "more cases, please."),
        ("2", "3", "More cases, please."),
        ("3", "4", "A glossary of terms."),
        ("4", "4", "More cases, please."),
        ("5", "5", ""),
        ("6", "5", "Zoom in on the diagrams."),
    ]
    assert "2025" not in text and ":" not in text.replace("\r\n", "")
    with pytest.raises(ReportInputError), app.app_context():
        evaluation_results(course(), page=2)


def test_evaluation_order_does_not_follow_the_order_of_submission(app, make_user):
    import_folder(app, EXAMPLE)
    forms = [{"e-met-objectives": str(n), "e-improve": f"Answer {n}"} for n in (5, 4, 3, 2, 1)]
    evaluators(app, make_user, forms)
    with app.app_context():
        report = evaluation_results(course(), page=1)
        rows = read_csv(exports.evaluation_csv(report).text)
    assert [a.text for a in report.text_answers] == [f"Answer {n}" for n in (1, 2, 3, 4, 5)]
    assert [r["met-objectives"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert [r["response"] for r in rows] == ["1", "2", "3", "4", "5"]


@pytest.mark.parametrize("answered", [0, 1, 4])
def test_evaluation_below_five_responses_shows_only_the_count(app, make_user, answered):
    assert MIN_RESPONSES == 5
    import_folder(app, EXAMPLE)
    evaluators(app, make_user, EVALUATIONS[:answered])
    with app.app_context():
        report = evaluation_results(course(), page=1)
        text = exports.evaluation_csv(report).text
    assert (report.count, report.withheld) == (answered, True)
    assert report.responses == [] and report.likert == [] and report.text_answers == []
    assert report.page.items == []
    # The CSV: the header row, no data rows.
    assert text == "\ufeffresponse,met-objectives,improve\r\n"


def test_evaluation_of_a_small_cohort_is_withheld(app, reports, make_user):
    users = evaluators(app, make_user)  # six responses with A's
    two = make_cohort(app, "Two evaluators", members=users[:2])
    five = make_cohort(app, "Five evaluators", members=users)
    with app.app_context():
        everyone = evaluation_results(course(), page=1)
        small = evaluation_results(course(), cohort=cohort(two), page=1)
        enough = evaluation_results(course(), cohort=cohort(five), page=1)
        small_csv = read_csv(exports.evaluation_csv(small).text)
    assert (everyone.count, everyone.withheld) == (6, False)
    assert (small.count, small.withheld, small.likert, small.text_answers) == (2, True, [], [])
    assert small_csv == []
    assert (enough.count, enough.withheld) == (5, False)
    assert enough.likert[0].n == 5


# -- completions -----------------------------------------------------------------------------------


def test_completion_summary_counts_a_period_both_days_included(app, reports, make_user):
    completed_on = NOW.date()  # A completed on the day of the fixture's work
    admin = make_user("administrator")
    with app.app_context():
        courses = queries.reportable_courses(db.session.get(User, admin.id))
        same_day = completion_summary(courses, date_from=completed_on, date_to=completed_on)
        after = completion_summary(
            courses, date_from=completed_on + timedelta(days=1), date_to=date(2030, 1, 1)
        )
        before = completion_summary(
            courses, date_from=date(2024, 1, 1), date_to=completed_on - timedelta(days=1)
        )
        rows = read_csv(exports.completions_csv(same_day).text)
    assert [(c.course.slug, c.completions, c.credit_hours) for c in same_day.courses] == [
        (SLUG, 1, 0.5)
    ]
    assert (same_day.total_completions, same_day.total_credit_hours, same_day.learners) == (
        1,
        0.5,
        1,
    )
    assert after.total_completions == 0 and before.total_completions == 0
    assert rows[-1]["course_title"] == "Total" and rows[-1]["credit_hours_awarded"] == "0.5"


def test_completion_summary_of_a_cohort(app, reports):
    with_a = make_cohort(app, "With A", members=[reports["A"]])
    without_a = make_cohort(app, "Without A", members=[reports["B"]])
    with app.app_context():
        courses = queries.all_published_courses()
        day = NOW.date()
        counts = [
            completion_summary(
                courses, date_from=day, date_to=day, cohort=cohort(cid)
            ).total_completions
            for cid in (with_a, without_a)
        ]
    assert counts == [1, 0]


def test_default_period_is_the_last_twelve_months():
    assert default_period(date(2025, 6, 2)) == (date(2024, 6, 3), date(2025, 6, 2))
    assert default_period(date(2024, 2, 29)) == (date(2023, 3, 1), date(2024, 2, 29))


# -- who may report on what ---------------------------------------------------------------------


def test_reportable_courses_follow_the_permissions(app, tmp_path, make_user):
    import_folder(app, EXAMPLE)
    import_folder(app, write_generated_course(tmp_path, "other-course", modules=1))
    admin, teacher, idle, learner = (
        make_user("administrator"),
        make_user("instructor"),
        make_user("instructor"),
        make_user(),
    )
    assign(app, teacher, "other-course")
    with app.app_context():

        def slugs(user):
            return [c.slug for c in queries.reportable_courses(db.session.get(User, user.id))]

        assert sorted(slugs(admin)) == ["example-course", "other-course"]
        assert slugs(teacher) == ["other-course"]
        assert slugs(idle) == []
        assert slugs(learner) == []
        assert queries.reportable_courses(None) == []


# -- fixed query counts -----------------------------------------------------------------------


def _costs(app, count_queries, cohort_id) -> dict[str, int]:
    """SQL statements of each report, each in a fresh session."""
    reports = {
        "matrix": lambda c, k: matrix_of(c, cohort=k),
        "matrix csv": lambda c, k: exports.progress_csv(progress_table(c, cohort=k)),
        "learner": lambda c, k: learner_detail(
            c,
            db.session.execute(
                select(Enrollment).where(Enrollment.course_id == c.id).limit(1)
            ).scalar_one(),
        ),
        "items": lambda c, k: item_analysis(c, "first-steps", cohort=k),
        "items first": lambda c, k: item_analysis(c, "first-steps", cohort=k, first_only=True),
        "gain": lambda c, k: knowledge_gain(c, cohort=k, page=1),
        "evaluation": lambda c, k: evaluation_results(c, cohort=k, page=1),
        "completions": lambda c, k: completion_summary(
            queries.all_published_courses(),
            date_from=date(2025, 1, 1),
            date_to=date(2025, 12, 31),
            cohort=k,
        ),
    }
    costs = {}
    for name, run in reports.items():
        for with_cohort in (False, True):
            with app.app_context():
                the_course = course()
                the_cohort = cohort(cohort_id) if with_cohort else None
                with count_queries() as statements:
                    run(the_course, the_cohort)
                costs[f"{name}{' (cohort)' if with_cohort else ''}"] = len(statements)
    return costs


def test_reports_cost_the_same_queries_for_10_and_1000_learners(app, count_queries):
    import_folder(app, EXAMPLE)
    cohort_id = make_cohort(app, "Everyone")
    bulk_learners(app, 10, cohort_id=cohort_id)
    with app.app_context():
        assert len(progress_all(course()).rows) == 10
    small = _costs(app, count_queries, cohort_id)
    bulk_learners(app, 990, cohort_id=cohort_id)
    with app.app_context():
        assert len(progress_all(course()).rows) == 1000
        assert knowledge_gain(course()).n == 1000
        assert item_analysis(course(), "first-steps").attempts == 1000
    large = _costs(app, count_queries, cohort_id)
    assert large == small
    assert max(small.values()) <= 10, small
