from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from lms.extensions import db

bp = Blueprint("site", __name__)


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("learning.dashboard"))
    return render_template("site/home.html")


@bp.get("/support")
def support():
    return render_template("site/support.html", support_email=current_app.config["SUPPORT_EMAIL"])


@bp.get("/healthz")
def health():
    """For load balancers: 200 when the database answers."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
