"""Site-wide pages (home, support, health), error pages, headers and template helpers."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, ProgrammingError
from werkzeug.exceptions import HTTPException, InternalServerError

from lms import permissions
from lms.extensions import db
from lms.security import set_security_headers
from lms.site.views import bp

ERROR_TEXT = {
    400: (
        "We couldn't use that request",
        "Something in the request wasn't as expected. Go back and try again.",
    ),
    403: ("Not available", "This page isn't available to your account."),
    404: (
        "Page not found",
        "We couldn't find that page. It may have moved, or the link may be incomplete.",
    ),
    405: ("We couldn't use that request", "This page can't be used that way."),
    413: ("That file is too large", "The upload is larger than this site accepts."),
    429: (
        "Please wait a little",
        "There have been too many attempts in a short time. You can try again later.",
    ),
    500: (
        "Something went wrong on our side",
        "The problem has been logged. Nothing you did caused it; please try again shortly.",
    ),
}


def register_site(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.after_request
    def _headers(response):
        return set_security_headers(app, response)

    @app.context_processor
    def _template_helpers():
        return {
            "permissions": permissions.TEMPLATE_FUNCTIONS,
            "site_name": app.config["SITE_NAME"],
        }

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return (
            render_template(
                "errors/error.html",
                code=400,
                title="This form has expired",
                message=(
                    "For your safety, forms stop working after you sign out or when "
                    "a page is very old. Go back, reload the page and send it again."
                ),
            ),
            400,
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        code = error.code or 500
        title, message = ERROR_TEXT.get(code, (error.name, error.description))
        response = error.get_response()
        response.set_data(
            render_template("errors/error.html", code=code, title=title, message=message)
        )
        response.mimetype = "text/html"
        return response

    # Unhandled exceptions arrive here as InternalServerError (outside testing,
    # where they propagate so that a failing test shows the traceback).
    @app.errorhandler(InternalServerError)
    def _unexpected_error(error: InternalServerError):
        db.session.rollback()
        if isinstance(error.original_exception, OperationalError | ProgrammingError):
            app.logger.error(
                "Database error (%s). If the database was never set up, run "
                "`flask --app lms setup`.",
                error.original_exception.__class__.__name__,
            )
        title, message = ERROR_TEXT[500]
        return render_template("errors/error.html", code=500, title=title, message=message), 500
