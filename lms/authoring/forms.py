"""Forms of the authoring pages. Each edit form carries the version row it was
read from (``read_from``) and the revision of what it edits, for the edit
conflict check of lms/authoring/drafts.py; limits are the course format's."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.form import Form
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from lms.accounts.services import has_control_characters
from lms.catalog.loader import COMPLETION_RULES, SLUG_MAX
from lms.choices import ChoiceField, options

BODY_MAX = 200_000  # characters of Markdown in one lesson
QUIZ_MAX = 200_000  # characters of GIFT in one quiz
EVALUATION_MAX = 100  # questions in a course evaluation
RULE_LABELS = {
    "lessons": "Every lesson is marked complete",
    "quizzes": "Every graded module quiz is passed",
    "posttest": "The post-test is submitted",
    "evaluation": "The course evaluation is submitted",
}


LAYOUT = str.maketrans("", "", "\n\r\t")  # control characters that are fine in a text area


def _no_control_characters(form, field) -> None:
    if field.data and has_control_characters(str(field.data).translate(LAYOUT)):
        raise ValidationError("Remove the invisible control characters from this text.")


def _title(label: str, description: str = "") -> StringField:
    return StringField(
        label,
        description=description,
        validators=[
            InputRequired(f"Enter the {label.lower()}."),
            Length(max=200, message="At most 200 characters."),
            _no_control_characters,
        ],
    )


def _lines(text: str | None) -> list[str]:
    """One item per non-empty line, spaces tidied."""
    return [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]


INT_MAX = 2**31 - 1  # PostgreSQL's INTEGER: ids and revisions fit in it


def _whole(value: str | None, minimum: int) -> int:
    number = int(value or "")
    if not minimum <= number <= INT_MAX:
        raise ValueError(value)
    return number


class _Versioned(FlaskForm):
    read_from = HiddenField()
    revision = HiddenField()

    def version_read(self) -> int:
        """The version row the page was read from; ValueError for a tampered form."""
        return _whole(self.read_from.data, 1)

    def revision_read(self, *, new_allowed: bool = False) -> int | None:
        """The revision of what the form edits; ValueError for a tampered form. With
        ``new_allowed``, empty means the page showed nothing yet (a quiz to add)."""
        if new_allowed and self.revision.data in (None, ""):
            return None
        return _whole(self.revision.data, 1)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EvaluationItemForm(Form):
    item_id = StringField(
        "Identifier",
        description="Lower-case letters, digits and hyphens; answers are kept under it.",
        validators=[Optional(), Length(max=SLUG_MAX)],
    )
    kind = ChoiceField(
        "Kind",
        choices=options([("likert", "Agreement, 1 to 5"), ("text", "Free text")]),
        refusal="Choose agreement or free text.",
    )
    prompt = StringField(
        "Question", validators=[Optional(), Length(max=500), _no_control_characters]
    )
    required = BooleanField("An answer is required")
    remove = BooleanField("Remove this question")


class SettingsForm(_Versioned):
    title = _title("Title")
    summary = TextAreaField(
        "Summary",
        description="One or two sentences for the catalogue.",
        validators=[
            InputRequired("Enter a summary."),
            Length(max=1000),
            _no_control_characters,
        ],
    )
    audience = StringField(
        "Audience", validators=[Optional(), Length(max=300), _no_control_characters]
    )
    credit_hours = DecimalField(
        "Credit hours",
        places=None,
        validators=[
            InputRequired("Enter the credit hours, such as 1.5."),
            NumberRange(min=0.25, max=100, message="Between 0.25 and 100 hours."),
        ],
    )
    estimated_minutes = IntegerField(
        "Estimated minutes",
        validators=[
            InputRequired("Enter the minutes a learner needs, a whole number."),
            NumberRange(min=1, max=6000, message="Between 1 and 6000 minutes."),
        ],
    )
    pass_mark = IntegerField(
        "Pass mark (percent)",
        description="The default for every module quiz.",
        validators=[
            InputRequired("Enter the pass mark, 0 to 100."),
            NumberRange(min=0, max=100, message="Between 0 and 100."),
        ],
    )
    self_enrollment = BooleanField("Learners may enrol themselves")
    objectives = TextAreaField(
        "Objectives",
        description="One per line.",
        validators=[Length(max=10_000), _no_control_characters],
    )
    completion_rules = MultiCheckboxField(
        "The course is complete when",
        choices=options([(rule, RULE_LABELS[rule]) for rule in COMPLETION_RULES]),
    )
    references_md = TextAreaField(
        "References (Markdown)",
        description="Shown on the course page. Raw HTML is shown as text.",
        validators=[Length(max=BODY_MAX), _no_control_characters],
    )
    evaluation = FieldList(FormField(EvaluationItemForm), min_entries=0)

    def validate_evaluation(self, field) -> None:
        if len(field.entries) > EVALUATION_MAX + 1:
            raise ValidationError(f"An evaluation has at most {EVALUATION_MAX} questions.")

    def validate_completion_rules(self, field) -> None:
        if not field.data:
            raise ValidationError("Choose at least one rule.")
        if any(rule not in COMPLETION_RULES for rule in field.data):
            raise ValidationError("Choose among the rules listed.")

    def objective_list(self) -> list[str]:
        return _lines(self.objectives.data)


class ModuleForm(_Versioned):
    title = _title("Module title")
    summary = TextAreaField(
        "Summary", validators=[Optional(), Length(max=1000), _no_control_characters]
    )
    objectives = TextAreaField(
        "Objectives",
        description="One per line.",
        validators=[Length(max=10_000), _no_control_characters],
    )

    def objective_list(self) -> list[str]:
        return _lines(self.objectives.data)


def _slug_field(what: str) -> StringField:
    return StringField(
        "Address (slug)",
        description=(
            f"Part of the {what}'s web address, and how learners' progress is kept: it cannot "
            "be changed later. Lower-case letters, digits and hyphens. Leave it empty to make "
            "one from the title."
        ),
        validators=[Optional(), Length(max=SLUG_MAX)],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )


class NewModuleForm(_Versioned):
    title = _title("Module title")
    slug = _slug_field("module")


class LessonForm(_Versioned):
    title = _title("Lesson title")
    minutes = IntegerField(
        "Minutes",
        description="About how long the lesson takes to read.",
        validators=[
            InputRequired("Enter the minutes, a whole number."),
            NumberRange(min=1, max=600, message="Between 1 and 600 minutes."),
        ],
    )
    content_note = TextAreaField(
        "Content note",
        description=(
            "Shown before the lesson, so a learner can choose when to read it. Write one "
            "whenever the lesson describes abuse, violence or exploitation."
        ),
        validators=[Optional(), Length(max=500), _no_control_characters],
    )
    body = TextAreaField(
        "Lesson text (Markdown)",
        description=(
            "Headings with ##, lists with -, links as [text](https://...), images as "
            "![description](../images/name.png). Raw HTML is shown as text."
        ),
        validators=[
            InputRequired("Write the lesson's text."),
            Length(max=BODY_MAX, message=f"At most {BODY_MAX:,} characters."),
            _no_control_characters,
        ],
        render_kw={"rows": 24, "spellcheck": "true"},
    )


class NewLessonForm(LessonForm):
    slug = _slug_field("lesson")


class QuizForm(_Versioned):
    title = _title("Quiz title")
    pass_mark = IntegerField(
        "Pass mark (percent)",
        validators=[
            InputRequired("Enter the pass mark, 0 to 100."),
            NumberRange(min=0, max=100, message="Between 0 and 100."),
        ],
    )
    max_attempts = IntegerField(
        "Attempts allowed",
        description="0 for as many as the learner likes.",
        validators=[
            InputRequired("Enter the attempts allowed, 0 for no limit."),
            NumberRange(min=0, max=100, message="Between 0 and 100."),
        ],
    )
    shuffle_questions = BooleanField("Shuffle the questions")
    shuffle_answers = BooleanField("Shuffle the answers of each question")
    graded = BooleanField("Graded: passing it counts towards completion")
    source = TextAreaField(
        "Questions (GIFT)",
        description=(
            "One question per paragraph, as in Moodle's GIFT format: ::title:: question "
            "{=right answer#feedback ~wrong answer#feedback}. Saving checks every line."
        ),
        validators=[
            InputRequired("Write at least one question."),
            Length(max=QUIZ_MAX, message=f"At most {QUIZ_MAX:,} characters."),
            _no_control_characters,
        ],
        render_kw={"rows": 24, "spellcheck": "false"},
    )


class TestForm(_Versioned):
    """A pre- or post-test: only its questions are edited (its settings are fixed)."""

    source = QuizForm.source


class ConfirmForm(_Versioned):
    confirmed = HiddenField()  # how many learners the page said are affected
    stamp = HiddenField()  # the draft's edit stamp, for discarding


class MoveLessonForm(_Versioned):
    to_module = ChoiceField("Move to module", refusal="Choose one of the modules.")
    confirmed = HiddenField()


class ImageForm(_Versioned):
    image = FileField("Image file", description="PNG, JPEG, GIF or WebP, at most 2 MiB.")


class PublishForm(_Versioned):
    stamp = HiddenField()  # the draft's edit stamp when the page was shown
    note = TextAreaField(
        "What changed",
        description="A sentence for the version history, such as 'Fixed the feedback of "
        "question 3 in module 2'.",
        validators=[
            InputRequired("Say in a few words what changed."),
            Length(max=500),
            _no_control_characters,
        ],
    )
    replace_newer = BooleanField(
        "Publish anyway, replacing the version published after this draft was started"
    )


class CompareForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    older = ChoiceField("From", refusal="Choose a version.")
    newer = ChoiceField("To", refusal="Choose a version.")
