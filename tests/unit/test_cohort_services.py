"""Cohort rules (lms.cohorts.services): creating and changing cohorts, their courses
and due dates, their members; what removing a course or a member keeps."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from lms.accounts import services as accounts
from lms.audit import AuditEvent
from lms.catalog.models import Course
from lms.catalog.services import course_by_slug
from lms.certificates import services as certificates
from lms.certificates.models import Certificate
from lms.cohorts import services
from lms.cohorts.models import Cohort, CohortCourse, CohortMember
from lms.extensions import db
from lms.learning.models import Enrollment, LessonProgress
from tests.conftest import PASSWORD
from tests.learning_fixtures import EXAMPLE, SLUG, ModuleDef, import_folder, write_course

NOW = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
SECOND = "second-course"


@pytest.fixture
def ctx(app, tmp_path):
    """Two published courses; the test runs inside an app context."""
    import_folder(app, EXAMPLE)
    folder = write_course(
        tmp_path / "courses",
        SECOND,
        modules=[ModuleDef("only", lessons=["intro"], quiz=None)],
        completion=("lessons",),
        title="The Second Course",
    )
    import_folder(app, folder)
    with app.app_context():
        yield


def person(email: str, name: str = "A Person") -> int:
    user = accounts.create_user(email=email, full_name=name, password=PASSWORD, via="cli")
    db.session.commit()
    return user.id


def new_cohort(name: str = "July intake", **kwargs) -> Cohort:
    cohort = services.create_cohort(name=name, actor=None, via="cli", **kwargs)
    db.session.commit()
    return cohort


def give(cohort: Cohort, slug: str, due: date | None) -> None:
    services.set_course(cohort, course_by_slug(slug), due, actor=None, via="cli", now=NOW)
    db.session.commit()


def join(cohort: Cohort, *user_ids: int) -> list[int]:
    added = services.add_members(cohort, list(user_ids), actor=None, via="cli", now=NOW)
    db.session.commit()
    return added


def enrolment(user_id: int, slug: str = SLUG) -> Enrollment | None:
    db.session.expire_all()
    return db.session.execute(
        select(Enrollment)
        .join(Course, Enrollment.course_id == Course.id)
        .where(Enrollment.user_id == user_id, Course.slug == slug)
    ).scalar_one_or_none()


def due_of(user_id: int, slug: str = SLUG) -> date | None:
    return enrolment(user_id, slug).due_on


def audit_rows(action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.execute(query).scalars())


# -- creating and changing a cohort ---------------------------------------------------------


def test_create_a_cohort_with_a_window_and_an_audit_row(ctx):
    cohort = services.create_cohort(
        name="  Internal   medicine\tJuly 2027 ",
        description=" Residents. ",
        opens_on=date(2027, 7, 1),
        closes_on=date(2027, 7, 31),
        actor=None,
        via="cli",
    )
    db.session.commit()

    stored = db.session.get(Cohort, cohort.id)
    assert stored.name == "Internal medicine July 2027"
    assert stored.description == "Residents."
    assert (stored.opens_on, stored.closes_on) == (date(2027, 7, 1), date(2027, 7, 31))
    [event] = audit_rows("cohort.create")
    assert event.target_id == str(cohort.id)
    assert event.after == {
        "name": "Internal medicine July 2027",
        "description": "Residents.",
        "opens_on": "2027-07-01",
        "closes_on": "2027-07-31",
    }


@pytest.mark.parametrize("name", ["july intake", "JULY INTAKE", " July   intake "])
def test_a_duplicate_name_is_refused_whatever_its_case(ctx, name):
    new_cohort("July intake")

    with pytest.raises(services.CohortError) as caught:
        services.create_cohort(name=name, actor=None, via="cli")

    assert (caught.value.field, caught.value.message) == (
        "name",
        "A cohort with this name already exists.",
    )
    db.session.rollback()
    assert db.session.execute(select(func.count(Cohort.id))).scalar_one() == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter a name for the cohort."),
        ("  \t ", "Enter a name for the cohort."),
        ("x" * 121, "A cohort name has at most 120 characters."),
        ("July\x00intake", "A cohort name cannot contain control characters."),
    ],
)
def test_a_bad_name_is_refused(ctx, name, message):
    with pytest.raises(services.CohortError) as caught:
        services.create_cohort(name=name, actor=None, via="cli")

    assert (caught.value.field, caught.value.message) == ("name", message)


def test_a_window_that_closes_before_it_opens_is_refused(ctx):
    with pytest.raises(services.CohortError) as caught:
        services.create_cohort(
            name="Backwards",
            opens_on=date(2027, 7, 2),
            closes_on=date(2027, 7, 1),
            actor=None,
            via="cli",
        )

    assert (caught.value.field, caught.value.message) == (
        "closes_on",
        "The enrolment window cannot close before it opens.",
    )


def test_a_window_of_one_day_is_allowed(ctx):
    cohort = new_cohort("One day", opens_on=date(2027, 7, 1), closes_on=date(2027, 7, 1))

    assert services.window_problem(cohort, datetime(2027, 7, 1, 23, 59, tzinfo=UTC)) is None


def test_a_description_too_long_is_refused(ctx):
    with pytest.raises(services.CohortError) as caught:
        services.create_cohort(name="Wordy", description="w" * 2001, actor=None, via="cli")

    assert caught.value.field == "description"


def test_update_records_only_what_changed_before_and_after(ctx):
    cohort = new_cohort("July intake", description="Residents")
    admin = accounts.create_user(
        email="admin@example.org", full_name="Ada Admin", role="administrator", via="cli"
    )
    db.session.commit()

    services.update_cohort(
        cohort,
        name="July intake 2027",
        description="Residents",
        opens_on=None,
        closes_on=date(2027, 7, 31),
        actor=admin,
        via="web",
    )
    db.session.commit()

    [event] = audit_rows("cohort.update")
    assert event.actor_id == admin.id
    assert event.via == "web"
    assert event.before == {"name": "July intake", "closes_on": None}
    assert event.after == {"name": "July intake 2027", "closes_on": "2027-07-31"}
    assert db.session.get(Cohort, cohort.id).name == "July intake 2027"


def test_an_update_that_changes_nothing_records_nothing(ctx):
    cohort = new_cohort("July intake", description="Residents")

    services.update_cohort(
        cohort,
        name=" July intake ",
        description="Residents",
        opens_on=None,
        closes_on=None,
        actor=None,
        via="cli",
    )
    db.session.commit()

    assert audit_rows("cohort.update") == []


def test_update_refuses_the_name_of_another_cohort_but_not_its_own(ctx):
    new_cohort("August intake")
    cohort = new_cohort("July intake")

    with pytest.raises(services.CohortError) as caught:
        services.update_cohort(
            cohort,
            name="AUGUST intake",
            description="",
            opens_on=None,
            closes_on=None,
            actor=None,
            via="cli",
        )
    assert caught.value.field == "name"
    db.session.rollback()

    services.update_cohort(
        cohort,
        name="JULY INTAKE",
        description="",
        opens_on=None,
        closes_on=None,
        actor=None,
        via="cli",
    )
    db.session.commit()
    assert db.session.get(Cohort, cohort.id).name == "JULY INTAKE"


def test_update_refuses_a_window_that_closes_before_it_opens(ctx):
    cohort = new_cohort("July intake")

    with pytest.raises(services.CohortError) as caught:
        services.update_cohort(
            cohort,
            name="July intake",
            description="",
            opens_on=date(2027, 8, 1),
            closes_on=date(2027, 7, 1),
            actor=None,
            via="cli",
        )

    assert caught.value.field == "closes_on"


def test_cohort_by_name_ignores_case_and_spacing(ctx):
    cohort = new_cohort("July intake")

    assert services.cohort_by_name("  JULY   intake ") is cohort
    assert services.cohort_by_name("June intake") is None


# -- the enrolment window -----------------------------------------------------------------------


def test_window_problem_names_the_day_it_opens(ctx):
    cohort = new_cohort("Later", opens_on=date(2027, 3, 2))

    assert services.window_problem(cohort, NOW) == (
        "The enrolment window of Later opens on 02 March 2027: members can be added from "
        "then, or change the window."
    )
    assert services.window_problem(cohort, datetime(2027, 3, 2, 0, 0, tzinfo=UTC)) is None


def test_window_problem_names_the_day_it_closed(ctx):
    cohort = new_cohort("Earlier", closes_on=date(2027, 2, 28))

    assert services.window_problem(cohort, NOW) == (
        "The enrolment window of Earlier closed on 28 February 2027: change the window to "
        "add members."
    )
    assert services.window_problem(cohort, datetime(2027, 2, 28, 23, 59, tzinfo=UTC)) is None


def test_an_open_ended_window_has_no_problem(ctx):
    assert services.window_problem(new_cohort("Always"), NOW) is None


# -- courses and due dates ----------------------------------------------------------------------


def test_set_course_enrols_the_members_already_there_with_the_due_date(ctx):
    cohort = new_cohort()
    ana, bo = person("ana@example.org"), person("bo@example.org")
    join(cohort, ana, bo)

    give(cohort, SLUG, date(2027, 6, 30))

    for uid in (ana, bo):
        row = enrolment(uid)
        assert (row.source, row.due_on, row.enrolled_at) == ("cohort", date(2027, 6, 30), NOW)
    [event] = audit_rows("cohort.course.add")
    assert event.after == {"course": SLUG, "due_on": "2027-06-30"}


def test_members_added_later_are_enrolled_in_every_course(ctx):
    cohort = new_cohort()
    give(cohort, SLUG, date(2027, 6, 30))
    give(cohort, SECOND, None)
    ana = person("ana@example.org")

    assert join(cohort, ana) == [ana]

    assert due_of(ana, SLUG) == date(2027, 6, 30)
    assert due_of(ana, SECOND) is None
    assert join(cohort, ana) == []  # already a member: nothing happens


def test_a_learner_already_enrolled_keeps_their_enrolment_and_gets_the_due_date(ctx):
    ana = person("ana@example.org")
    db.session.add(
        Enrollment(user_id=ana, course_id=course_by_slug(SLUG).id, source="self", enrolled_at=NOW)
    )
    db.session.commit()
    first_id = enrolment(ana).id
    cohort = new_cohort()
    give(cohort, SLUG, date(2027, 6, 30))

    join(cohort, ana)

    row = enrolment(ana)
    assert (row.id, row.source, row.due_on) == (first_id, "self", date(2027, 6, 30))
    assert db.session.execute(select(func.count(Enrollment.id))).scalar_one() == 1


def test_changing_the_due_date_moves_every_members_due_date(ctx):
    cohort = new_cohort()
    give(cohort, SLUG, date(2027, 6, 30))
    ana = person("ana@example.org")
    join(cohort, ana)

    give(cohort, SLUG, date(2027, 5, 31))

    assert due_of(ana) == date(2027, 5, 31)
    [event] = audit_rows("cohort.course.due")
    assert event.before == {"due_on": "2027-06-30"}
    assert event.after == {"course": SLUG, "due_on": "2027-05-31"}

    give(cohort, SLUG, None)
    assert due_of(ana) is None


def test_setting_the_same_due_date_again_records_nothing(ctx):
    cohort = new_cohort()
    give(cohort, SLUG, date(2027, 6, 30))
    before = len(audit_rows())

    give(cohort, SLUG, date(2027, 6, 30))

    assert len(audit_rows()) == before


def test_the_earliest_due_date_wins_across_two_cohorts(ctx):
    early, late = new_cohort("Early"), new_cohort("Late")
    give(early, SLUG, date(2027, 4, 30))
    give(late, SLUG, date(2027, 9, 30))
    ana = person("ana@example.org")

    join(late, ana)
    assert due_of(ana) == date(2027, 9, 30)
    join(early, ana)
    assert due_of(ana) == date(2027, 4, 30)

    # The later cohort moving its date earlier still does not beat the earliest.
    give(late, SLUG, date(2027, 5, 31))
    assert due_of(ana) == date(2027, 4, 30)
    give(late, SLUG, date(2027, 3, 31))
    assert due_of(ana) == date(2027, 3, 31)


def test_a_cohort_without_a_due_date_does_not_clear_another_cohorts(ctx):
    dated, undated = new_cohort("Dated"), new_cohort("Undated")
    give(dated, SLUG, date(2027, 4, 30))
    give(undated, SLUG, None)
    ana = person("ana@example.org")

    join(dated, ana)
    join(undated, ana)

    assert due_of(ana) == date(2027, 4, 30)


def test_a_course_that_is_not_published_is_refused(ctx):
    draft = Course(slug="draft-course")
    db.session.add(draft)
    db.session.commit()
    cohort = new_cohort()

    with pytest.raises(services.CohortError) as caught:
        services.set_course(cohort, draft, date(2027, 6, 30), actor=None, via="cli", now=NOW)

    assert caught.value.field == "course"
    assert caught.value.message == "Only a published course can be given to a cohort."
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(CohortCourse)).scalar_one() == 0


def test_addable_courses_lists_published_courses_not_yet_in_the_cohort(ctx):
    db.session.add(Course(slug="draft-course"))
    db.session.commit()
    cohort = new_cohort()
    give(cohort, SLUG, None)

    assert [course.slug for course, _ in services.addable_courses(cohort)] == [SECOND]
    assert services.course_titles(cohort) == ["An Example Course"]


# -- removing: records stay --------------------------------------------------------------------


def _finish(user_id: int, slug: str = SECOND) -> tuple[int, str]:
    """Complete ``slug`` for ``user_id`` with its lesson, and issue its certificate."""
    row = enrolment(user_id, slug)
    course = course_by_slug(slug)
    db.session.add(LessonProgress(enrollment_id=row.id, module_slug="only", lesson_slug="intro"))
    row.completed_at = NOW
    row.completed_version_id = course.current_version_id
    certificate = certificates.issue(row, course.current_version, NOW)
    db.session.commit()
    return row.id, certificate.code


def _records_of(enrollment_id: int) -> tuple:
    db.session.expire_all()
    row = db.session.get(Enrollment, enrollment_id)
    lessons = db.session.execute(
        select(LessonProgress.module_slug, LessonProgress.lesson_slug).where(
            LessonProgress.enrollment_id == enrollment_id
        )
    ).all()
    codes = db.session.execute(
        select(Certificate.code, Certificate.revoked_at).where(
            Certificate.enrollment_id == enrollment_id
        )
    ).all()
    return row is not None and row.completed_at, [tuple(x) for x in lessons], codes


def test_remove_member_keeps_enrolments_progress_and_certificates(ctx):
    cohort = new_cohort()
    give(cohort, SECOND, date(2027, 6, 30))
    ana = person("ana@example.org", "Ana López")
    join(cohort, ana)
    enrollment_id, code = _finish(ana)

    services.remove_member(cohort, db.session.get(accounts.User, ana), actor=None, via="cli")
    db.session.commit()

    assert ana not in services.member_ids(cohort.id)
    completed, lessons, codes = _records_of(enrollment_id)
    assert completed == NOW
    assert lessons == [("only", "intro")]
    assert [(c, revoked) for c, revoked in codes] == [(code, None)]
    [event] = audit_rows("cohort.member.remove")
    assert event.before == {"user_id": ana, "email": "ana@example.org"}


def test_remove_member_recomputes_the_due_date_from_the_cohorts_left(ctx):
    early, late = new_cohort("Early"), new_cohort("Late")
    give(early, SLUG, date(2027, 4, 30))
    give(late, SLUG, date(2027, 9, 30))
    ana, bo = person("ana@example.org"), person("bo@example.org")
    join(early, ana, bo)
    join(late, ana)

    services.remove_member(early, db.session.get(accounts.User, ana), actor=None, via="cli")
    services.remove_member(early, db.session.get(accounts.User, bo), actor=None, via="cli")
    db.session.commit()

    assert due_of(ana) == date(2027, 9, 30)
    # Still enrolled, with no cohort left for the course: no due date.
    assert enrolment(bo) is not None
    assert due_of(bo) is None


def test_removing_someone_who_is_not_a_member_is_refused(ctx):
    cohort = new_cohort()
    ana = person("ana@example.org", "Ana López")

    with pytest.raises(services.CohortError) as caught:
        services.remove_member(cohort, db.session.get(accounts.User, ana), actor=None, via="cli")

    assert caught.value.message == "Ana López is not a member of July intake."


def test_remove_course_keeps_enrolments_and_certificates_and_recomputes_due_dates(ctx):
    cohort, other = new_cohort("July intake"), new_cohort("Other")
    give(cohort, SECOND, date(2027, 4, 30))
    give(cohort, SLUG, date(2027, 4, 30))
    give(other, SLUG, date(2027, 8, 31))
    ana, bo = person("ana@example.org"), person("bo@example.org")
    join(cohort, ana, bo)
    join(other, bo)
    enrollment_id, code = _finish(ana)

    services.remove_course(cohort, course_by_slug(SECOND), actor=None, via="cli")
    services.remove_course(cohort, course_by_slug(SLUG), actor=None, via="cli")
    db.session.commit()

    assert services.course_titles(cohort) == []
    completed, lessons, codes = _records_of(enrollment_id)
    assert (completed, lessons, [c for c, _ in codes]) == (NOW, [("only", "intro")], [code])
    assert due_of(ana, SECOND) is None
    assert due_of(ana, SLUG) is None
    assert due_of(bo, SLUG) == date(2027, 8, 31)
    assert ana in services.member_ids(cohort.id)
    removed = audit_rows("cohort.course.remove")
    assert [e.before for e in removed] == [
        {"course": SECOND, "due_on": "2027-04-30"},
        {"course": SLUG, "due_on": "2027-04-30"},
    ]


def test_removing_a_course_not_in_the_cohort_changes_nothing(ctx):
    cohort = new_cohort()
    before = len(audit_rows())

    services.remove_course(cohort, course_by_slug(SLUG), actor=None, via="cli")
    db.session.commit()

    assert len(audit_rows()) == before


def test_add_members_writes_an_audit_row_per_person_and_ignores_repeats(ctx):
    cohort = new_cohort()
    ana, bo = person("ana@example.org"), person("bo@example.org")

    assert services.add_members(cohort, [ana, bo, ana], actor=None, via="cli", now=NOW) == [
        ana,
        bo,
    ]
    db.session.commit()

    events = audit_rows("cohort.member.add")
    assert sorted(e.after["user_id"] for e in events) == [ana, bo]
    assert {e.target_id for e in events} == {str(cohort.id)}
    added = db.session.execute(
        select(CohortMember.user_id, CohortMember.added_at).order_by(CohortMember.user_id)
    ).all()
    assert [tuple(a) for a in added] == [(ana, NOW), (bo, NOW)]


def test_all_cohorts_counts_members_and_courses(ctx):
    july, empty = new_cohort("July intake"), new_cohort("august")
    give(july, SLUG, None)
    give(july, SECOND, None)
    join(july, person("ana@example.org"), person("bo@example.org"))

    summary = [(s.cohort.name, s.members, s.courses) for s in services.all_cohorts()]

    assert summary == [("august", 0, 0), ("July intake", 2, 2)]
    assert empty.id != july.id
