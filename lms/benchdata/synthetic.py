"""A long synthetic course for benchmarks, written as an ordinary course folder.

Forty modules of three lessons, each module with a four-question GIFT quiz (one of
each gradable shape the seeder answers: single choice, multiple answers, true/false
and matching), a pre-test, a post-test and an evaluation. It is imported through the
normal loader, so it is checked like any course; the same files give the same
content hash, so seeding again leaves its version unchanged.
"""

from __future__ import annotations

from pathlib import Path

SYNTHETIC_SLUG = "synthetic-forty-modules"
MODULES = 40
LESSONS = ("overview", "in-practice", "summary")
LESSON_MINUTES = 6
QUIZ_MINUTES = 5

# Neutral topics, cycled through the modules so that pages differ from one another.
TOPICS = [
    ("Planning the visit", "the time set aside", "a checklist", "a rushed start"),
    ("Private conversation", "a quiet room", "an open question", "an audience"),
    ("Working with interpreters", "a professional interpreter", "short sentences", "a relative"),
    ("Clear records", "plain words", "the date and time", "guesses"),
    ("Referral pathways", "a named contact", "a written pathway", "a lost number"),
    ("Team huddles", "a short meeting", "one agreed plan", "silence"),
    ("Follow-up", "a booked appointment", "a reminder", "an open end"),
    ("Looking after yourself", "a pause", "a colleague to talk to", "skipped breaks"),
]


def write_synthetic_course(root: Path) -> Path:
    """Write the course folder under ``root``; returns its path."""
    folder = root / SYNTHETIC_SLUG
    folder.mkdir(parents=True)
    minutes = MODULES * (len(LESSONS) * LESSON_MINUTES + QUIZ_MINUTES) + 2 * QUIZ_MINUTES
    (folder / "course.toml").write_text(_course_toml(minutes), encoding="utf-8")
    (folder / "pretest.gift").write_text(_test("Pre-test"), encoding="utf-8")
    (folder / "posttest.gift").write_text(_test("Post-test"), encoding="utf-8")
    for number in range(1, MODULES + 1):
        topic = TOPICS[(number - 1) % len(TOPICS)]
        module = folder / f"{number:02d}-module-{number:02d}"
        module.mkdir()
        (module / "module.toml").write_text(_module_toml(number, topic), encoding="utf-8")
        for position, lesson in enumerate(LESSONS, start=1):
            (module / f"{position:02d}-{lesson}.md").write_text(
                _lesson(number, topic, lesson), encoding="utf-8"
            )
        (module / "quiz.gift").write_text(_quiz(number, topic), encoding="utf-8")
    return folder


def _course_toml(minutes: int) -> str:
    return f"""\
slug = "{SYNTHETIC_SLUG}"
title = "Synthetic Course of Forty Modules"
summary = "Benchmark data: forty generated modules of three lessons and a quiz each."
audience = "Load tests and benchmarks"
credit_hours = {minutes / 60:.1f}
estimated_minutes = {minutes}
pass_mark = 75
self_enrollment = true
objectives = [
  "Move through a long course one lesson at a time.",
  "Answer each module's quiz.",
]
completion = ["lessons", "quizzes", "posttest", "evaluation"]

[[evaluation]]
id = "met-objectives"
kind = "likert"
prompt = "The course met its stated objectives."

[[evaluation]]
id = "relevant-to-practice"
kind = "likert"
prompt = "The content was relevant to my practice."

[[evaluation]]
id = "practice-change"
kind = "text"
prompt = "What will you do differently in your practice?"
required = false

[[evaluation]]
id = "improvements"
kind = "text"
prompt = "What should we improve?"
required = false
"""


def _module_toml(number: int, topic: tuple[str, str, str, str]) -> str:
    title, helps, tool, _ = topic
    return f"""\
title = "Module {number}. {title}"
summary = "Why {helps} matters, and how {tool} helps."
objectives = ["Describe how {helps} helps.", "Use {tool} in a visit."]

[quiz]
title = "Check your understanding"
max_attempts = 0
shuffle_answers = true
"""


def _lesson(number: int, topic: tuple[str, str, str, str], lesson: str) -> str:
    title, helps, tool, hinders = topic
    heading = {"overview": "Overview", "in-practice": "In practice", "summary": "Summary"}[lesson]
    return f"""\
+++
title = "{title}. {heading}"
minutes = {LESSON_MINUTES}
+++

This is lesson {heading.lower()} of module {number}, written by the benchmark data
generator. It is ordinary text of an ordinary length, so that pages weigh what a
real lesson weighs.

## What helps

Start with {helps}. A person who feels heard says more, and says it sooner. Keep
{tool} within reach, and use it the same way every time, so that nothing depends on
memory at the end of a long shift.

::: clinical-pearl {title}
Plan for {helps} before the visit starts, not once it is under way.
:::

## What gets in the way

The most common obstacle is {hinders}. Notice it early, name it to your team, and
agree on one small change you will try next week.

| step | what to do |
| --- | --- |
| before | set aside {helps} |
| during | use {tool} |
| after | write down what you saw and what you did |
"""


def _quiz(number: int, topic: tuple[str, str, str, str]) -> str:
    title, helps, tool, hinders = topic
    return f"""\
// Module {number} quiz, written by the benchmark data generator

::Best first step::
Which of these helps most at the start of a visit about {title.lower()}?
{{
  ={helps.capitalize()}#Right. It comes first.
  ~{hinders.capitalize()}#No. That gets in the way.
  ~Nothing in particular#No. Some preparation helps.
  ~Whatever is quickest#No. Quick is not the same as helpful.
}}

::What helps::
Which of these help? Choose all that apply.
{{
  ~%50%{helps.capitalize()}#Yes.
  ~%50%{tool.capitalize()}#Yes.
  ~%-100%{hinders.capitalize()}#No. That gets in the way.
  ~%-100%Doing without a plan#No.
}}

::Same way every time::
Using {tool} the same way every time means less depends on memory.
{{T#It does. Habits carry you at the end of a long shift.#Right.}}

::Match the steps::
Match each moment of a visit with what to do then.
{{
  =Before the visit -> set aside {helps}
  =During the visit -> use {tool}
  =After the visit -> write down what you saw
}}
"""


def _test(name: str) -> str:
    questions = []
    for number, (title, helps, _, hinders) in enumerate(TOPICS[:6], start=1):
        questions.append(
            f"""\
::{name} question {number}::
{title}. Which of these helps most?
{{
  ={helps.capitalize()}#Right.
  ~{hinders.capitalize()}#No. That gets in the way.
  ~Nothing in particular#No.
  ~Whatever is quickest#No.
}}
"""
        )
    return f"// {name}, written by the benchmark data generator\n\n" + "\n".join(questions)
