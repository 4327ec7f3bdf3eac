"""The certificate and the transcript as PDF documents.

Pure functions of the facts they are given: no database, no Flask, no network,
no files written.

Fonts. The text is set in Noto Sans, which ``fontpkg-noto-sans`` ships as a
variable font. Instancing a variable font is slow (about half a second a
weight), so each weight (regular, semibold) is made into a static font once per
process and kept in memory; ``warm_up()`` does it ahead of the first document.
Every document carries the core letters (Latin with Vietnamese, Greek,
Cyrillic); a name or title with other letters brings in, for that document
only, the family that has them (see ``FALLBACKS``: Arabic and Devanagari, for
instance, from ``fontpkg-noto-sans-arabic`` and ``-devanagari``, shaped with
``uharfbuzz``). A family that is not installed is skipped, and fpdf2 logs the
letters it had to draw as empty boxes.

fpdf2's ``add_font()`` reads a font file each time; ``_add_face()`` instead
shares what fpdf2 read from the in-memory font once, which keeps a
certificate at about 20 ms. It relies on fpdf2's ``TTFFont`` attributes, so the
fpdf2 version is pinned to a minor release and the tests cover it.

Page size. The certificate is A4 by default (the ISO size used nearly
everywhere outside North America); ``page_format="letter"`` gives US Letter.
The layout is computed from the page size, so both look the same.
"""

from __future__ import annotations

import copy
import functools
import importlib
import importlib.util
import io
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import segno
from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace, SubsetMap, TTFFont

__all__ = [
    "PAGE_FORMATS",
    "CertificateFacts",
    "TranscriptRow",
    "certificate_pdf",
    "format_code",
    "format_credit_hours",
    "format_date",
    "qr_for",
    "transcript_pdf",
]

PAGE_FORMATS = ("a4", "letter")

# -- facts ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    learner_name: str
    course_title: str
    credit_hours: float
    completed_on: date
    course_version: int
    code: str
    verify_url: str
    organisation: str
    site_name: str


@dataclass(frozen=True, slots=True)
class TranscriptRow:
    course_title: str
    credit_hours: float
    completed_on: date
    code: str
    # "valid" or "revoked" (any other word is shown as it is, capitalised).
    status: str


# -- wording ----------------------------------------------------------------------------

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _clean(text: str) -> str:
    """One line, composed (NFC): accents as the precomposed letters the font draws best."""
    return unicodedata.normalize("NFC", " ".join(str(text).split()))


def format_date(day: date) -> str:
    """23 November 2026: unambiguous in every country, and independent of the locale."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _hours_number(hours: float) -> str:
    text = f"{hours:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def format_credit_hours(hours: float) -> str:
    """'2.5 credit hours', '1 credit hour'."""
    number = _hours_number(hours)
    return f"{number} credit hour" if number == "1" else f"{number} credit hours"


def format_code(code: str) -> str:
    """A code grouped for reading aloud: ABCDEFGHJKLMN -> ABCD-EFGH-JKLMN.

    A code that is already grouped is left as it is. Groups of four, the last
    one taking a short remainder (never a group of one).
    """
    code = code.strip()
    if "-" in code or len(code) <= 5:
        return code
    groups = [code[i : i + 4] for i in range(0, len(code), 4)]
    if len(groups[-1]) == 1:
        groups[-2:] = [groups[-2] + groups[-1]]
    return "-".join(groups)


# -- the QR code --------------------------------------------------------------------------

QR_ERROR = "m"  # 15% of the symbol may be damaged (a fold, a stamp) and it still reads
QR_BORDER = 4  # the quiet zone the standard asks for, in modules
_QR_SCALE = 8  # pixels a module in the PNG; sharp at any print size, a few kB


def qr_for(url: str) -> segno.QRCode:
    """The QR code the certificate carries: exactly ``url``, error correction M."""
    return segno.make(url, error=QR_ERROR, micro=False, boost_error=False)


def _qr_png(url: str) -> io.BytesIO:
    buffer = io.BytesIO()
    qr_for(url).save(buffer, kind="png", scale=_QR_SCALE, border=QR_BORDER)
    buffer.seek(0)
    return buffer


# -- fonts ------------------------------------------------------------------------------
#
# Every document carries the Latin, Greek and Cyrillic letters of Noto Sans
# (the "core"). A name or title with other letters brings in, for that
# document only, the first installed family that has them: the rest of Noto
# Sans, then the script families below. Scripts whose letters join or reorder
# (Arabic, the Indic scripts, Thai, Khmer) are shaped with HarfBuzz
# (uharfbuzz). A family that is not installed is skipped; a letter that no
# installed family has is drawn as an empty box.

_WEIGHTS = {"": 400, "B": 600}  # regular and semibold
_WEIGHT_NAMES = {400: "Regular", 600: "SemiBold"}

# The letters of the core: Latin (with Vietnamese), Greek, Cyrillic, the
# combining accents, punctuation, currency and letter-like signs.
_CORE_RANGES = (
    (0x0020, 0x007E),
    (0x00A0, 0x024F),
    (0x02B0, 0x036F),
    (0x0370, 0x03FF),
    (0x0400, 0x052F),
    (0x1E00, 0x1EFF),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
    (0x2100, 0x214F),
)


# Letters that Noto Sans has but cannot draw right without shaping, which the
# core does not do: they come from their own family (Devanagari) or not at all.
_NEEDS_SHAPING = ((0x0900, 0x097F), (0x1CD0, 0x1CFF), (0xA8E0, 0xA8FF))


@dataclass(frozen=True, slots=True)
class _Face:
    family: str  # the name fpdf2 knows it by
    package: str  # the fontpkg package that ships it
    shaped: bool = False  # needs HarfBuzz: letters that join or reorder
    only: tuple[tuple[int, int], ...] = ()  # when given, only these code points
    without: tuple[tuple[int, int], ...] = ()  # never these code points


FAMILY = "NotoSans"
_CORE = _Face(FAMILY, "fontpkg_noto_sans", only=_CORE_RANGES)
FALLBACKS = (
    _Face("NotoSansArabic", "fontpkg_noto_sans_arabic", shaped=True),
    _Face("NotoSansDevanagari", "fontpkg_noto_sans_devanagari", shaped=True),
    _Face("NotoSansThai", "fontpkg_noto_sans_thai", shaped=True),
    _Face("NotoSansKhmer", "fontpkg_noto_sans_khmer", shaped=True),
    _Face("NotoSansTamil", "fontpkg_noto_sans_tamil", shaped=True),
    _Face("NotoSansTelugu", "fontpkg_noto_sans_telugu", shaped=True),
    # The rest of Noto Sans: polytonic Greek, rarer Latin and Cyrillic letters.
    _Face("NotoSansMore", "fontpkg_noto_sans", without=_CORE_RANGES + _NEEDS_SHAPING),
)


def _in(code: int, ranges: Sequence[tuple[int, int]]) -> bool:
    return any(lo <= code <= hi for lo, hi in ranges)


_font_lock = threading.RLock()
_static_fonts: dict[tuple[str, str], bytes] = {}
_templates: dict[tuple[str, str], TTFFont] = {}


@functools.cache
def _variable_font_path(face: _Face) -> Path | None:
    """The upright variable font the package ships, or None when it is not installed."""
    try:
        package = importlib.import_module(face.package)
    except ImportError:
        return None
    files = sorted(Path(package.ROOT, "files").glob("*.ttf"))
    upright = [f for f in files if "italic" not in f.name.lower()]
    return upright[0] if upright else None


@functools.cache
def _shaping_available() -> bool:
    return importlib.util.find_spec("uharfbuzz") is not None


def _make_static_font(face: _Face, weight: int) -> bytes:
    """The face at ``weight`` as a static TrueType font, in memory."""
    from fontTools import subset
    from fontTools.varLib import instancer

    path = _variable_font_path(face)
    if path is None:
        raise LookupError(f"{face.package} is not installed")
    font = ttLib.TTFont(path)
    # fpdf2 embeds no layout tables and unshaped text needs none; instancing
    # them is most of the cost. Shaped scripts keep them.
    drop = ("STAT",) if face.shaped else ("GSUB", "GPOS", "GDEF", "STAT")
    for tag in drop:
        if tag in font:
            del font[tag]
    if "fvar" in font:
        axes = {axis.axisTag: axis.defaultValue for axis in font["fvar"].axes}
        if "wght" in axes:
            axes["wght"] = weight
        instancer.instantiateVariableFont(font, axes, inplace=True, static=True)
        # Name the instance, so that a PDF's font list tells the weights apart.
        names = font["name"]
        family = names.getBestFamilyName()
        style = _WEIGHT_NAMES.get(weight, str(weight))
        names.removeNames(nameID=21)
        names.removeNames(nameID=22)
        names.setName(family, 16, 3, 1, 0x409)
        names.setName(style, 17, 3, 1, 0x409)
        names.setName(f"{family} {style}", 4, 3, 1, 0x409)
        names.setName(f"{family}-{style}".replace(" ", ""), 6, 3, 1, 0x409)
    unicodes = [
        u
        for u in font.getBestCmap()
        if (not face.only or _in(u, face.only)) and not _in(u, face.without)
    ]
    options = subset.Options()
    options.hinting = False
    options.notdef_outline = True
    options.recommended_glyphs = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.glyph_names = True
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    # One character map (Windows, Unicode) rather than several copies of it:
    # every document reads it again when fpdf2 cuts the font down.
    tables = font["cmap"].tables
    font["cmap"].tables = [t for t in tables if (t.platformID, t.platEncID) == (3, 10)] or [
        t for t in tables if (t.platformID, t.platEncID) == (3, 1)
    ]
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _static_font(face: _Face, style: str) -> bytes:
    key = (face.family, style)
    data = _static_fonts.get(key)
    if data is None:
        with _font_lock:
            data = _static_fonts.get(key)
            if data is None:
                data = _static_fonts[key] = _make_static_font(face, _WEIGHTS[style])
    return data


def _embedded_font(face: _Face, style: str) -> bytes:
    """What fpdf2 cuts down and embeds: without the layout tables, which HarfBuzz
    reads from the whole font and the PDF does not carry (and which would cost
    a shaped family ~15 ms a document to read and drop)."""
    if not face.shaped:
        return _static_font(face, style)
    key = (face.family, style + "/embedded")
    data = _static_fonts.get(key)
    if data is None:
        with _font_lock:
            data = _static_fonts.get(key)
            if data is None:
                font = ttLib.TTFont(io.BytesIO(_static_font(face, style)))
                for tag in ("GSUB", "GPOS", "GDEF", "BASE", "JSTF"):
                    if tag in font:
                        del font[tag]
                out = io.BytesIO()
                font.save(out)
                data = _static_fonts[key] = out.getvalue()
    return data


def _font_template(face: _Face, style: str) -> TTFFont:
    """The font as fpdf2 reads it (widths, character map), read once per process."""
    key = (face.family, style)
    template = _templates.get(key)
    if template is None:
        with _font_lock:
            template = _templates.get(key)
            if template is None:
                fontkey = f"{face.family.lower()}{style}"
                data = io.BytesIO(_static_font(face, style))
                template = _templates[key] = TTFFont(FPDF(), data, fontkey, style)
    return template


def _add_face(pdf: FPDF, face: _Face, shaping: bool) -> None:
    """Add both weights of ``face`` to ``pdf`` without reading the font again.

    ``FPDF.add_font()`` only takes a file, and reading a character map and its
    widths costs about 10 ms a weight. What fpdf2 reads from a font does not
    change, so it is shared; what a document changes is made new here: its
    index, the glyphs it uses, and the font that its output cuts down to them
    (``ttfont``, loaded lazily from the bytes, which costs next to nothing).
    """
    for style in _WEIGHTS:
        font = copy.copy(_font_template(face, style))
        font.i = len(pdf.fonts) + 1
        # The glyphs' bounding boxes are right already: the cut-down font copies
        # them rather than recompiling every glyph (a third of the time).
        font.ttfont = ttLib.TTFont(
            io.BytesIO(_embedded_font(face, style)),
            recalcTimestamp=False,
            recalcBBoxes=False,
            lazy=True,
        )
        font.biggest_size_pt = 0
        font.missing_glyphs = []
        font.subset = SubsetMap(font)
        font.color_font = None
        font._hbfont = None
        if shaping:
            import uharfbuzz
            from fpdf.fonts import HarfBuzzFont

            blob = uharfbuzz.Blob(_static_font(face, style))
            font._hbfont = HarfBuzzFont(uharfbuzz.Face(blob))
        pdf.fonts[font.fontkey] = font


def _fallbacks_for(texts: Sequence[str]) -> list[_Face]:
    """The installed families, in order, that have the letters the core lacks."""
    core = _font_template(_CORE, "").cmap
    missing = {ord(c) for text in texts for c in text} - core.keys() - {0x0A, 0x0D}
    chosen = []
    for face in FALLBACKS:
        if not missing:
            break
        if _variable_font_path(face) is None or (face.shaped and not _shaping_available()):
            continue
        covered = missing & _font_template(face, "").cmap.keys()
        if covered:
            chosen.append(face)
            missing -= covered
    return chosen


def _load_fonts(pdf: FPDF, texts: Sequence[str]) -> None:
    """The core in both weights, and what ``texts`` need beyond it."""
    fallbacks = _fallbacks_for(texts)
    shaping = any(face.shaped for face in fallbacks)
    _add_face(pdf, _CORE, shaping)
    for face in fallbacks:
        _add_face(pdf, face, shaping)
    if fallbacks:
        pdf.set_fallback_fonts([face.family for face in fallbacks], exact_match=False)
    if shaping:
        pdf.set_text_shaping(True)


def warm_up() -> None:
    """Prepare the core fonts now (about a second) rather than on the first document."""
    for style in _WEIGHTS:
        _font_template(_CORE, style)


class _Document(FPDF):
    """An FPDF with the Noto Sans weights loaded from memory and an optional footer."""

    def __init__(self, orientation: str, page_format: str, texts: Sequence[str]) -> None:
        super().__init__(orientation=orientation, unit="mm", format=page_format)
        self.footer_text = ""
        _load_fonts(self, texts)
        self.set_font(FAMILY, size=11)
        self.c_margin = 0

    def footer(self) -> None:
        if not self.footer_text:
            return
        page = f"Page {self.page_no()} of {{nb}}"
        self.set_font(FAMILY, size=8)
        page_w = self.get_string_width(page.replace("{nb}", "000")) + 2
        self.set_text_color(*_MUTED)
        size, lines = self.fit(
            self.footer_text,
            self.epw - page_w - 4,
            largest=8,
            smallest_one_line=8,
            smallest=8,
            max_lines=1,
        )
        self.set_font(FAMILY, size=size)
        self.set_xy(self.l_margin, -14)
        self.cell(self.epw - page_w, 5, lines[0], align=Align.L)
        self.set_xy(self.w - self.r_margin - page_w, -14)
        self.cell(page_w, 5, page, align=Align.R)

    def lines(self, text: str, width: float, size: float) -> list[str]:
        """``text`` broken into lines of at most ``width`` mm at ``size`` pt."""
        self.set_font_size(size)
        return self.multi_cell(width, 1, text, dry_run=True, output="LINES")

    def fit(
        self,
        text: str,
        width: float,
        *,
        style: str = "",
        largest: float,
        smallest_one_line: float,
        smallest: float,
        max_lines: int,
    ) -> tuple[float, list[str]]:
        """The largest size at which ``text`` fits, and its lines.

        On one line from ``largest`` down to ``smallest_one_line``; then on up to
        ``max_lines`` lines down to ``smallest``; past that, the lines that fit,
        the last one ending in an ellipsis (the verification page has it all).
        """
        self.set_font(FAMILY, style)
        size = largest
        while size >= smallest_one_line:
            lines = self.lines(text, width, size)
            if len(lines) <= 1:
                return size, lines
            size -= 1
        size = smallest_one_line
        while size >= smallest:
            lines = self.lines(text, width, size)
            if len(lines) <= max_lines:
                return size, lines
            size -= 1
        size = smallest
        lines = self.lines(text, width, size)[:max_lines]
        last = lines[-1].rstrip()
        while last and self.get_string_width(last + "…") > width:
            last = last[:-1].rstrip()
        lines[-1] = last + "…"
        return size, lines

    def centred_lines(
        self, lines: Sequence[str], x: float, y: float, width: float, size: float, style: str = ""
    ) -> float:
        """Draw ``lines`` centred in ``width`` from ``y``; the y below them."""
        self.set_font(FAMILY, style, size)
        height = _line_height(size)
        for line in lines:
            self.set_xy(x, y)
            self.cell(width, height, line, align=Align.C)
            y += height
        return y


def _line_height(size_pt: float, leading: float = 1.25) -> float:
    return size_pt * leading * 25.4 / 72


# -- the certificate ----------------------------------------------------------------------

_INK = (31, 41, 55)  # near-black slate: the facts
_MUTED = (95, 105, 120)  # the words around them
_ACCENT = (22, 78, 99)  # deep teal: frame, title rule, labels
_ACCENT_LIGHT = (170, 196, 204)


def certificate_pdf(facts: CertificateFacts, *, page_format: str = "a4") -> bytes:
    """One landscape page: the certificate, with a QR code of its verification address."""
    if page_format.lower() not in PAGE_FORMATS:
        raise ValueError(f"page_format must be one of {PAGE_FORMATS}, not {page_format!r}")
    facts = replace(
        facts,
        learner_name=_clean(facts.learner_name),
        course_title=_clean(facts.course_title),
        organisation=_clean(facts.organisation),
        site_name=_clean(facts.site_name),
        code=_clean(facts.code),
        verify_url=facts.verify_url.strip(),
    )
    texts = (
        facts.learner_name,
        facts.course_title,
        facts.organisation.upper(),
        facts.site_name,
        facts.verify_url,
        facts.code,
    )
    pdf = _Document("landscape", page_format.lower(), texts)
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    issuer = facts.organisation.strip() or facts.site_name.strip()
    code = format_code(facts.code)
    completed = format_date(facts.completed_on)
    hours = format_credit_hours(facts.credit_hours)

    pdf.set_title(f"Certificate of completion: {facts.course_title} ({facts.learner_name})")
    pdf.set_subject(
        f"{facts.learner_name} has completed {facts.course_title}, {hours}, on {completed} "
        f"(course version {facts.course_version}). Certificate {code}; "
        f"verify at {facts.verify_url}"
    )
    pdf.set_author(issuer)
    pdf.set_creator(facts.site_name.strip() or issuer)
    pdf.set_keywords(f"certificate {code}")
    pdf.set_lang("en")
    pdf.add_page()

    width, height = pdf.w, pdf.h

    # A double frame: a firm outer line and a fine inner one.
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.8)
    pdf.rect(9, 9, width - 18, height - 18)
    pdf.set_draw_color(*_ACCENT_LIGHT)
    pdf.set_line_width(0.25)
    pdf.rect(12, 12, width - 24, height - 24)

    text_x = 34
    text_w = width - 2 * text_x

    # Who issues it.
    pdf.set_text_color(*_ACCENT)
    size, lines = pdf.fit(
        issuer.upper(),
        text_w,
        style="B",
        largest=10,
        smallest_one_line=7,
        smallest=7,
        max_lines=2,
    )
    y = pdf.centred_lines(lines, text_x, 24, text_w, size, "B")

    # What it is.
    pdf.set_text_color(*_INK)
    y = pdf.centred_lines(["Certificate of completion"], text_x, y + 4, text_w, 30)
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.5)
    pdf.line(width / 2 - 18, y + 3, width / 2 + 18, y + 3)
    top = y + 8

    # The footer is fixed; the body is centred in the space between.
    qr_size = 32
    footer_top = height - 24 - qr_size

    name_size, name_lines = pdf.fit(
        facts.learner_name,
        text_w,
        style="B",
        largest=34,
        smallest_one_line=22,
        smallest=14,
        max_lines=3,
    )
    title_size, title_lines = pdf.fit(
        facts.course_title,
        text_w,
        style="B",
        largest=20,
        smallest_one_line=16,
        smallest=11,
        max_lines=3,
    )
    intro_size, small_gap, big_gap = 11, 2.5, 6
    body_height = (
        _line_height(intro_size)
        + small_gap
        + _line_height(name_size) * len(name_lines)
        + big_gap
        + _line_height(intro_size)
        + small_gap
        + _line_height(title_size) * len(title_lines)
        + big_gap
        + _line_height(intro_size)
    )
    y = top + max(0, (footer_top - top - body_height) / 2)

    pdf.set_text_color(*_MUTED)
    y = pdf.centred_lines(["This certifies that"], text_x, y, text_w, intro_size) + small_gap
    pdf.set_text_color(*_INK)
    y = pdf.centred_lines(name_lines, text_x, y, text_w, name_size, "B") + big_gap
    pdf.set_text_color(*_MUTED)
    y = pdf.centred_lines(["has completed"], text_x, y, text_w, intro_size) + small_gap
    pdf.set_text_color(*_ACCENT)
    y = pdf.centred_lines(title_lines, text_x, y, text_w, title_size, "B") + big_gap
    pdf.set_text_color(*_MUTED)
    details = f"{hours}   ·   Completed on {completed}   ·   Course version {facts.course_version}"
    pdf.centred_lines([details], text_x, y, text_w, intro_size)

    # The footer: the code and where to check it, beside the QR code.
    qr_x = width - 24 - qr_size
    qr_y = height - 20 - qr_size
    pdf.image(_qr_png(facts.verify_url), x=qr_x, y=qr_y, w=qr_size, h=qr_size)
    left = 26
    column = qr_x - left - 6
    pdf.set_draw_color(*_ACCENT_LIGHT)
    pdf.set_line_width(0.25)

    y = qr_y + 4
    y = _label_and_value(pdf, "Certificate code", code, left, y, column, 13, "B") + 2.5
    pdf.set_font(FAMILY, "", 9)
    url_size, url_lines = pdf.fit(
        facts.verify_url,
        column,
        largest=9,
        smallest_one_line=6.5,
        smallest=6.5,
        max_lines=2,
    )
    pdf.set_text_color(*_MUTED)
    pdf.set_font(FAMILY, "B", 7)
    pdf.set_xy(left, y)
    pdf.cell(column, _line_height(7), "VERIFY THIS CERTIFICATE AT")
    y += _line_height(7) + 0.5
    pdf.set_text_color(*_ACCENT)
    pdf.set_font(FAMILY, "", url_size)
    for line in url_lines:
        pdf.set_xy(left, y)
        pdf.cell(column, _line_height(url_size), line, link=facts.verify_url)
        y += _line_height(url_size)
    if facts.site_name.strip() and facts.site_name.strip() != issuer:
        pdf.set_text_color(*_MUTED)
        pdf.set_font(FAMILY, "", 8)
        pdf.set_xy(left, y + 1.5)
        pdf.cell(column, _line_height(8), f"Issued through {facts.site_name.strip()}")

    return bytes(pdf.output())


def _label_and_value(
    pdf: _Document,
    label: str,
    value: str,
    x: float,
    y: float,
    width: float,
    size: float,
    style: str,
) -> float:
    pdf.set_text_color(*_MUTED)
    pdf.set_font(FAMILY, "B", 7)
    pdf.set_xy(x, y)
    pdf.cell(width, _line_height(7), label.upper())
    y += _line_height(7) + 0.5
    pdf.set_text_color(*_INK)
    pdf.set_font(FAMILY, style, size)
    pdf.set_xy(x, y)
    pdf.cell(width, _line_height(size), value)
    return y + _line_height(size)


# -- the transcript ----------------------------------------------------------------------


_CELL_PAD = 2  # mm either side of a table cell's text


def _transcript_columns(
    pdf: _Document, titles: Sequence[str], rows: Sequence[TranscriptRow]
) -> list[float]:
    """Column widths (mm): each short column as wide as its widest entry, the course the rest."""
    columns: list[list[tuple[str, str]]] = [[("B", title)] for title in titles[1:]]
    for row in rows:
        columns[0].append(("", _hours_number(row.credit_hours)))
        columns[1].append(("", format_date(row.completed_on)))
        columns[2].append(("", format_code(row.code)))
        columns[3].append(("B", _status_word(row.status)))
    widths = []
    for column in columns:
        widest = 0.0
        for style, text in column:
            pdf.set_font(FAMILY, style, 9)
            widest = max(widest, pdf.get_string_width(text))
        widths.append(widest + 2 * _CELL_PAD + 1)
    pdf.set_font(FAMILY, "", 9)
    course = pdf.epw - sum(widths)
    if course < pdf.epw * 0.35:  # unusually long codes or words: share out the page
        scale = pdf.epw * 0.65 / sum(widths)
        widths = [w * scale for w in widths]
        course = pdf.epw * 0.35
    return [course, *widths]


def _status_word(status: str) -> str:
    return str(getattr(status, "value", status)).strip().capitalize()


def transcript_pdf(
    learner_name: str,
    rows: Sequence[TranscriptRow],
    generated_on: date,
    site_name: str,
    organisation: str,
    *,
    page_format: str = "a4",
) -> bytes:
    """Portrait pages listing the learner's completed courses and the credit hours earned.

    The total counts valid certificates only: a revoked certificate is listed,
    marked revoked, and its hours are not counted.
    """
    if page_format.lower() not in PAGE_FORMATS:
        raise ValueError(f"page_format must be one of {PAGE_FORMATS}, not {page_format!r}")
    learner_name, site_name, organisation = map(_clean, (learner_name, site_name, organisation))
    rows = [
        replace(row, course_title=_clean(row.course_title), code=_clean(row.code)) for row in rows
    ]
    texts = [learner_name, site_name, organisation.upper()]
    texts += [f"{row.course_title} {row.code} {row.status}" for row in rows]
    pdf = _Document("portrait", page_format.lower(), texts)
    issuer = organisation.strip() or site_name.strip()
    generated = format_date(generated_on)
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.footer_text = f"Transcript of {learner_name}, generated on {generated}"
    pdf.set_title(f"Transcript: {learner_name}")
    pdf.set_subject(f"Courses completed by {learner_name}, as of {generated}")
    pdf.set_author(issuer)
    pdf.set_creator(site_name.strip() or issuer)
    pdf.set_lang("en")
    pdf.add_page()
    text_w = pdf.epw

    pdf.set_text_color(*_ACCENT)
    pdf.set_font(FAMILY, "B", 9)
    pdf.multi_cell(text_w, _line_height(9), issuer.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if site_name.strip() and site_name.strip() != issuer:
        pdf.set_text_color(*_MUTED)
        pdf.set_font(FAMILY, "", 9)
        pdf.multi_cell(
            text_w, _line_height(9), site_name.strip(), new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    pdf.ln(4)
    pdf.set_text_color(*_INK)
    pdf.set_font(FAMILY, "", 22)
    pdf.cell(text_w, _line_height(22), "Transcript", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "B", 14)
    pdf.multi_cell(text_w, _line_height(14), learner_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_MUTED)
    pdf.set_font(FAMILY, "", 9)
    pdf.cell(
        text_w, _line_height(9), f"Generated on {generated}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.5)
    pdf.line(pdf.l_margin, pdf.get_y() + 3, pdf.l_margin + 30, pdf.get_y() + 3)
    pdf.ln(9)

    total = sum(row.credit_hours for row in rows if _status_word(row.status) == "Valid")
    revoked = [row for row in rows if _status_word(row.status) == "Revoked"]

    if not rows:
        pdf.set_text_color(*_INK)
        pdf.set_font(FAMILY, "", 11)
        pdf.multi_cell(text_w, _line_height(11), "No completed courses yet.")
        pdf.ln(4)
    else:
        pdf.set_text_color(*_INK)
        pdf.set_font(FAMILY, "", 9)
        pdf.set_draw_color(*_ACCENT_LIGHT)
        pdf.set_line_width(0.2)
        headings = FontFace(emphasis="BOLD", color=_ACCENT, fill_color=(236, 243, 245))
        titles = ("Course", "Credit hours", "Completed", "Certificate", "Status")
        with pdf.table(
            col_widths=_transcript_columns(pdf, titles, rows),
            headings_style=headings,
            line_height=_line_height(9),
            padding=(1.8, _CELL_PAD),
            text_align=("LEFT", "RIGHT", "LEFT", "LEFT", "LEFT"),
            borders_layout="HORIZONTAL_LINES",
            v_align="TOP",
        ) as table:
            header = table.row()
            for title in titles:
                header.cell(title)
            for row in rows:
                status = _status_word(row.status)
                cells = table.row()
                cells.cell(row.course_title)
                cells.cell(_hours_number(row.credit_hours))
                cells.cell(format_date(row.completed_on))
                cells.cell(format_code(row.code))
                cells.cell(
                    status,
                    style=FontFace(color=(150, 40, 40), emphasis="BOLD")
                    if status == "Revoked"
                    else None,
                )
        pdf.ln(5)

    pdf.set_text_color(*_INK)
    pdf.set_font(FAMILY, "B", 11)
    pdf.cell(
        text_w,
        _line_height(11),
        f"Total: {format_credit_hours(total)}",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(*_MUTED)
    pdf.set_font(FAMILY, "", 8.5)
    note = "Each certificate can be checked on the verification page of the site by its code."
    if revoked:
        note = (
            "The total counts valid certificates only; revoked certificates are not counted. "
            + note
        )
    pdf.multi_cell(
        text_w, _line_height(8.5), note, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    return bytes(pdf.output())
