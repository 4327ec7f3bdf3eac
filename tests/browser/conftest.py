"""Browser fixtures: the app on a live server, driven by the system Chromium.

Playwright for Python drives Debian's ``chromium`` package at /usr/bin/chromium;
Playwright's own browser download does not work here, so ``playwright install``
is never needed. Without Chromium (or without the playwright package) every
browser test is skipped with the reason.

The server is bound to a free port before the app is created, so that
PUBLIC_URL, and with it every link the site prints or mails, points at it.
"""

from __future__ import annotations

import os
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_MISSING = (
    f"Chromium is not installed at {CHROMIUM}: apt-get install chromium to run browser tests"
)
PLAYWRIGHT_MISSING = "playwright is not installed: pip install -e '.[test]' to run browser tests"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Learners mostly use phones: every page is tested at a phone's size.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


class _AppSlot:
    """A WSGI callable that forwards to the app once the app exists.

    The server (and so its port) has to exist before ``create_app``, which
    needs the port for PUBLIC_URL.
    """

    def __init__(self):
        self.app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture
def _http_server():
    slot = _AppSlot()
    server = make_server("127.0.0.1", 0, slot, threaded=True)
    server.slot = slot
    try:
        yield server
    finally:
        server.server_close()


@pytest.fixture
def config_class(config_class, _http_server):
    class LiveSettings(config_class):
        PUBLIC_URL = f"http://127.0.0.1:{_http_server.server_port}"

    return LiveSettings


@pytest.fixture
def live_server(app, _http_server):
    """The base URL of ``app`` served over HTTP, in a thread, for this test."""
    _http_server.slot.app = app
    thread = threading.Thread(
        target=_http_server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="live-server",
        daemon=True,
    )
    thread.start()
    try:
        yield app.config["PUBLIC_URL"]
    finally:
        _http_server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run; each test gets its own context."""
    sync_api = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING)
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(CHROMIUM_MISSING)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh page (own cookies and storage) at a phone's size, with the site as base URL."""
    context = browser.new_context(base_url=live_server, **PHONE)
    # Fail fast rather than wait the default 30 s when a page is not as expected.
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
