"""The production entry point: ``gunicorn wsgi:app`` (see docs/operations.md).

Production settings: LMS_SECRET_KEY is required and cookies are Secure.
"""

from config import ProductionConfig
from lms import create_app

app = create_app(ProductionConfig)
