"""Open Badges 3.0 credentials: build, sign and verify, with no database and no request.

A certificate becomes an ``OpenBadgeCredential`` (a W3C Verifiable Credential 2.0)
secured by a Data Integrity proof with the ``eddsa-rdfc-2022`` cryptosuite:

1. the credential without its proof, and the proof options with the credential's
   ``@context``, are each canonicalised with RDFC-1.0 (URDNA2015) to N-Quads;
2. each is hashed with SHA-256, and the proof-options hash followed by the
   document hash is signed with Ed25519;
3. the signature goes in ``proof.proofValue`` as multibase base58btc (``z...``).

Canonicalisation reads JSON-LD contexts only from the copies shipped in
``contexts/`` (see its README): ``document_loader`` refuses every other URL and
never touches the network.

The signing key is an Ed25519 key published as a ``did:key``, so a verifier needs
nothing but the credential to check the signature. That proves the holder of the
key signed it; that the key is the issuer's is shown by the issuer's profile,
which names the same did:key.

Choices (see also the docstrings of ``build_credential``):

* The learner has no DID. ``credentialSubject`` carries no ``id``; the learner is
  named by an ``IdentityObject`` of type ``name``, unhashed, because the name as
  written on the account is what the certificate attests and what the public
  verification page already shows. No e-mail address or account number is put
  in. A caller may add a salted SHA-256 hash of the e-mail address, which lets
  the learner prove it is theirs without publishing it.
* Revocation uses the 1EdTech Revocation List Status Method:
  ``credentialStatus = {"id": <status URL>, "type": "1EdTechRevocationList"}``.
  The URL serves ``revocation_list(...)``, a JSON object whose
  ``revokedCredentials`` names each revoked credential's ``id``. This is the
  method 1EdTech's validator checks. It needs the OB ``extensions.json``
  context, which is added to ``@context`` when a status is given.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from pyld import jsonld
from pyld.context_resolver import ContextResolver

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
REVOCATION_LIST = "1EdTechRevocationList"
ACHIEVEMENT_TYPE = "CertificateOfCompletion"

CONTEXTS_DIR = Path(__file__).with_name("contexts")
CONTEXT_FILES: Mapping[str, str] = {
    CREDENTIALS_V2: "credentials-v2.jsonld",
    OB_V3P0: "ob-v3p0-context-3.0.3.json",
    OB_EXTENSIONS: "ob-v3p0-extensions.json",
}

# A JSON-LD processor silently drops a term no context defines, so it would go
# unsigned. Expanding once more with this @vocab appended makes such terms show.
_UNDEFINED_TERM_VOCAB = "urn:lms:undefined-term:"

# Multicodec prefixes (unsigned varints) of raw Ed25519 keys.
_ED25519_PUB = b"\xed\x01"
_ED25519_PRIV = b"\x80\x26"

DocumentLoader = Callable[..., dict]


class DocumentLoaderError(LookupError):
    """A JSON-LD document the LMS does not ship was asked for."""


class KeyFormatError(ValueError):
    """A key, multibase value or did:key that is not an Ed25519 key."""


class UndefinedTermsError(ValueError):
    """A document uses terms (properties or types) that its @context does not define."""

    def __init__(self, terms: list[str]):
        super().__init__("terms the @context does not define: " + ", ".join(terms))
        self.terms = terms


# -- Document loading -----------------------------------------------------------------


@cache
def _context_text(url: str) -> str:
    return (CONTEXTS_DIR / CONTEXT_FILES[url]).read_text("utf-8")


def document_loader(url: str, options: Mapping | None = None) -> dict:
    """Serve a shipped JSON-LD context by its URL; refuse any other URL.

    The signature is pyld's (``documentLoader``). Nothing is ever fetched.
    """
    if url not in CONTEXT_FILES:
        raise DocumentLoaderError(f"JSON-LD document not available offline: {url!r}")
    return {"contextUrl": None, "documentUrl": url, "document": json.loads(_context_text(url))}


def make_document_loader(extra: Mapping[str, Mapping]) -> DocumentLoader:
    """A loader serving the shipped contexts plus ``extra`` (URL -> JSON-LD document).

    For documents that name contexts the LMS does not ship (tests against other
    projects' fixtures). Still never touches the network.
    """
    documents = {url: json.dumps(document) for url, document in extra.items()}

    def loader(url: str, options: Mapping | None = None) -> dict:
        if url in documents:
            return {"contextUrl": None, "documentUrl": url, "document": json.loads(documents[url])}
        return document_loader(url, options)

    return loader


def canonicalize(document: Mapping, *, loader: DocumentLoader = document_loader) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document."""
    return jsonld.normalize(
        _plain(document),
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": loader,
            # A resolver of our own: nothing resolved by one call (or one loader)
            # is reused by another.
            "contextResolver": ContextResolver({}, loader),
        },
    )


def undefined_terms(document: Mapping, *, loader: DocumentLoader = document_loader) -> list[str]:
    """The terms of a document that its @context does not define (JSON-LD would drop them).

    This is the "safe mode" Data Integrity asks for: what is dropped is not signed.
    """
    probe = _plain(document)
    context = probe.get("@context", [])
    probe["@context"] = [*(context if isinstance(context, list) else [context])]
    probe["@context"].append({"@vocab": _UNDEFINED_TERM_VOCAB})
    nquads = jsonld.to_rdf(
        probe,
        {
            "format": "application/n-quads",
            "documentLoader": loader,
            "contextResolver": ContextResolver({}, loader),
        },
    )
    pattern = re.compile("<" + re.escape(_UNDEFINED_TERM_VOCAB) + "([^>]*)>")
    return sorted(set(pattern.findall(nquads)))


# -- Encodings ------------------------------------------------------------------------

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}
_B58_MAX_LENGTH = 256  # far above any key or signature; keeps decoding cheap


def b58encode(data: bytes) -> str:
    """Base58 (Bitcoin alphabet), as multibase ``z`` uses."""
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, digit = divmod(number, 58)
        digits.append(_B58_ALPHABET[digit])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    if len(text) > _B58_MAX_LENGTH:
        raise KeyFormatError("base58 value too long")
    number = 0
    for char in text:
        digit = _B58_INDEX.get(char)
        if digit is None:
            raise KeyFormatError(f"not a base58 character: {char!r}")
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_decode(value: str) -> bytes:
    """Decode a multibase base58btc value (``z`` + base58)."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise KeyFormatError("expected a multibase base58btc value starting with 'z'")
    return b58decode(value[1:])


def _public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    """The Multikey form of an Ed25519 public key: ``z6Mk...``."""
    return "z" + b58encode(_ED25519_PUB + _public_bytes(public_key))


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    """Decode an Ed25519 Multikey (``z6Mk...``: multicodec 0xed01 + 32 bytes)."""
    raw = multibase_decode(value)
    if len(raw) != 34 or not raw.startswith(_ED25519_PUB):
        raise KeyFormatError("not an Ed25519 multikey (multicodec 0xed01, 32 bytes)")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def did_key(public_key: Ed25519PublicKey) -> str:
    """``did:key:z6Mk...`` for an Ed25519 public key."""
    return "did:key:" + public_key_multibase(public_key)


def verification_method_id(public_key: Ed25519PublicKey) -> str:
    """The did:key verification method id: ``did:key:z6Mk...#z6Mk...``."""
    multibase = public_key_multibase(public_key)
    return f"did:key:{multibase}#{multibase}"


def public_key_from_did_key(did_or_method: str) -> Ed25519PublicKey:
    """The Ed25519 key of a ``did:key`` or of its verification method id."""
    if not isinstance(did_or_method, str) or not did_or_method.startswith("did:key:"):
        raise KeyFormatError("not a did:key")
    did, _, fragment = did_or_method.partition("#")
    multibase = did.removeprefix("did:key:")
    if fragment and fragment != multibase:
        raise KeyFormatError("did:key fragment does not name the DID's own key")
    return public_key_from_multibase(multibase)


def private_key_from(value: Any) -> Ed25519PrivateKey:
    """An Ed25519 private key from a key object, 32-byte seed, 64-byte secret key
    (seed + public key), PEM (PKCS#8, unencrypted) or multibase ``ed25519-priv``.
    """
    if isinstance(value, Ed25519PrivateKey):
        return value
    if isinstance(value, str):
        if value.lstrip().startswith("-----BEGIN"):
            return _load_pem(value.encode())
        raw = multibase_decode(value.strip())
        if not raw.startswith(_ED25519_PRIV):
            raise KeyFormatError("not a multibase ed25519-priv key (multicodec 0x1300)")
        value = raw[2:]
    if isinstance(value, bytes | bytearray):
        value = bytes(value)
        if value.lstrip().startswith(b"-----BEGIN"):
            return _load_pem(value)
        if len(value) == 32:
            return Ed25519PrivateKey.from_private_bytes(value)
        if len(value) == 64:
            key = Ed25519PrivateKey.from_private_bytes(value[:32])
            if _public_bytes(key.public_key()) != value[32:]:
                raise KeyFormatError("secret key's second half is not its public key")
            return key
        raise KeyFormatError("an Ed25519 secret key is 32 (seed) or 64 bytes")
    raise KeyFormatError(f"cannot use {type(value).__name__} as an Ed25519 private key")


def _load_pem(data: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFormatError("the PEM key is not an Ed25519 key")
    return key


def load_or_create_key(path: str | os.PathLike) -> Ed25519PrivateKey:
    """Load the Ed25519 signing key from a PEM file, creating it (mode 0600) if missing.

    Creation is atomic: the key is written to a private temporary file that is
    then linked into place, so two processes starting together end up sharing
    whichever key got there first, and nobody reads a half-written file.
    """
    path = Path(path)
    try:
        return _load_pem(path.read_bytes())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ob-key-")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)
    except FileExistsError:
        return _load_pem(path.read_bytes())
    finally:
        os.unlink(tmp)
    return key


# -- Building -------------------------------------------------------------------------


def xsd_datetime(moment: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ssZ`` in UTC, whole seconds; a naive datetime is refused."""
    if not isinstance(moment, datetime):
        raise TypeError("expected a datetime")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: give a timezone-aware one")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(value: Any) -> int | float:
    """A JSON number that canonicalises the same in every JSON-LD processor.

    JavaScript has no distinct integers, so 2.0 parses as 2 (xsd:integer) there
    while Python keeps a float (xsd:double): integral values are made ints.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise TypeError(f"not a number: {value!r}")
    if isinstance(value, int):
        return value
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {value!r}")
    return int(number) if number.is_integer() else number


def _plain(value: Any) -> Any:
    """A deep copy as plain JSON types, with numbers made canonical (see ``_number``)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return _number(value)
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def identity_hash(identity: str, salt: str) -> str:
    """An OB ``IdentityHash``: ``sha256$`` + hex SHA-256 of identity + salt (UTF-8)."""
    return "sha256$" + hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()


def build_credential(
    *,
    credential_id: str,
    issuer_id: str,
    issuer_name: str,
    issuer_url: str,
    achievement_id: str,
    achievement_name: str,
    achievement_description: str,
    criteria_narrative: str,
    credit_hours: float | int | Decimal,
    learner_name: str,
    valid_from: datetime,
    status_url: str | None = None,
    valid_until: datetime | None = None,
    awarded_date: datetime | None = None,
    credential_name: str | None = None,
    credential_description: str | None = None,
    achievement_type: str = ACHIEVEMENT_TYPE,
    achievement_version: str | int | None = None,
    achievement_image_url: str | None = None,
    language: str | None = None,
    learner_email: str | None = None,
    learner_email_salt: str | None = None,
) -> dict:
    """An unsigned ``OpenBadgeCredential`` for one completed course.

    * ``issuer`` is a ``Profile`` (id, name, url).
    * ``credentialSubject`` is an ``AchievementSubject`` without ``id`` (learners
      have no DID), naming the learner by an unhashed ``IdentityObject`` of type
      ``name``, with ``creditsEarned`` and the ``Achievement`` (id, name,
      description, criteria narrative, ``achievementType`` -- by default
      ``CertificateOfCompletion`` -- ``creditsAvailable`` and optionally
      ``version``, ``image`` and ``inLanguage``).
    * ``learner_email`` adds a second ``IdentityObject``: type ``emailAddress``,
      hashed with SHA-256 and a salt (random unless given); the address itself is
      never included.
    * ``status_url`` adds ``credentialStatus`` of type ``1EdTechRevocationList``
      (and the OB extensions context that defines that type); the URL must serve
      ``revocation_list(...)``.
    * ``validFrom`` (and ``awardedDate``, by default the same) are UTC, whole
      seconds; naive datetimes are refused.
    """
    credits = _number(credit_hours)
    achievement: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": achievement_type,
        "name": achievement_name,
        "description": achievement_description,
        "criteria": {"narrative": criteria_narrative},
        "creditsAvailable": credits,
    }
    if achievement_version is not None:
        achievement["version"] = str(achievement_version)
    if achievement_image_url:
        achievement["image"] = {"id": achievement_image_url, "type": "Image"}
    if language:
        achievement["inLanguage"] = language

    identifiers: list[dict[str, Any]] = [
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": learner_name,
        }
    ]
    if learner_email:
        salt = learner_email_salt if learner_email_salt is not None else secrets.token_hex(16)
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": identity_hash(learner_email.strip().lower(), salt),
                "salt": salt,
            }
        )

    contexts = [CREDENTIALS_V2, OB_V3P0]
    if status_url:
        contexts.append(OB_EXTENSIONS)
    credential: dict[str, Any] = {
        "@context": contexts,
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": credential_name or achievement_name,
    }
    if credential_description:
        credential["description"] = credential_description
    credential["issuer"] = {
        "id": issuer_id,
        "type": ["Profile"],
        "name": issuer_name,
        "url": issuer_url,
    }
    credential["validFrom"] = xsd_datetime(valid_from)
    if valid_until is not None:
        credential["validUntil"] = xsd_datetime(valid_until)
    credential["awardedDate"] = xsd_datetime(awarded_date or valid_from)
    credential["credentialSubject"] = {
        "type": ["AchievementSubject"],
        "identifier": identifiers,
        "creditsEarned": credits,
        "achievement": achievement,
    }
    if status_url:
        credential["credentialStatus"] = {"id": status_url, "type": REVOCATION_LIST}
    return credential


def revocation_list(list_id: str, revoked: Iterable[str | Mapping[str, Any]] = ()) -> dict:
    """The document a ``1EdTechRevocationList`` status URL serves.

    ``revoked`` holds credential ids, or mappings with ``id`` and optionally
    ``revocationReason``. A verifier treats a credential as revoked when its
    ``id`` is listed (with ``revoked`` true or absent).
    """
    entries = []
    for item in revoked:
        entry = {"id": item} if isinstance(item, str) else {"id": item["id"]}
        if not isinstance(item, str) and item.get("revocationReason"):
            entry["revocationReason"] = item["revocationReason"]
        entry["revoked"] = True
        entries.append(entry)
    return {"id": list_id, "revokedCredentials": entries}


def is_revoked(credential: Mapping, revocations: Mapping) -> bool:
    """Whether a revocation list (as ``revocation_list`` makes) revokes the credential."""
    for entry in revocations.get("revokedCredentials") or ():
        if entry.get("id") == credential.get("id") and entry.get("revoked", True) is not False:
            return True
    return False


# -- Signing --------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningInput:
    """The intermediate values of eddsa-rdfc-2022 (for tests and diagnosis)."""

    document_nquads: str
    proof_nquads: str
    document_hash: bytes
    proof_hash: bytes

    @property
    def data(self) -> bytes:
        """What is signed: the proof-options hash, then the document hash."""
        return self.proof_hash + self.document_hash


def signing_input(
    unsecured_document: Mapping,
    proof_options: Mapping,
    *,
    loader: DocumentLoader = document_loader,
    safe: bool = True,
) -> SigningInput:
    """Canonicalise and hash a document (without proof) and its proof options.

    With ``safe`` (the default), a term either of them uses that no context
    defines raises ``UndefinedTermsError`` instead of being silently left out.
    """
    document = _plain(unsecured_document)
    options = {k: v for k, v in _plain(proof_options).items() if k != "proofValue"}
    options["@context"] = document.get("@context")
    if safe:
        terms = undefined_terms(document, loader=loader) + undefined_terms(options, loader=loader)
        if terms:
            raise UndefinedTermsError(sorted(set(terms)))
    document_nquads = canonicalize(document, loader=loader)
    proof_nquads = canonicalize(options, loader=loader)
    return SigningInput(
        document_nquads=document_nquads,
        proof_nquads=proof_nquads,
        document_hash=hashlib.sha256(document_nquads.encode("utf-8")).digest(),
        proof_hash=hashlib.sha256(proof_nquads.encode("utf-8")).digest(),
    )


def proof_options(
    *, verification_method: str, created: datetime, proof_purpose: str = "assertionMethod"
) -> dict:
    """Data Integrity proof options, in the order the 1EdTech test vector uses."""
    return {
        "type": PROOF_TYPE,
        "created": xsd_datetime(created),
        "verificationMethod": verification_method,
        "cryptosuite": CRYPTOSUITE,
        "proofPurpose": proof_purpose,
    }


def sign(
    credential: Mapping,
    *,
    private_key: Any,
    verification_method: str,
    created: datetime,
    proof_purpose: str = "assertionMethod",
    proof_as_array: bool = True,
    loader: DocumentLoader = document_loader,
) -> dict:
    """A copy of ``credential`` with an eddsa-rdfc-2022 ``DataIntegrityProof``.

    ``private_key``: see ``private_key_from``. ``proof_as_array`` (the default)
    writes ``proof`` as a one-element list, as 1EdTech's JSON Schema wants;
    ``False`` writes the object itself, as the 1EdTech test vector shows. Both
    verify the same. A credential that already has a proof is refused with
    ``ValueError``; one that uses a term no context defines (JSON-LD would
    leave it out of what is signed) with ``UndefinedTermsError``.
    """
    key = private_key_from(private_key)
    document = _plain(credential)
    if "proof" in document:
        raise ValueError("the credential already has a proof")
    options = proof_options(
        verification_method=verification_method, created=created, proof_purpose=proof_purpose
    )
    prepared = signing_input(document, options, loader=loader)
    signature = key.sign(prepared.data)
    proof = {**options, "proofValue": "z" + b58encode(signature)}
    document["proof"] = [proof] if proof_as_array else proof
    return document


# -- Verifying ------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationResult:
    """True when every eddsa-rdfc-2022 proof (at least one) verifies and the
    credential is within its validity period. ``reasons`` says why not.
    Revocation is not checked here (it needs the status URL).
    """

    verified: bool
    reasons: tuple[str, ...] = ()
    verification_methods: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.verified


def _parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("not a date-time string")
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _resolve_key(
    method: Any, public_keys: Mapping[str, Any] | None
) -> tuple[Ed25519PublicKey | None, str | None]:
    if not isinstance(method, str) or not method:
        return None, "proof has no verificationMethod"
    if public_keys and method in public_keys:
        value = public_keys[method]
        try:
            if isinstance(value, Ed25519PublicKey):
                return value, None
            if isinstance(value, str):
                return public_key_from_multibase(value), None
            return Ed25519PublicKey.from_public_bytes(bytes(value)), None
        except (KeyFormatError, ValueError) as error:
            return None, f"bad public key for {method}: {error}"
    if method.startswith("did:key:"):
        try:
            return public_key_from_did_key(method), None
        except (KeyFormatError, ValueError) as error:
            return None, f"cannot decode {method}: {error}"
    return None, f"unknown verification method {method} (only did:key resolves offline)"


def _verify_proof(
    document: dict,
    proof: Mapping,
    *,
    public_keys: Mapping[str, Any] | None,
    proof_purpose: str,
    loader: DocumentLoader,
) -> str | None:
    """None when the proof verifies, else the reason it does not."""
    if proof.get("proofPurpose") != proof_purpose:
        return f"proofPurpose is {proof.get('proofPurpose')!r}, expected {proof_purpose!r}"
    if "created" in proof:
        try:
            _parse_datetime(proof["created"])
        except ValueError:
            return "proof created is not a date-time"
    if "@context" in proof:
        own = proof["@context"] if isinstance(proof["@context"], list) else [proof["@context"]]
        doc_context = document.get("@context")
        doc_context = doc_context if isinstance(doc_context, list) else [doc_context]
        if doc_context[: len(own)] != own:
            return "proof @context does not begin the credential's @context"
    try:
        signature = multibase_decode(proof.get("proofValue"))
    except KeyFormatError as error:
        return f"proofValue: {error}"
    if len(signature) != 64:
        return "proofValue is not a 64-byte Ed25519 signature"
    key, problem = _resolve_key(proof.get("verificationMethod"), public_keys)
    if key is None:
        return problem
    options = {k: v for k, v in proof.items() if k not in ("proofValue", "@context")}
    try:
        prepared = signing_input(document, options, loader=loader)
    except UndefinedTermsError as error:
        return str(error)
    except jsonld.JsonLdError as error:
        return f"cannot canonicalise: {error.args[0] if error.args else error}"
    except (TypeError, ValueError) as error:
        return f"cannot canonicalise: {error}"
    try:
        key.verify(signature, prepared.data)
    except InvalidSignature:
        return "signature does not match"
    return None


def verify(
    signed_credential: Mapping,
    *,
    public_keys: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    check_dates: bool = True,
    proof_purpose: str = "assertionMethod",
    loader: DocumentLoader = document_loader,
) -> VerificationResult:
    """Check the eddsa-rdfc-2022 proofs of a credential, offline.

    A ``did:key`` verification method resolves to its own key. Any other
    (``https://...#key``, ``did:web``) resolves only through ``public_keys``
    (verification method id -> Ed25519 public key object, raw 32 bytes or
    ``z6Mk...``). Proofs of other types are ignored, but at least one
    eddsa-rdfc-2022 proof must be present and all of them must verify. With
    ``check_dates``, ``validFrom`` must have passed and ``validUntil`` (if any)
    not, at ``now`` (default: the current time).
    """
    try:
        document = _plain(signed_credential)
    except (TypeError, ValueError) as error:
        return VerificationResult(False, (f"not a JSON object: {error}",))
    if not isinstance(document, dict):
        return VerificationResult(False, ("not a JSON object",))
    proofs = document.pop("proof", None)
    proofs = proofs if isinstance(proofs, list) else [proofs] if proofs else []
    ours = [
        p
        for p in proofs
        if isinstance(p, dict)
        and p.get("type") == PROOF_TYPE
        and p.get("cryptosuite") == CRYPTOSUITE
    ]
    reasons: list[str] = []
    if not ours:
        reasons.append(f"no {PROOF_TYPE} proof with cryptosuite {CRYPTOSUITE}")
    for proof in ours:
        problem = _verify_proof(
            document, proof, public_keys=public_keys, proof_purpose=proof_purpose, loader=loader
        )
        if problem:
            reasons.append(problem)

    if check_dates:
        moment = now or datetime.now(UTC)
        if moment.tzinfo is None:
            raise ValueError("naive datetime: give a timezone-aware one")
        try:
            if _parse_datetime(document.get("validFrom")) > moment:
                reasons.append("not valid yet (validFrom is in the future)")
        except ValueError:
            reasons.append("validFrom is missing or not a date-time")
        if "validUntil" in document:
            try:
                if _parse_datetime(document["validUntil"]) <= moment:
                    reasons.append("expired (validUntil has passed)")
            except ValueError:
                reasons.append("validUntil is not a date-time")

    methods = tuple(str(p.get("verificationMethod")) for p in ours)
    return VerificationResult(not reasons, tuple(reasons), methods)
