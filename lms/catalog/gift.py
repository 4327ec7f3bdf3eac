"""GIFT, Moodle's plain-text question format: parser, writer, JSON and grading.

Quizzes are written in GIFT so that question banks move between Moodle and this
LMS. This module reads and writes GIFT the way Moodle's ``qformat_gift`` does
(questions are separated by blank lines, ``//`` lines are comments, ``\\`` escapes
``~ = # { } :`` and itself, ``\\n`` is a line break) and grades responses with
Moodle's semantics. It never raises on bad input: every problem is collected.

Public API
----------
Data (frozen dataclasses; ``==`` ignores line numbers):

- ``Answer(text, fraction, feedback="", text_format="moodle", feedback_format="moodle")``:
  a multiple-choice option or an accepted short answer; ``fraction`` is the weight,
  from -1 to 1.
- ``MatchPair(question, answer, question_format="moodle")``: an empty ``question``
  is a distractor (an extra answer to choose from).
- ``NumericAnswer(value, tolerance=0, fraction=1, feedback="", feedback_format="moodle",
  min=None, max=None)``: ``value ± tolerance``; a range ``min..max`` also sets
  ``value`` and ``tolerance`` to its middle and half-width; ``value=None`` accepts
  any number (GIFT's ``~#feedback`` or ``=*``).
- ``Question(type, id, title, stem, stem_format, general_feedback,
  general_feedback_format, line, tags, category, single, answers, correct,
  feedback_true, feedback_true_format, feedback_false, feedback_false_format, pairs,
  numeric_answers)``; ``type`` is one of ``QUESTION_TYPES``; ``id`` is the question's
  stable slug, from ``// [id:...]`` or else from the title.
- ``GiftError(line, message)``, whose ``str()`` is ``"line N: message"``, and
  ``ParseResult(questions, errors, source)``: every question that could be read (one
  whose id is missing or taken is read too, so that it can be listed) and every error,
  in line order. A file is fit for a course only when ``errors`` is empty.
- ``Grade(score, feedback, feedback_formats)``: a score from 0 to 1 and the feedback
  of the chosen answers (general feedback is the question's own, shown to everyone,
  so it is not repeated here).
- ``ResponseError`` (a ``ValueError``): a response of the wrong shape for its question.

Functions:

- ``parse(text, source="<text>") -> ParseResult`` and ``parse_bytes(data, source)``
  (which rejects bytes that are not UTF-8 and drops a byte-order mark).
- ``write(questions) -> str``: GIFT text; ``parse(write(qs)).questions == qs``.
- ``grade(question, response) -> Grade``. Responses: multiple choice with one answer,
  the answer's index (``int``); multiple answers, a set or list of indices; true/false,
  a ``bool``; short answer, a ``str``; numerical, a ``str`` or a number; matching, a
  ``dict`` from pair index to the chosen answer text. ``None`` is "not answered".
- ``to_json(question) -> dict``: the question as JSON-ready data.
- ``is_gradable(question)`` and ``why_not_gradable(question)``: essays are parsed but
  cannot be graded automatically; descriptions are shown, not graded.
- ``plain_text(text, fmt)``: for ``"html"`` texts, the text with tags removed and
  entities decoded (to be escaped like any text: HTML from a quiz is never trusted).
- ``slugify(text)`` and ``extract_id_and_tags(comment)``: helpers used for identity.

Texts keep their format (``moodle``, ``html``, ``plain`` or ``markdown``, from a
``[format]`` marker). As in Moodle, an answer or feedback without a marker takes the
format of the question's text, which defaults to ``moodle``.

Where this differs from Moodle, on purpose:

- Stricter, as errors where Moodle would import something odd: a question without a
  title or ``[id:...]``, or with an id already used in the file; ``=%50%`` in multiple
  choice (Moodle keeps "%50%" in the answer text); text before the first answer;
  weights outside -100..100 (0..100 for short answers and numbers); numerical answers
  that are not numbers (Moodle turns them into "*"); a second answer block; ``#`` in a
  matching pair.
- More lenient: ``{true}`` and ``{f}`` are true/false in any case.
- Short answers and numbers are graded by the best-scoring matching answer, where
  Moodle takes the first matching one; they agree when the catch-all comes last.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

__all__ = [
    "DESCRIPTION",
    "ESSAY",
    "ESSAY_NOT_GRADABLE",
    "FORMATS",
    "GRADABLE_TYPES",
    "MATCH",
    "MISSING_WORD",
    "MULTICHOICE",
    "NUMERICAL",
    "QUESTION_TYPES",
    "SHORTANSWER",
    "SLUG_MAX",
    "TRUEFALSE",
    "Answer",
    "GiftError",
    "Grade",
    "MatchPair",
    "NumericAnswer",
    "ParseResult",
    "Question",
    "ResponseError",
    "extract_id_and_tags",
    "grade",
    "is_gradable",
    "parse",
    "parse_bytes",
    "plain_text",
    "slugify",
    "to_json",
    "why_not_gradable",
    "write",
]

MULTICHOICE = "multichoice"
TRUEFALSE = "truefalse"
SHORTANSWER = "shortanswer"
MATCH = "match"
NUMERICAL = "numerical"
DESCRIPTION = "description"
ESSAY = "essay"
QUESTION_TYPES = (MULTICHOICE, TRUEFALSE, SHORTANSWER, MATCH, NUMERICAL, DESCRIPTION, ESSAY)
GRADABLE_TYPES = frozenset({MULTICHOICE, TRUEFALSE, SHORTANSWER, MATCH, NUMERICAL})

FORMATS = ("moodle", "html", "plain", "markdown")
DEFAULT_FORMAT = "moodle"
MISSING_WORD = "_____"
SLUG_MAX = 80
ESSAY_NOT_GRADABLE = "essay questions cannot be graded automatically"

_CATEGORY = "$CATEGORY:"
_TRUE_WORDS = ("T", "TRUE")
_FALSE_WORDS = ("F", "FALSE")
_NO_ID = (
    "question has no title or [id:...]: give it ::A title:: so learner answers can be "
    "kept across versions"
)


# -- data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    text: str
    fraction: float
    feedback: str = ""
    text_format: str = DEFAULT_FORMAT
    feedback_format: str = DEFAULT_FORMAT


@dataclass(frozen=True)
class MatchPair:
    question: str
    answer: str
    question_format: str = DEFAULT_FORMAT


@dataclass(frozen=True)
class NumericAnswer:
    value: float | None
    tolerance: float = 0.0
    fraction: float = 1.0
    feedback: str = ""
    feedback_format: str = DEFAULT_FORMAT
    min: float | None = None
    max: float | None = None

    @property
    def is_range(self) -> bool:
        return self.min is not None and self.max is not None

    def accepts(self, number: float) -> bool:
        if self.value is None:
            return True
        if self.is_range:
            low, high = self.min, self.max
        else:
            low, high = self.value - abs(self.tolerance), self.value + abs(self.tolerance)
        # Moodle widens the interval by a hair for the same reason (MDL-3225):
        # 3.1415 ± 0.0005 must accept 3.141 and 3.142 despite binary rounding.
        slack = 1e-12 * max(1.0, abs(low), abs(high))
        return low - slack <= number <= high + slack


@dataclass(frozen=True)
class Question:
    type: str
    id: str
    title: str = ""
    stem: str = ""
    stem_format: str = DEFAULT_FORMAT
    general_feedback: str = ""
    general_feedback_format: str = DEFAULT_FORMAT
    line: int = field(default=0, compare=False)
    tags: tuple[str, ...] = ()
    category: str = ""
    single: bool = True
    answers: tuple[Answer, ...] = ()
    correct: bool | None = None
    feedback_true: str = ""
    feedback_true_format: str = DEFAULT_FORMAT
    feedback_false: str = ""
    feedback_false_format: str = DEFAULT_FORMAT
    pairs: tuple[MatchPair, ...] = ()
    numeric_answers: tuple[NumericAnswer, ...] = ()


@dataclass(frozen=True)
class GiftError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ParseResult:
    questions: list[Question]
    errors: list[GiftError]
    source: str = "<text>"

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Grade:
    score: float
    feedback: list[str] = field(default_factory=list)
    feedback_formats: list[str] = field(default_factory=list)


class ResponseError(ValueError):
    """A response that does not fit its question (wrong type, unknown answer)."""


# -- escapes and texts ---------------------------------------------------------------------

# Escaped control characters become Unicode noncharacters while a question is taken
# apart, so that every later search (for "{", "~", "#", "->", "..") sees only the
# unescaped ones; Moodle does the same with "&&058;"-style placeholders.
_ESCAPES = "~=#{}:n"
_PLACEHOLDERS = {ch: chr(0xFDD0 + i) for i, ch in enumerate(_ESCAPES)}
_UNPROTECT = {ord(p): ("\n" if ch == "n" else ch) for ch, p in _PLACEHOLDERS.items()}
_RESERVED = re.compile("[\ufdd0-\ufdd6]")


def _protect(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        following = text[i + 1 : i + 2]
        if ch == "\\" and following == "\\":
            out.append("\\")
            i += 2
        elif ch == "\\" and following and following in _PLACEHOLDERS:
            out.append(_PLACEHOLDERS[following])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _restore(text: str) -> str:
    return text.translate(_UNPROTECT)


def _formatted(raw: str, default: str) -> tuple[str, str]:
    """(text, format) from protected text that may open with a ``[format]`` marker."""
    raw = raw.strip()
    if raw.startswith("["):
        end = raw.find("]")
        if end > 0 and raw[1:end] in FORMATS:
            return _restore(raw[end + 1 :]).strip(), raw[1:end]
    return _restore(raw).strip(), default


def slugify(text: str) -> str:
    """Lower-case ASCII letters and digits joined by single hyphens, at most 80 long."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


# Moodle's own patterns (qformat_gift::extract_idnumber_and_tags_from_comment): no
# control characters, so a token never spans two comment lines; "\]" is a "]".
_ID_TOKEN = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_TAG_TOKEN = re.compile(r"\[tag:((?:\\\]|[^\]<>\x00-\x1f\x7f])+)\]")


def extract_id_and_tags(comment: str) -> tuple[str, tuple[str, ...]]:
    """The ``[id:...]`` (the first one) and ``[tag:...]`` values in comment lines."""
    found = _ID_TOKEN.search(comment)
    idnumber = found.group(1).strip().replace("\\]", "]") if found else ""
    tags = (m.group(1).strip().replace("\\]", "]") for m in _TAG_TOKEN.finditer(comment))
    return idnumber, tuple(tag for tag in tags if tag)


# -- parsing -------------------------------------------------------------------------------


def parse_bytes(data: bytes, source: str = "<bytes>") -> ParseResult:
    """Parse a GIFT file's bytes: UTF-8, with or without a byte-order mark."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        message = f"not UTF-8 text (byte {error.start + 1})"
        return ParseResult([], [GiftError(line, message)], source)
    return parse(text, source)


def parse(text: str, source: str = "<text>") -> ParseResult:
    """Parse GIFT text into questions, collecting every error instead of raising."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    errors: list[GiftError] = []
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if found := _RESERVED.search(line):
            reserved = f"U+{ord(found.group()):04X}"
            message = f"this line holds {reserved}, a character reserved for programs: delete it"
            errors.append(GiftError(number, message))
            lines[number - 1] = _RESERVED.sub("\ufffd", line)

    questions: list[Question] = []
    first_line_of: dict[str, int] = {}
    category = ""
    for chunk in _chunks(lines):
        comments = [text for _, text in chunk if _is_comment(text)]
        body = [(number, text) for number, text in chunk if not _is_comment(text)]
        if body and body[0][1].lstrip().startswith(_CATEGORY):
            name = body[0][1].lstrip()[len(_CATEGORY) :]
            category = _restore(_protect(name)).strip()
            body = body[1:]
        if not body:
            continue
        reader = _QuestionReader(body, "\n".join(comments), category)
        question = reader.read()
        errors.extend(reader.errors + reader.identity_errors)
        if reader.id in first_line_of:
            both = f"lines {first_line_of[reader.id]} and {reader.line}"
            errors.append(
                GiftError(reader.line, f"two questions have the id '{reader.id}' ({both})")
            )
        elif reader.id:
            first_line_of[reader.id] = reader.line
        if question is not None:
            questions.append(question)
    errors.sort(key=lambda e: e.line)
    return ParseResult(questions, errors, source)


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("//")


def _chunks(lines: list[str]) -> Iterator[list[tuple[int, str]]]:
    """Runs of non-blank lines with their 1-based numbers: one question each."""
    chunk: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            chunk.append((number, line))
        elif chunk:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_WEIGHT = re.compile(r"%(-?\d+(?:\.\d*)?)%")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _to_number(text: str) -> float | None:
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


class _QuestionReader:
    """Reads one question (a run of non-blank, non-comment lines) the way Moodle does."""

    def __init__(self, body: list[tuple[int, str]], comments: str, category: str):
        self.numbers = [number for number, _ in body]
        self.text = _protect("\n".join(text for _, text in body))
        self.comments = comments
        self.category = category
        self.line = self.numbers[0]
        self.id = ""
        self.errors: list[GiftError] = []
        # A question without a usable id is still read, so that every problem shows.
        self.identity_errors: list[GiftError] = []
        self.stem_format = DEFAULT_FORMAT

    def error(self, message: str) -> None:
        self.errors.append(GiftError(self.line, message))

    def line_at(self, offset: int) -> int:
        return self.numbers[self.text.count("\n", 0, offset)]

    def read(self) -> Question | None:
        """The question, or None when its text or answers have errors."""
        title, pos = self._title()
        if pos < 0:
            return None
        self.id = self._identity(title)
        parts = self._stem_and_block(pos)
        if parts is None:
            return None
        stem_raw, block = parts
        stem, self.stem_format = _formatted(stem_raw, DEFAULT_FORMAT)
        if not stem:
            self.error("the question has no text")
        qtype, fields = DESCRIPTION, {}
        general, general_format = "", self.stem_format
        if block is not None:
            answers = block.strip()
            separator = answers.rfind("####")
            if separator >= 0:
                general, general_format = _formatted(answers[separator + 4 :], self.stem_format)
                answers = answers[:separator].strip()
            qtype = _question_type(answers)
            if qtype != ESSAY:
                fields = self._readers()[qtype](answers)
        if self.errors:
            return None
        return Question(
            type=qtype,
            id=self.id,
            title=title,
            stem=stem,
            stem_format=self.stem_format,
            general_feedback=general,
            general_feedback_format=general_format,
            line=self.line,
            tags=extract_id_and_tags(self.comments)[1],
            category=self.category,
            **fields,
        )

    def _title(self) -> tuple[str, int]:
        """The ``::title::`` (or "") and where the text after it starts; -1 on error."""
        text = self.text
        pos = len(text) - len(text.lstrip())
        if not text.startswith("::", pos):
            return "", pos
        close = text.find("::", pos + 2)
        if close < 0:
            self.error("the title has no closing '::': write ::Title:: before the question")
            return "", -1
        return " ".join(_restore(text[pos + 2 : close]).split()), close + 2

    def _stem_and_block(self, pos: int) -> tuple[str, str | None] | None:
        """The stem's text and the answer block's (None for a description)."""
        text = self.text
        opening, closing = text.find("{", pos), text.find("}", pos)
        if opening < 0 and closing < 0:
            return text[pos:], None
        if opening < 0 or 0 <= closing < opening:
            self.error(f"'}}' on line {self.line_at(closing)} has no matching '{{'")
            return None
        if closing < 0 or "{" in text[opening + 1 : closing]:
            line = self.line_at(opening)
            self.error(f"unclosed answer block: '{{' on line {line} has no matching '}}'")
            return None
        after = text[closing + 1 :]
        if not self._only_one_block(after, closing + 1):
            return None
        # An answer block inside the text is a missing word: Moodle shows a blank.
        stem = text[pos:opening] + (MISSING_WORD + after if after.strip() else "")
        return stem, text[opening + 1 : closing]

    def _only_one_block(self, after: str, offset: int) -> bool:
        for i, ch in enumerate(after):
            if ch == "{":
                self.error(
                    f"a second answer block starts on line {self.line_at(offset + i)}: leave a "
                    "blank line between questions, or write \\{ and \\} for braces in the text"
                )
                return False
            if ch == "}":
                self.error(f"'}}' on line {self.line_at(offset + i)} has no matching '{{'")
                return False
        return True

    def _identity(self, title: str) -> str:
        slug, problem = _question_id(title, self.comments)
        if problem:
            self.identity_errors.append(GiftError(self.line, problem))
        return slug

    def _readers(self) -> dict[str, Callable[[str], dict[str, Any]]]:
        return {
            MULTICHOICE: self._multichoice,
            TRUEFALSE: self._truefalse,
            SHORTANSWER: self._shortanswer,
            MATCH: self._match,
            NUMERICAL: self._numerical,
        }

    # -- pieces shared by the question types

    def _weight(self, body: str, lowest: int) -> tuple[float | None, str]:
        """The ``%50%`` weight that opens an answer, as a fraction, and the rest."""
        found = _WEIGHT.match(body)
        if not found:
            return None, body
        percent = float(found.group(1))
        if not lowest <= percent <= 100:
            self.error(f"answer weight %{found.group(1)}% is not between {lowest} and 100")
        return percent / 100, body[found.end() :]

    def _answer(self, body: str, fraction: float) -> Answer:
        text, _, feedback = body.partition("#")
        text, text_format = _formatted(text, self.stem_format)
        feedback, feedback_format = _formatted(feedback, self.stem_format)
        return Answer(text, fraction, feedback, text_format, feedback_format)

    # -- one method per question type

    def _multichoice(self, answers: str) -> dict[str, Any]:
        lead, pieces = _split_marked(answers, "~=")
        if lead.strip():
            shown = _restore(lead).strip()
            self.error(
                f"'{shown}' comes before the first answer: start each answer with "
                "'=' (right) or '~' (wrong)"
            )
        single = any(marker == "=" for marker, _ in pieces)
        result = []
        for marker, body in pieces:
            body = body.strip()
            if marker == "=":
                if weight := _WEIGHT.match(body):
                    self.error(
                        f"'=' marks a right answer, worth 100%: write ~{weight.group()} "
                        "(with '~') for a partial weight"
                    )
                fraction = 1.0
            else:
                weight, body = self._weight(body, -100)
                fraction = weight if weight is not None else 0.0
            answer = self._answer(body, fraction)
            if not answer.text:
                self.error("one of the answers is empty")
            result.append(answer)
        if len(result) < 2:
            self.error("a multiple choice question needs at least two answers")
        if not any(answer.fraction > 0 for answer in result):
            self.error("multiple choice question has no correct answer")
        return {"single": single, "answers": tuple(result)}

    def _truefalse(self, answers: str) -> dict[str, Any]:
        word, _, feedback = answers.partition("#")
        wrong, _, right = feedback.partition("#")
        correct = word.strip().upper() in _TRUE_WORDS
        wrong, wrong_format = _formatted(wrong, self.stem_format)
        right, right_format = _formatted(right, self.stem_format)
        # GIFT gives the feedback for a wrong response first, then for a right one.
        if correct:
            true_fb, false_fb = (right, right_format), (wrong, wrong_format)
        else:
            true_fb, false_fb = (wrong, wrong_format), (right, right_format)
        return {
            "correct": correct,
            "feedback_true": true_fb[0],
            "feedback_true_format": true_fb[1],
            "feedback_false": false_fb[0],
            "feedback_false_format": false_fb[1],
        }

    def _shortanswer(self, answers: str) -> dict[str, Any]:
        lead, pieces = _split_marked(answers, "=")
        # As in Moodle, text before the first '=' is an accepted answer too: {Paris}.
        bodies = [lead, *(body for _, body in pieces)] if lead.strip() else [b for _, b in pieces]
        result = []
        for body in bodies:
            weight, body = self._weight(body.strip(), 0)
            answer = self._answer(body, 1.0 if weight is None else weight)
            if not answer.text:
                self.error("one of the accepted answers is empty")
            result.append(answer)
        if not any(answer.fraction > 0 for answer in result):
            self.error("short answer question has no correct answer")
        return {"answers": tuple(result)}

    def _match(self, answers: str) -> dict[str, Any]:
        lead, pieces = _split_marked(answers, "=")
        if lead.strip():
            shown = _restore(lead).strip()
            self.error(f"'{shown}' comes before the first pair: start each pair with '='")
        pairs = []
        for _, body in pieces:
            left, arrow, right = body.partition("->")
            if not arrow:
                shown = _restore(body).strip()
                self.error(f"the pair '{shown}' has no '->': write =item -> its match")
                continue
            if "#" in body:
                self.error(
                    "matching pairs cannot have their own feedback ('#'): "
                    "use general feedback (####) at the end"
                )
            question, question_format = _formatted(left, self.stem_format)
            answer = _restore(right).strip()
            if not answer:
                self.error(f"the pair '{question}' has nothing after '->'")
            pairs.append(MatchPair(question, answer, question_format))
        if sum(1 for pair in pairs if pair.question) < 2:
            self.error(
                "a matching question needs at least two pairs with text on both sides of '->'"
            )
        return {"pairs": tuple(pairs)}

    def _numerical(self, answers: str) -> dict[str, Any]:
        body, tilde, other = answers[1:].partition("~")
        lead, pieces = _split_marked(body, "=")
        bodies = [lead, *(b for _, b in pieces)] if lead.strip() else [b for _, b in pieces]
        result = [self._numeric_answer(b.strip()) for b in bodies]
        if tilde:
            # "~#feedback" is the feedback for any other number, as Moodle's "*" answer.
            text, _, feedback = other.partition("#")
            if text.strip() or "~" in feedback:
                self.error(
                    "in a numerical question, one '~' may end the answers, followed only by "
                    "#feedback for any other number"
                )
            feedback, feedback_format = _formatted(feedback, self.stem_format)
            result.append(NumericAnswer(None, 0.0, 0.0, feedback, feedback_format))
        answered = [a for a in result if a is not None]
        if not bodies:
            self.error("numerical question has no answer: write {#3.5:0.1} or {#1..5}")
        elif answered and not any(a.fraction > 0 for a in answered):
            self.error("numerical question has no correct answer")
        return {"numeric_answers": tuple(answered)}

    def _numeric_answer(self, body: str) -> NumericAnswer | None:
        weight, body = self._weight(body, 0)
        fraction = 1.0 if weight is None else weight
        text, _, feedback = body.partition("#")
        feedback, feedback_format = _formatted(feedback, self.stem_format)
        text = text.strip()
        shown = _restore(text)
        if text == "*":
            return NumericAnswer(None, 0.0, fraction, feedback, feedback_format)
        dots, colon = text.find(".."), text.find(":")
        if dots > 0:
            low, high = _to_number(_restore(text[:dots])), _to_number(_restore(text[dots + 2 :]))
            if low is None or high is None:
                self.error(f"the range '{shown}' is not two numbers: write {{#1..5}}")
                return None
            if low > high:
                self.error(f"the range '{shown}' goes down: write the smaller number first")
                return None
            middle = (low + high) / 2
            return NumericAnswer(
                middle, high - middle, fraction, feedback, feedback_format, low, high
            )
        value_text, tolerance_text = (text[:colon], text[colon + 1 :]) if colon > 0 else (text, "0")
        value_text, tolerance_text = _restore(value_text).strip(), _restore(tolerance_text).strip()
        value, tolerance = _to_number(value_text), _to_number(tolerance_text)
        if value is None:
            self.error(f"the numerical answer '{value_text}' is not a number")
            return None
        if tolerance is None or tolerance < 0:
            self.error(
                f"the tolerance '{tolerance_text}' of answer {value_text} "
                "is not a number of 0 or more"
            )
            return None
        return NumericAnswer(value, tolerance, fraction, feedback, feedback_format)


def _question_id(title: str, comments: str) -> tuple[str, str | None]:
    """The question's slug, from ``[id:...]`` or else its title, and what is wrong with it."""
    idnumber, _ = extract_id_and_tags(comments)
    if idnumber:
        slug = slugify(idnumber)
        if not slug:
            return "", f"the id '[id:{idnumber}]' has no letters or digits to make a slug from"
        return slug, None
    if title:
        slug = slugify(title)
        if not slug:
            return "", (
                f"the title '{title}' has no Latin letters or digits to make an id from: "
                "add a comment line // [id:a-short-name] before the question"
            )
        return slug, None
    return "", _NO_ID


def _split_marked(text: str, markers: str) -> tuple[str, list[tuple[str, str]]]:
    """The text before the first marker, and each (marker, text up to the next marker)."""
    parts = re.split(f"([{re.escape(markers)}])", text)
    return parts[0], list(zip(parts[1::2], parts[2::2], strict=True))


def _question_type(answers: str) -> str:
    """Moodle's rules, in Moodle's order (so {~%100%a ~%-50%b} is multiple choice)."""
    if not answers:
        return ESSAY
    if answers.startswith("#"):
        return NUMERICAL
    if "~" in answers:
        return MULTICHOICE
    if "=" in answers and "->" in answers:
        return MATCH
    word = answers.partition("#")[0].strip().upper()
    if word in _TRUE_WORDS + _FALSE_WORDS:
        return TRUEFALSE
    return SHORTANSWER


# -- questions as JSON ---------------------------------------------------------------------


def is_gradable(question: Question) -> bool:
    return question.type in GRADABLE_TYPES


def why_not_gradable(question: Question) -> str | None:
    """Why a question is not graded, or None when it is."""
    if question.type == ESSAY:
        return ESSAY_NOT_GRADABLE
    if question.type == DESCRIPTION:
        return "a description has no answers: it is shown, not graded"
    return None


def to_json(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": question.id,
        "title": question.title,
        "type": question.type,
        "line": question.line,
        "stem": question.stem,
        "stem_format": question.stem_format,
        "general_feedback": question.general_feedback,
        "general_feedback_format": question.general_feedback_format,
        "category": question.category,
        "tags": list(question.tags),
        "gradable": is_gradable(question),
    }
    if question.type == MULTICHOICE:
        data["single"] = question.single
    if question.type in (MULTICHOICE, SHORTANSWER):
        data["answers"] = [
            {
                "text": a.text,
                "text_format": a.text_format,
                "fraction": a.fraction,
                "feedback": a.feedback,
                "feedback_format": a.feedback_format,
            }
            for a in question.answers
        ]
    elif question.type == TRUEFALSE:
        data |= {
            "correct": question.correct,
            "feedback_true": question.feedback_true,
            "feedback_true_format": question.feedback_true_format,
            "feedback_false": question.feedback_false,
            "feedback_false_format": question.feedback_false_format,
        }
    elif question.type == MATCH:
        data["pairs"] = [
            {"question": p.question, "question_format": p.question_format, "answer": p.answer}
            for p in question.pairs
        ]
    elif question.type == NUMERICAL:
        data["answers"] = [_numeric_json(a) for a in question.numeric_answers]
    return data


def _numeric_json(answer: NumericAnswer) -> dict[str, Any]:
    if answer.is_range:
        bounds: dict[str, Any] = {"min": answer.min, "max": answer.max}
    elif answer.value is None:  # any number
        bounds = {"value": None, "tolerance": None}
    else:
        bounds = {"value": answer.value, "tolerance": answer.tolerance}
    return bounds | {
        "fraction": answer.fraction,
        "feedback": answer.feedback,
        "feedback_format": answer.feedback_format,
    }


# -- grading -------------------------------------------------------------------------------


def grade(question: Question, response: object) -> Grade:
    """Score a response from 0 to 1 with Moodle's semantics; None means not answered.

    Short answers and numbers take the best-scoring answer that matches (Moodle takes
    the first in order; the two agree whenever the catch-all answer comes last).
    """
    grader = _GRADERS.get(question.type)
    if grader is None:
        raise ResponseError(why_not_gradable(question) or f"unknown question type {question.type}")
    if response is None:
        return Grade(0.0)
    return grader(question, response)


def _score(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 7)


def _answer_number(value: object, count: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ResponseError(f"choose an answer by its number, from 0 to {count - 1}")
    if not 0 <= value < count:
        raise ResponseError(f"there is no answer number {value}: choose from 0 to {count - 1}")
    return value


def _grade_multichoice(question: Question, response: object) -> Grade:
    count = len(question.answers)
    if question.single:
        chosen = [_answer_number(response, count)]
    elif isinstance(response, (set, frozenset, list, tuple)):
        chosen = sorted({_answer_number(item, count) for item in response})
    else:
        raise ResponseError("this question takes several answers: send a list of answer numbers")
    answers = [question.answers[i] for i in chosen]
    return Grade(
        _score(sum(a.fraction for a in answers)),
        [a.feedback for a in answers if a.feedback],
        [a.feedback_format for a in answers if a.feedback],
    )


def _grade_truefalse(question: Question, response: object) -> Grade:
    if not isinstance(response, bool):
        raise ResponseError("a true/false question takes True or False")
    if response:
        feedback, feedback_format = question.feedback_true, question.feedback_true_format
    else:
        feedback, feedback_format = question.feedback_false, question.feedback_false_format
    shown = [feedback] if feedback else []
    return Grade(
        1.0 if response == question.correct else 0.0, shown, [feedback_format] * len(shown)
    )


def _wildcard(pattern: str) -> re.Pattern[str]:
    # Moodle: a run of '*' matches anything, '\*' is a literal star, case is ignored.
    pattern = unicodedata.normalize("NFC", pattern)
    bits = re.split(r"(?<!\\)\*+", pattern)
    return re.compile(".*".join(re.escape(bit.replace("\\*", "*")) for bit in bits), re.IGNORECASE)


def _best(candidates: Iterable[Any]) -> Any:
    best = None
    for candidate in candidates:
        if best is None or candidate.fraction > best.fraction:
            best = candidate
    return best


def _grade_shortanswer(question: Question, response: object) -> Grade:
    if not isinstance(response, str):
        raise ResponseError("a short-answer question takes text")
    typed = unicodedata.normalize("NFC", response.strip())
    if not typed:
        return Grade(0.0)
    best = _best(a for a in question.answers if _wildcard(a.text).fullmatch(typed))
    if best is None:
        return Grade(0.0)
    shown = [best.feedback] if best.feedback else []
    return Grade(_score(best.fraction), shown, [best.feedback_format] * len(shown))


def _grade_numerical(question: Question, response: object) -> Grade:
    if isinstance(response, str):
        number = _to_number(response)
        if number is None:
            return Grade(0.0, [_not_a_number(response.strip())], ["plain"])
    elif isinstance(response, (int, float)) and not isinstance(response, bool):
        number = float(response)
        if not math.isfinite(number):
            return Grade(0.0, [f"'{response}' is not a number"], ["plain"])
    else:
        raise ResponseError("a numerical question takes a number")
    best = _best(a for a in question.numeric_answers if a.accepts(number))
    if best is None:
        return Grade(0.0)
    shown = [best.feedback] if best.feedback else []
    return Grade(_score(best.fraction), shown, [best.feedback_format] * len(shown))


def _not_a_number(typed: str) -> str:
    if _to_number(typed.replace(",", ".")) is not None:
        return f"'{typed}' is not a number: use a decimal point, as in {typed.replace(',', '.')}"
    return f"'{typed}' is not a number"


def _grade_match(question: Question, response: object) -> Grade:
    if not isinstance(response, dict):
        raise ResponseError("a matching question takes a choice for each item")
    items = {i: pair for i, pair in enumerate(question.pairs) if pair.question}
    if not items:
        raise ResponseError("this matching question has no items to match")
    choices = {pair.answer for pair in question.pairs}
    right = 0
    for key, chosen in response.items():
        # Form fields arrive as text: "0" is item 0.
        index = int(key) if isinstance(key, str) and key.isascii() and key.isdigit() else key
        if isinstance(index, bool) or index not in items:
            raise ResponseError(f"there is no item {key!r} to match in this question")
        if chosen is None or chosen == "":
            continue
        if not isinstance(chosen, str) or chosen not in choices:
            raise ResponseError(f"{chosen!r} is not one of the choices")
        right += chosen == items[index].answer
    return Grade(_score(right / len(items)))


_GRADERS: dict[str, Callable[[Question, Any], Grade]] = {
    MULTICHOICE: _grade_multichoice,
    TRUEFALSE: _grade_truefalse,
    SHORTANSWER: _grade_shortanswer,
    NUMERICAL: _grade_numerical,
    MATCH: _grade_match,
}


# -- writing -------------------------------------------------------------------------------


def write(questions: Iterable[Question]) -> str:
    """GIFT text for the questions, one blank line apart, that parses back to them."""
    parts = []
    category = ""
    for question in questions:
        if question.category != category:
            category = question.category
            parts.append(f"{_CATEGORY} {_escape(category, one_line=True)}\n")
        parts.append(_write_question(question))
    return "\n".join(parts)


def _escape(text: str, one_line: bool = False) -> str:
    lines = []
    for i, line in enumerate(text.split("\n")):
        escaped = "".join("\\" + ch if ch in "\\~=#{}:" else ch for ch in line)
        if i:
            # A blank line would end the question and a "//" line would be a comment.
            keep_break = line.strip() and not line.lstrip().startswith("//") and not one_line
            lines.append("\n" if keep_break else "\\n")
        lines.append(escaped)
    return "".join(lines)


def _write_text(text: str, fmt: str, default: str) -> str:
    # An explicit format also keeps text that opens like a marker or a weight as text.
    shield = text.startswith(("[", "%", "//"))
    return (f"[{fmt}]" if fmt != default or shield else "") + _escape(text)


def _write_feedback(text: str, fmt: str, default: str) -> str:
    return "#" + _write_text(text, fmt, default) if text or fmt != default else ""


def _percent(fraction: float) -> str:
    return _number_text(round(fraction * 100, 10))


def _number_text(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _write_question(q: Question) -> str:
    head = []
    idnumber = q.id if q.id != slugify(q.title) else ""
    tokens = [f"[id:{idnumber}]"] if idnumber else []
    tokens += ["[tag:" + tag.replace("]", "\\]") + "]" for tag in q.tags]
    if tokens:
        head.append("// " + " ".join(tokens) + "\n")
    if q.title:
        head.append(f"::{_escape(q.title)}::")
    if q.type == DESCRIPTION:
        return "".join(head) + _write_text(q.stem, q.stem_format, DEFAULT_FORMAT) + "\n"
    block = _BLOCK_WRITERS[q.type](q)
    gap = q.stem.find(MISSING_WORD)
    if gap < 0 or not q.stem[gap + len(MISSING_WORD) :].strip():
        body = _write_text(q.stem, q.stem_format, DEFAULT_FORMAT) + block
    else:
        before, after = q.stem[:gap], q.stem[gap + len(MISSING_WORD) :]
        body = _write_text(before, q.stem_format, DEFAULT_FORMAT) + block + _escape(after)
    return "".join(head) + body + "\n"


def _general_feedback(q: Question, row: bool) -> str:
    if not q.general_feedback and q.general_feedback_format == q.stem_format:
        return ""
    text = "####" + _write_text(q.general_feedback, q.general_feedback_format, q.stem_format)
    return f"\t{text}\n" if row else text


def _block_multichoice(q: Question) -> str:
    rows = []
    equals_written = False
    for a in q.answers:
        if q.single and a.fraction == 1 and not equals_written:
            marker, equals_written = "=", True
        elif a.fraction == 0:
            marker = "~"
        else:
            marker = f"~%{_percent(a.fraction)}%"
        text = _write_text(a.text, a.text_format, q.stem_format)
        rows.append(
            f"\t{marker}{text}{_write_feedback(a.feedback, a.feedback_format, q.stem_format)}\n"
        )
    return "{\n" + "".join(rows) + _general_feedback(q, row=True) + "}"


def _block_shortanswer(q: Question) -> str:
    # With "=" and "->" in one block it would read as matching, so a lone answer that
    # holds "->" is written without its "=", which Moodle also reads as an answer.
    arrow = any("->" in a.text + a.feedback for a in q.answers)
    rows = []
    for a in q.answers:
        marker = "" if arrow else "="
        marker += "" if a.fraction == 1 else f"%{_percent(a.fraction)}%"
        text = _write_text(a.text, a.text_format, q.stem_format)
        rows.append(
            f"\t{marker}{text}{_write_feedback(a.feedback, a.feedback_format, q.stem_format)}\n"
        )
    return "{\n" + "".join(rows) + _general_feedback(q, row=True) + "}"


def _block_truefalse(q: Question) -> str:
    if q.correct:
        word, wrong, right = (
            "TRUE",
            (q.feedback_false, q.feedback_false_format),
            (q.feedback_true, q.feedback_true_format),
        )
    else:
        word, wrong, right = (
            "FALSE",
            (q.feedback_true, q.feedback_true_format),
            (q.feedback_false, q.feedback_false_format),
        )
    right_text = _write_feedback(*right, q.stem_format)
    wrong_text = _write_feedback(*wrong, q.stem_format) or ("#" if right_text else "")
    return "{" + word + wrong_text + right_text + _general_feedback(q, row=False) + "}"


def _block_match(q: Question) -> str:
    rows = [
        f"\t={_write_text(p.question, p.question_format, q.stem_format)} -> {_escape(p.answer)}\n"
        for p in q.pairs
    ]
    return "{\n" + "".join(rows) + _general_feedback(q, row=True) + "}"


def _block_numerical(q: Question) -> str:
    rows = []
    last = len(q.numeric_answers) - 1
    for i, a in enumerate(q.numeric_answers):
        feedback = _write_feedback(a.feedback, a.feedback_format, q.stem_format)
        weight = "" if a.fraction == 1 else f"%{_percent(a.fraction)}%"
        if a.value is None and i == last and a.fraction == 0:
            rows.append(f"\t~{feedback or '#'}\n")
        elif a.value is None:
            rows.append(f"\t={weight}*{feedback}\n")
        elif a.is_range:
            rows.append(f"\t={weight}{_number_text(a.min)}..{_number_text(a.max)}{feedback}\n")
        else:
            rows.append(
                f"\t={weight}{_number_text(a.value)}:{_number_text(a.tolerance)}{feedback}\n"
            )
    return "{#\n" + "".join(rows) + _general_feedback(q, row=True) + "}"


def _block_essay(q: Question) -> str:
    return "{" + _general_feedback(q, row=False) + "}"


_BLOCK_WRITERS: dict[str, Callable[[Question], str]] = {
    MULTICHOICE: _block_multichoice,
    SHORTANSWER: _block_shortanswer,
    TRUEFALSE: _block_truefalse,
    MATCH: _block_match,
    NUMERICAL: _block_numerical,
    ESSAY: _block_essay,
}


# -- untrusted HTML ------------------------------------------------------------------------


class _TextOnly(HTMLParser):
    _BREAKS = frozenset(
        {
            "address",
            "article",
            "aside",
            "blockquote",
            "br",
            "dd",
            "div",
            "dl",
            "dt",
            "figcaption",
            "figure",
            "footer",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "header",
            "hr",
            "li",
            "ol",
            "p",
            "pre",
            "section",
            "table",
            "td",
            "th",
            "tr",
            "ul",
        }
    )
    _HIDDEN = frozenset({"script", "style", "template", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")
        self.pre += tag == "pre"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n")
        if tag == "pre":
            self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if not self.pre:
            # Outside <pre>, runs of white space are one space, as a browser shows them.
            data = re.sub(r"\s+", " ", data)
            if not self.parts or self.parts[-1].endswith("\n"):
                data = data.lstrip()
        self.parts.append(data)


def plain_text(text: str, fmt: str) -> str:
    """The text a learner should read, with no markup: tags of ``html`` texts removed
    and their entities decoded. The result is text, to be escaped like any other."""
    if fmt != "html":
        return text
    parser = _TextOnly()
    parser.feed(text)
    parser.close()
    lines = [line.rstrip() for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
