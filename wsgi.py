"""The production entry point: ``gunicorn wsgi:app`` (see docs/operations.md).

Production settings: LMS_SECRET_KEY is required and cookies are Secure.
"""

import sys

from config import ConfigError, ProductionConfig
from lms import create_app

try:
    app = create_app(ProductionConfig)
except ConfigError as error:
    print(error.code, file=sys.stderr)
    # gunicorn's "application failed to load" status: stop instead of restarting workers.
    sys.exit(4)
