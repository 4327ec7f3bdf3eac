"""The one Markdown renderer: lessons, references and question texts.

markdown-it-py (CommonMark) with tables, footnotes and four callout blocks, and
raw HTML off: HTML in a course file is shown as text, never as markup. Content
is rendered once, when a course version is imported, not per request.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

from lms.catalog import gift

CALLOUTS = {
    "content-note": "Content note",
    "clinical-pearl": "Clinical pearl",
    "self-care": "Self-care",
    "red-flag": "Red flag",
}
_CONTAINER_LINE = re.compile(r"^\s*:::\s*([^\s:]+)")


@dataclass
class Rendered:
    html: str
    # (line within the text, 1-based; message) for everything an author must fix.
    problems: list[tuple[int, str]] = field(default_factory=list)
    images: list[str] = field(default_factory=list)


def _callout(kind: str, label: str):
    def render(self, tokens, idx, options, env):
        token = tokens[idx]
        if token.nesting == 1:
            title = token.info.strip()[len(kind) :].strip()
            heading = f"{label}: {title}" if title else label
            return (
                f'<aside class="callout callout-{kind}" aria-label="{html.escape(heading)}">\n'
                f'<p class="callout-title">{html.escape(heading)}</p>\n'
            )
        return "</aside>\n"

    return render


def _is_external(href: str) -> bool:
    parts = urlsplit(href)
    return bool(parts.scheme or parts.netloc)


def _build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": True})
    md.enable("table")
    md.use(footnote_plugin)
    for kind, label in CALLOUTS.items():
        md.use(
            container_plugin,
            name=kind,
            validate=lambda params, *a, kind=kind: params.strip().split(" ", 1)[0] == kind,
            render=_callout(kind, label),
        )

    def link_open(self, tokens, idx, options, env):
        token = tokens[idx]
        if _is_external(token.attrGet("href") or ""):
            token.attrSet("rel", "noopener noreferrer")
        return self.renderToken(tokens, idx, options, env)

    def image(self, tokens, idx, options, env):
        token = tokens[idx]
        src = token.attrGet("src") or ""
        alt = self.renderInlineAsText(token.children or [], options, env)
        line = (token.map[0] + 1) if token.map else env.get("line", 1)
        env["images"].append(src)
        if not alt.strip():
            env["problems"].append((line, f"image {src!r} needs a description: ![what it shows]"))
        resolver = env.get("image_url")
        url = resolver(src) if resolver else src
        if url is None:
            env["problems"].append((line, f"image {src!r} is not a file in this course"))
            return f'<span class="missing-image">[{html.escape(alt)}]</span>'
        return f'<img src="{html.escape(url)}" alt="{html.escape(alt)}" loading="lazy">'

    footnote_anchor = md.renderer.rules["footnote_anchor"]

    def named_footnote_anchor(self, tokens, idx, options, env):
        # The back-link is a lone arrow: give it a name a screen reader can say.
        html_text = footnote_anchor(tokens, idx, options, env)
        return html_text.replace(
            'class="footnote-backref"', 'class="footnote-backref" aria-label="Back to the text"'
        )

    md.add_render_rule("footnote_anchor", named_footnote_anchor)
    md.add_render_rule("link_open", link_open)
    md.add_render_rule("image", image)
    return md


_MD = _build()


def render_markdown(text: str, *, image_url: Callable[[str], str | None] | None = None) -> Rendered:
    """HTML for ``text``. ``image_url`` maps an image path as written to the URL to serve
    it from, or None when the file does not exist (reported as a problem)."""
    env: dict = {"problems": [], "images": [], "image_url": image_url}
    tokens = _MD.parse(text, env)
    # Inline tokens carry no line of their own: give images the line of their block.
    for token in tokens:
        if token.type == "inline" and token.map and token.children:
            for child in token.children:
                if child.type == "image" and child.map is None:
                    child.map = token.map
    body = _MD.renderer.render(tokens, _MD.options, env)
    problems = list(env["problems"])
    for token in tokens:
        if token.type == "heading_open" and token.tag == "h1":
            line = token.map[0] + 1 if token.map else 1
            problems.append(
                (line, "use '##' for headings: the page's title is its only '#' heading")
            )
    for number, line in enumerate(text.splitlines(), start=1):
        match = _CONTAINER_LINE.match(line)
        if match and match.group(1) not in CALLOUTS:
            known = ", ".join(CALLOUTS)
            problems.append((number, f"unknown block '::: {match.group(1)}': use one of {known}"))
    return Rendered(html=body, problems=sorted(problems), images=env["images"])


def render_question_text(text: str, text_format: str = "moodle") -> str:
    """HTML for a question's stem, answer or feedback, whatever format GIFT gave it."""
    if text_format == "html":
        # HTML from a quiz file is never trusted: its text only, escaped below.
        text = gift.plain_text(text, "html")
    if text_format in ("html", "plain"):
        return "<p>" + html.escape(text).replace("\n", "<br>\n") + "</p>\n"
    return render_markdown(text).html
