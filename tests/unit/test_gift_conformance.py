"""The GIFT parser against Moodle's own test expectations (../shared/conformance/moodle_gift).

The material is read in place and never copied into the project; without it these
tests are skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lms.catalog import gift

CONFORMANCE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "moodle_gift"

pytestmark = pytest.mark.skipif(
    not CONFORMANCE.is_dir(),
    reason=f"Moodle's GIFT conformance material is not at {CONFORMANCE}",
)

FORMATS = {
    "FORMAT_MOODLE": "moodle",
    "FORMAT_HTML": "html",
    "FORMAT_PLAIN": "plain",
    "FORMAT_MARKDOWN": "markdown",
}


def _expected() -> dict:
    if not CONFORMANCE.is_dir():
        return {"imports": [], "extract_idnumber_and_tags_from_comment": [], "exports": []}
    return json.loads((CONFORMANCE / "giftformat_test_expected.json").read_text("utf-8"))


EXPECTED = _expected()
SUPPORTED = set(gift.QUESTION_TYPES)


def _only(text: str) -> gift.Question:
    result = gift.parse(text)
    assert result.errors == []
    assert len(result.questions) == 1
    return result.questions[0]


def _text(field: dict) -> tuple[str, str]:
    return field["text"], FORMATS[field["format"]]


def _check_common(question: gift.Question, expected: dict) -> None:
    assert question.type == expected["qtype"]
    assert question.title == expected["name"]
    assert question.stem == expected["questiontext"]
    assert question.stem_format == FORMATS[expected["questiontextformat"]]
    assert question.general_feedback == expected["generalfeedback"]
    assert question.general_feedback_format == FORMATS[expected["generalfeedbackformat"]]
    if "tags" in expected:
        assert list(question.tags) == expected["tags"]
    if "idnumber" in expected:
        assert question.id == gift.slugify(expected["idnumber"])


def _check_answers(question: gift.Question, expected: dict) -> None:
    qtype = expected["qtype"]
    if qtype == "multichoice":
        assert question.single is bool(expected["single"])
        assert [(a.text, a.text_format) for a in question.answers] == [
            _text(a) for a in expected["answer"]
        ]
        assert [a.fraction for a in question.answers] == expected["fraction"]
        assert [(a.feedback, a.feedback_format) for a in question.answers] == [
            _text(f) for f in expected["feedback"]
        ]
    elif qtype == "shortanswer":
        # Moodle's "usecase" is 0: GIFT short answers ignore case (see the grading tests).
        assert [a.text for a in question.answers] == expected["answer"]
        assert [a.fraction for a in question.answers] == expected["fraction"]
        assert [(a.feedback, a.feedback_format) for a in question.answers] == [
            _text(f) for f in expected["feedback"]
        ]
    elif qtype == "numerical":
        answers = question.numeric_answers
        shown = ["*" if a.value is None else gift._number_text(a.value) for a in answers]
        assert shown == expected["answer"]
        assert [a.fraction for a in answers] == expected["fraction"]
        # Moodle gives the catch-all "*" answer a tolerance of "".
        assert [a.tolerance if a.value is not None else "" for a in answers] == expected[
            "tolerance"
        ]
        assert [(a.feedback, a.feedback_format) for a in answers] == [
            _text(f) for f in expected["feedback"]
        ]
    elif qtype == "truefalse":
        assert question.correct is bool(expected["correctanswer"])
        assert (question.feedback_true, question.feedback_true_format) == _text(
            expected["feedbacktrue"]
        )
        assert (question.feedback_false, question.feedback_false_format) == _text(
            expected["feedbackfalse"]
        )
    elif qtype == "match":
        assert [(p.question, p.question_format) for p in question.pairs] == [
            _text(s) for s in expected["subquestions"]
        ]
        assert [p.answer for p in question.pairs] == expected["subanswers"]


@pytest.mark.parametrize("case", EXPECTED["imports"], ids=lambda case: case["id"])
def test_moodle_import_snippet(case):
    expected = case["expected"]
    assert expected["qtype"] in SUPPORTED
    question = _only(case["gift"])
    _check_common(question, expected)
    _check_answers(question, expected)


def test_every_import_snippet_is_a_supported_type():
    assert EXPECTED["imports"], "no import snippets in the conformance file"
    assert {case["expected"]["qtype"] for case in EXPECTED["imports"]} <= SUPPORTED


@pytest.mark.parametrize(
    "case",
    EXPECTED["extract_idnumber_and_tags_from_comment"],
    ids=lambda case: case["case"],
)
def test_moodle_id_and_tags_in_comments(case):
    idnumber, tags = gift.extract_id_and_tags(case["comment"])
    assert idnumber == case["idnumber"]
    assert list(tags) == case["tags"]


def _snippet_files() -> list[Path]:
    folder = CONFORMANCE / "unit_snippets"
    return sorted(folder.glob("*.gift")) if folder.is_dir() else []


@pytest.mark.parametrize("path", _snippet_files(), ids=lambda path: path.stem)
def test_unit_snippet_file_parses_like_its_expectation(path):
    question = _only(path.read_text("utf-8"))
    by_id = {case["id"]: case["expected"] for case in EXPECTED["imports"]}
    if path.stem in by_id:
        _check_common(question, by_id[path.stem])
        _check_answers(question, by_id[path.stem])


def test_moodle_fixture_file_gives_nine_questions():
    result = gift.parse_bytes((CONFORMANCE / "questions.gift.txt").read_bytes(), "questions")
    types = [q.type for q in result.questions]
    assert types == [
        "essay",
        "match",
        "multichoice",
        "multichoice",
        "numerical",
        "shortanswer",
        "truefalse",
        "truefalse",
        "truefalse",
    ]
    colours = next(q for q in result.questions if q.title == "colours")
    assert colours.stem == "What's between orange and green in the spectrum?"
    q1 = next(q for q in result.questions if q.title == "Q1")
    assert q1.general_feedback == (
        "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    )
    # Moodle imports both "2-08 TSL" questions; here their shared title is one id twice.
    assert [str(e) for e in result.errors] == [
        "line 49: two questions have the id '2-08-tsl' (lines 46 and 49)"
    ]


def test_moodle_fixture_file_in_a_category_gives_four_questions():
    data = (CONFORMANCE / "questions_in_category.gift.txt").read_bytes()
    result = gift.parse_bytes(data, "questions_in_category")
    assert result.errors == []
    assert [(q.type, q.title) for q in result.questions] == [
        ("match", "Moodle activities"),
        ("multichoice", "Greeting"),
        ("shortanswer", "Moodle user"),
        ("truefalse", "Moodle acronym"),
    ]
    assert {q.category for q in result.questions} == {"$course$/Default for New Features"}
    greeting = result.questions[1]
    assert greeting.stem.startswith(
        '<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3">Listen to this greeting:</a>'
    )
    assert [a.fraction for a in greeting.answers] == [0, 1, 0, 0]
    assert result.questions[2].answers == (gift.Answer("Moodler", 1.0, "", "html", "html"),)


def test_moodle_examples_file_reads_every_question():
    """Moodle's sample file: most questions have no title, which this LMS refuses."""
    result = gift.parse((CONFORMANCE / "examples.txt").read_text("utf-8"), "examples.txt")
    problems = {e.message for e in result.errors}
    assert problems == {
        gift._NO_ID,
        "two questions have the id 'jesus-hometown' (lines 117 and 123)",
    }
    assert len(result.questions) == 43
    by_line = {q.line: q for q in result.questions}
    pi_range = by_line[74].numeric_answers[0]
    assert (pi_range.min, pi_range.max) == (3.141, 3.142)
    partial = by_line[76].numeric_answers
    assert [(a.value, a.tolerance, a.fraction) for a in partial] == [
        (1822, 0, 1),
        (1822, 2, 0.5),
    ]
    missing = by_line[10]
    assert missing.stem == "Grant is _____ in Grant's tomb."
    controls = next(q for q in result.questions if q.title == "GIFT Control Characters")
    assert [a.text for a in controls.answers] == ["~", "=", "#", "{", "}", "\\"]
    assert controls.answers[5].feedback.startswith("Correct! \\ (backslash)")
    markdown = by_line[108]
    assert (markdown.stem_format, markdown.stem) == (
        "markdown",
        "Who's buried in **Grant's tomb**?",
    )


def _export_cases() -> list[dict]:
    return [case for case in EXPECTED["exports"] if "options" in case["question"]]


@pytest.mark.parametrize("case", _export_cases(), ids=lambda case: case["id"])
def test_moodle_export_reads_back(case):
    """What Moodle writes, this parser reads back to the same question."""
    source = case["question"]
    question = _only(case["expected_gift"])
    assert question.type == source["qtype"]
    assert question.title == source["name"]
    assert question.stem == source["questiontext"]
    options = source["options"]
    if source["qtype"] == "multichoice":
        assert question.single is bool(options["single"])
        assert [(a.text, a.fraction, a.feedback) for a in question.answers] == [
            (a["answer"], a["fraction"], a["feedback"]) for a in options["answers"]
        ]
    elif source["qtype"] in ("shortanswer", "numerical"):
        answers = question.answers or question.numeric_answers
        assert [a.fraction for a in answers] == [a["fraction"] for a in options["answers"]]
        assert [a.feedback for a in answers] == [a["feedback"] for a in options["answers"]]
    elif source["qtype"] == "truefalse":
        assert question.correct is True
        assert question.feedback_true == "You gave the right answer."
        assert (question.feedback_false, question.feedback_false_format) == (
            "42 is the Ultimate Answer.",
            "html",
        )
    elif source["qtype"] == "match":
        assert [p.answer for p in question.pairs] == [
            s["answertext"] for s in options["subquestions"]
        ]


def test_moodle_export_with_id_and_tags_reads_back():
    case = next(
        c for c in EXPECTED["exports"] if c["id"] == "export_question_with_tags_and_idnumber"
    )
    question = _only(case["expected_gift"].replace("{id}", "12"))
    assert (question.id, question.tags) == ("myid", ("tag1", "tag2"))
    assert question.general_feedback == "You should have selected true."
    assert question.correct is True


def test_moodle_fixture_round_trips_through_the_writer():
    result = gift.parse((CONFORMANCE / "questions.gift.txt").read_text("utf-8"))
    unique = [q for q in result.questions if q.line != 49]
    assert gift.parse(gift.write(unique)).questions == unique
