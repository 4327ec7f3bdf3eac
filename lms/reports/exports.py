"""The CSV of every report, the same from the browser and the command line.

UTF-8 with a byte-order mark (so that spreadsheets read names in any script),
one header row, times in UTC (ISO 8601), scores in percent. Every text cell
goes through ``csv_safe`` so that a name such as ``=HYPERLINK(...)`` stays text
in a spreadsheet; numbers are written as numbers (a negative gain is not text).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from lms.certificates.documents import csv_safe
from lms.certificates.models import format_code
from lms.reports.completions import CompletionSummary
from lms.reports.evaluation import EvaluationResults
from lms.reports.gain import KnowledgeGain
from lms.reports.items import ItemAnalysis
from lms.reports.progress import LearnerDetail, ProgressTable


@dataclass(frozen=True)
class CsvFile:
    filename: str
    text: str


def cell(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_safe(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_text(header: list[str], rows: Iterable[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return "\ufeff" + out.getvalue()


def percent(score: float | None) -> float | None:
    return None if score is None else round(score * 100, 1)


def _suffix(cohort) -> str:
    return f"-cohort-{cohort.id}" if cohort is not None else ""


def _utc(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def progress_csv(table: ProgressTable) -> CsvFile:
    """Every learner's row of the matrix. The same cells as ``cell`` writes, written
    straight from the table's plain values: at 10,000 learners the generic path
    spent as long converting cells as the queries took (docs/performance.md)."""
    header = ["learner", "email", "enrolled_at", "due_on"]
    for m in table.modules:
        header += [f"module_{m.number}_{m.slug}_state", f"module_{m.number}_{m.slug}_best_percent"]
    header += [
        "pretest_best_percent",
        "posttest_best_percent",
        "evaluation_submitted",
        "completed_at",
        "certificate_code",
        "certificate_status",
    ]
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)  # slugs and fixed words: nothing to neutralise
    scores: dict[float | None, float | str] = {None: ""}

    def score(value: float | None) -> float | str:
        found = scores.get(value)
        if found is None:
            found = scores[value] = percent(value)
        return found

    rows = []
    for learner, cells, pretest, posttest in table.records():
        name, email, enrolled, due, completed, evaluated, code, revoked = learner
        row = [csv_safe(name), csv_safe(email), _utc(enrolled), due.isoformat() if due else ""]
        for state, best in cells:
            row.append(state)
            row.append(score(best))
        row += [
            score(pretest),
            score(posttest),
            "yes" if evaluated else "no",
            _utc(completed),
            "" if code is None else format_code(code),
            "" if code is None else "revoked" if revoked else "valid",
        ]
        rows.append(row)
    writer.writerows(rows)
    suffix = _suffix(table.cohort)
    return CsvFile(f"{table.course.slug}-progress{suffix}.csv", out.getvalue())


def learner_csv(detail: LearnerDetail) -> CsvFile:
    header = [
        "record",
        "module_or_quiz",
        "title",
        "attempt",
        "started_at",
        "finished_at",
        "score_percent",
        "passed",
        "note",
    ]
    rows = []
    for line in detail.lessons:
        note = "" if line.in_current_version else "not in the current version"
        rows.append(
            [
                "lesson",
                line.module_slug,
                line.lesson_title,
                None,
                None,
                line.completed_at,
                None,
                None,
                note,
            ]
        )
    for a in detail.attempts:
        note = "" if a.submitted_at else "not submitted"
        rows.append(
            [
                "attempt",
                a.quiz_key,
                a.quiz_title,
                a.number,
                a.started_at,
                a.submitted_at,
                percent(a.score),
                a.passed,
                note,
            ]
        )
    rows.append(
        [
            "evaluation",
            None,
            "Course evaluation",
            None,
            None,
            None,  # never when it was submitted: the evaluation is anonymous
            None,
            None,
            "submitted" if detail.evaluation_submitted else "not submitted",
        ]
    )
    c = detail.certificate
    if c is not None:
        rows.append(
            [
                "certificate",
                None,
                c.display_code,
                None,
                c.issued_at,
                c.completed_at,
                None,
                None,
                c.status,
            ]
        )
    name = f"{detail.course.slug}-learner-{detail.enrollment.id}.csv"
    return CsvFile(name, csv_text(header, rows))


def items_csv(analysis: ItemAnalysis) -> CsvFile:
    header = [
        "number",
        "question_slug",
        "type",
        "question",
        "n",
        "facility",
        "upper_lower_d",
        "point_biserial",
        "flags",
        "answers",
    ]
    rows = [
        [
            item.number,
            item.slug,
            item.type,
            item.label,
            item.n,
            item.facility,
            item.upper_lower,
            item.point_biserial,
            "; ".join(item.flags),
            "; ".join(f"{c.label}: {c.count} ({round(c.share * 100)}%)" for c in item.choices),
        ]
        for item in analysis.items
    ]
    attempts = "first" if analysis.first_only else "all"
    name = (
        f"{analysis.course.slug}-items-{analysis.quiz_slug}-{attempts}-attempts"
        f"{_suffix(analysis.cohort)}.csv"
    )
    return CsvFile(name, csv_text(header, rows))


def gain_csv(report: KnowledgeGain) -> CsvFile:
    header = ["learner", "email", "pretest_first_percent", "posttest_best_percent", "gain_points"]
    rows = [[r.name, r.email, r.pre, r.post, r.gain] for r in report.rows]
    name = f"{report.course.slug}-knowledge-gain{_suffix(report.cohort)}.csv"
    return CsvFile(name, csv_text(header, rows))


def evaluation_csv(report: EvaluationResults) -> CsvFile:
    """A row per response, sorted by its answers and numbered after sorting: no
    time, no order of submission. With fewer than MIN_RESPONSES responses
    (``report.withheld``), the header row only."""
    items = report.items
    header = ["response"] + [item["id"] for item in items]
    rows = [[r.number] + [r.answers.get(item["id"]) for item in items] for r in report.responses]
    name = f"{report.course.slug}-evaluation{_suffix(report.cohort)}.csv"
    return CsvFile(name, csv_text(header, rows))


def completions_csv(summary: CompletionSummary) -> CsvFile:
    header = [
        "course_slug",
        "course_title",
        "period_from",
        "period_to",
        "completions",
        "credit_hours_awarded",
    ]
    f, t = summary.date_from, summary.date_to
    rows = [
        [c.course.slug, c.course.title, f, t, c.completions, c.credit_hours]
        for c in summary.courses
    ]
    rows.append(["", "Total", f, t, summary.total_completions, summary.total_credit_hours])
    name = f"completions-{f.isoformat()}-to-{t.isoformat()}{_suffix(summary.cohort)}.csv"
    return CsvFile(name, csv_text(header, rows))
