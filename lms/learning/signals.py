"""Signals other parts subscribe to (certificates issue on ``course_completed``)."""

from blinker import Namespace

_signals = Namespace()

# Sent exactly once per enrolment, with the enrolment as sender and ``version``.
course_completed = _signals.signal("course-completed")
