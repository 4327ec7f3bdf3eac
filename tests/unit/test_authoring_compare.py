"""Comparing two versions of a course: built in memory, never added to a session."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from lms.authoring.compare import DiffLine, QuizChange, compare, text_diff
from lms.catalog.models import CourseVersion, Lesson, Module, Question, Quiz

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

SIGNS = """# Signs of trafficking

Look for a companion who answers for the patient.

A patient who is often unable to say where they live, who carries no identity \
documents and who seems afraid of the person with them may be under someone's control.

Ask the companion to wait outside.
Use a professional interpreter.
Never use a family member to interpret.
Write down what the patient tells you.
Keep the record confidential.
"""


def make_lesson(slug: str, position: int, **fields) -> Lesson:
    values = {
        "title": slug.replace("-", " ").capitalize(),
        "minutes": 10,
        "content_note": "",
        "body_md": f"# {slug}\n\nText of {slug}.\n",
        "body_html": "",
    }
    return Lesson(slug=slug, position=position, **(values | fields))


def make_question(slug: str, position: int, stem: str = "") -> Question:
    title = slug.replace("-", " ").capitalize()
    stem = stem or f"Question {slug}?"
    return Question(
        slug=slug,
        position=position,
        type="mc",
        data={"title": title},
        source=f"::{title}:: {stem} {{=Right ~Wrong}}",
    )


def make_quiz(key: str, questions: list[Question], **fields) -> Quiz:
    values = {
        "kind": key.partition(":")[0],
        "title": "Check your understanding",
        "pass_mark": 80,
        "max_attempts": 0,
        "shuffle_questions": False,
        "shuffle_answers": True,
        "graded": True,
        "source": "",
    }
    return Quiz(key=key, questions=questions, **(values | fields))


def make_version() -> CourseVersion:
    """The same small course each time, as new objects a test may change."""
    return CourseVersion(
        number=1,
        title="Recognising human trafficking",
        summary="Recognise, refer and care.",
        audience="Clinicians",
        credit_hours=1.5,
        estimated_minutes=90,
        pass_mark=80,
        self_enrollment=True,
        objectives=["Recognise the signs", "Refer safely"],
        completion_rules=["lessons", "posttest"],
        evaluation=[
            {"id": "useful", "kind": "likert", "prompt": "The course was useful.", "required": True}
        ],
        references_md="- Polaris Project\n",
        modules=[
            Module(
                slug="basics",
                position=1,
                title="Basics",
                summary="What trafficking is.",
                objectives=["Define trafficking"],
                lessons=[
                    make_lesson("what-is-trafficking", 1),
                    make_lesson("signs", 2, body_md=SIGNS),
                    make_lesson("asking", 3),
                ],
            ),
            Module(
                slug="referral",
                position=2,
                title="Referral and care",
                summary="",
                objectives=[],
                lessons=[make_lesson("pathways", 1), make_lesson("aftercare", 2)],
            ),
        ],
        quizzes=[
            make_quiz(
                "module:basics",
                [make_question("indicator", 1), make_question("interpreter", 2)],
            ),
            make_quiz("posttest", [make_question("final", 1)], title="Post-test"),
        ],
    )


def module(version: CourseVersion, slug: str) -> Module:
    return next(m for m in version.modules if m.slug == slug)


def lesson(version: CourseVersion, module_slug: str, slug: str) -> Lesson:
    return next(x for x in module(version, module_slug).lessons if x.slug == slug)


def quiz(version: CourseVersion, key: str) -> Quiz:
    return next(q for q in version.quizzes if q.key == key)


def marked(line: DiffLine) -> list[str]:
    return [text for changed, text in line.segments if changed]


def test_identical_versions_show_no_differences():
    c = compare(make_version(), make_version())
    assert c.empty
    assert c.summary() == []


def test_a_one_word_fix_in_a_long_paragraph_marks_only_that_word():
    old, new = make_version(), make_version()
    lesson(new, "basics", "signs").body_md = SIGNS.replace("is often unable", "is usually unable")

    c = compare(old, new)

    assert c.summary() == ["1 lesson changed"]
    (change,) = c.lessons.changed
    assert (change.key, change.where) == ("signs", "Module: Basics")
    (text,) = change.fields
    assert text.label == "Text"
    removed = [line for line in text.diff if line.kind == "removed"]
    added = [line for line in text.diff if line.kind == "added"]
    assert [marked(line) for line in removed] == [["often"]]
    assert [marked(line) for line in added] == [["usually"]]
    assert added[0].text.startswith("A patient who is usually unable to say where they live")
    # Two unchanged lines either side; the lines further away are left out and counted.
    kinds = ["skip", "same", "same", "removed", "added", "same", "same", "skip"]
    assert [line.kind for line in text.diff] == kinds
    assert (text.diff[0].skipped, text.diff[-1].skipped) == (2, 4)
    assert text.diff[-1].text == "4 unchanged lines not shown"


def test_line_endings_alone_are_not_a_change():
    old, new = make_version(), make_version()
    lesson(new, "basics", "signs").body_md = SIGNS.replace("\n", "\r\n")
    assert compare(old, new).empty


def test_lessons_added_removed_and_moved_to_another_module():
    old, new = make_version(), make_version()
    basics, referral = module(new, "basics"), module(new, "referral")
    aftercare = lesson(new, "referral", "aftercare")
    referral.lessons.remove(aftercare)
    aftercare.position = 4
    basics.lessons.append(aftercare)
    basics.lessons.remove(lesson(new, "basics", "asking"))
    referral.lessons.append(make_lesson("hotlines", 3, title="Hotlines"))

    c = compare(old, new)

    assert [(e.key, e.where, e.note) for e in c.lessons.removed] == [
        ("asking", "Module: Basics", ""),
        ("aftercare", "Module: Referral and care", "Moved to module “Basics”."),
    ]
    assert [(e.key, e.where, e.note) for e in c.lessons.added] == [
        ("aftercare", "Module: Basics", "Moved from module “Referral and care”."),
        ("hotlines", "Module: Referral and care", ""),
    ]
    assert c.lessons.changed == ()
    assert c.lessons.moved == ()
    assert c.summary() == ["2 lessons added", "2 lessons removed"]


def test_a_module_whose_slug_changed_shows_its_lessons_moved_by_slug():
    old, new = make_version(), make_version()
    module(new, "referral").slug = "referral-and-care"  # same title

    c = compare(old, new)

    assert [e.key for e in c.modules.added] == ["referral-and-care"]
    assert [e.key for e in c.modules.removed] == ["referral"]
    assert [e.note for e in c.lessons.added] == [
        "Moved from module “Referral and care” (referral).",
        "Moved from module “Referral and care” (referral).",
    ]
    assert c.summary() == [
        "1 module added",
        "1 module removed",
        "2 lessons added",
        "2 lessons removed",
    ]


def test_a_lesson_reordered_within_its_module_is_moved_but_its_neighbours_are_not():
    old, new = make_version(), make_version()
    basics = module(new, "basics")
    lesson(new, "basics", "asking").position = 0  # now first
    basics.lessons.insert(0, make_lesson("welcome", -1))  # shifts every position

    c = compare(old, new)

    assert [(m.key, m.before, m.after) for m in c.lessons.moved] == [("asking", 3, 2)]
    assert [e.key for e in c.lessons.added] == ["welcome"]


def test_lesson_title_minutes_and_content_note_changes_are_named():
    old, new = make_version(), make_version()
    changed = lesson(new, "referral", "pathways")
    changed.title, changed.minutes = "Referral pathways", 15
    changed.content_note = "Describes abuse."

    (change,) = compare(old, new).lessons.changed

    assert [(f.label, f.before, f.after) for f in change.fields] == [
        ("Title", "Pathways", "Referral pathways"),
        ("Minutes", "10", "15"),
        ("Content note", "", "Describes abuse."),
    ]
    assert change.fields[2].diff[0].kind == "added"


def test_module_renamed_and_reordered():
    old, new = make_version(), make_version()
    module(new, "basics").title = "The basics"
    module(new, "basics").position = 2
    module(new, "referral").position = 1

    c = compare(old, new)

    (renamed,) = c.modules.changed
    assert (renamed.key, renamed.title) == ("basics", "The basics")
    assert [(f.label, f.before, f.after) for f in renamed.fields] == [
        ("Title", "Basics", "The basics")
    ]
    assert [(m.key, m.before, m.after) for m in c.modules.moved] == [("referral", 2, 1)]
    assert not c.lessons  # lessons are known by module slug, not by module position
    assert c.summary() == ["1 module changed", "1 module moved"]


def test_questions_added_changed_removed_and_reordered():
    old, new = make_version(), make_version()
    basics_quiz = quiz(new, "module:basics")
    indicator = next(q for q in basics_quiz.questions if q.slug == "indicator")
    indicator.source = indicator.source.replace("{=Right ~Wrong}", "{=Right ~Wrong ~Unsure}")
    basics_quiz.questions.remove(next(q for q in basics_quiz.questions if q.slug == "interpreter"))
    basics_quiz.questions.append(make_question("consent", 0))  # new, and first

    c = compare(old, new)

    (change,) = c.quizzes.changed
    assert isinstance(change, QuizChange)
    assert (change.key, change.where, change.fields) == ("module:basics", "Module: Basics", ())
    questions = change.questions
    assert [e.key for e in questions.added] == ["consent"]
    assert [e.title for e in questions.removed] == ["Interpreter"]
    (edited,) = questions.changed
    assert edited.key == "indicator"
    (source,) = edited.fields
    assert source.label == "Question (GIFT)"
    assert [marked(line) for line in source.diff if line.kind == "added"] == [[" ~Unsure"]]
    assert c.summary() == ["1 question added", "1 question removed", "1 question changed"]


def test_a_question_reordered():
    old, new = make_version(), make_version()
    first, second = quiz(new, "module:basics").questions
    first.position, second.position = 2, 1

    (change,) = compare(old, new).quizzes.changed

    assert [(m.key, m.before, m.after) for m in change.questions.moved] == [("interpreter", 2, 1)]


def test_quiz_settings_and_quizzes_added():
    old, new = make_version(), make_version()
    posttest = quiz(new, "posttest")
    posttest.max_attempts, posttest.shuffle_questions = 3, True
    new.quizzes.append(make_quiz("pretest", [make_question("baseline", 1)], title="Pre-test"))

    c = compare(old, new)

    assert [(e.key, e.title, e.where, e.note) for e in c.quizzes.added] == [
        ("pretest", "Pre-test", "", "1 question")
    ]
    (change,) = c.quizzes.changed
    assert change.key == "posttest"
    assert [(f.label, f.before, f.after) for f in change.fields] == [
        ("Attempts allowed", "Unlimited", "3"),
        ("Shuffle questions", "No", "Yes"),
    ]
    assert not change.questions
    assert c.summary() == ["1 quiz added", "1 quiz with changed settings"]


def test_evaluation_item_added_and_changed():
    old, new = make_version(), make_version()
    new.evaluation = [
        {"id": "useful", "kind": "likert", "prompt": "The course was useful.", "required": False},
        {"id": "improve", "kind": "text", "prompt": "What would you change?", "required": False},
    ]

    c = compare(old, new)

    assert [(e.key, e.title, e.note) for e in c.evaluation.added] == [
        ("improve", "What would you change?", "free text, optional")
    ]
    (change,) = c.evaluation.changed
    assert [(f.label, f.before, f.after) for f in change.fields] == [("Required", "Yes", "No")]
    assert c.summary() == ["1 evaluation question added", "1 evaluation question changed"]


def test_course_settings_show_before_and_after():
    old, new = make_version(), make_version()
    new.credit_hours, new.pass_mark, new.self_enrollment = 2.0, 75, False
    new.objectives = ["Recognise the signs", "Refer safely and quickly"]
    new.references_md = "- Polaris Project\n- WHO guidance\n"

    c = compare(old, new)

    assert [(f.label, f.before, f.after) for f in c.settings if not f.diff] == [
        ("Credit hours", "1.5", "2"),
        ("Pass mark", "80%", "75%"),
        ("Self-enrolment", "Yes", "No"),
    ]
    objectives = next(f for f in c.settings if f.label == "Objectives")
    assert [marked(line) for line in objectives.diff if line.kind == "added"] == [[" and quickly"]]
    references = next(f for f in c.settings if f.label == "References")
    assert [(line.kind, line.text) for line in references.diff] == [
        ("same", "- Polaris Project"),
        ("added", "- WHO guidance"),
    ]
    assert c.summary() == ["5 course settings changed"]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("same\n", "same\n", []),
        ("", "new\n", [("added", "new")]),
        ("old\n", "", [("removed", "old")]),
        # Nothing alike: shown whole, removed then added, without marks.
        ("cats purr\n", "dogs bark\n", [("removed", "cats purr"), ("added", "dogs bark")]),
        # One line between changes is shown rather than hidden behind a marker.
        (
            "a\nb\nc\nd\ne\nf\n",
            "A\nb\nc\nd\ne\nF\n",
            [("removed", "a"), ("added", "A"), ("same", "b"), ("same", "c"), ("same", "d"),
             ("same", "e"), ("removed", "f"), ("added", "F")],
        ),
    ],
)  # fmt: skip
def test_text_diff(before, after, expected):
    assert [(line.kind, line.text) for line in text_diff(before, after)] == expected


def test_unpaired_lines_have_no_marked_words():
    (removed, added) = text_diff("cats purr\n", "dogs bark loudly\n")
    assert marked(removed) == marked(added) == []


@pytest.fixture
def render():
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    template = env.from_string(
        '{% from "authoring/_comparison.html" import comparison %}{{ comparison(c) }}'
    )
    return lambda c: template.render(c=c)


def test_the_comparison_renders_as_escaped_labelled_html(render):
    old, new = make_version(), make_version()
    signs = lesson(new, "basics", "signs")
    signs.body_md = SIGNS.replace("is often unable", "is usually unable") + (
        "\n<script>alert('x')</script>\n"
    )
    signs.title = "Signs <b>to watch</b>"
    new.credit_hours = 2.0
    quiz(new, "module:basics").questions.append(make_question("consent", 3))

    html = render(compare(old, new))

    assert '<span class="visually-hidden">Added: </span><ins>' in html
    assert '<span class="visually-hidden">Removed: </span><del>' in html
    assert "A patient who is <mark>usually</mark> unable" in html
    assert "is <mark>often</mark> unable" in html
    assert '<div class="diff-skip">' in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<script" not in html
    assert "Signs &lt;b&gt;to watch&lt;/b&gt;" in html
    assert '<span class="visually-hidden">Before: </span><del>1.5</del>' in html
    assert '<span class="visually-hidden">After: </span><ins>2</ins>' in html
    assert "<h2>Course settings</h2>" in html
    assert "<h3>Questions added</h3>" not in html  # questions are under their quiz
    assert "<h5>Questions added</h5>" in html
    assert "<li>1 lesson changed</li>" in html
    assert " style=" not in html


def test_no_differences_are_said_so(render):
    html = render(compare(make_version(), make_version()))
    assert "No differences." in html
    assert "<h2>" not in html
