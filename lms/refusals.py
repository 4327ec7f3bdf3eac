"""A rule that refuses a change, and how a form shows it.

Every domain's error (AccountError, CohortError, ...) is a Refusal: a message
written for the person, and the form field it concerns, if any.
"""

from __future__ import annotations


class Refusal(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def show_on_form(form, refusal: Refusal) -> None:
    """Put the message next to its field, or above the form when it has none."""
    target = getattr(form, refusal.field, None) if refusal.field else None
    if target is not None:
        target.errors = [*target.errors, refusal.message]
    else:
        form.form_errors.append(refusal.message)
