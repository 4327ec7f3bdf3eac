"""Each shipped course can be completed through its pages, answering every quiz right.

This proves the content and the machinery fit: every quiz of the four courses
is passable by its own right answers, and the steps lead to completion.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from lms.catalog import services as catalog
from lms.catalog.loader import load_course
from lms.catalog.models import Question, Quiz
from lms.extensions import db
from lms.learning.models import Enrollment, QuizAttempt
from tests.conftest import csrf_token_from
from tests.unit.test_shipped_courses import SHIPPED, SHIPPED_SLUGS


def right_answers(question: Question) -> dict[str, object]:
    """Form fields that answer ``question`` fully right, from its parsed data."""
    d, name = question.data, f"q-{question.slug}"
    if question.type == "multichoice":
        answers = d["answers"]
        if d["single"]:
            best = max(range(len(answers)), key=lambda i: answers[i]["fraction"])
            return {name: str(best)}
        return {name: [str(i) for i, a in enumerate(answers) if a["fraction"] > 0]}
    if question.type == "truefalse":
        return {name: "true" if d["correct"] else "false"}
    if question.type == "shortanswer":
        best = max(d["answers"], key=lambda a: a["fraction"])
        return {name: best["text"].replace("*", "x")}
    if question.type == "numerical":
        answer = next(a for a in d["answers"] if a.get("value") is not None)
        return {name: str(answer["value"])}
    if question.type == "match":
        return {f"{name}--{i}": p["answer"] for i, p in enumerate(d["pairs"]) if p["question"]}
    return {}


@pytest.mark.parametrize("slug", SHIPPED_SLUGS)
def test_a_learner_completes_the_shipped_course(app, client, make_user, login, slug):
    with app.app_context():
        catalog.import_course(load_course(Path(SHIPPED) / slug).course)
        db.session.commit()
    user = make_user()
    login(user)
    base = f"/courses/{slug}"

    def post(path, data):
        token = csrf_token_from(client.get(base).get_data(as_text=True))
        return client.post(path, data={"csrf_token": token, **data})

    assert post(f"{base}/enrol", {}).status_code == 302
    visited = []
    for _ in range(200):
        location = client.get(f"{base}/continue").headers["Location"]
        if location == base:
            break
        visited.append(location)
        if "/lessons/" in location:
            assert client.get(location + "?note=seen").status_code == 200
            assert post(location + "/complete", {}).status_code == 302
        elif "/quizzes/" in location:
            attempt_url = post(location + "/start", {}).headers["Location"]
            attempt_id = int(attempt_url.rsplit("/", 1)[1])
            with app.app_context():
                attempt = db.session.get(QuizAttempt, attempt_id)
                questions = db.session.execute(
                    select(Question)
                    .join(Quiz, Question.quiz_id == Quiz.id)
                    .where(Quiz.version_id == attempt.version_id, Quiz.key == attempt.quiz_key)
                ).scalars()
                by_slug = {q.slug: q for q in questions}
                answers: dict = {"action": "submit"}
                for question_slug in attempt.question_order:
                    answers |= right_answers(by_slug[question_slug])
            assert post(attempt_url, answers).status_code == 302
            with app.app_context():
                graded = db.session.get(QuizAttempt, attempt_id)
                assert graded.score == pytest.approx(1.0), (location, graded.results)
        elif location.endswith("/evaluation"):
            form = client.get(location).get_data(as_text=True)
            assert "Course evaluation" in form
            with app.app_context():
                version = catalog.course_by_slug(slug).current_version
                items = version.evaluation
            data = {
                f"e-{i['id']}": "4" if i["kind"] == "likert" else "Clear and useful." for i in items
            }
            assert post(location, data).status_code == 302
        else:
            pytest.fail(f"unexpected next step {location}")
    with app.app_context():
        enrollment = db.session.execute(select(Enrollment)).scalar_one()
        assert enrollment.completed_at is not None
    assert len(visited) >= 20
    assert "You completed this course" in client.get(base).get_data(as_text=True)
