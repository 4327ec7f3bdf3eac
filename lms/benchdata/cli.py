"""``flask --app lms bench seed``: load benchmark data into the configured database."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from lms.benchdata.activity import BenchDataError
from lms.benchdata.seeding import DEFAULT_SEED, SIZES, seed_site
from lms.extensions import db, utcnow

bench_cli = AppGroup("bench", help="Benchmark data for load tests (never on a real site).")


@bench_cli.command("seed")
@click.option(
    "--size",
    type=click.Choice(list(SIZES)),
    required=True,
    help="S: 100 learners, M: 1,000, L: 10,000.",
)
@click.option("--seed", "seed_value", type=int, default=DEFAULT_SEED, show_default=True)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day the data runs up to (UTC; default today). The same seed and day "
    "give the same rows.",
)
def seed_command(size, seed_value, as_of):
    """Import the shipped courses and a synthetic 40-module course, then add learners,
    cohorts and their work, into an empty database or over a previous seed."""
    learners = SIZES[size]
    day = as_of.date() if as_of else utcnow().date()
    start = time.perf_counter()
    try:
        counts = seed_site(learners, seed=seed_value, as_of=day, echo=click.echo)
    except BenchDataError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    elapsed = time.perf_counter() - start
    click.echo(f"Seeded size {size} (seed {seed_value}, as of {day}) in {elapsed:.1f} s:")
    for name, count in counts.items():
        click.echo(f"  {name:18} {count:>10,}")
