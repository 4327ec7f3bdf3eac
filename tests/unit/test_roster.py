"""The CSV planner and applier of cohort rosters (lms.cohorts.roster): what happens
to every row, what a whole file that cannot be read says, and what applying a
plan changes in the database (and what it never changes)."""

from __future__ import annotations

import codecs
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.audit import AuditEvent
from lms.catalog.services import course_by_slug
from lms.cohorts import roster, services
from lms.cohorts.models import Cohort, CohortMember
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.mail import OutgoingMail
from tests.conftest import PASSWORD
from tests.learning_fixtures import EXAMPLE, SLUG, import_folder

NOW = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
DUE = date(2027, 6, 30)
HEADER = "email,full name,profession"


def csv_file(*lines: str, end: str = "\n") -> bytes:
    return (end.join(lines) + end).encode("utf-8")


def add_account(email: str, full_name: str = "Existing Person", *, active: bool = True) -> int:
    user = accounts.create_user(
        email=email, full_name=full_name, password=PASSWORD, profession="Nurse", via="cli"
    )
    user.active = active
    db.session.commit()
    return user.id


def make_cohort(name: str = "July intake", **window) -> Cohort:
    cohort = services.create_cohort(name=name, actor=None, via="cli", **window)
    services.set_course(cohort, course_by_slug(SLUG), DUE, actor=None, via="cli", now=NOW)
    db.session.commit()
    return cohort


@pytest.fixture
def cohort(app):
    """A cohort with the example course (due DUE), inside an app context for the test."""
    import_folder(app, EXAMPLE)
    with app.app_context():
        yield make_cohort()


def by_line(plan) -> dict[int, roster.RosterRow]:
    return {row.line: row for row in plan.rows}


def snapshot_of_everything() -> dict:
    """Every row applying a roster may touch, as plain values."""

    def rows(query):
        return [tuple(r) for r in db.session.execute(query)]

    db.session.expire_all()
    return {
        "users": rows(
            select(
                User.id,
                User.email,
                User.full_name,
                User.profession,
                User.role,
                User.active,
                User.password_hash,
                User.session_token,
                User.invited_at,
            ).order_by(User.id)
        ),
        "members": rows(
            select(CohortMember.cohort_id, CohortMember.user_id, CohortMember.added_at).order_by(
                CohortMember.cohort_id, CohortMember.user_id
            )
        ),
        "enrolments": rows(
            select(
                Enrollment.id,
                Enrollment.user_id,
                Enrollment.course_id,
                Enrollment.source,
                Enrollment.due_on,
                Enrollment.enrolled_at,
            ).order_by(Enrollment.id)
        ),
        "audit": rows(
            select(AuditEvent.id, AuditEvent.action, AuditEvent.target_id).order_by(AuditEvent.id)
        ),
        "mail": rows(
            select(OutgoingMail.id, OutgoingMail.kind, OutgoingMail.to_address).order_by(
                OutgoingMail.id
            )
        ),
    }


def apply_file(cohort: Cohort, data: bytes, now: datetime = NOW):
    plan = roster.plan(cohort, data)
    result = roster.apply(cohort, plan, actor=None, via="cli", now=now)
    db.session.commit()
    return plan, result


# -- every row outcome -----------------------------------------------------------------


def test_a_person_without_an_account_is_a_new_account(cohort):
    plan = roster.plan(cohort, csv_file(HEADER, "ana@example.org,Ana López,Nurse"))

    [row] = plan.rows
    assert (row.line, row.outcome, row.email) == (2, roster.NEW, "ana@example.org")
    assert row.full_name == "Ana López"
    assert row.profession == "Nurse"
    assert row.user_id is None
    assert row.outcome_label == "New account"
    assert plan.counts == {"new": 1, "existing": 0, "member": 0, "error": 0}
    assert plan.changes == 1


def test_an_account_that_exists_is_existing_matched_without_regard_to_case(cohort):
    uid = add_account("bo.chen@example.org", "Bo Chen")

    plan = roster.plan(cohort, csv_file(HEADER, "  Bo.Chen@EXAMPLE.org ,Someone Else,"))

    [row] = plan.rows
    assert (row.outcome, row.email, row.user_id) == (roster.EXISTING, "bo.chen@example.org", uid)
    # The holder's own name is named, not the one in the file.
    assert "Bo Chen" in row.message
    assert row.outcome_label == "Existing account"


def test_a_member_already_is_already_a_member(cohort):
    uid = add_account("kofi@example.org", "Kofi Mensah")
    services.add_members(cohort, [uid], actor=None, via="cli", now=NOW)
    db.session.commit()

    plan = roster.plan(cohort, csv_file(HEADER, "kofi@example.org,Kofi Mensah,"))

    [row] = plan.rows
    assert (row.outcome, row.user_id) == (roster.MEMBER, uid)
    assert row.message == "Already a member (Kofi Mensah): nothing to do."
    assert plan.changes == 0


@pytest.mark.parametrize(
    "email", ["not-an-email", "ana@", "@example.org", "ana example@example.org", "ana@@x.org"]
)
def test_a_bad_email_is_an_error_with_its_row_number(cohort, email):
    plan = roster.plan(cohort, csv_file(HEADER, "ok@example.org,Ok,", f"{email},Ana,"))

    row = by_line(plan)[3]
    assert row.outcome == roster.ERROR
    assert row.field == "email"
    assert row.message == f"Row 3: “{email}” is not an email address."
    assert by_line(plan)[2].outcome == roster.NEW


def test_a_missing_email_is_an_error(cohort):
    plan = roster.plan(cohort, csv_file(HEADER, ",Ana López,Nurse"))

    [row] = plan.rows
    assert (row.outcome, row.field) == (roster.ERROR, "email")
    assert row.message == "Row 2: email is missing."


def test_an_overlong_email_is_an_error_that_names_its_length(cohort):
    email = "a" * 300 + "@example.org"
    plan = roster.plan(cohort, csv_file(HEADER, f"{email},Ana,"))

    [row] = plan.rows
    assert row.outcome == roster.ERROR
    assert row.message == "Row 2: email has 312 characters; the limit is 254."
    assert len(row.email) <= 254


def test_a_duplicate_row_names_the_first_row(cohort):
    plan = roster.plan(
        cohort,
        csv_file(
            HEADER,
            "ana@example.org,Ana López,",
            "bo@example.org,Bo Chen,",
            "ANA@example.org,Ana L.,",
        ),
    )

    rows = by_line(plan)
    assert rows[2].outcome == roster.NEW
    assert rows[3].outcome == roster.NEW
    assert rows[4].outcome == roster.ERROR
    assert rows[4].field == "email"
    assert rows[4].message == "Row 4: duplicate of row 2 (ana@example.org)."
    assert plan.counts == {"new": 2, "existing": 0, "member": 0, "error": 1}


def test_a_new_account_needs_a_name(cohort):
    plan = roster.plan(cohort, csv_file(HEADER, "ana@example.org,   ,Nurse"))

    [row] = plan.rows
    assert (row.outcome, row.field) == (roster.ERROR, "full_name")
    assert row.message == "Row 2: full name is missing (it is printed on certificates)."


def test_a_row_without_the_name_cell_at_all_is_a_missing_name(cohort):
    plan = roster.plan(cohort, csv_file(HEADER, "ana@example.org"))

    [row] = plan.rows
    assert row.outcome == roster.ERROR
    assert "full name is missing" in row.message


def test_an_existing_account_needs_no_name_in_the_file(cohort):
    uid = add_account("bo@example.org", "Bo Chen")

    plan = roster.plan(cohort, csv_file(HEADER, "bo@example.org,,"))

    [row] = plan.rows
    assert (row.outcome, row.user_id) == (roster.EXISTING, uid)


def test_a_name_of_ten_thousand_characters_is_an_error(cohort):
    plan = roster.plan(cohort, csv_file(HEADER, f"ana@example.org,{'N' * 10_000},"))

    [row] = plan.rows
    assert (row.outcome, row.field) == (roster.ERROR, "full_name")
    assert row.message == "Row 2: full name has 10,000 characters; the limit is 200."
    # The preview shows a short form of it, not ten thousand characters.
    assert len(row.full_name) <= 80
    assert row.full_name.endswith("…")


def test_a_name_of_exactly_the_limit_is_accepted(cohort):
    plan = roster.plan(cohort, csv_file(HEADER, f"ana@example.org,{'N' * 200},"))

    assert plan.rows[0].outcome == roster.NEW


def test_a_name_with_control_characters_is_an_error(cohort):
    plan = roster.plan(cohort, csv_file(HEADER, "ana@example.org,Ana\x07 López,"))

    assert plan.rows[0].outcome == roster.ERROR
    assert plan.rows[0].message == "Row 2: full name contains control characters."


def test_a_profession_too_long_is_an_error(cohort):
    plan = roster.plan(cohort, csv_file(HEADER, f"ana@example.org,Ana López,{'p' * 121}"))

    [row] = plan.rows
    assert (row.outcome, row.field) == (roster.ERROR, "profession")
    assert row.message == "Row 2: profession has 121 characters; the limit is 120."


def test_a_deactivated_account_is_an_error(cohort):
    uid = add_account("gone@example.org", "Gone Person", active=False)

    plan = roster.plan(cohort, csv_file(HEADER, "gone@example.org,Gone Person,"))

    [row] = plan.rows
    assert (row.outcome, row.field, row.user_id) == (roster.ERROR, "email", uid)
    assert row.message == (
        "Row 2: the account gone@example.org is deactivated; reactivate it on its user page first."
    )


def test_every_outcome_in_one_file_in_file_order(cohort):
    member = add_account("member@example.org", "Mia Member")
    services.add_members(cohort, [member], actor=None, via="cli", now=NOW)
    db.session.commit()
    add_account("existing@example.org", "Eve Existing")
    add_account("off@example.org", "Oscar Off", active=False)

    plan = roster.plan(
        cohort,
        csv_file(
            HEADER,
            "new@example.org,Nia New,Nurse",
            "existing@example.org,,",
            "member@example.org,Mia Member,",
            "bad-email,Bad Row,",
            "new@example.org,Nia New again,",
            "nameless@example.org,,",
            "off@example.org,Oscar Off,",
        ),
    )

    assert [(row.line, row.outcome) for row in plan.rows] == [
        (2, "new"),
        (3, "existing"),
        (4, "member"),
        (5, "error"),
        (6, "error"),
        (7, "error"),
        (8, "error"),
    ]
    assert [row.message.split(":")[0] for row in plan.errors] == [
        "Row 5",
        "Row 6",
        "Row 7",
        "Row 8",
    ]
    assert plan.counts == {"new": 1, "existing": 1, "member": 1, "error": 4}
    assert plan.changes == 2


def test_planning_changes_nothing(cohort):
    add_account("existing@example.org")
    before = snapshot_of_everything()

    roster.plan(cohort, csv_file(HEADER, "new@example.org,Nia New,", "existing@example.org,,"))
    db.session.commit()

    assert snapshot_of_everything() == before


# -- files that cannot be read ------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty: it needs a header row and one row per person."),
        (b"  \r\n\n \n", "The file is empty: it needs a header row and one row per person."),
        (codecs.BOM_UTF8, "The file is empty: it needs a header row and one row per person."),
        (b",,\n , ,\n", "The file is empty: it needs a header row and one row per person."),
        (b"email,full name,profession\n", "The file has a header row but no one in it."),
        (b"email,full name\n\n,,\n \n", "The file has a header row but no one in it."),
    ],
)
def test_an_empty_file_is_refused(cohort, data, message):
    with pytest.raises(roster.RosterError) as caught:
        roster.plan(cohort, data)

    assert caught.value.message == message


@pytest.mark.parametrize(
    ("header", "missing", "found"),
    [
        ("mail,full name", "email", "found: “mail”, “full name”."),
        ("email,fullname,profession", "full name", "found: “email”, “fullname”, “profession”."),
        ("Surname,Given name,Department", "email, full name", "found: “Surname”,"),
        ("ana@example.org,Ana López", "email, full name", "found: “ana@example.org”"),
    ],
)
def test_a_header_without_email_or_full_name_names_what_it_found(cohort, header, missing, found):
    with pytest.raises(roster.RosterError) as caught:
        roster.plan(cohort, csv_file(header, "x@example.org,X"))

    message = caught.value.message
    assert message.startswith("Line 1: the header row must name the columns email and full name")
    assert f"missing: {missing};" in message
    assert found in message


def test_the_header_line_is_named_after_leading_blank_lines(cohort):
    with pytest.raises(roster.RosterError) as caught:
        roster.plan(cohort, b"\n\nwho,what\nx@example.org,X\n")

    assert caught.value.message.startswith("Line 3: the header row")


def test_a_file_that_is_not_utf8_names_the_line(cohort):
    data = b"email,full name\nana@example.org,Ana\nbo@example.org,Jos\xe9 Garc\xeda\n"

    with pytest.raises(roster.RosterError) as caught:
        roster.plan(cohort, data)

    assert caught.value.message.startswith("Line 3: the file is not UTF-8 text.")
    assert "CSV UTF-8" in caught.value.message


def test_a_file_with_a_bom_that_is_not_utf8_names_the_right_line(cohort):
    data = codecs.BOM_UTF8 + b"email,full name\n\xc9mile@example.org,\xc9mile\n"

    with pytest.raises(roster.RosterError) as caught:
        roster.plan(cohort, data)

    assert caught.value.message.startswith("Line 2: the file is not UTF-8 text.")


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml",  # .xlsx
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00\x00",  # .xls
        "email,full name\nana@example.org,Ana\n".encode("utf-16"),
    ],
)
def test_a_binary_file_is_refused(cohort, data):
    with pytest.raises(roster.RosterError) as caught:
        roster.plan(cohort, data)

    assert caught.value.message.startswith("This is not a CSV text file")


def test_a_file_over_the_size_limit_is_refused_and_the_limit_is_named(app, cohort):
    app.config["ROSTER_MAX_BYTES"] = 2048
    data = csv_file(HEADER, *(f"person{n}@example.org,Person {n}," for n in range(200)))
    assert len(data) > 2048

    with pytest.raises(roster.RosterError) as caught:
        roster.plan(cohort, data)

    assert "limit" in caught.value.message
    assert "2 KB" in caught.value.message
    assert "Split it into smaller files" in caught.value.message


def test_a_file_at_the_size_limit_is_read(app, cohort):
    data = csv_file(HEADER, "ana@example.org,Ana,")
    app.config["ROSTER_MAX_BYTES"] = len(data)

    assert roster.plan(cohort, data).rows[0].outcome == roster.NEW


def test_a_file_with_too_many_rows_is_refused(app, cohort):
    app.config["ROSTER_MAX_ROWS"] = 3
    rows = [f"person{n}@example.org,Person {n}," for n in range(4)]

    assert len(roster.plan(cohort, csv_file(HEADER, *rows[:3])).rows) == 3
    with pytest.raises(roster.RosterError) as caught:
        roster.plan(cohort, csv_file(HEADER, *rows))
    assert caught.value.message == "The file has more than 3 rows; split it into smaller files."


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b'email,full name\nana@example.org,"Ana L\xc3\xb3pez\n', 2),
        (b'email,full name\nana@example.org,Ana\n"bo@example.org"x,Bo\n', 3),
    ],
)
def test_broken_quoting_is_refused_with_the_line(cohort, data, line):
    with pytest.raises(roster.RosterError) as caught:
        roster.plan(cohort, data)

    assert caught.value.message.startswith(f"Line {line}: this is not valid CSV")


# -- what a spreadsheet program writes ------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "email,full name,profession",
        "E-mail,Full_Name,Profession",
        "EMAIL ADDRESS,NAME,PROFESSION",
        "  Email , Full-Name , profession ",
        "e_mail,full  name,Profession",
    ],
)
def test_header_names_are_matched_whatever_their_case_and_spacing(cohort, header):
    plan = roster.plan(cohort, csv_file(header, "ana@example.org,Ana López,Nurse"))

    [row] = plan.rows
    assert (row.outcome, row.email, row.full_name, row.profession) == (
        roster.NEW,
        "ana@example.org",
        "Ana López",
        "Nurse",
    )


def test_extra_columns_are_ignored_in_any_order(cohort):
    plan = roster.plan(
        cohort,
        csv_file(
            "Employee ID,Profession,Department,Full name,Email,Notes",
            "00042,Midwife,Maternity,Ana López,ana@example.org,=HYPERLINK()",
        ),
    )

    [row] = plan.rows
    assert (row.outcome, row.email, row.full_name, row.profession) == (
        roster.NEW,
        "ana@example.org",
        "Ana López",
        "Midwife",
    )


def test_the_profession_column_is_optional(cohort):
    plan = roster.plan(cohort, csv_file("email,full name", "ana@example.org,Ana López"))

    assert (plan.rows[0].outcome, plan.rows[0].profession) == (roster.NEW, "")


def test_a_utf8_bom_is_ignored(cohort):
    plan = roster.plan(cohort, codecs.BOM_UTF8 + csv_file(HEADER, "ana@example.org,Ana López,"))

    assert [(r.outcome, r.email, r.full_name) for r in plan.rows] == [
        (roster.NEW, "ana@example.org", "Ana López")
    ]


def test_semicolons_separate_columns_and_commas_stay_in_names(cohort):
    plan = roster.plan(
        cohort,
        codecs.BOM_UTF8
        + csv_file("E-mail;Full name;Profession", "ana@example.org;López, Ana;Nurse, ICU"),
    )

    [row] = plan.rows
    assert (row.outcome, row.full_name, row.profession) == (roster.NEW, "López, Ana", "Nurse, ICU")


def test_crlf_line_ends_and_blank_lines_keep_the_file_line_numbers(cohort):
    data = csv_file(
        HEADER,
        "ana@example.org,Ana López,",
        "",
        " , , ",
        "bad-email,Bo,",
        "",
        end="\r\n",
    )

    plan = roster.plan(cohort, data)

    assert [(row.line, row.outcome) for row in plan.rows] == [(2, "new"), (5, "error")]
    assert plan.rows[0].full_name == "Ana López"
    assert plan.errors[0].message.startswith("Row 5: ")


def test_a_quoted_name_over_two_lines_is_one_name(cohort):
    plan = roster.plan(cohort, b'email,full name\nana@example.org,"Ana\nL\xc3\xb3pez"\n')

    assert plan.rows[0].full_name == "Ana López"


def test_rows_are_numbered_as_a_spreadsheet_shows_them(cohort):
    """A cell over two lines of the file is still one row of the spreadsheet."""
    plan = roster.plan(cohort, b'email,full name\nana@example.org,"Ana\nLopez"\nbad,Bo\n')

    assert plan.rows[1].line == 3
    assert plan.errors[0].message.startswith("Row 3: ")


def test_a_row_over_two_lines_is_numbered_by_the_line_it_starts_on(cohort):
    plan = roster.plan(cohort, b'email,full name\nana@,"Ana\nLopez"\n')

    assert plan.rows[0].line == 2
    assert plan.errors[0].message.startswith("Row 2: ")


@pytest.mark.parametrize(
    "name",
    [
        "Nguyễn Thị Minh Khai",
        "محمد بن عبد الله",
        "李小龍",
        "Ольга Сергеевна Петрова",
        "Αλέξανδρος Παπαδόπουλος",
        "Siobhán Ní Bhriain",
        "आरती शर्मा",
        "O'Connor-Smith, Jr.",
    ],
)
def test_names_in_any_script_are_kept_exactly(cohort, name):
    quoted = '"' + name + '"'
    plan = roster.plan(cohort, csv_file(HEADER, f"person@example.org,{quoted},"))
    roster.apply(cohort, plan, actor=None, via="cli", now=NOW)
    db.session.commit()

    assert plan.rows[0].full_name == name
    db.session.expire_all()
    stored = db.session.execute(
        select(User.full_name).where(User.email == "person@example.org")
    ).scalar_one()
    assert stored == name


def test_spaces_inside_a_name_are_tidied(cohort):
    plan = roster.plan(cohort, csv_file(HEADER, "ana@example.org,  Ana \t  López  ,"))

    assert plan.rows[0].full_name == "Ana López"


# -- applying a plan --------------------------------------------------------------------------


def test_apply_creates_invited_accounts_members_and_enrolments(cohort):
    existing = add_account("existing@example.org", "Eve Existing")
    course_id = course_by_slug(SLUG).id

    plan, result = apply_file(
        cohort,
        csv_file(HEADER, "new@example.org,Nia New,Midwife", "existing@example.org,,"),
    )

    assert result == roster.ApplyResult(created=1, added=2, invited=1, told=1)
    new = db.session.execute(select(User).where(User.email == "new@example.org")).scalar_one()
    assert (new.full_name, new.profession, new.role, new.active) == (
        "Nia New",
        "Midwife",
        "learner",
        True,
    )
    assert new.password_hash is None
    assert new.invited_at == NOW
    assert new.created_at == NOW
    assert services.member_ids(cohort.id) == {new.id, existing}
    enrolments = db.session.execute(
        select(Enrollment.user_id, Enrollment.course_id, Enrollment.source, Enrollment.due_on)
    ).all()
    assert sorted(enrolments) == sorted(
        [(new.id, course_id, "cohort", DUE), (existing, course_id, "cohort", DUE)]
    )
    # The existing account's name is its holder's: an empty cell changed nothing.
    assert db.session.get(User, existing).full_name == "Eve Existing"


def test_apply_queues_an_invitation_for_new_accounts_and_a_notice_for_existing_ones(cohort):
    add_account("existing@example.org", "Eve Existing")

    apply_file(cohort, csv_file(HEADER, "new@example.org,Nia New,", "existing@example.org,,"))

    mails = {m.to_address: m for m in db.session.execute(select(OutgoingMail)).scalars().all()}
    assert set(mails) == {"new@example.org", "existing@example.org"}
    invitation, notice = mails["new@example.org"], mails["existing@example.org"]
    assert invitation.kind == "invitation"
    assert invitation.subject == "You are invited to Recognise and Respond"
    assert "Hello Nia New," in invitation.body
    assert "http://lms.test/invitation/" in invitation.body
    assert "An Example Course" in invitation.body
    assert "July intake" in invitation.body
    assert notice.kind == "enrolled"
    assert "Hello Eve Existing," in notice.body
    assert "An Example Course" in notice.body
    assert "http://lms.test/dashboard" in notice.body
    assert "/invitation/" not in notice.body
    assert all(m.sent_at is None for m in mails.values())


def test_apply_records_who_did_what_in_the_audit_trail(cohort):
    apply_file(cohort, csv_file(HEADER, "new@example.org,Nia New,", "bad,Bad,"))

    events = db.session.execute(
        select(AuditEvent.action, AuditEvent.via, AuditEvent.after).order_by(AuditEvent.id)
    ).all()
    actions = [action for action, _, _ in events]
    uid = db.session.execute(select(User.id).where(User.email == "new@example.org")).scalar_one()
    assert actions[-3:] == ["user.create", "cohort.member.add", "cohort.roster.apply"]
    assert events[-3].after == {
        "email": "new@example.org",
        "full_name": "Nia New",
        "role": "learner",
    }
    assert events[-2].after == {"user_id": uid}
    assert events[-1].after == {"rows": 2, "created": 1, "added": 1, "skipped_errors": 1}
    assert {via for _, via, _ in events[-3:]} == {"cli"}


def test_error_rows_are_skipped_and_the_good_rows_applied(cohort):
    plan, result = apply_file(
        cohort,
        csv_file(
            HEADER,
            "good@example.org,Good Person,",
            "nameless@example.org,,",
            "bad-email,Bad Email,",
            f"long@example.org,{'L' * 10_000},",
            "good@example.org,Good Again,",
        ),
    )

    assert (result.created, result.added) == (1, 1)
    assert db.session.execute(select(User.email)).scalars().all() == ["good@example.org"]
    assert len(plan.errors) == 4


def test_the_same_file_applied_twice_changes_nothing_the_second_time(cohort):
    member = add_account("member@example.org", "Mia Member")
    services.add_members(cohort, [member], actor=None, via="cli", now=NOW)
    db.session.commit()
    add_account("existing@example.org", "Eve Existing")
    data = csv_file(
        HEADER,
        "new@example.org,Nia New,Nurse",
        "existing@example.org,,",
        "member@example.org,Mia Member,",
        "bad-email,Bad Row,",
    )
    first_plan, first = apply_file(cohort, data)
    assert (first.created, first.added) == (1, 2)
    after_first = snapshot_of_everything()

    second_plan, second = apply_file(cohort, data, now=NOW + timedelta(hours=1))

    assert second == roster.ApplyResult(created=0, added=0, invited=0, told=0)
    assert [row.outcome for row in second_plan.rows] == ["member", "member", "member", "error"]
    assert second_plan.changes == 0
    assert snapshot_of_everything() == after_first


def test_nobody_absent_from_the_file_is_removed(cohort):
    stays = add_account("stays@example.org", "Sam Stays")
    apply_file(cohort, csv_file(HEADER, "stays@example.org,,"))

    apply_file(cohort, csv_file(HEADER, "other@example.org,Olu Other,"))

    assert stays in services.member_ids(cohort.id)
    assert len(services.member_ids(cohort.id)) == 2
    enrolled = db.session.execute(
        select(Enrollment.due_on).where(Enrollment.user_id == stays)
    ).scalar_one()
    assert enrolled == DUE


def test_an_account_created_by_someone_else_meanwhile_stops_the_whole_apply(app, cohort, make_user):
    plan = roster.plan(
        cohort, csv_file(HEADER, "first@example.org,First,", "race@example.org,Race,")
    )
    assert [row.outcome for row in plan.rows] == ["new", "new"]
    before_users = {"race@example.org"}
    # Another administrator (another session) creates the same account now.
    make_user(email="race@example.org")
    before = snapshot_of_everything()

    with pytest.raises(services.CohortError) as caught:
        roster.apply(cohort, plan, actor=None, via="web", now=NOW)
    db.session.rollback()

    assert "created by someone else in the meantime" in caught.value.message
    assert "Nothing was changed" in caught.value.message
    assert snapshot_of_everything() == before
    assert set(db.session.execute(select(User.email)).scalars()) == before_users
    assert services.member_ids(cohort.id) == set()


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ({"closes_on": date(2027, 2, 28)}, "closed on 28 February 2027"),
        ({"opens_on": date(2027, 3, 2)}, "opens on 02 March 2027"),
    ],
)
def test_apply_outside_the_enrolment_window_is_refused(app, window, expected):
    import_folder(app, EXAMPLE)
    with app.app_context():
        cohort = make_cohort("Windowed", **window)
        plan = roster.plan(cohort, csv_file(HEADER, "new@example.org,Nia New,"))
        before = snapshot_of_everything()

        with pytest.raises(services.CohortError) as caught:
            roster.apply(cohort, plan, actor=None, via="cli", now=NOW)
        db.session.rollback()

        assert expected in caught.value.message
        assert snapshot_of_everything() == before


@pytest.mark.parametrize(
    "window",
    [
        {"opens_on": NOW.date()},
        {"closes_on": NOW.date()},
        {"opens_on": NOW.date(), "closes_on": NOW.date()},
    ],
)
def test_apply_on_the_first_and_last_day_of_the_window_works(app, window):
    import_folder(app, EXAMPLE)
    with app.app_context():
        cohort = make_cohort("Windowed", **window)

        _, result = apply_file(cohort, csv_file(HEADER, "new@example.org,Nia New,"))

        assert result.added == 1


def test_a_cohort_without_courses_adds_members_without_enrolments(app):
    with app.app_context():
        cohort = services.create_cohort(name="No courses", actor=None, via="cli")
        db.session.commit()

        _, result = apply_file(cohort, csv_file(HEADER, "new@example.org,Nia New,"))

        assert (result.created, result.added) == (1, 1)
        assert db.session.execute(select(func.count(Enrollment.id))).scalar_one() == 0
        mail = db.session.execute(select(OutgoingMail)).scalar_one()
        assert "You are enrolled in" not in mail.body


# -- one person from the cohort page ------------------------------------------------------------


def test_add_person_adds_a_new_account(cohort):
    row = roster.add_person(
        cohort,
        email="Ana@Example.org",
        full_name="Ana López",
        profession="",
        actor=None,
        via="web",
        now=NOW,
    )

    assert (row.outcome, row.email) == (roster.NEW, "ana@example.org")
    assert row.user_id in services.member_ids(cohort.id)


@pytest.mark.parametrize(
    ("email", "name", "field", "message"),
    [
        ("nope", "Ana", "email", "“nope” is not an email address."),
        ("ana@example.org", "", "full_name", "Full name is missing"),
        ("member@example.org", "", "email", "member@example.org is already a member of July"),
    ],
)
def test_add_person_names_the_field_at_fault(cohort, email, name, field, message):
    member = add_account("member@example.org", "Mia Member")
    services.add_members(cohort, [member], actor=None, via="cli", now=NOW)
    db.session.commit()

    with pytest.raises(services.CohortError) as caught:
        roster.add_person(
            cohort, email=email, full_name=name, profession="", actor=None, via="web", now=NOW
        )

    assert caught.value.field == field
    assert caught.value.message.startswith(message)


# -- set-based: the statements do not grow with the rows ------------------------------------------


def _bulk_accounts(emails: list[str]) -> list[int]:
    db.session.execute(
        insert(User),
        [
            {"email": e, "full_name": f"Person {e}", "role": "learner", "session_token": e[:32]}
            for e in emails
        ],
    )
    db.session.commit()
    return list(db.session.execute(select(User.id).where(User.email.in_(emails))).scalars())


def _roster_of(prefix: str, n: int) -> bytes:
    """n rows: a quarter each new, existing, already members and errors."""
    quarter = n // 4
    existing = [f"{prefix}-existing{i}@example.org" for i in range(quarter)]
    members = [f"{prefix}-member{i}@example.org" for i in range(quarter)]
    _bulk_accounts(existing + members)
    lines = [f"{prefix}-new{i}@example.org,New Person {i},Nurse" for i in range(n - 3 * quarter)]
    lines += [f"{e},," for e in existing + members]
    lines += [f"{prefix}-bad{i},Bad {i}," for i in range(quarter)]
    return csv_file(HEADER, *lines), members


def test_plan_and_apply_cost_the_same_statements_for_20_and_300_rows(app, count_queries):
    import_folder(app, EXAMPLE)
    counts = {}
    with app.app_context():
        for n in (20, 300):
            cohort = make_cohort(f"Cohort of {n}")
            data, members = _roster_of(f"c{n}", n)
            member_ids = db.session.execute(
                select(User.id).where(User.email.in_(members))
            ).scalars()
            services.add_members(cohort, list(member_ids), actor=None, via="cli", now=NOW)
            db.session.commit()
            db.session.expire_all()

            with count_queries() as queries:
                plan = roster.plan(cohort, data)
                result = roster.apply(cohort, plan, actor=None, via="cli", now=NOW)
                db.session.commit()

            assert result.added == n // 2
            assert len(plan.errors) == n // 4
            counts[n] = len(queries)

    assert counts[20] == counts[300], counts


def test_a_due_date_changed_after_the_preview_changes_the_fingerprint(cohort):
    data = csv_file("email,full name", "new.person@example.org,New Person")
    before = roster.plan(cohort, data).digest()

    services.set_course(
        cohort, course_by_slug(SLUG), DUE + timedelta(days=30), actor=None, via="cli", now=NOW
    )
    db.session.commit()

    assert roster.plan(cohort, data).digest() != before
