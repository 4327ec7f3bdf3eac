"""Choices of a <select>, in the form WTForms 3.3 and later expect (SelectChoice:
(value, label) tuples are deprecated and go in WTForms 3.4)."""

from __future__ import annotations

from wtforms.fields.choices import SelectChoice


def options(pairs) -> list[SelectChoice]:
    """Choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def option_values(field) -> set[str]:
    """The values a select offers."""
    return {choice.value for choice in field.choices or []}
