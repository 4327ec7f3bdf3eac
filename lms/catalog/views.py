"""Serving the images of a course version."""

from __future__ import annotations

from flask import Blueprint, abort, make_response
from flask_login import current_user, login_required
from sqlalchemy import select

from lms import permissions
from lms.catalog.models import AssetBlob, Course, CourseAsset, CourseVersion
from lms.extensions import db

bp = Blueprint("catalog", __name__)


@bp.get("/media/<slug:course_slug>/<id:number>/<path:path>")
@login_required
def media(course_slug: str, number: int, path: str):
    if "\x00" in path or len(path) > 300:
        abort(404)
    row = db.session.execute(
        select(Course, CourseAsset.media_type, AssetBlob.data)
        .join(CourseVersion, CourseVersion.course_id == Course.id)
        .join(CourseAsset, CourseAsset.version_id == CourseVersion.id)
        .join(AssetBlob, AssetBlob.sha256 == CourseAsset.sha256)
        .where(Course.slug == course_slug, CourseVersion.number == number, CourseAsset.path == path)
    ).first()
    if row is None:
        abort(404)
    course, media_type, data = row
    permissions.require(permissions.can_view_course_content(current_user, course))
    response = make_response(data)
    response.mimetype = media_type
    # A version never changes, so neither do its images.
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
