"""Certificates: issuance, PDF, public verification, revocation and Open Badges 3.0 credentials."""
