"""What changed between two versions of a course, for instructors to review.

``compare(old, new)`` reads only what is already loaded on the two versions
(``modules`` with their ``lessons``, ``quizzes`` with their ``questions``) and
queries nothing, so the caller loads both versions with their content first.
Things are matched as learner records match them, by slug, quiz key or
evaluation id, never by row id: a draft and the version it came from share no
rows. A lesson is known by its module's slug and its own, so a lesson moved to
another module shows as removed from one and added to the other, with a note
on each saying so.

Texts (lesson text, summaries, objectives, references, questions' GIFT) come
with a line diff whose edited lines are paired and their changed words marked,
so that a one-word fix in a long Markdown paragraph can be seen.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from lms.catalog.models import CourseVersion, Lesson, Module, Question, Quiz

CONTEXT_LINES = 2  # unchanged lines shown either side of a change
# Lines of a replaced block at least this alike (by words) are shown as one edited line.
PAIR_CUTOFF = 0.5
# Pairing compares every old line with every new one; a replaced block larger than this
# (old lines times new lines) is shown as removed then added, unpaired.
PAIRING_LIMIT = 1600

# As the settings form names them.
EVALUATION_KINDS = {"likert": "agreement, 1 to 5", "text": "free text"}

_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")
_WORDS = re.compile(r"\w+|[^\w\s]")

Segment = tuple[bool, str]  # (changed, text)


# -- the result ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    """One line of a text diff.

    ``kind`` is "same", "added", "removed", or "skip" for a run of ``skipped``
    unchanged lines left out. ``segments`` split the line into runs of text,
    ``changed`` for the words that differ from the line it is paired with.
    """

    kind: str
    segments: tuple[Segment, ...] = ()
    skipped: int = 0

    @property
    def text(self) -> str:
        if self.kind == "skip":
            return f"{_count(self.skipped, 'unchanged line')} not shown"
        return "".join(text for _, text in self.segments)


@dataclass(frozen=True)
class FieldChange:
    """One setting or field that differs. ``diff`` is set for free text, empty otherwise."""

    label: str
    before: str
    after: str
    diff: tuple[DiffLine, ...] = ()


@dataclass(frozen=True)
class Entry:
    """Something added or removed: an evaluation question, module, lesson, quiz or question."""

    key: str  # its slug, quiz key or evaluation id
    title: str
    where: str = ""  # for example "Module: Recognising signs"
    note: str = ""  # for example "Moved from module “Basics”."


@dataclass(frozen=True)
class Change:
    """Something in both versions whose fields differ; ``title`` is the newer one."""

    key: str
    title: str
    where: str
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class Move:
    """Something whose place among its siblings changed: positions count from 1."""

    key: str
    title: str
    where: str
    before: int
    after: int


@dataclass(frozen=True)
class Changes:
    """What was added, removed, changed and moved among one kind of thing."""

    added: tuple[Entry, ...] = ()
    removed: tuple[Entry, ...] = ()
    changed: tuple[Change, ...] = ()
    moved: tuple[Move, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.moved)


@dataclass(frozen=True)
class QuizChange(Change):
    """A quiz in both versions: ``fields`` are its settings that differ."""

    questions: Changes = field(default_factory=Changes)


@dataclass(frozen=True)
class Comparison:
    """Everything that differs between two versions; ``quizzes.changed`` holds QuizChanges."""

    settings: tuple[FieldChange, ...] = ()
    evaluation: Changes = field(default_factory=Changes)
    modules: Changes = field(default_factory=Changes)
    lessons: Changes = field(default_factory=Changes)
    quizzes: Changes = field(default_factory=Changes)

    @property
    def empty(self) -> bool:
        return not (
            self.settings or self.evaluation or self.modules or self.lessons or self.quizzes
        )

    def summary(self) -> list[str]:
        """Short phrases, such as ["2 lessons changed", "1 question added"]."""
        counts = [(len(self.settings), "course setting", "changed")]
        for changes, noun in (
            (self.evaluation, "evaluation question"),
            (self.modules, "module"),
            (self.lessons, "lesson"),
        ):
            counts += [(len(getattr(changes, what)), noun, what) for what in _WHAT]
        quizzes = self.quizzes
        counts += [
            (len(quizzes.added), "quiz", "added"),
            (len(quizzes.removed), "quiz", "removed"),
            (sum(1 for quiz in quizzes.changed if quiz.fields), "quiz", "with changed settings"),
        ]
        questions = [quiz.questions for quiz in quizzes.changed if isinstance(quiz, QuizChange)]
        counts += [
            (sum(len(getattr(q, what)) for q in questions), "question", what) for what in _WHAT
        ]
        return [f"{_count(n, noun)} {what}" for n, noun, what in counts if n]


_WHAT = ("added", "removed", "changed", "moved")


# -- comparing -------------------------------------------------------------------------------


def compare(old: CourseVersion, new: CourseVersion) -> Comparison:
    """What differs from ``old`` to ``new`` (either may be a draft)."""
    return Comparison(
        settings=_compare_settings(old, new),
        evaluation=_compare_evaluation(old.evaluation or [], new.evaluation or []),
        modules=_compare_modules(_modules(old), _modules(new)),
        lessons=_compare_lessons(_modules(old), _modules(new)),
        quizzes=_compare_quizzes(old, new),
    )


def _compare_settings(old: CourseVersion, new: CourseVersion) -> tuple[FieldChange, ...]:
    changes = [
        _value_change("Title", old.title, new.title),
        _text_change("Summary", old.summary, new.summary),
        _value_change("Audience", old.audience, new.audience),
        _value_change(
            "Credit hours", old.credit_hours, new.credit_hours, lambda hours: f"{hours:g}"
        ),
        _value_change("Estimated minutes", old.estimated_minutes, new.estimated_minutes),
        _value_change("Pass mark", old.pass_mark, new.pass_mark, lambda mark: f"{mark}%"),
        _value_change("Self-enrolment", old.self_enrollment, new.self_enrollment, _yes_no),
        _text_change("Objectives", _joined(old.objectives), _joined(new.objectives)),
        _rules_change(old.completion_rules or [], new.completion_rules or []),
        _text_change("References", old.references_md, new.references_md),
    ]
    return tuple(change for change in changes if change)


def _compare_evaluation(old: list[dict[str, Any]], new: list[dict[str, Any]]):
    before = {item.get("id"): item for item in old}
    after = {item.get("id"): item for item in new}

    def entry(item: dict[str, Any]) -> Entry:
        required = "required" if item.get("required", True) else "optional"
        note = f"{_evaluation_kind(item.get('kind'))}, {required}"
        return Entry(str(item.get("id")), item.get("prompt", ""), note=note)

    added = tuple(entry(item) for key, item in after.items() if key not in before)
    removed = tuple(entry(item) for key, item in before.items() if key not in after)
    changed = []
    for key, item in after.items():
        if key not in before:
            continue
        was = before[key]
        fields = _fields(
            _text_change("Prompt", was.get("prompt"), item.get("prompt")),
            _value_change("Kind", was.get("kind"), item.get("kind"), _evaluation_kind),
            _value_change(
                "Required", was.get("required", True), item.get("required", True), _yes_no
            ),
        )
        if fields:
            changed.append(Change(str(key), item.get("prompt", ""), "", fields))
    moved = _moves(list(before), {key: item.get("prompt", "") for key, item in after.items()}, "")
    return Changes(added, removed, tuple(changed), moved)


def _compare_modules(old: list[Module], new: list[Module]):
    before = {m.slug: m for m in old}
    after = {m.slug: m for m in new}
    added = tuple(Entry(m.slug, m.title) for m in new if m.slug not in before)
    removed = tuple(Entry(m.slug, m.title) for m in old if m.slug not in after)
    changed = []
    for module in new:
        was = before.get(module.slug)
        if was is None:
            continue
        fields = _fields(
            _value_change("Title", was.title, module.title),
            _text_change("Summary", was.summary, module.summary),
            _text_change("Objectives", _joined(was.objectives), _joined(module.objectives)),
        )
        if fields:
            changed.append(Change(module.slug, module.title, "", fields))
    moved = _moves(list(before), {slug: m.title for slug, m in after.items()}, "")
    return Changes(added, removed, tuple(changed), moved)


def _compare_lessons(old: list[Module], new: list[Module]):
    old_modules = {m.slug: m for m in old}
    new_modules = {m.slug: m for m in new}
    gone: list[tuple[Module, Lesson]] = []
    for module in old:
        now = new_modules.get(module.slug)
        kept = {x.slug for x in _lessons(now)} if now is not None else set()
        gone += [(module, lesson) for lesson in _lessons(module) if lesson.slug not in kept]

    came: list[tuple[Module, Lesson]] = []
    changed: list[Change] = []
    moved: list[Move] = []
    for module in new:
        was_module = old_modules.get(module.slug)
        before = {x.slug: x for x in _lessons(was_module)} if was_module is not None else {}
        after = {x.slug: x for x in _lessons(module)}
        where = _module_where(module)
        for lesson in after.values():
            was = before.get(lesson.slug)
            if was is None:
                came.append((module, lesson))
                continue
            fields = _fields(
                _value_change("Title", was.title, lesson.title),
                _value_change("Minutes", was.minutes, lesson.minutes),
                _text_change("Content note", was.content_note, lesson.content_note),
                _text_change("Text", was.body_md, lesson.body_md),
            )
            if fields:
                changed.append(Change(lesson.slug, lesson.title, where, fields))
        moved += _moves(list(before), {slug: x.title for slug, x in after.items()}, where)

    removed = tuple(_lesson_entry(module, lesson, came, "to") for module, lesson in gone)
    added = tuple(_lesson_entry(module, lesson, gone, "from") for module, lesson in came)
    return Changes(added, removed, tuple(changed), tuple(moved))


def _compare_quizzes(old: CourseVersion, new: CourseVersion):
    before = _quizzes(old)
    after = _quizzes(new)
    added = tuple(_quiz_entry(q, new) for key, q in after.items() if key not in before)
    removed = tuple(_quiz_entry(q, old) for key, q in before.items() if key not in after)
    changed = []
    for key, quiz in after.items():
        was = before.get(key)
        if was is None:
            continue
        change = _compare_quiz(was, quiz, _quiz_where(quiz, new))
        if change is not None:
            changed.append(change)
    return Changes(added, removed, tuple(changed))


def _compare_quiz(old: Quiz, new: Quiz, where: str) -> QuizChange | None:
    settings = _fields(
        _value_change("Title", old.title, new.title),
        _value_change("Pass mark", old.pass_mark, new.pass_mark, lambda mark: f"{mark}%"),
        _value_change("Attempts allowed", old.max_attempts, new.max_attempts, _attempts),
        _value_change("Shuffle questions", old.shuffle_questions, new.shuffle_questions, _yes_no),
        _value_change("Shuffle answers", old.shuffle_answers, new.shuffle_answers, _yes_no),
        _value_change("Graded", old.graded, new.graded, _yes_no),
    )
    before = {q.slug: q for q in _questions(old)}
    after = {q.slug: q for q in _questions(new)}
    added = tuple(Entry(q.slug, _question_title(q)) for q in after.values() if q.slug not in before)
    removed = tuple(
        Entry(q.slug, _question_title(q)) for q in before.values() if q.slug not in after
    )
    changed = []
    for slug, question in after.items():
        was = before.get(slug)
        if was is None:
            continue
        fields = _fields(_text_change("Question (GIFT)", was.source, question.source))
        if fields:
            changed.append(Change(slug, _question_title(question), "", fields))
    moved = _moves(list(before), {slug: _question_title(q) for slug, q in after.items()}, "")
    questions = Changes(added, removed, tuple(changed), moved)
    if not (settings or questions):
        return None
    return QuizChange(new.key, new.title, where, settings, questions)


# -- reading the versions --------------------------------------------------------------------


def _modules(version: CourseVersion) -> list[Module]:
    return sorted(version.modules, key=lambda m: m.position)


def _lessons(module: Module) -> list[Lesson]:
    return sorted(module.lessons, key=lambda x: x.position)


def _questions(quiz: Quiz) -> list[Question]:
    return sorted(quiz.questions, key=lambda q: q.position)


def _quizzes(version: CourseVersion) -> dict[str, Quiz]:
    """Quizzes by key: the pre-test, then module quizzes in module order, then the post-test."""
    module_order = {m.slug: n for n, m in enumerate(_modules(version))}

    def order(quiz: Quiz) -> tuple[int, int, str]:
        if quiz.key == "pretest":
            return (0, 0, quiz.key)
        if quiz.key == "posttest":
            return (2, 0, quiz.key)
        return (1, module_order.get(_module_slug_of(quiz.key), len(module_order)), quiz.key)

    return {quiz.key: quiz for quiz in sorted(version.quizzes, key=order)}


def _module_slug_of(quiz_key: str) -> str:
    return quiz_key.removeprefix("module:")


def _quiz_where(quiz: Quiz, version: CourseVersion) -> str:
    """Where the quiz sits, unless its title already says so ("Pre-test")."""
    if quiz.key == "pretest":
        where = "Pre-test"
    elif quiz.key == "posttest":
        where = "Post-test"
    else:
        # Found through the version's modules rather than quiz.module, which may not be loaded.
        slug = _module_slug_of(quiz.key)
        module = next((m for m in version.modules if m.slug == slug), None)
        where = _module_where(module) if module is not None else f"Module: {slug}"
    return "" if where == quiz.title else where


def _quiz_entry(quiz: Quiz, version: CourseVersion) -> Entry:
    return Entry(
        quiz.key,
        quiz.title,
        _quiz_where(quiz, version),
        note=_count(len(quiz.questions), "question"),
    )


def _question_title(question: Question) -> str:
    return (question.data or {}).get("title") or question.slug


def _module_where(module: Module) -> str:
    return f"Module: {module.title}"


def _lesson_entry(
    module: Module, lesson: Lesson, other_side: list[tuple[Module, Lesson]], direction: str
) -> Entry:
    """A lesson added or removed, saying so when the other list has the same slug elsewhere."""
    others = [m for m, x in other_side if x.slug == lesson.slug and m.slug != module.slug]
    note = ""
    if others:
        names = ", ".join(_module_name(m, module) for m in others)
        note = f"Moved {direction} module {names}."
    return Entry(lesson.slug, lesson.title, _module_where(module), note)


def _module_name(module: Module, other: Module) -> str:
    # A module whose slug changed may keep its title: then only the slug tells them apart.
    if module.title == other.title:
        return f"“{module.title}” ({module.slug})"
    return f"“{module.title}”"


# -- fields ----------------------------------------------------------------------------------


def _fields(*changes: FieldChange | None) -> tuple[FieldChange, ...]:
    return tuple(change for change in changes if change)


def _value_change(
    label: str, before: Any, after: Any, show: Callable[[Any], str] | None = None
) -> FieldChange | None:
    if before == after:
        return None
    show = show or _plain
    return FieldChange(label, show(before), show(after))


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def _text_change(label: str, before: str | None, after: str | None) -> FieldChange | None:
    before, after = before or "", after or ""
    # Line endings alone (a browser sends CRLF, a course file has LF) are not a change.
    if before.splitlines() == after.splitlines():
        return None
    return FieldChange(label, before, after, text_diff(before, after))


def _rules_change(before: list[str], after: list[str]) -> FieldChange | None:
    # Rules are a set: the course file and the form list them in their own order.
    if set(before) == set(after):
        return None
    return FieldChange("Completion rules", ", ".join(before), ", ".join(after))


def _joined(items: Sequence[str] | None) -> str:
    return "\n".join(items or [])


def _yes_no(value: Any) -> str:
    return "Yes" if value else "No"


def _evaluation_kind(kind: str | None) -> str:
    return EVALUATION_KINDS.get(kind or "", kind or "")


def _attempts(value: int) -> str:
    return "Unlimited" if not value else str(value)


def _count(n: int, noun: str) -> str:
    if n == 1:
        return f"1 {noun}"
    plural = noun[:-1] + "zes" if noun.endswith("quiz") else noun + "s"
    return f"{n} {plural}"


def _moves(before: list[str], after: dict[str, str], where: str) -> tuple[Move, ...]:
    """Things in both versions whose order relative to the others changed.

    Something added or removed shifts the positions of everything after it without
    moving it: only what is outside the longest run kept in order counts as moved.
    ``after`` maps each key, in its new order, to its title.
    """
    old_position = {key: n for n, key in enumerate(before)}
    new_position = {key: n for n, key in enumerate(after)}
    common = [key for key in after if key in old_position]
    kept = _longest_in_order(common, old_position)
    return tuple(
        Move(key, after[key], where, old_position[key] + 1, new_position[key] + 1)
        for key in common
        if key not in kept
    )


def _longest_in_order(keys: list[str], old_position: dict[str, int]) -> set[str]:
    """The largest set of ``keys`` (in new order) whose old positions still ascend."""
    tails: list[int] = []  # tails[n]: index into keys ending the best run of length n + 1
    tail_positions: list[int] = []  # their old positions, ascending
    previous: list[int | None] = [None] * len(keys)
    for n, key in enumerate(keys):
        length = bisect_left(tail_positions, old_position[key])
        previous[n] = tails[length - 1] if length else None
        if length == len(tails):
            tails.append(n)
            tail_positions.append(old_position[key])
        else:
            tails[length] = n
            tail_positions[length] = old_position[key]
    kept: set[str] = set()
    at = tails[-1] if tails else None
    while at is not None:
        kept.add(keys[at])
        at = previous[at]
    return kept


# -- text diff -------------------------------------------------------------------------------


def text_diff(before: str, after: str, context: int = CONTEXT_LINES) -> tuple[DiffLine, ...]:
    """Lines removed and added from ``before`` to ``after``, with ``context`` lines around.

    Edited lines are paired (removed, then added) with their changed words marked;
    longer runs of unchanged lines are left out behind a "skip" line. Empty when the
    texts have the same lines.
    """
    old, new = (before or "").splitlines(), (after or "").splitlines()
    lines: list[DiffLine] = []
    # autojunk: in a long text, lines as common as blank ones start no match (a match still
    # runs through them), which keeps a long lesson quick to compare.
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new).get_opcodes():
        if op == "equal":
            lines += [DiffLine("same", ((False, text),)) for text in old[i1:i2]]
        else:
            lines += _replaced(old[i1:i2], new[j1:j2])
    return _with_context(lines, context)


def _replaced(old: list[str], new: list[str]) -> list[DiffLine]:
    lines = []
    for before, after in _align(old, new):
        if before is not None and after is not None:
            removed, added = _word_diff(before, after)
            lines += [DiffLine("removed", removed), DiffLine("added", added)]
        elif before is not None:
            lines.append(DiffLine("removed", ((False, before),)))
        elif after is not None:
            lines.append(DiffLine("added", ((False, after),)))
    return lines


def _align(old: list[str], new: list[str]) -> list[tuple[str | None, str | None]]:
    """Pairs (old, new) of a replaced block: the most alike pair first, then either side of it.

    The way difflib.Differ pairs lines, by words rather than characters. A line with no
    partner comes as (line, None) or (None, line).
    """
    if len(old) * len(new) > PAIRING_LIMIT:
        return [(line, None) for line in old] + [(None, line) for line in new]
    # Scored on words without the spaces between them: half the length, and close enough.
    old_words = [_WORDS.findall(line) for line in old]
    new_words = [_WORDS.findall(line) for line in new]
    scores: dict[tuple[int, int], float] = {}

    def score(i: int, j: int) -> float:
        if (i, j) not in scores:
            matcher = SequenceMatcher(None, old_words[i], new_words[j])
            alike = (
                matcher.real_quick_ratio() >= PAIR_CUTOFF and matcher.quick_ratio() >= PAIR_CUTOFF
            )
            scores[i, j] = matcher.ratio() if alike else 0.0
        return scores[i, j]

    pairs: list[tuple[str | None, str | None]] = []

    def walk(i1: int, i2: int, j1: int, j2: int) -> None:
        best, at = 0.0, None
        for j in range(j1, j2):
            for i in range(i1, i2):
                s = score(i, j)
                if s >= PAIR_CUTOFF and s > best:
                    best, at = s, (i, j)
        if at is None:
            pairs.extend((line, None) for line in old[i1:i2])
            pairs.extend((None, line) for line in new[j1:j2])
            return
        i, j = at
        walk(i1, i, j1, j)
        pairs.append((old[i], new[j]))
        walk(i + 1, i2, j + 1, j2)

    walk(0, len(old), 0, len(new))
    return pairs


def _tokens(line: str) -> list[str]:
    return _TOKENS.findall(line)


def _word_diff(before: str, after: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    a, b = _tokens(before), _tokens(after)
    old: list[Segment] = []
    new: list[Segment] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        changed = op != "equal"
        if i2 > i1:
            old.append((changed, "".join(a[i1:i2])))
        if j2 > j1:
            new.append((changed, "".join(b[j1:j2])))
    return _tidy(old), _tidy(new)


def _tidy(segments: list[Segment]) -> tuple[Segment, ...]:
    """Join neighbouring runs, taking the spaces between two changed words into the change."""
    joined: list[Segment] = []
    for n, (changed, text) in enumerate(segments):
        between_changes = 0 < n < len(segments) - 1 and segments[n - 1][0] and segments[n + 1][0]
        if between_changes and not text.strip():
            changed = True
        if joined and joined[-1][0] == changed:
            joined[-1] = (changed, joined[-1][1] + text)
        else:
            joined.append((changed, text))
    return tuple(joined)


def _with_context(lines: list[DiffLine], context: int) -> tuple[DiffLine, ...]:
    changes = [n for n, line in enumerate(lines) if line.kind != "same"]
    if not changes:
        return ()
    shown = [False] * len(lines)
    for n in changes:
        for k in range(max(0, n - context), min(len(lines), n + context + 1)):
            shown[k] = True
    result: list[DiffLine] = []
    n = 0
    while n < len(lines):
        if shown[n]:
            result.append(lines[n])
            n += 1
            continue
        end = n
        while end < len(lines) and not shown[end]:
            end += 1
        # A marker in place of a single line would hide nothing.
        if end - n == 1:
            result.append(lines[n])
        else:
            result.append(DiffLine("skip", skipped=end - n))
        n = end
    return tuple(result)
