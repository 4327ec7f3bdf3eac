"""The one Markdown renderer: raw HTML off, callouts, footnotes, safe links, images."""

from __future__ import annotations

import pytest

from lms.catalog.rendering import CALLOUTS, render_markdown, render_question_text


def test_raw_html_is_shown_as_text_never_as_markup():
    html = render_markdown('<script>alert(1)</script> <img src=x onerror="alert(2)">').html
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html


def test_javascript_links_are_not_links():
    assert "href" not in render_markdown("[click](javascript:alert(1))").html


def test_external_links_open_safely_and_internal_ones_stay_plain():
    html = render_markdown("[hotline](https://humantraffickinghotline.org) [home](/)").html
    assert 'href="https://humantraffickinghotline.org" rel="noopener noreferrer"' in html
    assert '<a href="/">home</a>' in html


@pytest.mark.parametrize(("kind", "label"), list(CALLOUTS.items()))
def test_callouts_are_labelled_asides(kind, label):
    html = render_markdown(f"::: {kind}\nText.\n:::\n").html
    assert f'<aside class="callout callout-{kind}" aria-label="{label}">' in html
    assert f'<p class="callout-title">{label}</p>' in html


def test_a_callout_may_have_a_title():
    html = render_markdown("::: clinical-pearl Interpreters\nUse one.\n:::\n").html
    assert "Clinical pearl: Interpreters" in html


def test_unknown_callouts_are_reported_with_their_line():
    rendered = render_markdown("Text.\n\n::: warning\nBe careful.\n:::\n")
    assert rendered.problems == [
        (
            3,
            "unknown block '::: warning': use one of "
            "content-note, clinical-pearl, self-care, red-flag",
        )
    ]


def test_a_level_one_heading_is_reported():
    rendered = render_markdown("Intro.\n\n# Title\n")
    assert rendered.problems == [
        (3, "use '##' for headings: the page's title is its only '#' heading")
    ]


def test_tables_and_footnotes():
    html = render_markdown("| a | b |\n| - | - |\n| 1 | 2 |\n\nText.[^1]\n\n[^1]: A source.\n").html
    assert "<table>" in html
    assert 'class="footnotes"' in html


def test_images_resolve_or_are_reported():
    rendered = render_markdown(
        "Intro.\n\n![A chart](chart.png)\n\n![](missing.png)\n",
        image_url=lambda src: "/media/x.png" if src == "chart.png" else None,
    )
    assert '<img src="/media/x.png" alt="A chart" loading="lazy">' in rendered.html
    assert (5, "image 'missing.png' is not a file in this course") in rendered.problems
    assert (5, "image 'missing.png' needs a description: ![what it shows]") in rendered.problems


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("<b>bold</b> & more", "html", "<p>bold &amp; more</p>\n"),
        ("<b>not bold</b>", "plain", "<p>&lt;b&gt;not bold&lt;/b&gt;</p>\n"),
        ("**bold**", "markdown", "<p><strong>bold</strong></p>\n"),
        ("<i>x</i>", "moodle", "<p>&lt;i&gt;x&lt;/i&gt;</p>\n"),
    ],
)
def test_question_texts_never_carry_markup_from_the_file(text, fmt, expected):
    assert render_question_text(text, fmt) == expected
