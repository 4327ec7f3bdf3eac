"""``flask --app lms quiz ...``: check GIFT quiz files before they go into a course."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from lms.catalog import gift

quiz_cli = AppGroup("quiz", help="Check quizzes written in GIFT.")


@quiz_cli.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the questions as one JSON object.")
def check(file: Path, as_json: bool) -> None:
    """List the questions of a GIFT FILE, or every error in it (exit status 1)."""
    try:
        data = file.read_bytes()
    except OSError as error:
        raise click.ClickException(f"{file}: cannot be read ({error.strerror})") from error
    result = gift.parse_bytes(data, str(file))
    if as_json:
        payload: dict = {"questions": [gift.to_json(q) for q in result.questions]}
        if result.errors:
            payload["errors"] = [{"line": e.line, "message": e.message} for e in result.errors]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    elif result.errors:
        for error in result.errors:
            click.echo(f"{file}:{error.line}: {error.message}")
    else:
        for q in result.questions:
            click.echo(f"{q.line:>5}  {q.type:<11}  {q.id}  {q.title}")
            if q.type == gift.ESSAY:
                # Valid GIFT, but a course quiz refuses it: say so before the import does.
                click.echo(f"{'':>5}  note: {gift.ESSAY_NOT_GRADABLE}")
        count = len(result.questions)
        click.echo(f"{file}: {count} question{'' if count == 1 else 's'}, no errors")
    if result.errors:
        raise SystemExit(1)
