"""Bulk enrolment from a CSV file: read it, plan what happens to every row, then
apply the plan in one transaction.

The plan is shown before anything changes (the browser's preview, the command's
``--dry-run``). Applying it creates the accounts that do not exist (each with an
invitation), adds everyone to the cohort and enrols them in its courses. Nobody
absent from the file is removed, and a file applied twice changes nothing the
second time. Everything is set-based: a few statements for 10,000 rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, render_template
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from lms import audit, mail
from lms.accounts import invitations
from lms.accounts.models import EMAIL_MAX, NAME_MAX, PROFESSION_MAX, Role, User, new_session_token
from lms.accounts.services import checked_email, has_control_characters
from lms.cohorts import services
from lms.cohorts.models import Cohort
from lms.extensions import db, savepoint
from lms.refusals import Refusal

NEW, EXISTING, MEMBER, ERROR = "new", "existing", "member", "error"
OUTCOME_LABELS = {
    NEW: "New account",
    EXISTING: "Existing account",
    MEMBER: "Already a member",
    ERROR: "Error",
}
# Header names, compared after lower-casing and treating "_" and "-" as spaces.
COLUMNS = {
    "email": "email",
    "email address": "email",
    "e mail": "email",
    "full name": "full_name",
    "name": "full_name",
    "profession": "profession",
}
LOOKUP_CHUNK = 500


class RosterError(Refusal):
    """The file as a whole cannot be read; nothing was planned."""


@dataclass
class RosterRow:
    line: int  # in the file; the header is line 1
    email: str
    full_name: str
    profession: str
    outcome: str = ""
    message: str = ""
    user_id: int | None = None
    # The column at fault, for an error: "email", "full_name" or "profession".
    field: str | None = None

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


@dataclass
class RosterPlan:
    cohort_id: int
    rows: list[RosterRow] = field(default_factory=list)
    # The cohort's courses and due dates when planned, as "course id:due day" pairs.
    courses: str = ""

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(row.outcome for row in self.rows)
        return {outcome: counted.get(outcome, 0) for outcome in OUTCOME_LABELS}

    @property
    def errors(self) -> list[RosterRow]:
        return [row for row in self.rows if row.outcome == ERROR]

    @property
    def changes(self) -> int:
        counts = self.counts
        return counts[NEW] + counts[EXISTING]

    def digest(self) -> str:
        """Fingerprint of the outcomes and of what the cohort enrols people in:
        applying checks that nothing moved since the preview."""
        text = "\n".join(f"{r.line}:{r.outcome}:{r.email}:{r.user_id}" for r in self.rows)
        return hashlib.sha256(f"{self.cohort_id}\n{self.courses}\n{text}".encode()).hexdigest()


@dataclass(frozen=True)
class ApplyResult:
    created: int
    added: int
    invited: int
    told: int


# -- reading the file ----------------------------------------------------------


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def read_records(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, {email, full_name, profession}) for each non-blank row."""
    limit = current_app.config["ROSTER_MAX_BYTES"]
    if not data or not data.strip():
        raise RosterError("The file is empty: it needs a header row and one row per person.")
    if len(data) > limit:
        raise RosterError(
            f"The file is larger than the limit of {_size(limit)}. "
            "Split it into smaller files and upload each."
        )
    if b"\x00" in data:
        raise RosterError(
            "This is not a CSV text file (it looks like a spreadsheet or another binary "
            "file). In your spreadsheet program, save it as “CSV UTF-8” and upload that."
        )
    body = data.removeprefix(b"\xef\xbb\xbf")  # the BOM some spreadsheets write
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        line = body[: error.start].count(b"\n") + 1
        raise RosterError(
            f"Line {line}: the file is not UTF-8 text. In your spreadsheet program, save it "
            "as “CSV UTF-8” and upload that."
        ) from None
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return _records(reader, current_app.config["ROSTER_MAX_ROWS"])
    except csv.Error as error:
        raise RosterError(f"Line {reader.line_num}: this is not valid CSV ({error}).") from None


def _header_key(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").replace("-", " ").split())


def _numbered(reader):
    """(row number as a spreadsheet shows it, row): every record is one row, blank
    ones included, even when a quoted cell runs over several lines of the file."""
    return enumerate(reader, start=1)


def _records(reader, max_rows: int) -> list[tuple[int, dict[str, str]]]:
    rows = _numbered(reader)
    header_line, header = next(
        ((line, row) for line, row in rows if any(cell.strip() for cell in row)), (0, None)
    )
    if header is None:
        raise RosterError("The file is empty: it needs a header row and one row per person.")
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = COLUMNS.get(_header_key(name))
        if key and key not in columns:
            columns[key] = index
    missing = [
        label
        for key, label in (("email", "email"), ("full_name", "full name"))
        if key not in columns
    ]
    if missing:
        found = ", ".join(f"“{h.strip()}”" for h in header if h.strip()) or "nothing"
        raise RosterError(
            f"Line {header_line}: the header row must name the columns email and full name "
            f"(and may name profession); missing: {', '.join(missing)}; found: {found}."
        )
    records = []
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(records) >= max_rows:
            raise RosterError(
                f"The file has more than {max_rows:,} rows; split it into smaller files."
            )
        records.append(
            (
                line,
                {key: row[index] if index < len(row) else "" for key, index in columns.items()},
            )
        )
    if not records:
        raise RosterError("The file has a header row but no one in it.")
    return records


# -- planning ------------------------------------------------------------------


def _email(raw: str) -> str:
    raw = raw.strip()
    if not raw:
        raise ValueError("email is missing.")
    if len(raw) > EMAIL_MAX:
        raise ValueError(f"email has {len(raw):,} characters; the limit is {EMAIL_MAX}.")
    checked = checked_email(raw)
    if checked is None:
        raise ValueError(f"“{raw}” is not an email address.")
    return checked


def _name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise ValueError("full name is missing (it is printed on certificates).")
    if len(name) > NAME_MAX:
        raise ValueError(f"full name has {len(name):,} characters; the limit is {NAME_MAX}.")
    if has_control_characters(name):
        raise ValueError("full name contains control characters.")
    return name


def _profession(raw: str) -> str:
    value = " ".join(raw.split())
    if len(value) > PROFESSION_MAX:
        raise ValueError(
            f"profession has {len(value):,} characters; the limit is {PROFESSION_MAX}."
        )
    if has_control_characters(value):
        raise ValueError("profession contains control characters.")
    return value


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def users_by_email(emails: list[str]) -> dict[str, tuple[int, str, bool]]:
    """{email: (id, full name, active)}, looked up in chunks (not one query per row)."""
    found = {}
    for start in range(0, len(emails), LOOKUP_CHUNK):
        chunk = emails[start : start + LOOKUP_CHUNK]
        for uid, email, name, active in db.session.execute(
            select(User.id, User.email, User.full_name, User.active).where(User.email.in_(chunk))
        ):
            found[email] = (uid, name, active)
    return found


def plan(cohort: Cohort, data: bytes) -> RosterPlan:
    """What applying this file would do to every row. Changes nothing."""
    return plan_records(cohort, read_records(data))


def plan_records(cohort: Cohort, records: list[tuple[int, dict[str, str]]]) -> RosterPlan:
    result = RosterPlan(
        cohort_id=cohort.id,
        courses=",".join(f"{c.course_id}:{c.due_on}" for c in services.cohort_courses(cohort)),
    )
    first_line_of: dict[str, int] = {}
    # A name or profession problem matters only for a new account: the name of an
    # existing account is its holder's and is never changed from a file.
    details_problem: dict[int, tuple[str, str]] = {}
    for line, record in records:
        raw_email = record.get("email", "")
        row = RosterRow(
            line=line, email=_short(raw_email.strip(), EMAIL_MAX), full_name="", profession=""
        )
        result.rows.append(row)
        try:
            row.full_name = _name(record.get("full_name", ""))
        except ValueError as error:
            row.full_name = _short(" ".join(record.get("full_name", "").split()))
            details_problem[line] = (f"Row {line}: {error}", "full_name")
        try:
            row.profession = _profession(record.get("profession", ""))
        except ValueError as error:
            details_problem.setdefault(line, (f"Row {line}: {error}", "profession"))
        try:
            row.email = _email(raw_email)
        except ValueError as error:
            row.outcome, row.message, row.field = ERROR, f"Row {line}: {error}", "email"
            continue
        if row.email in first_line_of:
            row.outcome, row.field = ERROR, "email"
            row.message = f"Row {line}: duplicate of row {first_line_of[row.email]} ({row.email})."
            continue
        first_line_of[row.email] = line
    pending = [row for row in result.rows if not row.outcome]
    accounts = users_by_email([row.email for row in pending])
    members = services.member_ids(cohort.id)
    for row in pending:
        account = accounts.get(row.email)
        if account is None:
            if row.line in details_problem:
                row.outcome = ERROR
                row.message, row.field = details_problem[row.line]
            else:
                row.outcome = NEW
                row.message = "New account: created, enrolled and sent an invitation."
            continue
        uid, name, active = account
        row.user_id = uid
        if not active:
            row.outcome, row.field = ERROR, "email"
            row.message = (
                f"Row {row.line}: the account {row.email} is deactivated; reactivate it "
                "on its user page first."
            )
        elif uid in members:
            row.outcome, row.message = MEMBER, f"Already a member ({name}): nothing to do."
        else:
            row.outcome = EXISTING
            row.message = f"Existing account ({name}): added, enrolled and told by mail."
    return result


# -- applying ------------------------------------------------------------------


def apply(
    cohort: Cohort,
    roster: RosterPlan,
    *,
    actor: User | None,
    via: str,
    now: datetime,
    batch: str | None = None,
):
    """Carry out the good rows of ``roster`` (rows with errors are skipped).

    The caller commits; on any failure it rolls back and nothing has changed.
    """
    problem = services.window_problem(cohort, now)
    if problem:
        raise services.CohortError(problem)
    new_rows = [row for row in roster.rows if row.outcome == NEW]
    existing_rows = [row for row in roster.rows if row.outcome == EXISTING]
    actor_id = actor.id if actor is not None else None
    if new_rows:
        try:
            with savepoint():
                db.session.execute(
                    insert(User.__table__),  # the table, not the ORM: 3x faster in bulk
                    [
                        {
                            "email": row.email,
                            "full_name": row.full_name,
                            "profession": row.profession,
                            "role": Role.LEARNER.value,
                            "active": True,
                            "session_token": new_session_token(),
                            "created_at": now,
                        }
                        for row in new_rows
                    ],
                )
        except IntegrityError:
            raise services.CohortError(
                "Some of these accounts were created by someone else in the meantime. "
                "Nothing was changed: upload the file again to see a fresh preview."
            ) from None
    created = _accounts([row.email for row in new_rows])
    for row in new_rows:
        row.user_id = created[row.email].id
    if new_rows:
        db.session.execute(
            insert(audit.AuditEvent.__table__),
            [
                {
                    "at": now,
                    "actor_id": actor_id,
                    "via": via,
                    "action": "user.create",
                    "target_type": "user",
                    "target_id": str(row.user_id),
                    "before": None,
                    "after": {"email": row.email, "full_name": row.full_name, "role": "learner"},
                }
                for row in new_rows
            ],
        )
    added = set(
        services.add_members(
            cohort,
            [row.user_id for row in new_rows + existing_rows],
            actor=actor,
            via=via,
            now=now,
        )
    )
    titles = services.course_titles(cohort)
    invited = invitations.queue_invitations(
        [created[row.email] for row in new_rows if row.user_id in added],
        courses=titles,
        cohort_name=cohort.name,
        now=now,
        batch=batch,
    )
    told = _tell_enrolled(
        [row for row in existing_rows if row.user_id in added], titles, cohort.name, batch
    )
    if not new_rows and not added:
        return ApplyResult(created=0, added=0, invited=0, told=0)
    audit.record(
        "cohort.roster.apply",
        target_type="cohort",
        target_id=cohort.id,
        actor=actor,
        via=via,
        after={
            "rows": len(roster.rows),
            "created": len(new_rows),
            "added": len(added),
            "skipped_errors": len(roster.errors),
        },
    )
    return ApplyResult(created=len(new_rows), added=len(added), invited=invited, told=told)


@dataclass(frozen=True)
class _Account:
    id: int
    email: str
    full_name: str
    password_hash: str | None
    session_token: str


def _accounts(emails: list[str]) -> dict[str, _Account]:
    found = {}
    for start in range(0, len(emails), LOOKUP_CHUNK):
        chunk = emails[start : start + LOOKUP_CHUNK]
        for row in db.session.execute(
            select(
                User.id, User.email, User.full_name, User.password_hash, User.session_token
            ).where(User.email.in_(chunk))
        ):
            found[row.email] = _Account(*row)
    return found


def _tell_enrolled(
    rows: list[RosterRow], titles: list[str], cohort_name: str, batch: str | None
) -> int:
    if not rows:
        return 0
    accounts = _accounts([row.email for row in rows])
    link = mail.public_url("learning.dashboard")
    site = current_app.config["SITE_NAME"]
    return mail.queue_many(
        [
            {
                "kind": "enrolled",
                "user_id": accounts[row.email].id,
                "to_address": row.email,
                "subject": f"You have been enrolled on {site}",
                "body": render_template(
                    "email/enrolled.txt",
                    person=accounts[row.email],
                    courses=titles,
                    cohort_name=cohort_name,
                    link=link,
                ),
            }
            for row in rows
        ],
        batch=batch,
    )


def add_person(
    cohort: Cohort,
    *,
    email: str,
    full_name: str,
    profession: str,
    actor: User | None,
    via: str,
    now: datetime,
    batch: str | None = None,
) -> RosterRow:
    """Add one person, from the cohort page: the same rules as one row of a file.
    Raises CohortError naming the field at fault."""
    records = [(1, {"email": email, "full_name": full_name, "profession": profession})]
    roster = plan_records(cohort, records)
    row = roster.rows[0]
    if row.outcome == ERROR:
        message = row.message.removeprefix("Row 1: ")
        raise services.CohortError(message[0].upper() + message[1:], row.field)
    if row.outcome == MEMBER:
        raise services.CohortError(f"{row.email} is already a member of {cohort.name}.", "email")
    apply(cohort, roster, actor=actor, via=via, now=now, batch=batch)
    return row
