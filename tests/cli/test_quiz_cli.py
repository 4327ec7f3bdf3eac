"""``flask --app lms quiz check`` through runner.invoke."""

from __future__ import annotations

import json

import pytest

GOOD = """\
// [tag:consent]
::Companion answers for the patient::
What is the best next step?
{
  =See the patient alone.#Right: safety first.
  ~Ask the employer.#The companion may be in control.
}

::Adults and reporting::
Clinicians must always report adults.{F#Not without consent.#Right.}

::Dose:: How many milligrams? {#=500:50 =%50%500:100 ~#Check the chart.}
"""

BAD = """\
::Broken block:: Pick one {=a ~b

::No right answer:: Pick one {~a ~b}

// [id:adults-and-reporting]
::Weighted:: Pick {~%150%a =b}
"""


@pytest.fixture
def gift_file(tmp_path):
    def write(text: str | bytes, name: str = "quiz.gift"):
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write


def test_check_lists_the_questions(runner, gift_file):
    path = gift_file(GOOD)
    result = runner.invoke(args=["quiz", "check", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "2",
        "multichoice",
        "companion-answers-for-the-patient",
        "Companion",
        "answers",
        "for",
        "the",
        "patient",
    ]
    assert lines[1].split()[:3] == ["9", "truefalse", "adults-and-reporting"]
    assert lines[2].split()[:3] == ["12", "numerical", "dose"]
    assert lines[3] == f"{path}: 3 questions, no errors"


def test_check_reports_every_error_with_file_and_line(runner, gift_file):
    path = gift_file(GOOD + "\n" + BAD, "module.gift")
    result = runner.invoke(args=["quiz", "check", str(path)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}:14: unclosed answer block: '{{' on line 14 has no matching '}}'",
        f"{path}:16: multiple choice question has no correct answer",
        f"{path}:19: answer weight %150% is not between -100 and 100",
        f"{path}:19: two questions have the id 'adults-and-reporting' (lines 9 and 19)",
    ]


def test_check_json_gives_the_questions(runner, gift_file):
    result = runner.invoke(args=["quiz", "check", "--json", str(gift_file(GOOD))])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["questions"]
    first, second, third = data["questions"]
    assert first["id"] == "companion-answers-for-the-patient"
    assert first["title"] == "Companion answers for the patient"
    assert (first["type"], first["single"], first["line"], first["tags"]) == (
        "multichoice",
        True,
        2,
        ["consent"],
    )
    assert first["stem"] == "What is the best next step?"
    assert [(a["text"], a["fraction"], a["feedback"]) for a in first["answers"]] == [
        ("See the patient alone.", 1.0, "Right: safety first."),
        ("Ask the employer.", 0.0, "The companion may be in control."),
    ]
    assert (second["correct"], second["feedback_true"], second["feedback_false"]) == (
        False,
        "Not without consent.",
        "Right.",
    )
    assert [(a["value"], a["tolerance"], a["fraction"]) for a in third["answers"]] == [
        (500.0, 50.0, 1.0),
        (500.0, 100.0, 0.5),
        (None, None, 0.0),
    ]


def test_check_json_with_errors(runner, gift_file):
    result = runner.invoke(args=["quiz", "check", "--json", str(gift_file(BAD))])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["questions"] == []
    assert data["errors"] == [
        {"line": 1, "message": "unclosed answer block: '{' on line 1 has no matching '}'"},
        {"line": 3, "message": "multiple choice question has no correct answer"},
        {"line": 6, "message": "answer weight %150% is not between -100 and 100"},
    ]


def test_check_refuses_a_file_that_is_not_utf8(runner, gift_file):
    path = gift_file("::Café:: Text {T}\n".encode("cp1252"))
    result = runner.invoke(args=["quiz", "check", str(path)])
    assert result.exit_code == 1
    assert result.output.strip() == f"{path}:1: not UTF-8 text (byte 6)"


def test_check_reads_windows_line_endings_and_a_byte_order_mark(runner, gift_file):
    path = gift_file(b"\xef\xbb\xbf::A:: one {T}\r\n\r\n::B:: two {F}\r\n")
    result = runner.invoke(args=["quiz", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"{path}: 2 questions, no errors"


def test_check_notes_that_essays_cannot_be_graded(runner, gift_file):
    result = runner.invoke(args=["quiz", "check", str(gift_file("::Reflect:: Tell us. {}"))])
    assert result.exit_code == 0
    assert result.output.splitlines()[:2] == [
        "    1  essay        reflect  Reflect",
        "       note: essay questions cannot be graded automatically",
    ]


def test_check_an_empty_file(runner, gift_file):
    result = runner.invoke(args=["quiz", "check", str(gift_file(""))])
    assert result.exit_code == 0
    assert "0 questions, no errors" in result.output


def test_check_a_file_that_does_not_exist(runner, tmp_path):
    result = runner.invoke(args=["quiz", "check", str(tmp_path / "missing.gift")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_check_a_folder(runner, tmp_path):
    result = runner.invoke(args=["quiz", "check", str(tmp_path)])
    assert result.exit_code == 2
    assert "is a directory" in result.output
