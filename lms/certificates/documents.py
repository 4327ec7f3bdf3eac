"""What a certificate looks like outside the database: its PDF, its signed Open
Badges 3.0 credential, its status, the issuer's profile and the transcript.

This module joins the stored facts with the settings (public address,
organisation, signing key); pdf.py and openbadges.py know nothing of either.
"""

from __future__ import annotations

import os
import zipfile
from datetime import UTC

from flask import current_app

from lms.certificates import openbadges, pdf
from lms.certificates.models import Certificate
from lms.extensions import utcnow
from lms.mail import public_url


def _site() -> dict:
    cfg = current_app.config
    return {"organisation": cfg["ORGANISATION_NAME"], "site_name": cfg["SITE_NAME"]}


def verify_url(certificate: Certificate) -> str:
    return public_url("certificates.verify", code=certificate.code)


def facts(certificate: Certificate) -> pdf.CertificateFacts:
    return pdf.CertificateFacts(
        learner_name=certificate.learner_name,
        course_title=certificate.course_title,
        credit_hours=certificate.credit_hours,
        completed_on=certificate.completed_at.date(),
        course_version=certificate.course_version_number,
        code=certificate.display_code,
        verify_url=verify_url(certificate),
        **_site(),
    )


def certificate_pdf(certificate: Certificate) -> bytes:
    return pdf.certificate_pdf(facts(certificate))


def transcript_pdf(user, certificates: list[Certificate]) -> bytes:
    rows = [
        pdf.TranscriptRow(
            course_title=c.course_title,
            credit_hours=c.credit_hours,
            completed_on=c.completed_at.date(),
            code=c.display_code,
            status=c.status,
        )
        for c in certificates
    ]
    return pdf.transcript_pdf(user.full_name, rows, utcnow().date(), **_site())


def write_zip(target, folder: str, certificates: list[Certificate]) -> None:
    """The certificates' PDFs in a zip archive written to ``target`` (a file or buffer)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for c in certificates:
            archive.writestr(f"{folder}/certificate-{c.code}.pdf", certificate_pdf(c))


def csv_safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# -- Open Badges 3.0 ------------------------------------------------------------------


def signing_key():
    """The Ed25519 key: LMS_OB_SIGNING_KEY_FILE, else generated into the instance folder."""
    path = current_app.config.get("OB_SIGNING_KEY_FILE") or os.path.join(
        current_app.instance_path, "ob_signing_key.pem"
    )
    return openbadges.load_or_create_key(path)


def issuer_profile() -> dict:
    key = signing_key()
    did = openbadges.did_key(key.public_key())
    return {
        "@context": [openbadges.CREDENTIALS_V2, openbadges.OB_V3P0],
        "id": public_url("certificates.issuer"),
        "type": ["Profile"],
        "name": current_app.config["ORGANISATION_NAME"],
        "url": public_url("site.home"),
        "otherIdentifier": [
            {"type": "IdentifierEntry", "identifier": did, "identifierType": "identifier"}
        ],
    }


def status_document(certificate: Certificate) -> dict:
    """A 1EdTechRevocationList for this one credential (what its credentialStatus names),
    with the certificate's status beside it for people reading it. A superseded
    certificate is not revoked: it was valid, and a corrected one replaced it."""
    revoked = certificate.revoked_at
    entries = (
        [{"id": verify_url(certificate), "revocationReason": certificate.revoked_reason}]
        if revoked
        else []
    )
    document = openbadges.revocation_list(
        public_url("certificates.status", code=certificate.code), entries
    )
    document["status"] = certificate.status
    document["revokedAt"] = revoked.isoformat() if revoked else None
    return document


def signed_credential(certificate: Certificate) -> dict:
    key = signing_key()
    credential = openbadges.build_credential(
        credential_id=verify_url(certificate),
        issuer_id=public_url("certificates.issuer"),
        issuer_name=current_app.config["ORGANISATION_NAME"],
        issuer_url=public_url("site.home"),
        achievement_id=public_url("learning.course", slug=certificate.course_slug),
        achievement_name=certificate.course_title,
        achievement_description=f"Completion of the course {certificate.course_title}.",
        criteria_narrative="Complete every lesson, pass every module quiz, take the post-test "
        "and submit the course evaluation, as the course requires.",
        credit_hours=certificate.credit_hours,
        learner_name=certificate.learner_name,
        valid_from=certificate.completed_at.astimezone(UTC),
        status_url=public_url("certificates.status", code=certificate.code),
    )
    return openbadges.sign(
        credential,
        private_key=key,
        verification_method=openbadges.verification_method_id(key.public_key()),
        created=certificate.issued_at.astimezone(UTC).replace(microsecond=0),
    )
