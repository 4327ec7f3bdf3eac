"""The reports pages and their CSV exports.

Every handler: load the course (or 404), check ``lms.permissions``, validate the
filter (a GET form: a bad value re-renders the page with the message and 422),
call one report function, render. A page that does not exist (a page number past
the last one, a quiz the course does not have) is a 404 with the reason.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from lms import permissions
from lms.reports import charts, exports, forms, queries
from lms.reports import completions as completion_reports
from lms.reports import evaluation as evaluation_reports
from lms.reports import gain as gain_reports
from lms.reports import items as item_reports
from lms.reports import progress as progress_reports
from lms.reports.queries import ReportInputError

bp = Blueprint("reports", __name__, url_prefix="/reports")

COURSE = "/courses/<slug:course_slug>"
# Ids past PostgreSQL's INTEGER are not found by the router, before any query.
LEARNER = COURSE + "/learners/<id:enrollment_id>"
THRESHOLDS = {
    "easy": item_reports.TOO_EASY,
    "hard": item_reports.TOO_HARD,
    "min_n": item_reports.MIN_N,
    "min_n_discrimination": item_reports.MIN_N_DISCRIMINATION,
}


@bp.errorhandler(ReportInputError)
def _not_found(error: ReportInputError):
    return render_template(
        "errors/error.html", code=404, title="Page not found", message=str(error)
    ), 404


class FilterRefused(Exception):
    """A filter value was refused: the report's page is shown with the errors (422)."""

    def __init__(self, template: str, **context):
        super().__init__(template)
        self.template = template
        self.context = context


@bp.errorhandler(FilterRefused)
def _refused(refusal: FilterRefused):
    return render_template(refusal.template, report=None, **refusal.context), 422


def _course(course_slug: str):
    course = queries.published_course(course_slug)
    permissions.require(permissions.can_report_on_course(current_user, course))
    return course


def _filtered(course_slug: str, template: str, form_class=forms.CohortFilterForm, **context):
    """(course, valid filter form), or FilterRefused; 404 for a course the user
    may not report on."""
    course = _course(course_slug)
    form = form_class(request.args, queries.cohorts_of_course(course.id))
    if not form.validate():
        raise FilterRefused(template, course=course, form=form, **context)
    return course, form


def _page() -> int:
    return request.args.get("page", 1, type=int)


def _csv(file: exports.CsvFile) -> Response:
    return Response(
        file.text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
    )


@bp.get("")
@login_required
def index():
    permissions.require(permissions.can_see_reports(current_user))
    entries = queries.report_index(current_user)
    return render_template(
        "reports/index.html", entries=entries, forms_by_course=forms.index_forms(entries)
    )


# -- progress ----------------------------------------------------------------------------------


@bp.get(f"{COURSE}/progress")
@login_required
def progress(course_slug: str):
    course, form = _filtered(course_slug, "reports/progress.html")
    report = progress_reports.progress_matrix(course, cohort=form.selected_cohort, page=_page())
    return render_template(
        "reports/progress.html",
        course=course,
        form=form,
        report=report,
        heatmap=charts.heat_map(report),
        legend=charts.STATE_STYLE,
    )


@bp.get(f"{COURSE}/progress.csv")
@login_required
def progress_csv(course_slug: str):
    course, form = _filtered(course_slug, "reports/progress.html")
    return _csv(
        exports.progress_csv(progress_reports.progress_table(course, cohort=form.selected_cohort))
    )


@bp.get(LEARNER)
@login_required
def learner(course_slug: str, enrollment_id: int):
    course = queries.published_course(course_slug)
    enrollment = queries.enrollment_by_id(enrollment_id)
    permissions.require(permissions.can_report_on_learner(current_user, course, enrollment))
    detail = progress_reports.learner_detail(course, enrollment)
    return render_template("reports/learner.html", detail=detail)


@bp.get(f"{LEARNER}.csv")
@login_required
def learner_csv(course_slug: str, enrollment_id: int):
    course = queries.published_course(course_slug)
    enrollment = queries.enrollment_by_id(enrollment_id)
    permissions.require(permissions.can_report_on_learner(current_user, course, enrollment))
    return _csv(exports.learner_csv(progress_reports.learner_detail(course, enrollment)))


# -- quiz item analysis ------------------------------------------------------------------------


def _item_analysis(course_slug: str, quiz: str):
    course, form = _filtered(course_slug, "reports/items.html", forms.ItemAnalysisForm, quiz=quiz)
    report = item_reports.item_analysis(
        course, quiz, cohort=form.selected_cohort, first_only=form.first_only
    )
    return course, form, report


@bp.get(f"{COURSE}/quizzes/<slug:quiz>/items")
@login_required
def items(course_slug: str, quiz: str):
    course, form, report = _item_analysis(course_slug, quiz)
    return render_template(
        "reports/items.html",
        course=course,
        form=form,
        quiz=quiz,
        report=report,
        chart=charts.facility_chart(report.items, item_reports.TOO_HARD, item_reports.TOO_EASY),
        thresholds=THRESHOLDS,
    )


@bp.get(f"{COURSE}/quizzes/<slug:quiz>/items.csv")
@login_required
def items_csv(course_slug: str, quiz: str):
    return _csv(exports.items_csv(_item_analysis(course_slug, quiz)[2]))


# -- knowledge gain ----------------------------------------------------------------------------


@bp.get(f"{COURSE}/knowledge-gain")
@login_required
def knowledge_gain(course_slug: str):
    course, form = _filtered(course_slug, "reports/knowledge_gain.html")
    report = gain_reports.knowledge_gain(course, cohort=form.selected_cohort, page=_page())
    chart = charts.gain_histogram(report.bins(), report.n, report.mean_gain, report.median_gain)
    return render_template(
        "reports/knowledge_gain.html", course=course, form=form, report=report, chart=chart
    )


@bp.get(f"{COURSE}/knowledge-gain.csv")
@login_required
def knowledge_gain_csv(course_slug: str):
    course, form = _filtered(course_slug, "reports/knowledge_gain.html")
    return _csv(exports.gain_csv(gain_reports.knowledge_gain(course, cohort=form.selected_cohort)))


# -- evaluation --------------------------------------------------------------------------------


# The page states the anonymity threshold, also when it refuses a filter.
EVALUATION = {"min_responses": evaluation_reports.MIN_RESPONSES}


@bp.get(f"{COURSE}/evaluation")
@login_required
def evaluation(course_slug: str):
    course, form = _filtered(course_slug, "reports/evaluation.html", **EVALUATION)
    report = evaluation_reports.evaluation_results(
        course, cohort=form.selected_cohort, page=_page()
    )
    return render_template(
        "reports/evaluation.html", course=course, form=form, report=report, **EVALUATION
    )


@bp.get(f"{COURSE}/evaluation.csv")
@login_required
def evaluation_csv(course_slug: str):
    course, form = _filtered(course_slug, "reports/evaluation.html", **EVALUATION)
    report = evaluation_reports.evaluation_results(course, cohort=form.selected_cohort)
    return _csv(exports.evaluation_csv(report))


# -- completions -------------------------------------------------------------------------------


def _completion_summary():
    permissions.require(permissions.can_see_reports(current_user))
    courses = queries.reportable_courses(current_user)
    cohorts = queries.cohorts_of_any([c.course.id for c in courses])
    form = forms.CompletionForm(request.args, cohorts)
    if not form.validate():
        raise FilterRefused("reports/completions.html", form=form)
    date_from, date_to = form.period
    report = completion_reports.completion_summary(
        courses, date_from=date_from, date_to=date_to, cohort=form.selected_cohort
    )
    return form, report


@bp.get("/completions")
@login_required
def completions():
    form, report = _completion_summary()
    return render_template("reports/completions.html", form=form, report=report)


@bp.get("/completions.csv")
@login_required
def completions_csv():
    return _csv(exports.completions_csv(_completion_summary()[1]))
