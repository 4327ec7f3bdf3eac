"""Certificates: public verification, the learner's files and transcript, administration."""

from __future__ import annotations

import csv
import io

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from lms import permissions
from lms.certificates import documents, services
from lms.extensions import db, utcnow

bp = Blueprint("certificates", __name__)

# Each PDF takes about 20 ms: a larger archive is made by the command instead.
ZIP_MAX = 500


def _owned(code: str):
    certificate = services.by_code(code)
    permissions.require(permissions.can_download_certificate(current_user, certificate))
    return certificate


# -- public ----------------------------------------------------------------------------


@bp.get("/verify")
def verify_form():
    typed = request.args.get("code", "")
    if typed:
        code = services.normalise_code(typed)
        if code is not None:
            return redirect(url_for("certificates.verify", code=code))
        return render_template("certificates/verify.html", typed=typed[:64], certificate=None), 404
    return render_template("certificates/verify.html", typed="", certificate=None)


@bp.get("/verify/<code>")
def verify(code: str):
    certificate = services.by_code(code)
    if certificate is None:
        return render_template("certificates/verify.html", typed=code[:64], certificate=None), 404
    return render_template(
        "certificates/verify.html",
        typed="",
        certificate=certificate,
        replacement=services.replacement_of(certificate),
    )


@bp.get("/verify/<code>/status")
def status(code: str):
    """The status the signed credential points at (its credentialStatus)."""
    certificate = services.by_code(code) or abort(404)
    return jsonify(documents.status_document(certificate))


@bp.get("/issuer")
def issuer():
    return jsonify(documents.issuer_profile())


# -- the learner's own -----------------------------------------------------------------


@bp.get("/certificates/<code>.pdf")
@login_required
def certificate_pdf(code: str):
    certificate = _owned(code)
    return Response(
        documents.certificate_pdf(certificate),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="certificate-{certificate.code}.pdf"'
        },
    )


@bp.get("/certificates/<code>/credential.json")
@login_required
def credential(code: str):
    certificate = _owned(code)
    response = jsonify(documents.signed_credential(certificate))
    response.headers["Content-Disposition"] = (
        f'attachment; filename="open-badge-{certificate.code}.json"'
    )
    return response


@bp.get("/transcript")
@login_required
def transcript():
    return render_template(
        "certificates/transcript.html",
        certificates=services.current_certificates_of(current_user),
    )


@bp.get("/transcript.pdf")
@login_required
def transcript_pdf():
    data = documents.transcript_pdf(current_user, services.current_certificates_of(current_user))
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="transcript.pdf"'},
    )


@bp.get("/transcript.csv")
@login_required
def transcript_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["course", "credit_hours", "completed_on", "course_version", "code", "status"])
    for c in services.current_certificates_of(current_user):
        writer.writerow(
            [
                documents.csv_safe(c.course_title),
                f"{c.credit_hours:g}",
                c.completed_at.date().isoformat(),
                c.course_version_number,
                c.display_code,
                c.status,
            ]
        )
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="transcript.csv"'},
    )


# -- administration --------------------------------------------------------------------


@bp.get("/admin/certificates")
@login_required
def admin_list():
    permissions.require(permissions.can_manage_certificates(current_user))
    query = request.args.get("q", "")[:200]
    return render_template(
        "certificates/admin.html", query=query, certificates=services.search(query)
    )


@bp.post("/admin/certificates/<code>/revoke")
@login_required
def revoke(code: str):
    permissions.require(permissions.can_manage_certificates(current_user))
    certificate = services.by_code(code) or abort(404)
    try:
        services.revoke(certificate, request.form.get("reason", ""), actor=current_user, via="web")
    except services.CertificateError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Certificate {certificate.display_code} is revoked.", "success")
    return redirect(url_for("certificates.admin_list", q=certificate.display_code))


@bp.post("/admin/certificates/<code>/reissue")
@login_required
def reissue(code: str):
    permissions.require(permissions.can_manage_certificates(current_user))
    certificate = services.by_code(code) or abort(404)
    try:
        replacement = services.reissue(certificate, actor=current_user, via="web", now=utcnow())
    except services.CertificateError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("certificates.admin_list", q=certificate.display_code))
    db.session.commit()
    flash(f"Certificate {replacement.display_code} replaces {certificate.display_code}.", "success")
    return redirect(url_for("certificates.admin_list", q=replacement.display_code))


@bp.get("/admin/courses/<slug:slug>/certificates.zip")
@login_required
def course_zip(slug: str):
    permissions.require(permissions.can_manage_certificates(current_user))
    certificates = services.current_of_course(slug)
    if not certificates:
        abort(404)
    if len(certificates) > ZIP_MAX:
        flash(
            f"This course has {len(certificates)} certificates; a download holds at most "
            f"{ZIP_MAX}. Use `flask --app lms certificates zip {slug} FILE` for all of them.",
            "error",
        )
        return redirect(url_for("certificates.admin_list"))
    buffer = io.BytesIO()
    documents.write_zip(buffer, slug, certificates)
    current_app.logger.info(
        "%s downloaded %d certificates of %s", current_user.email, len(certificates), slug
    )
    return Response(
        buffer.getvalue(),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="certificates-{slug}.zip"'},
    )
