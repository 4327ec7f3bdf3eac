"""Select fields: choices in the form WTForms 3.3 and later expect (SelectChoice:
(value, label) tuples are deprecated and go in WTForms 3.4)."""

from __future__ import annotations

from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError


def options(pairs) -> list[SelectChoice]:
    """Choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def option_values(field) -> set[str]:
    """The values a select offers."""
    return {choice.value for choice in field.choices or []}


class ChoiceField(SelectField):
    """A select whose unknown values get a sentence rather than "Not a valid choice".

    With ``empty_allowed``, an empty value is left to the field's validators
    (InputRequired says what is missing)."""

    def __init__(
        self,
        *args,
        refusal: str = "Choose one of the options.",
        empty_allowed: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.refusal = refusal
        self.empty_allowed = empty_allowed

    def pre_validate(self, form) -> None:
        if self.empty_allowed and not self.data:
            return
        if self.data not in option_values(self):
            raise ValidationError(self.refusal)
