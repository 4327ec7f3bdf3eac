"""How long importing the four shipped courses takes, against a floor measured in
the same run.

    python bench/course_import.py [--runs 5] [--database-url URL]

Each run starts from an empty database (a new SQLite file by default) and times
the two halves of ``flask --app lms courses import``: reading and checking the
folders (``load_course``: TOML, Markdown rendering, GIFT parsing, every check)
and writing the versions (``import_course`` and the commit). The floor is the
least an import must do: read the same files' bytes and insert as many rows
(one per module, lesson, quiz and question) with one ``executemany`` into a
table of the same width. Issue #8 asks that the four courses import in at most
2 seconds.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert

from config import TestConfig
from lms import create_app
from lms.catalog.loader import load_course
from lms.catalog.services import import_course
from lms.extensions import db

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(path for path in (ROOT / "courses").iterdir() if (path / "course.toml").is_file())
BAR = 2.0  # seconds, issue #8


def fresh_app(database_url: str | None, folder: Path):
    class Bench(TestConfig):
        DATABASE_URL = database_url or f"sqlite:///{folder / 'bench.sqlite3'}"

    app = create_app(Bench)
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def one_run(database_url: str | None) -> dict[str, float | int]:
    folder = Path(tempfile.mkdtemp(prefix="lms-bench-import-"))
    try:
        app = fresh_app(database_url, folder)
        with app.app_context():
            start = time.perf_counter()
            specs = []
            for path in SHIPPED:
                result = load_course(path)
                if result.errors:
                    raise SystemExit("\n".join(result.errors))
                specs.append(result.course)
            loaded = time.perf_counter()
            for spec in specs:
                import_course(spec, via="cli")
            db.session.commit()
            written = time.perf_counter()
            rows = sum(
                len(spec.modules)
                + sum(len(m.lessons) for m in spec.modules)
                + sum(1 + len(m.quiz.questions) for m in spec.modules if m.quiz)
                + sum(1 + len(t.questions) for t in (spec.pretest, spec.posttest) if t)
                for spec in specs
            )
            floor = floor_seconds(rows)
            db.session.remove()
            db.engine.dispose()
        return {
            "load": loaded - start,
            "write": written - loaded,
            "total": written - start,
            "floor": floor,
            "rows": rows,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def floor_seconds(rows: int) -> float:
    """Read every file of the four courses, and insert ``rows`` rows at once."""
    table = Table(
        "bench_import_floor",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("slug", String(80)),
        Column("body", Text),
    )
    table.create(db.engine)
    try:
        start = time.perf_counter()
        data = [
            path.read_bytes() for folder in SHIPPED for path in folder.rglob("*") if path.is_file()
        ]
        body = b"".join(data).decode("utf-8", "replace")
        share = max(1, len(body) // rows)
        db.session.execute(
            insert(table),
            [{"slug": f"row-{n}", "body": body[n * share : (n + 1) * share]} for n in range(rows)],
        )
        db.session.commit()
        return time.perf_counter() - start
    finally:
        db.session.remove()
        table.drop(db.engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", help="default: a new SQLite file per run")
    args = parser.parse_args()
    one_run(args.database_url)  # warm-up: imports, the renderer, the GIFT parser
    runs = [one_run(args.database_url) for _ in range(args.runs)]
    median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    print(f"the four shipped courses ({', '.join(p.name for p in SHIPPED)})")
    print(f"{int(median['rows'])} content rows; median of {args.runs} runs after one warm-up\n")
    print(f"{'step':<44}{'median':>10}{'/ floor':>10}")
    for key, label in (
        ("load", "read and check the folders (load_course)"),
        ("write", "write the versions (import_course, commit)"),
        ("total", "import, in all"),
        ("floor", "floor: read the files, insert as many rows"),
    ):
        ratio = median[key] / median["floor"]
        print(f"{label:<44}{median[key] * 1000:>8.0f} ms{ratio:>9.1f}x")
    verdict = "met" if median["total"] <= BAR else "MISSED"
    print(f"\ntarget: the four courses in at most {BAR:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
