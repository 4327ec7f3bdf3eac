"""Instructor authoring in the browser (issue #7), through the test client.

Who may open every page of the ``authoring`` blueprint; CSRF on every form; the
draft and its publication as a new version; edit conflicts; bad input; slugs that
keep learners' progress; previews that record nothing; query counts; the zip of a
version. Forms are sent the way a browser sends them: read from the page, with
the person's changes on top.
"""

from __future__ import annotations

import html
import io
import itertools
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from lms.accounts.models import User
from lms.audit import AuditEvent
from lms.authoring import drafts
from lms.catalog.loader import load_course
from lms.catalog.models import AssetBlob, CourseVersion
from lms.catalog.services import course_by_slug, version_files
from lms.extensions import db, utcnow
from lms.learning.models import Enrollment, LessonProgress, QuizAttempt
from tests.authoring_fixtures import BASE, authoring_fixture, form_fields  # noqa: F401
from tests.conftest import csrf_token_from
from tests.learning_fixtures import (
    EXAMPLE,
    RIGHT,
    SLUG,
    browser_for_fixture,  # noqa: F401
    copy_example,
    enrollment_of,
    import_folder,
    lesson_rows,
    sign_in,
)

MODULE_PAGE = f"{BASE}/modules/first-steps"
LESSON_PAGE = f"{MODULE_PAGE}/lessons/welcome"
QUIZ_PAGE = f"{BASE}/quizzes/first-steps"
IMAGES_PAGE = f"{BASE}/images"
LEARNER_WELCOME = f"/courses/{SLUG}/lessons/first-steps/welcome"
WELCOME_FILE = "01-first-steps/01-welcome.md"
OLD_WELCOME_TEXT = "This lesson has no content note."
EXPIRED = "This form has expired"


# -- forms, read from the page as a browser reads them ----------------------------------------


@dataclass(frozen=True)
class Upload:
    """A file a person chooses in a file field."""

    name: str
    data: bytes


@dataclass
class Form:
    action: str  # as written in the page; "" posts to the page itself
    fields: list[tuple[str, str]] = field(default_factory=list)
    # Submit buttons: (label as read out, name, value).
    buttons: list[tuple[str, str, str]] = field(default_factory=list)

    def data(self, changes: dict | None = None, press: str | None = None) -> MultiDict:
        """The fields as the browser sends them, with ``changes`` (a value, a list of
        values, an Upload, or None to leave the field out), when the button whose label
        starts with ``press`` is pressed (default: the first, as Enter does)."""
        data = MultiDict(self.fields)
        pressed = [b for b in self.buttons if press is None or b[0].startswith(press)]
        assert pressed or (press is None and not self.buttons), f"no button {press!r}"
        if pressed and pressed[0][1]:
            data.add(pressed[0][1], pressed[0][2])
        for name, value in (changes or {}).items():
            data.poplist(name)
            if isinstance(value, Upload):
                data[name] = FileStorage(io.BytesIO(value.data), value.name)
            elif isinstance(value, list):
                data.setlist(name, value)
            elif value is not None:
                data[name] = value
        return data


class _FormReader(HTMLParser):
    """Every <form> of a page with the values a browser would send unchanged."""

    SKIPPED = {"submit", "button", "image", "reset", "file"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._button: tuple[str, str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = Form(a.get("action") or "")
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "button" and (a.get("type") or "submit") == "submit":
            self._button = (a.get("name") or "", a.get("value") or "", [])
        elif tag == "input" and a.get("type") == "submit":
            self._form.buttons.append((a.get("value") or "", a.get("name") or "", a.get("value")))
        if not a.get("name") and tag != "option":
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in self.SKIPPED or (kind in ("checkbox", "radio") and "checked" not in a):
                return
            self._form.fields.append(
                (a["name"], a.get("value") or ("on" if "checked" in a else ""))
            )
        elif tag == "textarea":
            self._textarea = (a["name"], [])
        elif tag == "select":
            self._select = (a["name"], [])
        elif tag == "option" and self._select is not None:
            self._select[1].append((a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)
        if self._button is not None:
            self._button[2].append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            name, parts = self._textarea
            text = "".join(parts)
            # The newline right after <textarea> is not part of the value.
            text = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self._form.fields.append((name, text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, options = self._select
            chosen = [value for value, selected in options if selected] or [
                value for value, _ in options[:1]
            ]
            self._form.fields.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "button" and self._button is not None:
            name, value, label = self._button
            self._form.buttons.append((" ".join("".join(label).split()), name, value))
            self._button = None
        elif tag == "form":
            self._form = None


def forms_on(page_html: str) -> list[Form]:
    reader = _FormReader()
    reader.feed(page_html)
    return reader.forms


def form_on(page_html: str, page: str, action: str | None = None) -> Form:
    """The first form of the page that posts to ``action`` (default: the page itself)."""
    wanted = urlsplit(action or page).path
    for form in forms_on(page_html):
        if urlsplit(form.action or page).path == wanted:
            return form
    raise AssertionError(f"no form posting to {wanted} on {page}")


def text_of(response) -> str:
    return response.get_data(as_text=True)


def open_page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return text_of(response)


def submit(client, page_html: str, page: str, action=None, changes=None, press=None, **kwargs):
    """Send the form of ``page_html`` that posts to ``action``, with ``changes``,
    pressing the button labelled ``press`` (default: the first)."""
    form = form_on(page_html, page, action)
    data = form.data(changes, press)
    if any(isinstance(value, FileStorage) for value in data.values()):
        # Encoded here, in memory: the test client spools a large body to a temporary
        # file it never closes (a ResourceWarning, an error in this suite).
        boundary, body = encode_multipart(data)
        kwargs["content_type"] = f"multipart/form-data; boundary={boundary}"
        data = body
    return client.post(form.action or page, data=data, **kwargs)


def send(client, page: str, action=None, changes=None, press=None, **kwargs):
    """Open ``page``, fill in its form with ``changes`` and send it."""
    return submit(client, open_page(client, page), page, action, changes, press, **kwargs)


def signed_in(app, user):
    """Another browser, with ``user`` signed in."""
    browser = app.test_client()
    sign_in(browser, user)
    return browser


def page_token(client, path: str = "/courses") -> str:
    return csrf_token_from(text_of(client.get(path)))


def textarea(page_html: str, element_id: str) -> str:
    match = re.search(rf'<textarea[^>]*id="{element_id}"[^>]*>(.*?)</textarea>', page_html, re.S)
    assert match, f"no textarea #{element_id}"
    return html.unescape(match.group(1)).removeprefix("\r\n").removeprefix("\n")


def png(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A real 1x1 PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(colour))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PNG = png()


# -- the database as it is now ---------------------------------------------------------------


def stored(app, number: int = drafts.DRAFT_NUMBER) -> dict | None:
    """The files of a version (0: the draft) as the course folder has them, or None."""
    with app.app_context():
        version = drafts.version_by_number(course_by_slug(SLUG), number)
        return None if version is None else dict(version_files(version))


def version_numbers(app) -> list[int]:
    with app.app_context():
        return list(
            db.session.execute(
                select(CourseVersion.number).order_by(CourseVersion.number)
            ).scalars()
        )


def row_count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def audit_trail(app) -> list[tuple[str, int | None]]:
    with app.app_context():
        rows = db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
        return [
            (event.action, event.actor_id)
            for event in rows
            if event.action in ("course.import", "course.publish")
            or event.action.startswith("course.draft.")
        ]


def draft_lessons(app, module: str) -> list[str]:
    with app.app_context():
        version = drafts.draft_of(course_by_slug(SLUG))
        found = drafts.find_module(version, module)
        return [lesson.slug for lesson in found.lessons]


def edit_welcome(client, body: str = "The new welcome text.", **changes):
    response = send(client, LESSON_PAGE, changes={"body": body, **changes})
    assert response.status_code == 302, text_of(response)
    return response


# -- every route of the blueprint ------------------------------------------------------------

# Every page that answers GET, with real values (the draft is started by then).
GETS = {
    "authoring.index": "/author",
    "authoring.course": BASE,
    "authoring.settings": f"{BASE}/settings",
    "authoring.module": MODULE_PAGE,
    "authoring.module_remove": f"{MODULE_PAGE}/remove",
    "authoring.lesson_new": f"{MODULE_PAGE}/lessons/new",
    "authoring.lesson": LESSON_PAGE,
    "authoring.lesson_remove": f"{LESSON_PAGE}/remove",
    "authoring.quiz": QUIZ_PAGE,
    "authoring.quiz_remove": f"{QUIZ_PAGE}/remove",
    "authoring.images": IMAGES_PAGE,
    "authoring.draft_media": f"{BASE}/draft/media/images/dot.png",
    "authoring.preview_lesson": f"{BASE}/preview/lessons/first-steps/welcome",
    "authoring.preview_quiz": f"{BASE}/preview/quizzes/first-steps",
    "authoring.discard": f"{BASE}/discard",
    "authoring.history": f"{BASE}/versions",
    "authoring.compare": f"{BASE}/compare?older=1&newer=0",
    "authoring.download": f"{BASE}/versions/1.zip",
}


@dataclass(frozen=True)
class Post:
    """A form an editor sends: found on ``page``, posting to ``action`` (default: the page)."""

    page: str
    action: str | None = None
    changes: dict = field(default_factory=dict)
    press: str | None = None  # the button's label, if not the first
    expect: int = 302
    # "edit": a draft with a change first; "upload": also an image no lesson uses.
    setup: str = ""
    # Sent by static/authoring.js: only the changes, the token in a header.
    script: bool = False

    @property
    def target(self) -> str:
        return self.action or self.page


POSTS = {
    "authoring.settings": Post(f"{BASE}/settings", changes={"title": "A renamed course"}),
    "authoring.module_add": Post(
        BASE, f"{BASE}/modules", {"title": "A third module", "slug": "third"}
    ),
    "authoring.module": Post(MODULE_PAGE, changes={"title": "First steps, renamed"}),
    "authoring.module_move": Post(BASE, f"{MODULE_PAGE}/move", press="Move down"),
    "authoring.module_remove": Post(f"{MODULE_PAGE}/remove"),
    "authoring.markdown_preview": Post(
        LESSON_PAGE,
        f"{MODULE_PAGE}/preview-markdown",
        {"body": "Some *text*."},
        expect=200,
        script=True,
    ),
    "authoring.lesson_new": Post(
        f"{MODULE_PAGE}/lessons/new",
        changes={"title": "A new lesson", "slug": "new-lesson", "body": "Text."},
    ),
    "authoring.lesson": Post(LESSON_PAGE, changes={"title": "Welcome!"}),
    "authoring.lesson_move": Post(LESSON_PAGE, f"{LESSON_PAGE}/move"),
    "authoring.lesson_remove": Post(f"{LESSON_PAGE}/remove"),
    "authoring.quiz": Post(QUIZ_PAGE, changes={"title": "A renamed quiz"}),
    "authoring.quiz_remove": Post(f"{QUIZ_PAGE}/remove"),
    "authoring.images": Post(IMAGES_PAGE, changes={"image": Upload("red.png", PNG)}),
    "authoring.image_remove": Post(
        IMAGES_PAGE, f"{BASE}/images/remove", {"path": "images/unused.png"}, setup="upload"
    ),
    "authoring.preview_quiz": Post(
        f"{BASE}/preview/quizzes/first-steps",
        changes=RIGHT["first-steps"],
        press="Submit answers",
        expect=200,
    ),
    "authoring.publish": Post(BASE, f"{BASE}/publish", {"note": "Rewrote it"}, setup="edit"),
    "authoring.discard": Post(f"{BASE}/discard", setup="edit"),
}


CHANGES = itertools.count(1)


def prepare(client, post: Post) -> None:
    """What the form needs first: a draft with a change, an image no lesson uses."""
    if post.setup in ("edit", "upload"):
        edit_welcome(client, f"Change number {next(CHANGES)}.")
    if post.setup == "upload" and "images/unused.png" not in open_page(client, IMAGES_PAGE):
        unused = Upload("unused.png", png((1, 2, 3)))
        response = send(client, IMAGES_PAGE, changes={"image": unused})
        assert response.status_code == 302, text_of(response)


def discard_draft(app) -> None:
    """Back to the published course, whatever the last test step did to the draft."""
    with app.app_context():
        course = course_by_slug(SLUG)
        draft = drafts.draft_of(course)
        if draft is not None:
            drafts.discard(course, draft.id, actor=None, stamp_seen=draft.edit_stamp)
            db.session.commit()


def post_as_editor(client, post: Post, **kwargs):
    """Send ``post`` the way the editor's browser does."""
    if post.script:
        token = page_token(client, post.page)
        return client.post(post.target, data=post.changes, headers={"X-CSRFToken": token})
    return send(client, post.page, post.action, post.changes, post.press, **kwargs)


def post_payload(editor, post: Post, token: str) -> MultiDict:
    """What an editor would send, with someone else's session token: for people who
    may not open the page themselves."""
    if post.script:
        return MultiDict({**post.changes, "csrf_token": token})
    page_html = text_of(editor.get(post.page, follow_redirects=True))
    try:
        form = form_on(page_html, post.page, post.action)
    except AssertionError:  # not there now (no draft to discard, no unused image): the fields
        form = Form(post.target, list(form_fields(page_html).items()))
    return form.data({**post.changes, "csrf_token": token}, post.press)


def test_the_tables_name_every_route_of_the_blueprint(app):
    """A new route fails here until it is added to GETS or POSTS (and so to every test
    of who may use it)."""
    adapter = app.url_map.bind("lms.test")
    wanted_gets, wanted_posts = set(), set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("authoring."):
            if "GET" in rule.methods:
                wanted_gets.add(rule.endpoint)
            if "POST" in rule.methods:
                wanted_posts.add(rule.endpoint)
    assert set(GETS) == wanted_gets
    assert set(POSTS) == wanted_posts
    for endpoint, path in GETS.items():
        assert adapter.match(urlsplit(path).path, method="GET")[0] == endpoint
    for endpoint, post in POSTS.items():
        assert adapter.match(post.target, method="POST")[0] == endpoint


@pytest.mark.parametrize("role", ["admin", "teacher"])
def test_editors_open_every_page(app, client, login, authoring, role):
    login(authoring[role])
    edit_welcome(client)  # a draft, so that its pages (images, discard, compare) exist

    statuses = {endpoint: client.get(path).status_code for endpoint, path in GETS.items()}

    assert statuses == dict.fromkeys(GETS, 200)
    image = client.get(GETS["authoring.draft_media"])
    assert image.mimetype == "image/png"
    assert image.data == (EXAMPLE / "images" / "dot.png").read_bytes()


@pytest.mark.parametrize("endpoint", sorted(POSTS))
def test_editors_send_every_form(app, authoring, endpoint):
    post = POSTS[endpoint]
    for role in ("admin", "teacher"):
        editor = signed_in(app, authoring[role])
        prepare(editor, post)

        response = post_as_editor(editor, post)

        assert response.status_code == post.expect, (role, text_of(response)[-2000:])
        if post.expect == 302:
            assert urlsplit(response.headers["Location"]).path.startswith("/author/")
        discard_draft(app)


def _refused_everywhere(app, client, editor, token: str, expect_get, expect_post) -> list[str]:
    """Every GET and POST of the blueprint; returns what did not answer as expected."""
    wrong = []
    for endpoint, path in GETS.items():
        response = client.get(path)
        if not expect_get(endpoint, response):
            wrong.append(f"GET {endpoint}: {response.status_code}")
    for endpoint, post in POSTS.items():
        response = client.post(post.target, data=post_payload(editor, post, token))
        if not expect_post(endpoint, response):
            wrong.append(f"POST {endpoint}: {response.status_code}")
    return wrong


@pytest.mark.parametrize("role", ["other", "learner"])
def test_people_who_do_not_edit_the_course_get_404_everywhere(app, client, login, authoring, role):
    login(authoring[role])
    editor = signed_in(app, authoring["admin"])
    token = page_token(client)

    def get_refused(endpoint, response):
        if endpoint == "authoring.index" and role == "other":
            # Every instructor has the authoring index; it lists only their courses.
            return response.status_code == 200 and BASE not in text_of(response)
        return response.status_code == 404

    def post_refused(endpoint, response):
        return response.status_code == 404

    # Without a draft: nobody starts one.
    assert _refused_everywhere(app, client, editor, token, get_refused, post_refused) == []
    assert stored(app) is None
    assert version_numbers(app) == [1]

    # With a draft, an image and everything else there: nobody changes it.
    edit_welcome(editor)
    send(editor, IMAGES_PAGE, changes={"image": Upload("unused.png", PNG)})
    before = stored(app)
    assert _refused_everywhere(app, client, editor, token, get_refused, post_refused) == []
    assert stored(app) == before
    assert version_numbers(app) == [0, 1]


def test_anonymous_visitors_are_sent_to_sign_in(app, client, authoring):
    editor = signed_in(app, authoring["admin"])
    edit_welcome(editor)
    before = stored(app)
    token = page_token(client, "/login")

    def to_login(endpoint, response):
        return (
            response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
        )

    assert _refused_everywhere(app, client, editor, token, to_login, to_login) == []
    assert stored(app) == before
    assert version_numbers(app) == [0, 1]


def test_an_unknown_course_is_404_on_every_route(app, client, login, authoring):
    login(authoring["admin"])
    edit_welcome(client)
    token = page_token(client)
    elsewhere = "/author/courses/no-such-course"

    def moved(path: str) -> str:
        return path.replace(BASE, elsewhere)

    wrong = []
    for endpoint, path in GETS.items():
        if BASE in path and client.get(moved(path)).status_code != 404:
            wrong.append(f"GET {endpoint}")
    for endpoint, post in POSTS.items():
        data = post_payload(client, post, token)
        if client.post(moved(post.target), data=data).status_code != 404:
            wrong.append(f"POST {endpoint}")

    assert wrong == []


def test_what_is_not_in_the_course_is_404(app, client, login, authoring):
    login(authoring["teacher"])
    edit_welcome(client)
    missing = [
        f"{BASE}/modules/nope",
        f"{BASE}/modules/nope/lessons/new",
        f"{LESSON_PAGE.rsplit('/', 1)[0]}/nope",
        f"{BASE}/quizzes/nope",
        f"{BASE}/quizzes/nope/remove",
        f"{BASE}/preview/lessons/first-steps/nope",
        f"{BASE}/preview/quizzes/nope",
        f"{BASE}/draft/media/images/nope.png",
        f"{BASE}/versions/7.zip",
        f"{BASE}/compare?older=1&newer=7",
        f"{BASE}/compare?older=x&newer=1",
    ]

    assert {path: client.get(path).status_code for path in missing} == dict.fromkeys(missing, 404)


def test_comparing_with_an_impossible_version_number_is_404(app, client, login, authoring):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash answers 500, as in production
    login(authoring["teacher"])

    response = client.get(f"{BASE}/compare?older=1&newer={'9' * 30}")

    assert response.status_code == 404


def test_the_authoring_link_is_shown_to_administrators_and_instructors(app, client, authoring):
    browsers = {role: signed_in(app, authoring[role]) for role in authoring}
    browsers["anonymous"] = client

    shown = {
        role: 'href="/author"' in text_of(browser.get("/courses"))
        for role, browser in browsers.items()
    }

    assert shown == {
        "admin": True,
        "teacher": True,
        "other": True,
        "learner": False,
        "anonymous": False,
    }


# -- CSRF --------------------------------------------------------------------------------------


def test_every_form_without_its_token_is_refused_and_changes_nothing(app, client, login, authoring):
    login(authoring["admin"])
    wrong = []
    # Forms that need no draft first, so that "nothing changed" means "no draft at all".
    for endpoint, post in sorted(POSTS.items(), key=lambda item: bool(item[1].setup)):
        prepare(client, post)
        before, numbers = stored(app), version_numbers(app)
        data = post_payload(client, post, token="")
        data.poplist("csrf_token")

        response = client.post(post.target, data=data)

        if response.status_code != 400 or EXPIRED not in text_of(response):
            wrong.append(f"{endpoint}: {response.status_code}")
        if (stored(app), version_numbers(app)) != (before, numbers):
            wrong.append(f"{endpoint} changed the course")
        if not post.setup and stored(app) is not None:
            wrong.append(f"{endpoint} started a draft")

    assert wrong == []


# -- the draft and publishing ------------------------------------------------------------------


def test_a_draft_is_published_as_a_new_version_and_learners_see_it_then(
    app, client, login, authoring, browser_for
):
    learner = browser_for(authoring["learner"])
    learner.enrol()
    login(authoring["teacher"])

    edit_welcome(client, "A warmer welcome, rewritten in the browser.")

    assert "A warmer welcome" in stored(app)[WELCOME_FILE]
    seen = learner.text(LEARNER_WELCOME)
    assert OLD_WELCOME_TEXT in seen and "A warmer welcome" not in seen

    response = send(client, BASE, f"{BASE}/publish", {"note": "Rewrote the welcome"})

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"{BASE}/versions"
    assert version_numbers(app) == [1, 2]
    history = open_page(client, f"{BASE}/versions")
    assert re.search(
        r"<th[^>]*>2 <strong>\(learners see this\)</strong>.*?Rewrote the welcome", history, re.S
    )
    assert stored(app) is None
    assert "No draft" in open_page(client, BASE)
    seen = learner.text(LEARNER_WELCOME)
    assert "A warmer welcome" in seen and OLD_WELCOME_TEXT not in seen


def test_a_discarded_draft_is_gone_and_learners_never_saw_it(app, client, login, authoring):
    login(authoring["teacher"])
    edit_welcome(client, "A change nobody should see.")

    confirm = open_page(client, f"{BASE}/discard")
    assert "Discard the draft?" in confirm
    assert stored(app) is not None  # opening the question discards nothing
    response = submit(client, confirm, f"{BASE}/discard")

    assert response.status_code == 302
    assert stored(app) is None
    assert version_numbers(app) == [1]
    assert "A change nobody should see" not in stored(app, 1)[WELCOME_FILE]


def test_starting_publishing_and_discarding_drafts_are_audited(app, client, login, authoring):
    teacher = authoring["teacher"].id
    login(authoring["teacher"])
    edit_welcome(client, "First change.")
    send(client, BASE, f"{BASE}/publish", {"note": "First change"})
    edit_welcome(client, "Second change.")
    send(client, f"{BASE}/discard")

    assert audit_trail(app) == [
        ("course.import", None),
        ("course.draft.start", teacher),
        ("course.publish", teacher),
        ("course.draft.start", teacher),
        ("course.draft.discard", teacher),
    ]


# -- edit conflicts ----------------------------------------------------------------------------


def test_a_stale_save_is_refused_keeping_both_texts_then_saved_deliberately(
    app, client, login, authoring
):
    login(authoring["teacher"])
    other_tab = signed_in(app, authoring["admin"])
    mine = open_page(client, LESSON_PAGE)
    theirs = open_page(other_tab, LESSON_PAGE)
    assert (
        submit(other_tab, theirs, LESSON_PAGE, changes={"body": "Their text."}).status_code == 302
    )

    response = submit(client, mine, LESSON_PAGE, changes={"body": "My text."})

    assert response.status_code == 409
    page = text_of(response)
    assert form_on(page, LESSON_PAGE).data()["body"] == "My text."
    assert textarea(page, "their-body") == "Their text."
    assert re.search(r'<textarea id="their-body"[^>]*\breadonly\b', page)
    assert "Their text." in stored(app)[WELCOME_FILE]

    again = submit(client, page, LESSON_PAGE, changes={})

    assert again.status_code == 302
    text = stored(app)[WELCOME_FILE]
    assert "My text." in text and "Their text." not in text


def test_two_editors_changing_different_lessons_do_not_conflict(app, client, login, authoring):
    login(authoring["teacher"])
    other_tab = signed_in(app, authoring["admin"])
    hard_lesson = f"{MODULE_PAGE}/lessons/a-hard-lesson"
    mine = open_page(client, LESSON_PAGE)
    theirs = open_page(other_tab, hard_lesson)  # both read before there was a draft

    assert submit(client, mine, LESSON_PAGE, changes={"body": "Mine."}).status_code == 302
    assert submit(other_tab, theirs, hard_lesson, changes={"body": "Theirs."}).status_code == 302

    draft = stored(app)
    assert "Mine." in draft[WELCOME_FILE]
    assert "Theirs." in draft["01-first-steps/02-a-hard-lesson.md"]


def test_a_page_read_before_a_new_version_was_imported_is_refused(
    app, client, login, authoring, tmp_path
):
    login(authoring["teacher"])
    page = open_page(client, LESSON_PAGE)
    changed = copy_example(tmp_path)
    lesson = changed / "01-first-steps" / "01-welcome.md"
    lesson.write_text(lesson.read_text().replace("table", "grid"), encoding="utf-8")
    assert import_folder(app, changed) == 2

    response = submit(client, page, LESSON_PAGE, changes={"body": "Mine."})

    assert response.status_code == 409
    assert form_on(text_of(response), LESSON_PAGE).data()["body"] == "Mine."
    assert stored(app) is None


def test_a_draft_page_read_before_the_draft_was_published_is_refused(app, client, login, authoring):
    login(authoring["teacher"])
    other_tab = signed_in(app, authoring["admin"])
    edit_welcome(client, "A first change.")
    page = open_page(client, LESSON_PAGE)
    send(other_tab, BASE, f"{BASE}/publish", {"note": "Published from the other tab"})

    response = submit(client, page, LESSON_PAGE, changes={"body": "Late."})

    assert response.status_code == 409
    assert stored(app) is None
    assert "A first change." in stored(app, 2)[WELCOME_FILE]


# -- bad input ---------------------------------------------------------------------------------

BROKEN_GIFT = """\
::Good::
What is one plus one? {=two ~three}

::Broken::
This question never closes {=yes ~no

::No right answer::
Pick one {~a ~b}
"""


def test_gift_with_errors_is_kept_in_the_draft_and_blocks_publishing(app, client, login, authoring):
    login(authoring["teacher"])

    response = send(client, QUIZ_PAGE, changes={"source": BROKEN_GIFT})

    assert response.status_code == 302
    assert stored(app)["01-first-steps/quiz.gift"] == BROKEN_GIFT
    page = html.unescape(open_page(client, QUIZ_PAGE))
    assert "2 problems" in page
    assert "01-first-steps/quiz.gift:4: unclosed answer block" in page
    assert "01-first-steps/quiz.gift:7: multiple choice question has no correct answer" in page

    refused = send(client, BASE, f"{BASE}/publish", {"note": "Broken quiz"})

    assert refused.status_code == 422
    listed = html.unescape(text_of(refused))
    assert "01-first-steps/quiz.gift:4: unclosed answer block" in listed
    assert "01-first-steps/quiz.gift:7: multiple choice question has no correct answer" in listed
    assert version_numbers(app) == [0, 1]


HOSTILE = (
    "Before.\n\n<script>alert('x')</script>\n\n<b>raw bold</b> and "
    '<img src="x" onerror="alert(1)">\n\n[a link](javascript:alert(1))\n'
)


def _inert(page: str) -> bool:
    return (
        "<script>alert" not in page
        and "<b>raw bold</b>" not in page
        and '<img src="x"' not in page
        and 'href="javascript:' not in page
        and "&lt;script&gt;alert" in page
        and "&lt;b&gt;raw bold&lt;/b&gt;" in page
    )


def test_html_in_markdown_is_shown_as_text_in_every_preview(app, client, login, authoring):
    login(authoring["teacher"])

    shown = send(client, LESSON_PAGE, changes={"body": HOSTILE}, press="Show how it will look")
    live = post_as_editor(
        client, Post(LESSON_PAGE, f"{MODULE_PAGE}/preview-markdown", {"body": HOSTILE}, script=True)
    )

    assert shown.status_code == 200 and "How the text will look" in text_of(shown)
    assert _inert(text_of(shown).split('id="preview"', 1)[1])
    assert live.status_code == 200 and _inert(live.get_json()["html"])
    assert stored(app) is None  # previews save nothing

    edit_welcome(client, HOSTILE)
    preview = open_page(client, f"{BASE}/preview/lessons/first-steps/welcome")

    assert "Preview of the draft" in preview
    assert _inert(preview)


REFUSED_UPLOADS = [
    (Upload("notes.png", b"just some text, not an image\n"), "its contents are not one"),
    (Upload("setup.exe", b"MZ\x90\x00" + b"\x00" * 60), "is not an image this site serves"),
    (Upload("huge.png", PNG + b"\x00" * (2 * 1024 * 1024)), "an image may be at most 2 MiB"),
    (None, "Choose an image file to upload."),
]


def test_uploads_that_are_not_images_are_refused_and_nothing_is_stored(
    app, client, login, authoring
):
    login(authoring["teacher"])
    blobs = row_count(app, AssetBlob)

    for upload, reason in REFUSED_UPLOADS:
        response = send(client, IMAGES_PAGE, changes={"image": upload})

        assert response.status_code == 422, upload
        assert reason in html.unescape(text_of(response)), upload
    assert stored(app) is None
    assert row_count(app, AssetBlob) == blobs


def test_an_uploaded_image_is_served_from_the_draft_to_editors_only(app, client, login, authoring):
    login(authoring["teacher"])
    red = png((255, 0, 0))

    response = send(client, IMAGES_PAGE, changes={"image": Upload("Red Square.PNG", red)})

    assert response.status_code == 302
    assert stored(app)["images/red-square.png"] == red
    url = f"{BASE}/draft/media/images/red-square.png"
    served = client.get(url)
    assert served.status_code == 200
    assert served.mimetype == "image/png" and served.data == red
    assert signed_in(app, authoring["admin"]).get(url).status_code == 200
    for role in ("learner", "other"):
        assert signed_in(app, authoring[role]).get(url).status_code == 404


@pytest.mark.parametrize(
    ("page", "changes", "field_errors"),
    [
        (LESSON_PAGE, {"minutes": "0"}, ["Minutes: Between 1 and 600"]),
        (
            f"{BASE}/settings",
            {"pass_mark": "101", "credit_hours": "abc", "estimated_minutes": "0"},
            [
                "Pass mark (percent): Between 0 and 100",
                "Credit hours: ",
                "Estimated minutes: Between 1 and 6000",
            ],
        ),
        (
            QUIZ_PAGE,
            {"pass_mark": "101", "max_attempts": "-1"},
            ["Pass mark (percent): Between 0 and 100", "Attempts allowed: Between 0 and 100"],
        ),
    ],
    ids=["lesson", "settings", "quiz"],
)
def test_bad_numbers_are_refused_naming_the_field(
    app, client, login, authoring, page, changes, field_errors
):
    login(authoring["teacher"])

    response = send(client, page, changes=changes)

    assert response.status_code == 422
    page_html = html.unescape(text_of(response))
    for message in field_errors:
        assert message in page_html
    assert stored(app) is None


def test_a_new_lesson_needs_a_free_well_formed_slug(app, client, login, authoring):
    login(authoring["teacher"])
    new_lesson = f"{MODULE_PAGE}/lessons/new"

    for slug, reason in [
        ("welcome", "Another lesson here already uses the slug 'welcome'."),
        ("Bad Slug!", "lower-case letters (a-z), digits and single hyphens"),
    ]:
        changes = {"title": "Another", "slug": slug, "body": "Text."}
        response = send(client, new_lesson, changes=changes)

        assert response.status_code == 422, slug
        page = html.unescape(text_of(response))
        assert reason in page, slug
        assert form_on(page, new_lesson).data()["body"] == "Text."  # the text is kept
    assert stored(app) is None


# Forms that say which version they were read from (the previews do not).
VERSIONED = sorted(set(POSTS) - {"authoring.markdown_preview", "authoring.preview_quiz"})


@pytest.mark.parametrize(
    ("name", "value"), [("read_from", "x"), ("read_from", ""), ("revision", "1.5")]
)
def test_tampered_hidden_fields_are_a_bad_request(app, client, login, authoring, name, value):
    login(authoring["teacher"])
    wrong = []
    for endpoint in VERSIONED:
        post = POSTS[endpoint]
        prepare(client, post)
        before = stored(app)

        response = send(client, post.page, post.action, {**post.changes, name: value}, post.press)

        if response.status_code != 400 or stored(app) != before:
            wrong.append(f"{endpoint}: {response.status_code}")

    assert wrong == []


def test_a_read_from_naming_no_possible_version_is_a_bad_request(app, client, login, authoring):
    login(authoring["teacher"])

    for value in ("-1", "0", "9" * 30):
        response = send(client, LESSON_PAGE, changes={"read_from": value})

        assert response.status_code == 400
        assert stored(app) is None


def _statuses_without_propagation(app, client, name: str, value: str) -> dict[str, int]:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash answers 500, as in production
    statuses = {}
    for endpoint in (
        "authoring.lesson",
        "authoring.settings",
        "authoring.module",
        "authoring.quiz",
    ):
        post = POSTS[endpoint]
        response = send(client, post.page, post.action, {**post.changes, name: value}, post.press)
        statuses[endpoint] = response.status_code
    return statuses


def test_an_empty_revision_is_refused_not_a_crash(app, client, login, authoring):
    login(authoring["teacher"])

    statuses = _statuses_without_propagation(app, client, "revision", "")

    assert set(statuses.values()) <= {400, 409}, statuses
    assert stored(app) is None


def test_an_out_of_range_revision_is_refused_not_a_crash(app, client, login, authoring):
    login(authoring["teacher"])

    statuses = _statuses_without_propagation(app, client, "revision", "9" * 30)

    assert set(statuses.values()) <= {400, 409}, statuses
    assert stored(app) is None


# -- slugs that learners' progress hangs on ------------------------------------------------


@pytest.fixture
def completed_welcome(app, authoring, browser_for):
    """The learner, enrolled, who has completed the welcome lesson."""
    learner = browser_for(authoring["learner"])
    learner.enrol()
    assert learner.complete("first-steps", "welcome").status_code == 302
    return learner


def test_renaming_a_lesson_keeps_its_address_and_learners_progress(
    app, client, login, authoring, completed_welcome
):
    login(authoring["teacher"])

    response = edit_welcome(client, OLD_WELCOME_TEXT, title="Hello, and welcome")
    published = send(client, BASE, f"{BASE}/publish", {"note": "Renamed the welcome"})

    assert published.status_code == 302 and version_numbers(app) == [1, 2]
    assert urlsplit(response.headers["Location"]).path == LESSON_PAGE
    seen = completed_welcome.text(LEARNER_WELCOME)
    assert "Hello, and welcome" in seen
    assert "You marked this lesson complete." in seen
    assert ("first-steps", "welcome") in lesson_rows(app, authoring["learner"])


def test_removing_a_completed_lesson_asks_first(app, client, login, authoring, completed_welcome):
    login(authoring["teacher"])
    remove = f"{LESSON_PAGE}/remove"

    question = open_page(client, remove)
    assert "1 learner has completed this lesson" in question
    unconfirmed = send(client, remove, changes={"confirmed": None})
    assert unconfirmed.status_code == 200
    assert "1 learner has completed this lesson" in text_of(unconfirmed)
    assert stored(app) is None or "welcome" in draft_lessons(app, "first-steps")

    response = send(client, remove)

    assert response.status_code == 302
    assert draft_lessons(app, "first-steps") == ["a-hard-lesson"]
    assert ("first-steps", "welcome") in lesson_rows(app, authoring["learner"])


def test_moving_a_completed_lesson_to_another_module_asks_first(
    app, client, login, authoring, completed_welcome
):
    login(authoring["teacher"])

    question = send(client, LESSON_PAGE, f"{LESSON_PAGE}/move", {"to_module": "going-further"})

    assert question.status_code == 200
    page = text_of(question)
    assert "1 learner has completed this lesson" in page
    assert stored(app) is None or "welcome" in draft_lessons(app, "first-steps")

    response = submit(client, page, f"{LESSON_PAGE}/move", changes=None)

    assert response.status_code == 302
    moved = f"{BASE}/modules/going-further/lessons/welcome"
    assert urlsplit(response.headers["Location"]).path == moved
    assert draft_lessons(app, "first-steps") == ["a-hard-lesson"]
    assert draft_lessons(app, "going-further") == ["gift", "welcome"]


# -- previews record nothing -----------------------------------------------------------------


def test_taking_the_preview_quiz_shows_the_scores_and_stores_no_attempt(
    app, client, login, authoring
):
    login(authoring["teacher"])
    assert (
        client.post(f"/courses/{SLUG}/enrol", data={"csrf_token": page_token(client)}).status_code
        == 302
    )
    quiz = f"{BASE}/preview/quizzes/first-steps"

    right = send(client, quiz, changes=RIGHT["first-steps"], press="Submit answers")
    wrong = send(client, quiz, press="Submit answers")

    assert right.status_code == 200 and "You scored 100%" in text_of(right)
    assert wrong.status_code == 200 and "You scored 0%" in text_of(wrong)
    assert "Not correct" in text_of(wrong)
    assert row_count(app, QuizAttempt) == 0


def test_opening_preview_lessons_records_no_progress(app, client, login, authoring):
    teacher = authoring["teacher"]
    login(teacher)
    assert (
        client.post(f"/courses/{SLUG}/enrol", data={"csrf_token": page_token(client)}).status_code
        == 302
    )
    enrollment = enrollment_of(app, teacher)
    assert enrollment is not None

    for path in [
        f"{BASE}/preview/lessons/first-steps/welcome",
        f"{BASE}/preview/lessons/first-steps/a-hard-lesson",
        f"{BASE}/preview/lessons/first-steps/a-hard-lesson?note=seen",
        f"{BASE}/preview/lessons/going-further/gift",
    ]:
        open_page(client, path)

    assert row_count(app, LessonProgress) == 0
    assert enrollment_of(app, teacher) == enrollment


# -- query counts ------------------------------------------------------------------------------


def _enrol_many(app, count: int) -> None:
    """``count`` more learners, enrolled, each with a completed lesson."""
    with app.app_context():
        course = course_by_slug(SLUG)
        now = utcnow()
        users = [
            User(email=f"many{n}@example.org", full_name=f"Many {n}", role="learner")
            for n in range(count)
        ]
        db.session.add_all(users)
        db.session.flush()
        enrollments = [
            Enrollment(user_id=u.id, course_id=course.id, enrolled_at=now) for u in users
        ]
        db.session.add_all(enrollments)
        db.session.flush()
        db.session.add_all(
            LessonProgress(
                enrollment_id=e.id,
                module_slug="first-steps",
                lesson_slug="welcome",
                completed_at=now,
            )
            for e in enrollments
        )
        db.session.commit()


@pytest.mark.parametrize("with_draft", [False, True], ids=["no-draft", "draft"])
def test_editing_pages_cost_the_same_queries_however_many_learners(
    app, client, login, authoring, count_queries, with_draft
):
    login(authoring["teacher"])
    if with_draft:
        edit_welcome(client)
    pages = [BASE, LESSON_PAGE]

    def costs() -> list[int]:
        found = []
        for path in pages:
            with count_queries() as queries:
                assert client.get(path).status_code == 200
            found.append(len(queries))
        return found

    costs()  # anything loaded once per process is loaded now
    before = costs()
    _enrol_many(app, 200)

    assert costs() == before


# -- zip download ----------------------------------------------------------------------------


def _unzipped(data: bytes, folder):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert all(name.startswith(f"{SLUG}/") for name in names), names
        archive.extractall(folder)
    return folder / SLUG


def test_a_version_zip_loads_back_as_the_same_course(app, client, login, authoring, tmp_path):
    login(authoring["teacher"])

    response = client.get(f"{BASE}/versions/1.zip")

    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert f'filename="{SLUG}-v1.zip"' in response.headers["Content-Disposition"]
    result = load_course(_unzipped(response.data, tmp_path))
    assert result.errors == []
    expected = load_course(EXAMPLE).course.content_hash()
    assert result.course.content_hash() == expected
    with app.app_context():
        assert drafts.version_by_number(course_by_slug(SLUG), 1).content_hash == expected


def test_the_draft_zip_holds_the_edit(app, client, login, authoring, tmp_path):
    login(authoring["teacher"])
    assert client.get(f"{BASE}/versions/0.zip").status_code == 404  # no draft yet
    edit_welcome(client, "Zipped new text.")

    response = client.get(f"{BASE}/versions/0.zip")

    assert response.status_code == 200
    assert f'filename="{SLUG}-draft.zip"' in response.headers["Content-Disposition"]
    folder = _unzipped(response.data, tmp_path)
    assert "Zipped new text." in (folder / WELCOME_FILE).read_text(encoding="utf-8")
    result = load_course(folder)
    assert result.errors == []


# -- what a review found ---------------------------------------------------------------------


def test_a_save_of_a_lesson_removed_meanwhile_keeps_the_text_with_a_409(
    app, client, login, authoring
):
    login(authoring["teacher"])
    edit_welcome(client, "Started.")
    stale = open_page(client, LESSON_PAGE)
    other = signed_in(app, authoring["admin"])
    removed = send(other, f"{LESSON_PAGE}/remove")
    assert removed.status_code == 302, text_of(removed)

    response = submit(client, stale, LESSON_PAGE, changes={"body": "My careful rewrite."})

    assert response.status_code == 409
    page = text_of(response)
    assert "no longer in the draft" in page
    assert "My careful rewrite." in page


def test_settings_keep_existing_evaluation_questions_unless_removed(app, client, login, authoring):
    login(authoring["teacher"])
    page = open_page(client, f"{BASE}/settings")
    form = form_on(page, f"{BASE}/settings")
    prompts = [name for name in form.data() if name.endswith("-prompt")]
    assert len(prompts) >= 2  # the example's questions and one empty row for a new one
    first = prompts[0]

    cleared = submit(client, page, f"{BASE}/settings", changes={first: ""})

    assert cleared.status_code == 422
    assert "or tick “Remove this question”" in text_of(cleared)
    assert stored(app) is None
    added = submit(client, page, f"{BASE}/settings", changes={prompts[-1]: "What was most useful?"})
    assert added.status_code == 302, text_of(added)
    with app.app_context():
        evaluation = drafts.draft_of(course_by_slug(SLUG)).evaluation
    assert evaluation[-1]["id"] == "what-was-most-useful"
    assert evaluation[-1]["prompt"] == "What was most useful?"


def test_the_settings_page_opens_with_many_evaluation_questions(app, client, login, authoring):
    with app.app_context():
        course = course_by_slug(SLUG)
        version = course.current_version
        version.evaluation = [
            {"id": f"q-{n}", "kind": "likert", "prompt": f"Question {n}.", "required": True}
            for n in range(1, 71)
        ]
        db.session.commit()
    login(authoring["teacher"])
    page = open_page(client, f"{BASE}/settings")
    assert "Question 70." in page


def test_control_characters_in_a_lesson_are_refused(app, client, login, authoring):
    login(authoring["teacher"])
    response = send(client, LESSON_PAGE, changes={"body": "A NUL \x00 here."})
    assert response.status_code == 422
    assert "control characters" in text_of(response)
    assert stored(app) is None
