"""Reading a course folder (docs/course-format.md) into a :class:`CourseSpec`.

The loader touches no database. It reports every problem at once, each as
``path:line: message``; a course with any problem is not imported.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lms.catalog import gift
from lms.catalog.rendering import render_markdown

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SLUG_MAX = 80
NUMBERED_RE = re.compile(r"^(\d+)-(.*)$")
COMPLETION_RULES = ("lessons", "quizzes", "posttest", "evaluation")
EVALUATION_KINDS = ("likert", "text")
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
IMAGE_MAX_BYTES = 2 * 1024 * 1024
COURSE_FILES = {"course.toml", "references.md", "pretest.gift", "posttest.gift"}
MODULE_FILES = {"module.toml", "quiz.gift"}
ASSET_FOLDER = "images"


# -- what a course folder holds ------------------------------------------------------


@dataclass
class EvaluationItem:
    id: str
    kind: str
    prompt: str
    required: bool = True


@dataclass
class LessonSpec:
    slug: str
    position: int
    title: str
    minutes: int
    content_note: str
    body_md: str
    body_html: str = field(repr=False, default="")


@dataclass
class QuizSpec:
    key: str
    kind: str
    title: str
    pass_mark: int
    max_attempts: int
    shuffle_questions: bool
    shuffle_answers: bool
    graded: bool
    source: str
    questions: list = field(default_factory=list, repr=False)


@dataclass
class ModuleSpec:
    slug: str
    position: int
    title: str
    summary: str
    objectives: list[str]
    lessons: list[LessonSpec]
    quiz: QuizSpec | None


@dataclass
class AssetSpec:
    path: str  # inside the course folder, with forward slashes
    media_type: str
    sha256: str
    data: bytes = field(repr=False)


@dataclass
class CourseSpec:
    slug: str
    title: str
    summary: str
    audience: str
    credit_hours: float
    estimated_minutes: int
    pass_mark: int
    self_enrollment: bool
    objectives: list[str]
    completion: list[str]
    evaluation: list[EvaluationItem]
    references_md: str
    references_html: str
    modules: list[ModuleSpec]
    pretest: QuizSpec | None
    posttest: QuizSpec | None
    assets: dict[str, AssetSpec]

    def content_hash(self) -> str:
        """The same content gives the same hash, wherever and whenever it is read."""
        data = asdict(self)
        for quiz in self._quizzes_in(data):
            quiz.pop("questions", None)
        data.pop("references_html")
        for module in data["modules"]:
            for lesson in module["lessons"]:
                lesson.pop("body_html", None)
        data["assets"] = {path: a["sha256"] for path, a in sorted(data["assets"].items())}
        encoded = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(encoded.encode("utf-8")).hexdigest()

    @staticmethod
    def _quizzes_in(data: dict) -> list[dict]:
        found = [m["quiz"] for m in data["modules"] if m["quiz"]]
        return found + [q for q in (data["pretest"], data["posttest"]) if q]


@dataclass
class LoadResult:
    course: CourseSpec | None
    errors: list[str]


# -- reporting -------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, path: Path | str, line: int, message: str) -> None:
        self.messages.append(f"{path}:{max(1, line)}: {message}")


def _line_of(text: str, key: str, occurrence: int = 0) -> int:
    """The line where ``key = ...`` (or ``[[key]]``) is written, for messages."""
    pattern = re.compile(rf"^\s*(\[\[\s*{re.escape(key)}\s*\]\]|{re.escape(key)}\s*=)", re.M)
    matches = list(pattern.finditer(text))
    if len(matches) > occurrence:
        return text.count("\n", 0, matches[occurrence].start()) + 1
    return 1


def _read_text(path: Path, problems: _Problems) -> str | None:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        problems.add(path, line, f"not UTF-8 text (byte {error.start + 1}); save it as UTF-8")
        return None
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def _read_toml(path: Path, problems: _Problems, line_offset: int = 0) -> dict | None:
    text = _read_text(path, problems)
    if text is None:
        return None
    return _parse_toml(text, path, problems, line_offset)


def _parse_toml(text: str, path: Path, problems: _Problems, line_offset: int = 0) -> dict | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"at line (\d+)", str(error))
        line = int(match.group(1)) if match else 1
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        problems.add(path, line + line_offset, f"this is not valid TOML: {reason}")
        return None


class _Settings:
    """Reads typed settings from a TOML table, reporting each problem with its line."""

    def __init__(self, data: dict, text: str, path: Path, problems: _Problems, offset: int = 0):
        self.data, self.text, self.path, self.problems = data, text, path, problems
        self.offset = offset
        self.seen: set[str] = set()

    def line(self, key: str) -> int:
        return _line_of(self.text, key) + self.offset

    def error(self, key: str, message: str) -> None:
        self.problems.add(self.path, self.line(key), message)

    def get(self, key: str, kind: type | tuple, default: Any = None, *, required=False):
        self.seen.add(key)
        if key not in self.data:
            if required:
                self.problems.add(self.path, 1 + self.offset, f"'{key}' is missing")
            return default
        value = self.data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # TOML booleans are not numbers here, whatever Python thinks.
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            names = " or ".join(_type_name(k) for k in kinds)
            self.error(key, f"'{key}' must be {names}")
            return default
        return value

    def text_value(self, key: str, *, required=False, max_length=200, default="") -> str:
        value = self.get(key, str, default, required=required)
        value = " ".join(value.split()) if "\n" not in value else value.strip()
        if required and key in self.data and not value:
            self.error(key, f"'{key}' is empty")
        if len(value) > max_length:
            self.error(key, f"'{key}' has {len(value)} characters; at most {max_length}")
        return value

    def whole_number(self, key: str, *, minimum: int, maximum: int, default=None, required=False):
        value = self.get(key, int, default, required=required)
        if isinstance(value, int) and key in self.data and not minimum <= value <= maximum:
            self.error(key, f"'{key}' must be a whole number from {minimum} to {maximum}")
            return default
        return value

    def text_list(self, key: str, *, required=False) -> list[str]:
        value = self.get(key, list, [], required=required)
        if not all(isinstance(v, str) and v.strip() for v in value):
            self.error(key, f"'{key}' must be a list of texts")
            return []
        return [" ".join(v.split()) for v in value]

    def unknown_keys(self, allowed: set[str], where: str) -> None:
        for key in self.data:
            if key not in allowed:
                self.error(key, f"unknown setting '{key}' in {where}")


def _type_name(kind: type) -> str:
    return {
        str: "text in quotes",
        int: "a whole number",
        float: "a number",
        bool: "true or false",
        list: "a list [...]",
        dict: "a table",
    }[kind]


def _numbered_slug(name: str, path: Path, problems: _Problems, what: str):
    match = NUMBERED_RE.match(name)
    if not match:
        problems.add(path, 1, f"{what} name must start with a number and a hyphen, like 01-{name}")
        return None
    number, slug = int(match.group(1)), match.group(2)
    if not SLUG_RE.match(slug) or len(slug) > SLUG_MAX:
        problems.add(
            path,
            1,
            f"'{slug}' is not a slug: use lower-case letters, digits and single hyphens "
            f"(at most {SLUG_MAX} characters)",
        )
        return None
    return number, slug


# -- the loader ------------------------------------------------------------------------


class _CourseLoader:
    def __init__(self, folder: Path):
        self.folder = folder
        self.problems = _Problems()
        self.assets: dict[str, AssetSpec] = {}

    def load(self) -> LoadResult:
        folder = self.folder
        if not folder.is_dir():
            self.problems.add(folder, 1, "there is no course folder here")
            return LoadResult(None, self.problems.messages)
        self._collect_assets()
        course = self._course()
        return LoadResult(course if not self.problems.messages else None, self.problems.messages)

    # images ---------------------------------------------------------------------------

    def _collect_assets(self) -> None:
        for path in sorted(self.folder.rglob("*")):
            rel = path.relative_to(self.folder)
            if any(part.startswith(".") for part in rel.parts) or not path.is_file():
                continue
            if ASSET_FOLDER not in rel.parts[:-1]:
                continue
            suffix = path.suffix.lower()
            if suffix not in IMAGE_TYPES:
                allowed = ", ".join(sorted(IMAGE_TYPES))
                self.problems.add(path, 1, f"only images ({allowed}) may be in {ASSET_FOLDER}/")
                continue
            data = path.read_bytes()
            if len(data) > IMAGE_MAX_BYTES:
                self.problems.add(
                    path, 1, f"image is {len(data) // 1024} KiB; at most {IMAGE_MAX_BYTES // 1024}"
                )
                continue
            key = rel.as_posix()
            self.assets[key] = AssetSpec(
                key, IMAGE_TYPES[suffix], hashlib.sha256(data).hexdigest(), data
            )

    def image_resolver(self, document: Path):
        base = document.parent.relative_to(self.folder).as_posix()

        def resolve(src: str) -> str | None:
            path = image_path(base, src)
            return f"asset:{path}" if path in self.assets else None

        return resolve

    # course.toml ---------------------------------------------------------------------

    def _course(self) -> CourseSpec | None:
        folder, problems = self.folder, self.problems
        toml_path = folder / "course.toml"
        if not toml_path.is_file():
            problems.add(toml_path, 1, "course.toml is missing")
            return None
        self._check_unknown_entries()
        text = _read_text(toml_path, problems)
        data = _parse_toml(text, toml_path, problems) if text is not None else None
        if data is None:
            return None
        s = _Settings(data, text, toml_path, problems)
        slug = s.text_value("slug", required=True, max_length=SLUG_MAX)
        if slug and not SLUG_RE.match(slug):
            s.error("slug", f"'{slug}' is not a slug: lower-case letters, digits, hyphens")
        elif slug and slug != folder.name:
            s.error("slug", f"slug '{slug}' must be the folder's name, '{folder.name}'")
        title = s.text_value("title", required=True)
        summary = s.text_value("summary", required=True, max_length=1000)
        audience = s.text_value("audience", required=True, max_length=300)
        credit_hours = s.get("credit_hours", (int, float), required=True)
        if isinstance(credit_hours, int | float) and not 0 < credit_hours <= 100:
            s.error("credit_hours", "'credit_hours' must be more than 0 and at most 100")
        minutes = s.whole_number("estimated_minutes", minimum=1, maximum=10_000, required=True)
        pass_mark = s.whole_number("pass_mark", minimum=0, maximum=100, default=80)
        self_enrollment = s.get("self_enrollment", bool, True)
        objectives = s.text_list("objectives", required=True)
        completion = s.get("completion", list, list(COMPLETION_RULES))
        for rule in completion:
            if rule not in COMPLETION_RULES:
                known = ", ".join(COMPLETION_RULES)
                s.error("completion", f"unknown completion rule {rule!r}: use any of {known}")
        if not completion:
            s.error("completion", "'completion' needs at least one rule")
        evaluation = self._evaluation(s)
        s.unknown_keys(
            {
                "slug", "title", "summary", "audience", "credit_hours", "estimated_minutes",
                "pass_mark", "self_enrollment", "objectives", "completion", "evaluation",
            },
            "course.toml",
        )  # fmt: skip

        modules = self._modules(pass_mark if isinstance(pass_mark, int) else 80)
        mark = pass_mark if isinstance(pass_mark, int) else 80
        pretest = self._quiz(
            folder / "pretest.gift", "pretest", self._test_settings("Pre-test", mark)
        )
        posttest = self._quiz(
            folder / "posttest.gift", "posttest", self._test_settings("Post-test", mark)
        )
        references_md, references_html = self._references()

        if "posttest" in completion and posttest is None:
            s.error("completion", "completion rule 'posttest' needs a posttest.gift file")
        if "evaluation" in completion and not evaluation:
            s.error("completion", "completion rule 'evaluation' needs [[evaluation]] questions")
        if "quizzes" in completion and not any(m.quiz and m.quiz.graded for m in modules):
            s.error("completion", "completion rule 'quizzes' but no module has a graded quiz")
        if not modules:
            problems.add(folder, 1, "a course needs at least one module folder (01-name/)")
        return CourseSpec(
            slug=slug,
            title=title,
            summary=summary,
            audience=audience,
            credit_hours=float(credit_hours) if isinstance(credit_hours, int | float) else 0.0,
            estimated_minutes=minutes or 0,
            pass_mark=pass_mark if isinstance(pass_mark, int) else 80,
            self_enrollment=self_enrollment,
            objectives=objectives,
            completion=[r for r in COMPLETION_RULES if r in completion],
            evaluation=evaluation,
            references_md=references_md,
            references_html=references_html,
            modules=modules,
            pretest=pretest,
            posttest=posttest,
            assets=self.assets,
        )

    def _check_unknown_entries(self) -> None:
        for path in sorted(self.folder.iterdir()):
            name = path.name
            if name.startswith(".") or name in COURSE_FILES or name == ASSET_FOLDER:
                continue
            if path.is_dir() and NUMBERED_RE.match(name):
                continue
            kind = "folder" if path.is_dir() else "file"
            self.problems.add(
                path,
                1,
                f"unexpected {kind} '{name}': a course holds course.toml, references.md, "
                "pretest.gift, posttest.gift, images/ and module folders named NN-slug",
            )

    def _evaluation(self, s: _Settings) -> list[EvaluationItem]:
        items = s.get("evaluation", list, [])
        result, seen = [], set()
        for n, item in enumerate(items):
            line = _line_of(s.text, "evaluation", n)
            if not isinstance(item, dict):
                s.problems.add(s.path, line, "each evaluation question is a [[evaluation]] table")
                continue
            sub = _Settings(item, "", s.path, s.problems, offset=line - 1)
            ident = sub.text_value("id", required=True, max_length=SLUG_MAX)
            kind = sub.text_value("kind", required=True, max_length=20)
            prompt = sub.text_value("prompt", required=True, max_length=500)
            required = sub.get("required", bool, True)
            sub.unknown_keys({"id", "kind", "prompt", "required"}, "[[evaluation]]")
            if ident and not SLUG_RE.match(ident):
                s.problems.add(s.path, line, f"evaluation id '{ident}' is not a slug")
            elif ident in seen:
                s.problems.add(s.path, line, f"two evaluation questions have the id '{ident}'")
            seen.add(ident)
            if kind and kind not in EVALUATION_KINDS:
                s.problems.add(
                    s.path, line, f"evaluation kind '{kind}' is not known: use likert or text"
                )
            result.append(EvaluationItem(ident, kind, prompt, required))
        return result

    def _references(self) -> tuple[str, str]:
        path = self.folder / "references.md"
        if not path.is_file():
            return "", ""
        text = _read_text(path, self.problems)
        if text is None:
            return "", ""
        return text, self._render(text, path, 0)

    def _render(self, text: str, path: Path, line_offset: int) -> str:
        rendered = render_markdown(text, image_url=self.image_resolver(path))
        for line, message in rendered.problems:
            self.problems.add(path, line + line_offset, message)
        return rendered.html

    # modules and lessons -----------------------------------------------------------------

    def _modules(self, course_pass_mark: int) -> list[ModuleSpec]:
        modules, numbers, slugs = [], {}, {}
        for path in sorted(p for p in self.folder.iterdir() if p.is_dir()):
            if path.name.startswith(".") or path.name == ASSET_FOLDER:
                continue
            parsed = _numbered_slug(path.name, path, self.problems, "a module folder's")
            if parsed is None:
                continue
            number, slug = parsed
            if slug in ("pretest", "posttest"):
                self.problems.add(path, 1, f"'{slug}' is reserved: give the module another name")
            if number in numbers:
                self.problems.add(path, 1, f"two module folders have the number {number}")
            if slug in slugs:
                self.problems.add(path, 1, f"two modules have the slug '{slug}'")
            numbers[number], slugs[slug] = path, path
            module = self._module(path, number, slug, course_pass_mark)
            if module is not None:
                modules.append(module)
        modules.sort(key=lambda m: m.position)
        return modules

    def _module(self, folder: Path, number: int, slug: str, course_pass_mark: int):
        toml_path = folder / "module.toml"
        if not toml_path.is_file():
            self.problems.add(toml_path, 1, "module.toml is missing")
            return None
        text = _read_text(toml_path, self.problems)
        data = _parse_toml(text, toml_path, self.problems) if text is not None else None
        if data is None:
            return None
        s = _Settings(data, text, toml_path, self.problems)
        title = s.text_value("title", required=True)
        summary = s.text_value("summary", max_length=1000)
        objectives = s.text_list("objectives")
        quiz_settings = s.get("quiz", dict, {})
        s.unknown_keys({"title", "summary", "objectives", "quiz"}, "module.toml")
        quiz_offset = _line_of(text, "[quiz]") - 1 if "[quiz]" in text else 0
        q = _Settings(quiz_settings, "", toml_path, self.problems, offset=quiz_offset)
        settings = {
            "title": q.text_value("title", default="Check your understanding")
            or "Check your understanding",
            "pass_mark": q.whole_number(
                "pass_mark", minimum=0, maximum=100, default=course_pass_mark
            ),
            "max_attempts": q.whole_number("max_attempts", minimum=0, maximum=100, default=0),
            "shuffle_questions": q.get("shuffle_questions", bool, False),
            "shuffle_answers": q.get("shuffle_answers", bool, True),
            "graded": q.get("graded", bool, True),
        }
        q.unknown_keys(set(settings), "[quiz]")
        quiz_path = folder / "quiz.gift"
        quiz = self._quiz(quiz_path, f"module:{slug}", settings)
        if quiz is None and quiz_settings and not quiz_path.exists():
            self.problems.add(toml_path, quiz_offset + 1, "[quiz] settings but no quiz.gift file")
        lessons = self._lessons(folder)
        if not lessons:
            self.problems.add(folder, 1, "a module needs at least one lesson (01-name.md)")
        return ModuleSpec(slug, number, title, summary, objectives, lessons, quiz)

    def _lessons(self, folder: Path) -> list[LessonSpec]:
        lessons, numbers, slugs = [], set(), set()
        for path in sorted(folder.iterdir()):
            name = path.name
            if name.startswith(".") or name in MODULE_FILES or name == ASSET_FOLDER:
                continue
            if path.is_dir() or path.suffix != ".md":
                self.problems.add(
                    path,
                    1,
                    f"unexpected {'folder' if path.is_dir() else 'file'} '{name}': a module "
                    "holds module.toml, quiz.gift, images/ and lessons named NN-slug.md",
                )
                continue
            parsed = _numbered_slug(path.stem, path, self.problems, "a lesson file's")
            if parsed is None:
                continue
            number, slug = parsed
            if number in numbers:
                self.problems.add(path, 1, f"two lessons in this module have the number {number}")
            if slug in slugs:
                self.problems.add(path, 1, f"two lessons in this module have the slug '{slug}'")
            numbers.add(number)
            slugs.add(slug)
            lesson = self._lesson(path, number, slug)
            if lesson is not None:
                lessons.append(lesson)
        return sorted(lessons, key=lambda lesson: lesson.position)

    def _lesson(self, path: Path, number: int, slug: str) -> LessonSpec | None:
        text = _read_text(path, self.problems)
        if text is None:
            return None
        lines = text.split("\n")
        if not lines or lines[0].strip() != "+++":
            self.problems.add(
                path, 1, "a lesson starts with front matter: a line '+++', title and minutes, '+++'"
            )
            return None
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() == "+++")
        except StopIteration:
            self.problems.add(path, 1, "the front matter opened on line 1 is never closed by '+++'")
            return None
        front_text = "\n".join(lines[1:end])
        data = _parse_toml(front_text, path, self.problems, line_offset=1)
        if data is None:
            return None
        s = _Settings(data, front_text, path, self.problems, offset=1)
        title = s.text_value("title", required=True)
        minutes = s.whole_number("minutes", minimum=1, maximum=600, required=True)
        content_note = s.text_value("content_note", max_length=500)
        s.unknown_keys({"title", "minutes", "content_note"}, "the front matter")
        rest = lines[end + 1 :]
        blank = next((i for i, line in enumerate(rest) if line.strip()), len(rest))
        body = "\n".join(rest[blank:]).rstrip()
        first_body_line = end + 2 + blank  # 1-based line of the body's first line
        if not body:
            self.problems.add(path, end + 1, "the lesson has no text after its front matter")
        body_html = self._render(body, path, first_body_line - 1)
        return LessonSpec(slug, number, title, minutes or 0, content_note, body, body_html)

    # quizzes -------------------------------------------------------------------------------

    def _quiz(self, path: Path, key: str, settings: dict) -> QuizSpec | None:
        if not path.is_file():
            return None
        data = path.read_bytes()
        result, problems = check_gift(data, str(path))
        for line, message in problems:
            self.problems.add(path, line, message)
        source = data.decode("utf-8", "replace").removeprefix("\ufeff").replace("\r\n", "\n")
        return QuizSpec(
            key=key,
            kind="module" if key.startswith("module:") else key,
            source=source,
            questions=result.questions,
            **settings,
        )

    def _test_settings(self, title: str, pass_mark: int) -> dict:
        # Pre- and post-tests are scored for knowledge gain; they never block a learner.
        return {
            "title": title,
            "pass_mark": pass_mark,
            "max_attempts": 1,
            "shuffle_questions": False,
            "shuffle_answers": True,
            "graded": False,
        }


def image_path(base: str, src: str) -> str | None:
    """The path inside the course folder of an image written as ``src`` in a document
    of the folder ``base`` (relative to the course folder); None for a URL."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I) or src.startswith("/"):
        return None
    return posixpath.normpath(posixpath.join(base, src))


def check_gift(data: bytes | str, source: str) -> tuple[gift.ParseResult, list[tuple[int, str]]]:
    """A quiz file parsed, and every problem an author must fix as (line, message):
    GIFT errors, essays (not gradable automatically), and a quiz with nothing to
    grade. The same check for an imported folder and a quiz edited in the browser."""
    result = gift.parse_bytes(data.encode("utf-8") if isinstance(data, str) else data, source)
    problems = [(error.line, error.message) for error in result.errors]
    gradable = 0
    for question in result.questions:
        if question.type == "essay":
            problems.append(
                (
                    question.line,
                    f"question '{question.id}' is an essay: essays cannot be graded "
                    "automatically; use another question type",
                )
            )
        elif gift.is_gradable(question):
            gradable += 1
    if not result.errors and gradable == 0:
        problems.append((1, "this quiz has no questions that can be graded"))
    return result, problems


def load_course(folder: Path | str) -> LoadResult:
    """Read and check one course folder."""
    return _CourseLoader(Path(folder)).load()


def course_folders(paths: list[Path | str]) -> list[Path]:
    """The course folders named by ``paths``: a course folder itself, or a folder of them."""
    found = []
    for raw in paths:
        path = Path(raw)
        if (path / "course.toml").is_file() or not path.is_dir():
            found.append(path)
        else:
            found.extend(
                sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
            )
    return found
