"""Cohort pages for administrators."""

from __future__ import annotations

from flask import Blueprint

from lms.cohorts import models  # noqa: F401  (tables known to the app)

bp = Blueprint("cohorts", __name__)
