"""Benchmark data: a deterministic site full of learners, for load tests and benchmarks.

``flask --app lms bench seed --size S|M|L [--seed N]`` (lms/benchdata/cli.py) loads
it; docs/bench-seed.md says what it makes. The names a load test signs in with are
exported here.
"""

from lms.benchdata.seeding import (
    ADMIN_EMAIL,
    BENCH_PASSWORD,
    EMAIL_DOMAIN,
    INSTRUCTOR_EMAILS,
    SIZES,
    learner_email,
)
from lms.benchdata.synthetic import SYNTHETIC_SLUG

__all__ = [
    "ADMIN_EMAIL",
    "BENCH_PASSWORD",
    "EMAIL_DOMAIN",
    "INSTRUCTOR_EMAILS",
    "SIZES",
    "SYNTHETIC_SLUG",
    "learner_email",
]
