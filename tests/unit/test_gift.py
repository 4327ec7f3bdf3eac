"""The GIFT parser, writer, JSON and grading, without HTTP."""

from __future__ import annotations

import json
import random

import pytest

from lms.catalog import gift
from lms.catalog.gift import Answer, Grade, MatchPair, NumericAnswer, ResponseError


def only(text: str) -> gift.Question:
    """The one question in ``text``, which must parse without errors."""
    result = gift.parse(text)
    assert result.errors == [], [str(e) for e in result.errors]
    assert len(result.questions) == 1
    return result.questions[0]


def errors_of(text: str) -> list[str]:
    return [str(e) for e in gift.parse(text).errors]


# -- question types --------------------------------------------------------------------------

COMPANION = """\
::Companion answers for the patient::
A 19-year-old patient attends with an employer who answers every question.
What is the best next step?
{
  =Find a reason to see the patient alone.
    #Right: separating the patient safely is the first step.
  ~Ask the employer to describe the symptoms.
    #The companion may be the person controlling the patient.
  ~Report to the police straight away.
}
"""


def test_multiple_choice_with_one_answer_and_feedback():
    q = only(COMPANION)
    assert (q.type, q.id, q.title, q.single, q.line) == (
        "multichoice",
        "companion-answers-for-the-patient",
        "Companion answers for the patient",
        True,
        1,
    )
    assert q.stem == (
        "A 19-year-old patient attends with an employer who answers every question.\n"
        "What is the best next step?"
    )
    assert q.answers == (
        Answer(
            "Find a reason to see the patient alone.",
            1.0,
            "Right: separating the patient safely is the first step.",
        ),
        Answer(
            "Ask the employer to describe the symptoms.",
            0.0,
            "The companion may be the person controlling the patient.",
        ),
        Answer("Report to the police straight away.", 0.0),
    )


def test_multiple_answers_with_weights_including_negative():
    q = only(
        "::Signs:: Which are indicators? {~%50%No ID papers ~%50%Scripted story ~%-100%A cold}"
    )
    assert q.single is False
    assert [a.fraction for a in q.answers] == [0.5, 0.5, -1.0]


def test_every_answer_starting_with_tilde_is_multiple_answers_as_in_moodle():
    q = only("::Tricky:: Q? {~%100%yellow ~%-50%red ~%-50%blue}")
    assert (q.type, q.single) == ("multichoice", False)
    assert [a.fraction for a in q.answers] == [1.0, -0.5, -0.5]


def test_partial_weights_beside_a_right_answer_stay_single_choice():
    q = only("::Hometown:: Jesus was from {~Jerusalem ~%25%Bethlehem =Nazareth}.")
    assert q.single is True
    assert [a.fraction for a in q.answers] == [0.0, 0.25, 1.0]


@pytest.mark.parametrize(
    ("block", "correct"),
    [("{T}", True), ("{TRUE}", True), ("{F}", False), ("{FALSE}", False), ("{true}", True)],
)
def test_true_false(block, correct):
    q = only(f"::Adults:: Clinicians must always report adults. {block}")
    assert (q.type, q.correct) == ("truefalse", correct)


def test_true_false_feedback_comes_wrong_first_then_right():
    q = only("::Adults:: Report adults always?{F#Not without consent.#Right: consent first.}")
    assert q.correct is False
    # The learner who answers "true" is wrong and reads the first feedback.
    assert q.feedback_true == "Not without consent."
    assert q.feedback_false == "Right: consent first."
    q = only("::Minors:: Minors are different?{T#Think again.#Yes.}")
    assert (q.feedback_true, q.feedback_false) == ("Yes.", "Think again.")


def test_short_answer_with_several_answers_and_partial_credit():
    q = only("::Drug:: Name it. {=heroin =diamorphine#Its medical name. =%50%opiate}")
    assert q.type == "shortanswer"
    assert q.answers == (
        Answer("heroin", 1.0),
        Answer("diamorphine", 1.0, "Its medical name."),
        Answer("opiate", 0.5),
    )


def test_short_answer_without_equals_sign_as_in_moodle():
    assert only("::Capital:: The capital of France? {Paris}").answers == (Answer("Paris", 1.0),)


def test_matching_with_a_distractor():
    q = only(
        "::Services:: Match each need to a service. {\n"
        "  =Housing -> Shelter\n"
        "  =Legal status -> Immigration lawyer\n"
        "  = -> Dentist\n"
        "}"
    )
    assert q.type == "match"
    assert q.pairs == (
        MatchPair("Housing", "Shelter"),
        MatchPair("Legal status", "Immigration lawyer"),
        MatchPair("", "Dentist"),
    )


def test_numerical_with_tolerance():
    q = only("::Born:: When was Grant born? {#1822:5}")
    assert q.type == "numerical"
    assert q.numeric_answers == (NumericAnswer(1822.0, 5.0),)


def test_numerical_range_keeps_its_bounds():
    (a,) = only("::Pi:: Pi to three places? {#3.141..3.142}").numeric_answers
    assert (a.min, a.max, a.is_range) == (3.141, 3.142, True)
    assert a.value == pytest.approx(3.1415)
    assert a.tolerance == pytest.approx(0.0005)


def test_numerical_with_several_answers_and_catch_all_feedback():
    q = only("::Born:: When? {#\n  =1822:0 #Right.\n  =%50%1822:2 #Close.\n  ~#Look it up.\n}")
    assert q.numeric_answers == (
        NumericAnswer(1822.0, 0.0, 1.0, "Right."),
        NumericAnswer(1822.0, 2.0, 0.5, "Close."),
        NumericAnswer(None, 0.0, 0.0, "Look it up."),
    )


def test_numerical_star_answer_is_any_number():
    q = only("::N:: Q {#=4 =%0%*#Any other number.}")
    assert q.numeric_answers[1] == NumericAnswer(None, 0.0, 0.0, "Any other number.")


def test_numerical_negative_and_exponent_values():
    q = only("::N:: Q {#=-5..-1 =%50%1e3:1.5e1}")
    assert q.numeric_answers == (
        NumericAnswer(-3.0, 2.0, 1.0, "", "moodle", -5.0, -1.0),
        NumericAnswer(1000.0, 15.0, 0.5),
    )


def test_missing_word_puts_a_blank_in_the_stem():
    q = only("::Tomb:: Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert (q.type, q.stem) == ("multichoice", "Grant is _____ in Grant's tomb.")
    assert only("::Start:: {=Fear ~Joy} keeps many victims silent.").stem == (
        "_____ keeps many victims silent."
    )


def test_block_at_the_end_leaves_no_blank():
    assert only("::Q:: Who is buried there? {=no one ~Grant}").stem == "Who is buried there?"


def test_description_has_no_answers():
    q = only("::Before you start:: This quiz has five questions.")
    assert (q.type, q.stem, gift.is_gradable(q)) == (
        "description",
        "This quiz has five questions.",
        False,
    )
    assert gift.why_not_gradable(q) is not None


def test_essay_is_parsed_but_not_gradable():
    q = only("::Reflect:: How will you change your practice? {}")
    assert q.type == "essay"
    assert gift.is_gradable(q) is False
    assert gift.why_not_gradable(q) == "essay questions cannot be graded automatically"
    assert gift.ESSAY_NOT_GRADABLE == "essay questions cannot be graded automatically"


def test_gradable_types():
    assert gift.why_not_gradable(only("::T:: Q {T}")) is None
    assert [t for t in gift.QUESTION_TYPES if t in gift.GRADABLE_TYPES] == [
        "multichoice",
        "truefalse",
        "shortanswer",
        "match",
        "numerical",
    ]


# -- feedback, titles, comments, escapes, formats ---------------------------------------------


def test_general_feedback():
    q = only("::Q:: Pick one. {=a#Yes. ~b#No. ####Both are common.}")
    assert q.general_feedback == "Both are common."
    assert q.answers[1].feedback == "No."
    q = only("::Essay:: Tell us. {####We read every answer.}")
    assert (q.type, q.general_feedback) == ("essay", "We read every answer.")


def test_comments_are_ignored_even_inside_a_question():
    q = only(
        "// A question bank for module 1\n"
        "::Q:: Pick one.\n"
        "// this line is not part of the stem\n"
        "{=a\n"
        "// nor this one\n"
        "~b}"
    )
    assert q.stem == "Pick one."
    assert [a.text for a in q.answers] == ["a", "b"]
    assert q.line == 2


def test_comment_only_chunks_are_not_questions():
    result = gift.parse("// just a comment\n// and another\n\n::Q:: Text {T}\n")
    assert [q.id for q in result.questions] == ["q"]
    assert result.errors == []


def test_id_and_tags_from_the_comment_lines_before_a_question():
    q = only("// [tag:consent] [tag: adults ]\n// [id:Adults and Consent]\n::Whatever:: Q {T}")
    assert (q.id, q.tags) == ("adults-and-consent", ("consent", "adults"))


def test_id_comes_from_the_title_when_there_is_no_id_comment():
    assert only("::Éléphant rose — ça va?:: Q {T}").id == "elephant-rose-ca-va"
    assert only("// [id:x-1]\n Q {T}").id == "x-1"


def test_slugify():
    assert gift.slugify("  Hello,  World!! ") == "hello-world"
    assert gift.slugify("Æsop's Ünïcode") == "sop-s-unicode"
    assert gift.slugify("¡¿?!") == ""
    long = gift.slugify("word " * 40)
    assert len(long) <= 80
    assert long == long.strip("-")
    assert gift.slugify("a" * 79 + " b") == "a" * 79


def test_extract_id_and_tags():
    assert gift.extract_id_and_tags("// [id:a\\]b] [tag:x] [id:second] [tag:<bad>]") == (
        "a]b",
        ("x",),
    )
    assert gift.extract_id_and_tags("// nothing") == ("", ())


def test_escapes():
    q = only(r"::A\:B:: x \~ \= \# \{ \} \: \\ y\nz \q {=\=a\# ~b\~#fb\{}")
    assert q.title == "A:B"
    assert q.stem == "x ~ = # { } : \\ y\nz \\q"
    assert [a.text for a in q.answers] == ["=a#", "b~"]
    assert q.answers[1].feedback == "fb{"


def test_escaped_backslash_does_not_escape_the_next_character():
    q = only(r"::Q:: path C:\\{=a ~b}")
    assert q.stem == "path C:\\"
    assert q.type == "multichoice"


def test_text_formats_default_to_the_stem_format_as_in_moodle():
    q = only("::Q::[markdown]Is **this** bold?{=[plain]yes#[html]<b>Good</b> ~no#Try again}")
    assert (q.stem, q.stem_format) == ("Is **this** bold?", "markdown")
    yes, no = q.answers
    assert (yes.text_format, yes.feedback_format, yes.feedback) == ("plain", "html", "<b>Good</b>")
    assert (no.text_format, no.feedback_format) == ("markdown", "markdown")
    assert q.general_feedback_format == "markdown"


def test_default_format_is_moodle_and_unknown_markers_are_text():
    q = only("::Q::[wiki]Some text {T}")
    assert (q.stem_format, q.stem) == ("moodle", "[wiki]Some text")
    q = only("::Q::[html Some text {T}")
    assert (q.stem_format, q.stem) == ("moodle", "[html Some text")


def test_html_is_kept_raw_with_its_format():
    q = only("::Q::[html]<script>alert(1)</script><b>Bold</b> &amp; more {T}")
    assert q.stem_format == "html"
    assert q.stem == "<script>alert(1)</script><b>Bold</b> &amp; more"


def test_plain_text_strips_tags_and_decodes_entities():
    text = "<p>Hello <b>world</b> &amp; &lt;script&gt;</p><script>alert(1)</script><p>Two</p>"
    assert gift.plain_text(text, "html") == "Hello world & <script>\n\nTwo"
    assert gift.plain_text("a<br>b <i>c", "html") == "a\nb c"
    assert gift.plain_text("<pre>  keep\n    indent</pre>", "html") == "  keep\n    indent"
    assert gift.plain_text("a <b>b</b>", "markdown") == "a <b>b</b>"


def test_category_applies_to_the_questions_that_follow():
    result = gift.parse(
        "::A:: first {T}\n\n$CATEGORY: $course$/Module 1\n\n::B:: second {T}\n\n"
        "$CATEGORY: $course$/Module 2\n::C:: third {T}\n"
    )
    assert result.errors == []
    assert [(q.id, q.category) for q in result.questions] == [
        ("a", ""),
        ("b", "$course$/Module 1"),
        ("c", "$course$/Module 2"),
    ]
    assert result.questions[2].line == 8


def test_windows_line_endings_and_byte_order_mark():
    text = "\ufeff// comment\r\n::Q1:: first\r\nline {T}\r\n\r\n::Q2:: second {F}\r\n"
    result = gift.parse(text)
    assert result.errors == []
    assert [(q.id, q.stem, q.line) for q in result.questions] == [
        ("q1", "first\nline", 2),
        ("q2", "second", 5),
    ]
    assert gift.parse_bytes(text.encode("utf-8"), "q.gift").questions == result.questions
    assert gift.parse("::Q:: old mac\rline {T}").questions[0].stem == "old mac\nline"


def test_parse_bytes_rejects_text_that_is_not_utf8():
    data = "::Q1:: Café {T}\n\n::Q2:: ".encode() + "Café".encode("latin-1") + b" {T}\n"
    result = gift.parse_bytes(data, "quiz.gift")
    assert result.questions == []
    bad = data.index(b"\xe9") + 1
    assert [str(e) for e in result.errors] == [f"line 3: not UTF-8 text (byte {bad})"]
    assert result.source == "quiz.gift"


def test_parse_bytes_reports_line_one_for_a_bad_first_byte():
    assert [str(e) for e in gift.parse_bytes(b"\xff\xfe::Q:: x {T}").errors] == [
        "line 1: not UTF-8 text (byte 1)"
    ]


# -- errors ------------------------------------------------------------------------------------

ERRORS = [
    (
        "::Q:: x\n// comment\n\n::R:: y\nmore\n{=a ~b\n",
        "line 4: unclosed answer block: '{' on line 6 has no matching '}'",
    ),
    ("::Q:: x {=a {=b}", "line 1: unclosed answer block: '{' on line 1 has no matching '}'"),
    ("::Q:: x =a ~b}", "line 1: '}' on line 1 has no matching '{'"),
    ("::Q:: x {=a ~b}\nthen }", "line 1: '}' on line 2 has no matching '{'"),
    (
        "::Q:: x {=a ~b}\n::R:: y {=c ~d}",
        "line 1: a second answer block starts on line 2: leave a blank line between "
        "questions, or write \\{ and \\} for braces in the text",
    ),
    ("::Q x {T}", "line 1: the title has no closing '::': write ::Title:: before the question"),
    ("::Q::{=a ~b}", "line 1: the question has no text"),
    ("::Q:: x {~a ~b}", "line 1: multiple choice question has no correct answer"),
    ("::Q:: x {~%-50%a ~b}", "line 1: multiple choice question has no correct answer"),
    ("::Q:: x {~%150%a ~b}", "line 1: answer weight %150% is not between -100 and 100"),
    ("::Q:: x {~%-101%a =b}", "line 1: answer weight %-101% is not between -100 and 100"),
    (
        "::Q:: x {=%50%a ~b}",
        "line 1: '=' marks a right answer, worth 100%: write ~%50% (with '~') for a partial weight",
    ),
    (
        "::Q:: x {junk =a ~b}",
        "line 1: 'junk' comes before the first answer: start each answer with '=' (right) "
        "or '~' (wrong)",
    ),
    ("::Q:: x {=a ~}", "line 1: one of the answers is empty"),
    ("::Q:: x {=%0%a =%0%b}", "line 1: short answer question has no correct answer"),
    ("::Q:: x {=%-50%a =b}", "line 1: answer weight %-50% is not between 0 and 100"),
    ("::Q:: x {=a =#feedback only}", "line 1: one of the accepted answers is empty"),
    ("::Q:: x {=a -> 1 =b -> 2 =c}", "line 1: the pair 'c' has no '->': write =item -> its match"),
    (
        "::Q:: x {junk =a -> 1 =b -> 2}",
        "line 1: 'junk' comes before the first pair: start each pair with '='",
    ),
    (
        "::Q:: x {=a -> 1 =b -> 2#nice}",
        "line 1: matching pairs cannot have their own feedback ('#'): use general feedback "
        "(####) at the end",
    ),
    (
        "::Q:: x {=a -> 1 = -> 2}",
        "line 1: a matching question needs at least two pairs with text on both sides of '->'",
    ),
    ("::Q:: x {=a -> 1 =b ->}", "line 1: the pair 'b' has nothing after '->'"),
    ("::Q:: x {#three}", "line 1: the numerical answer 'three' is not a number"),
    ("::Q:: x {#3,5}", "line 1: the numerical answer '3,5' is not a number"),
    ("::Q:: x {#3:wide}", "line 1: the tolerance 'wide' of answer 3 is not a number of 0 or more"),
    ("::Q:: x {#3:-1}", "line 1: the tolerance '-1' of answer 3 is not a number of 0 or more"),
    ("::Q:: x {#5..1}", "line 1: the range '5..1' goes down: write the smaller number first"),
    ("::Q:: x {#a..1}", "line 1: the range 'a..1' is not two numbers: write {#1..5}"),
    ("::Q:: x {#}", "line 1: numerical question has no answer: write {#3.5:0.1} or {#1..5}"),
    ("::Q:: x {#=%0%3}", "line 1: numerical question has no correct answer"),
    (
        "::Q:: x {#3 ~wrong#fb}",
        "line 1: in a numerical question, one '~' may end the answers, followed only by "
        "#feedback for any other number",
    ),
    (
        "x {T}",
        "line 1: question has no title or [id:...]: give it ::A title:: so learner answers "
        "can be kept across versions",
    ),
    (
        "::¿?:: x {T}",
        "line 1: the title '¿?' has no Latin letters or digits to make an id from: add a "
        "comment line // [id:a-short-name] before the question",
    ),
    (
        "// [id:!!]\n::Q:: x {T}",
        "line 2: the id '[id:!!]' has no letters or digits to make a slug from",
    ),
    (
        "::Q:: x \ufdd0 {T}",
        "line 1: this line holds U+FDD0, a character reserved for programs: delete it",
    ),
    (
        "::Same:: x {T}\n\n// [id:other]\n::Q:: y {T}\n\n// [id:same]\n::R:: z {T}",
        "line 7: two questions have the id 'same' (lines 1 and 7)",
    ),
]


@pytest.mark.parametrize(("text", "message"), ERRORS, ids=[m for _, m in ERRORS])
def test_error_message(text, message):
    assert errors_of(text) == [message]


def test_every_error_in_a_file_is_reported_in_line_order():
    text = (
        "::Good:: fine {T}\n\n"
        "::Bad one:: {~a ~b}\n\n"
        "// [id:good]\n::Again:: x {T}\n\n"
        "::Broken:: y {=a\n\n"
        "::Also good:: z {F}\n"
    )
    result = gift.parse(text, "quiz.gift")
    assert [str(e) for e in result.errors] == [
        "line 3: the question has no text",
        "line 3: multiple choice question has no correct answer",
        "line 6: two questions have the id 'good' (lines 1 and 6)",
        "line 8: unclosed answer block: '{' on line 8 has no matching '}'",
    ]
    assert not result.ok
    assert [q.id for q in result.questions] == ["good", "good", "also-good"]


def test_gift_error_reads_as_line_and_message():
    assert str(gift.GiftError(4, "something")) == "line 4: something"


GARBAGE = [
    "",
    "\n\n\n",
    "{",
    "}",
    "::",
    "::::",
    "{}{}",
    "{#}",
    "{#..}",
    "{#:}",
    "{#~}",
    "{~}",
    "{=}",
    "{->}",
    "{=->}",
    "{%}",
    "{~%%}",
    "{~%50%}",
    "{####}",
    "{#####}",
    "\\",
    "::\\",
    "$CATEGORY:",
    "$CATEGORY:\n{",
    "[html]",
    "[html",
    "{T#",
    "{T###}",
    "::a::{#1e999}",
    "::a::{#1e999..2}",
    "::a::{#nan}",
    "::a::{#inf:1}",
    "\ufdd0\ufdd1",
    "//",
    "// [id:",
    "\x00{\x00}",
]


@pytest.mark.parametrize("text", GARBAGE)
def test_bad_input_never_raises(text):
    result = gift.parse(text)
    assert isinstance(result.errors, list)
    gift.parse_bytes(text.encode("utf-8") + b"\xc3", "x")


# -- grading ----------------------------------------------------------------------------------

SINGLE = "::Q:: Pick. {=right#Yes. ~wrong#No. ~%50%half#Partly. ~%-50%bad#Harmful.}"
MULTI = "::M:: Pick all. {~%50%a#A. ~%50%b#B. ~%-100%c#C. ~d}"


def test_grade_single_choice():
    q = only(SINGLE)
    assert gift.grade(q, 0) == Grade(1.0, ["Yes."], ["moodle"])
    assert gift.grade(q, 1) == Grade(0.0, ["No."], ["moodle"])
    assert gift.grade(q, 2).score == 0.5
    # A negative weight never takes the score below 0.
    assert gift.grade(q, 3) == Grade(0.0, ["Harmful."], ["moodle"])


def test_grade_multiple_answers():
    q = only(MULTI)
    assert gift.grade(q, [0, 1]) == Grade(1.0, ["A.", "B."], ["moodle", "moodle"])
    assert gift.grade(q, {0}).score == 0.5
    assert gift.grade(q, {0, 1, 2}).score == 0.0  # 0.5 + 0.5 - 1
    assert gift.grade(q, [0, 2]).score == 0.0  # 0.5 - 1 is floored at 0
    assert gift.grade(q, [0, 3]).score == 0.5
    assert gift.grade(q, []).score == 0.0
    assert gift.grade(q, (1, 1)).score == 0.5  # a repeated choice counts once


def test_grade_multiple_answers_is_capped_at_one():
    q = only("::M:: Pick. {~%100%a ~%50%b ~c}")
    assert gift.grade(q, [0, 1]).score == 1.0


@pytest.mark.parametrize("response", ["0", 1.0, True, [0], 7, -1])
def test_single_choice_rejects_responses_of_the_wrong_shape(response):
    with pytest.raises(ResponseError):
        gift.grade(only(SINGLE), response)


@pytest.mark.parametrize("response", [0, "0,1", {0: 1}, [0, "1"], [9], [True]])
def test_multiple_answers_rejects_responses_of_the_wrong_shape(response):
    with pytest.raises(ResponseError):
        gift.grade(only(MULTI), response)


def test_response_error_is_a_value_error_with_a_clear_message():
    with pytest.raises(ValueError, match="choose from 0 to 3"):
        gift.grade(only(SINGLE), 4)


def test_grade_true_false():
    q = only("::Adults:: Report adults always?{F#Not without consent.#Right.}")
    assert gift.grade(q, False) == Grade(1.0, ["Right."], ["moodle"])
    assert gift.grade(q, True) == Grade(0.0, ["Not without consent."], ["moodle"])
    assert gift.grade(only("::T:: Q {T}"), True) == Grade(1.0)
    with pytest.raises(ResponseError):
        gift.grade(q, "false")
    with pytest.raises(ResponseError):
        gift.grade(q, 0)


SHORT = "::S:: Best animal? {=Frog#Good! =%50%Cat#Cats again. =%0%*#Completely wrong.}"


@pytest.mark.parametrize(
    ("response", "score", "feedback"),
    [
        ("Frog", 1.0, ["Good!"]),
        ("  fROG ", 1.0, ["Good!"]),
        ("cat", 0.5, ["Cats again."]),
        ("dog", 0.0, ["Completely wrong."]),
        ("", 0.0, []),
        ("   ", 0.0, []),
    ],
)
def test_grade_short_answer(response, score, feedback):
    grade = gift.grade(only(SHORT), response)
    assert (grade.score, grade.feedback) == (score, feedback)


def test_short_answer_wildcards():
    q = only("::S:: Name it. {=*morphine =%50%opi*#Close. =exactly\\\\*}")
    assert q.answers[2].text == "exactly\\*"
    assert gift.grade(q, "Diamorphine").score == 1.0
    assert gift.grade(q, "morphine").score == 1.0
    assert gift.grade(q, "opiate").feedback == ["Close."]
    assert gift.grade(q, "an opiate").score == 0.0
    assert gift.grade(q, "exactly*").score == 1.0
    assert gift.grade(q, "exactly so").score == 0.0


def test_short_answer_takes_the_best_matching_answer():
    q = only("::S:: Q {=%50%*cat*#Half. =cat#Full.}")
    assert gift.grade(q, "Cat") == Grade(1.0, ["Full."], ["moodle"])
    assert gift.grade(q, "a cat") == Grade(0.5, ["Half."], ["moodle"])


def test_short_answer_compares_unicode_in_normal_form():
    q = only("::S:: Q {=Café}")
    assert gift.grade(q, "cafe\u0301").score == 1.0
    assert gift.grade(q, "CAFÉ").score == 1.0


def test_short_answer_takes_text_only():
    with pytest.raises(ResponseError):
        gift.grade(only(SHORT), 3)


PI = "::Pi:: Pi to three places? {#3.1415:0.0005#Good. ~#No.}"


@pytest.mark.parametrize(
    ("response", "score"),
    [
        ("3.141", 1.0),
        ("3.142", 1.0),
        (" 3.1416 ", 1.0),
        (3.14159, 1.0),
        ("3.1426", 0.0),
        ("3.1404", 0.0),
        (3, 0.0),
        ("+3.1415", 1.0),
        ("31415e-4", 1.0),
    ],
)
def test_numerical_tolerance_is_inclusive(response, score):
    assert gift.grade(only(PI), response).score == score


def test_numerical_range_and_partial_credit():
    q = only("::R:: Q {#=3.141..3.142#In range. =%50%3:1#Near.}")
    assert gift.grade(q, "3.141") == Grade(1.0, ["In range."], ["moodle"])
    assert gift.grade(q, "3.142").score == 1.0
    assert gift.grade(q, "2.5") == Grade(0.5, ["Near."], ["moodle"])
    assert gift.grade(q, "4.5") == Grade(0.0)


def test_numerical_takes_the_best_matching_answer():
    q = only("::Born:: When? {#=%50%1822:2#Close. =1822:0#Right.}")
    assert gift.grade(q, "1822") == Grade(1.0, ["Right."], ["moodle"])
    assert gift.grade(q, 1823) == Grade(0.5, ["Close."], ["moodle"])
    assert gift.grade(q, 1830) == Grade(0.0)


def test_numerical_catch_all_feedback():
    assert gift.grade(only(PI), "10") == Grade(0.0, ["No."], ["moodle"])


def test_numerical_response_that_is_not_a_number_scores_zero_with_a_message():
    q = only(PI)
    assert gift.grade(q, "three") == Grade(0.0, ["'three' is not a number"], ["plain"])
    assert gift.grade(q, "3,1415") == Grade(
        0.0, ["'3,1415' is not a number: use a decimal point, as in 3.1415"], ["plain"]
    )
    assert gift.grade(q, "nan").score == 0.0
    assert gift.grade(q, float("inf")).score == 0.0


@pytest.mark.parametrize("response", [True, [3.14], {"value": 3.14}, b"3.14"])
def test_numerical_rejects_responses_of_the_wrong_shape(response):
    with pytest.raises(ResponseError):
        gift.grade(only(PI), response)


MATCH = (
    "::Match:: Match each need to a service. {\n"
    "  =Housing -> Shelter\n"
    "  =Legal status -> Immigration lawyer\n"
    "  =Injuries -> Clinic\n"
    "  = -> Dentist\n"
    "}"
)


def test_grade_matching_is_the_share_of_pairs_right():
    q = only(MATCH)
    right = {0: "Shelter", 1: "Immigration lawyer", 2: "Clinic"}
    assert gift.grade(q, right) == Grade(1.0)
    assert gift.grade(q, {0: "Shelter", 1: "Clinic", 2: "Dentist"}).score == pytest.approx(1 / 3)
    assert gift.grade(q, {"0": "Shelter", "1": "Immigration lawyer"}).score == pytest.approx(2 / 3)
    assert gift.grade(q, {0: "Shelter", 1: "", 2: None}).score == pytest.approx(1 / 3)
    assert gift.grade(q, {}).score == 0.0


@pytest.mark.parametrize(
    "response",
    [
        [("0", "Shelter")],
        {3: "Dentist"},
        {9: "Shelter"},
        {"²": "Shelter"},
        {0: "Hotel"},
        {0: ["Shelter"]},
        {True: "Shelter"},
        "x",
    ],
)
def test_matching_rejects_responses_of_the_wrong_shape(response):
    with pytest.raises(ResponseError):
        gift.grade(only(MATCH), response)


def test_unanswered_scores_zero():
    for text in (SINGLE, MULTI, SHORT, PI, MATCH, "::T:: Q {T}"):
        assert gift.grade(only(text), None) == Grade(0.0)


@pytest.mark.parametrize("text", ["::D:: Just text.", "::E:: Write. {}"])
def test_descriptions_and_essays_are_not_graded(text):
    with pytest.raises(ResponseError):
        gift.grade(only(text), "anything")


# -- writing ----------------------------------------------------------------------------------

ROUND_TRIP = [
    COMPANION,
    SINGLE,
    MULTI,
    SHORT,
    PI,
    MATCH,
    "::Tricky:: Q? {~%100%yellow ~%-50%red ~%-50%blue}",
    "::Adults:: Report adults always?{F#Not without consent.#Right: consent first.}",
    "::Minors:: Different? {T#Think again.}",
    "::Minors:: Different? {TRUE##Yes.####Minors cannot consent.}",
    "::Tomb:: Grant is {~buried =entombed ~living} in Grant's tomb.",
    "::Start:: {=Fear ~Joy} keeps many victims silent.",
    "::Two blanks:: A _____ and {=b ~c} then.",
    "::Trailing blank:: Fill _____ {=b ~c}",
    "::Born:: When? {#\n  =1822:0 #Right.\n  =%50%1822:2 #Close.\n  ~#Look it up.\n}",
    "::N:: Q {#=-5..-1 =%50%1e3:1.5e1 =%10%* =0.000001:1e-7}",
    "::Weights:: Q {~%33.33333%a ~%33.33333%b ~%33.33334%c ~%-12.5%d}",
    "::Before you start:: This quiz has five questions.",
    "::Reflect:: How will you change your practice? {####We read every answer.}",
    "::Q::[markdown]Is **this** bold?{=[plain]yes#[html]<b>Good</b> ~no#Try again####[html]gf}",
    "::Q::[html]<p>Match</p>{=[plain]a -> 1 =[markdown]b -> 2 =[html] -> 3####}",
    r"::A\:B:: x \~ \= \# \{ \} \: \\ y\nz \q {=\=a\# ~b\~#fb\{}",
    r"::Q:: blank\n\nline and \n// not a comment {T}",
    "::Q:: markers {=[plain][html]literal ~[moodle]%50%b ~[moodle]//c}",
    "::Q:: percent {=[moodle]%5% of cases =%50%[moodle]%10%}",
    "// [tag:consent] [tag:odd\\]tag]\n// [id:Adults and Consent]\n::Whatever:: Q {T}",
    "// [id:only-id]\n[markdown]//looks like a comment {T}",
    "// [id:only-id]\n[moodle]::looks like a title:: {T}",
    "$CATEGORY: $course$/Module 1\n\n::A:: a {T}\n\n$CATEGORY: \n\n::B:: b {T}",
    "::Right arrow:: Q {=a -> b -> c =d -> e}",
    "::Arrow in a short answer:: Type it {%50%a -> b#see -> there}",
    "::Spaces:: x {=a -> 1 =b -> 2}",
    "::Café au lait:: ünïcödé {=ça ~ço}",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_write_then_parse_gives_the_same_questions(text):
    result = gift.parse(text)
    assert result.errors == [], [str(e) for e in result.errors]
    written = gift.write(result.questions)
    again = gift.parse(written)
    assert again.errors == [], written
    assert again.questions == result.questions, written


def test_round_trip_of_every_sample_in_this_file():
    samples = [text for text, _ in ERRORS] + ROUND_TRIP + [MATCH, SINGLE]
    for text in samples:
        questions = [q for q in gift.parse(text).questions if q.id]
        assert gift.parse(gift.write(questions)).questions == questions, text


def _random_question(rng: random.Random, number: int) -> str:
    """GIFT built from awkward pieces: escapes, markers, weights, arrows, line breaks."""
    pieces = ["a", "b c", " ", "\\n", "\\:", "\\{", "\\}", "\\~", "\\=", "\\#", "\\\\"]
    pieces += ["[html]", "[plain]", "//", "_____", "T", "->", "%", "%5%", "[", "*", "\n  ", ".."]

    def text(most: int = 3) -> str:
        return "".join(rng.choice(pieces) for _ in range(rng.randint(0, most)))

    def feedback() -> str:
        return "#" + text() if rng.random() < 0.5 else ""

    kind = rng.choice(["mc", "sa", "num", "tf", "match"])
    rows = []
    for _ in range(rng.randint(1, 4)):
        if kind == "mc":
            rows.append(rng.choice(["=", "~", "~%50%", "~%-25%", "~%33.3%"]) + text() + feedback())
        elif kind == "sa":
            rows.append(rng.choice(["=", "=%50%", "=%0%", ""]) + text() + feedback())
        elif kind == "num":
            value = rng.choice(["3", "-2", "1.5", "1e3", ".5", "*"])
            value += rng.choice(["", ":0.5", "..4"])
            rows.append(rng.choice(["=", "=%50%", ""]) + value + feedback())
        else:
            rows.append("=" + text() + " -> " + text())
    if kind == "tf":
        block = rng.choice(["T", "FALSE"]) + feedback() + feedback()
    elif kind == "num":
        block = "#" + "\n".join(rows) + ("~" + feedback() if rng.random() < 0.3 else "")
    else:
        block = "\n".join(rows)
    if rng.random() < 0.3:
        block += "####" + text()
    after = text(2) if rng.random() < 0.3 else ""
    return f"::Q {number}::{text(5) or 'x'}{{{block}}}{after}"


def test_write_then_parse_gives_the_same_questions_for_awkward_text():
    rng = random.Random(20240501)
    checked = 0
    for number in range(3000):
        questions = gift.parse(_random_question(rng, number)).questions
        if questions:
            checked += 1
            assert gift.parse(gift.write(questions)).questions == questions
    assert checked > 500


def test_written_gift_reads_like_moodles():
    written = gift.write([only("::Q2:: What's between?{=yellow#right; good! ~red ~[plain]blue}")])
    assert written == "::Q2::What's between?{\n\t=yellow#right; good!\n\t~red\n\t~[plain]blue\n}\n"


def test_writer_escapes_special_characters():
    q = gift.Question(
        type="truefalse",
        id="q-1",
        title="Q: {1}",
        stem="a ~ b = c # d { e } f : g \\ h",
        correct=True,
    )
    written = gift.write([q])
    assert written == "::Q\\: \\{1\\}::a \\~ b \\= c \\# d \\{ e \\} f \\: g \\\\ h{TRUE}\n"
    assert gift.parse(written).questions == [q]


def test_writer_keeps_blank_lines_and_comment_like_lines_inside_a_text():
    q = gift.Question(
        type="truefalse", id="q", title="Q", stem="one\n\ntwo\n// three", correct=True
    )
    written = gift.write([q])
    assert "\n\n" not in written.strip()
    assert gift.parse(written).questions == [q]


def test_writer_adds_id_comment_only_when_the_title_does_not_give_it():
    titled = gift.Question(type="truefalse", id="adults", title="Adults", stem="x", correct=True)
    assert not gift.write([titled]).startswith("//")
    renamed = gift.Question(type="truefalse", id="kept-id", title="New title", stem="x")
    assert gift.write([renamed]).startswith("// [id:kept-id]\n::New title::")


def test_equality_ignores_line_numbers():
    first = gift.parse("::A:: x {T}").questions[0]
    moved = gift.parse("\n\n\n::A:: x {T}").questions[0]
    assert (first.line, moved.line) == (1, 4)
    assert first == moved


# -- JSON -------------------------------------------------------------------------------------


def test_json_of_each_type():
    questions = gift.parse(
        "\n\n".join([SINGLE, MULTI, SHORT, PI, MATCH, "::T:: Q {T#no#yes}", "::D:: text"])
    ).questions
    data = [gift.to_json(q) for q in questions]
    json.dumps(data)  # plain JSON types only
    single, multi, short, pi, match, tf, description = data
    for item in data:
        assert {"title", "id", "type", "stem", "general_feedback", "line"} <= item.keys()
    assert single["single"] is True
    assert single["answers"][0] == {
        "text": "right",
        "text_format": "moodle",
        "fraction": 1.0,
        "feedback": "Yes.",
        "feedback_format": "moodle",
    }
    assert multi["single"] is False
    assert [a["fraction"] for a in multi["answers"]] == [0.5, 0.5, -1.0, 0.0]
    assert [a["text"] for a in short["answers"]] == ["Frog", "Cat", "*"]
    assert pi["answers"] == [
        {
            "value": 3.1415,
            "tolerance": 0.0005,
            "fraction": 1.0,
            "feedback": "Good.",
            "feedback_format": "moodle",
        },
        {
            "value": None,
            "tolerance": None,
            "fraction": 0.0,
            "feedback": "No.",
            "feedback_format": "moodle",
        },
    ]
    assert match["pairs"][3] == {"question": "", "question_format": "moodle", "answer": "Dentist"}
    assert (tf["correct"], tf["feedback_true"], tf["feedback_false"]) == (True, "yes", "no")
    assert (description["type"], description["gradable"]) == ("description", False)
    assert "answers" not in description


def test_json_of_a_numerical_range():
    data = gift.to_json(only("::R:: Q {#1..5}"))
    assert data["answers"] == [
        {"min": 1.0, "max": 5.0, "fraction": 1.0, "feedback": "", "feedback_format": "moodle"}
    ]
