"""The certificate and transcript PDFs, read back with pypdf, without HTTP or a database."""

from __future__ import annotations

import importlib.util
import io
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date

import pytest
import segno
from pypdf import PdfReader

from lms.certificates import pdf
from lms.certificates.pdf import CertificateFacts, TranscriptRow

MM = 72 / 25.4  # PDF points in a millimetre
URL = "https://learn.example.org/verify/ABCDEFGHJKLMN"

FACTS = CertificateFacts(
    learner_name="Zoë O'Brien-Smith",
    course_title="Recognising and responding to human trafficking in health care",
    credit_hours=2.5,
    completed_on=date(2026, 11, 23),
    course_version=3,
    code="ABCDEFGHJKLMN",
    verify_url=URL,
    organisation="Trafficking Response Training Network",
    site_name="Trafficking Response LMS",
)

NAMES = [
    "Nguyễn Thị Ánh",
    "José Ångström-Øberg",
    "Zoë O'Brien-Smith",
    "Фатима Алиева",
    "Αλέξανδρος Παπαδόπουλος",
    # Letters beyond the core set, from the rest of Noto Sans: polytonic Greek, old Cyrillic.
    "Ἀριστοτέλης Ѳеодоръ",
]


def read(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in read(data).pages)


def fragments(page) -> list[tuple[str, float, float, float]]:
    """Every piece of text on ``page``: (text, x, y, size), in points from the bottom left."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((text, tm[4] + cm[4], tm[5] + cm[5], size))

    page.extract_text(visitor_text=visit)
    return found


def is_landscape(page) -> bool:
    box = page.mediabox
    return float(box.width) > float(box.height) and int(page.get("/Rotate", 0)) % 180 == 0


def missing_glyph_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "missing" in r.getMessage().lower()]


# -- the certificate ----------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_a_certificate_is_one_landscape_page_with_its_facts(name, caplog):
    caplog.set_level(logging.WARNING)
    data = pdf.certificate_pdf(replace(FACTS, learner_name=name))
    reader = read(data)
    assert len(reader.pages) == 1
    assert is_landscape(reader.pages[0])
    text = reader.pages[0].extract_text()
    for expected in (
        name,
        FACTS.course_title,
        "ABCD-EFGH-JKLMN",
        URL,
        "Certificate of completion",
        "has completed",
        "2.5 credit hours",
        "23 November 2026",
        "Course version 3",
        "TRAFFICKING RESPONSE TRAINING NETWORK",
        "Trafficking Response LMS",
    ):
        assert expected in text, expected
    # Every letter was in an embedded font: none drawn as an empty box.
    assert missing_glyph_warnings(caplog) == []


def test_the_learner_name_is_the_largest_text_but_the_heading():
    sizes = {
        text.strip(): size
        for text, _, _, size in fragments(read(pdf.certificate_pdf(FACTS)).pages[0])
    }
    assert sizes["Zoë O'Brien-Smith"] > sizes[FACTS.course_title] > sizes["has completed"]


def test_the_document_metadata_names_the_certificate():
    meta = read(pdf.certificate_pdf(FACTS)).metadata
    assert meta.title == f"Certificate of completion: {FACTS.course_title} (Zoë O'Brien-Smith)"
    assert "Zoë O'Brien-Smith has completed" in meta.subject
    assert "ABCD-EFGH-JKLMN" in meta.subject and URL in meta.subject
    assert meta.creator == "Trafficking Response LMS"
    assert meta.author == "Trafficking Response Training Network"


def test_the_certificate_is_a4_by_default_and_us_letter_on_request():
    a4 = read(pdf.certificate_pdf(FACTS)).pages[0].mediabox
    assert (round(float(a4.width) / MM), round(float(a4.height) / MM)) == (297, 210)
    letter = read(pdf.certificate_pdf(FACTS, page_format="letter")).pages[0]
    assert (float(letter.mediabox.width), float(letter.mediabox.height)) == (792, 612)
    assert "Zoë O'Brien-Smith" in letter.extract_text()
    with pytest.raises(ValueError, match="page_format"):
        pdf.certificate_pdf(FACTS, page_format="a5")


# -- the QR code --------------------------------------------------------------------------


def qr_modules_in(data: bytes) -> list[list[bool]]:
    """The QR code drawn on the certificate, read back module by module (True = dark)."""
    (image,) = read(data).pages[0].images
    picture = image.image.convert("L")
    side = picture.size[0]
    assert picture.size == (side, side)
    # The symbol's size in modules, with its quiet zone, from the finder pattern: the
    # first dark pixel on the diagonal is the quiet zone's width, and the finder is 7
    # modules wide.
    start = next(i for i in range(side) if picture.getpixel((i, i)) < 128)
    end = next(i for i in range(start, side) if picture.getpixel((i, start)) >= 128)
    module = (end - start) / 7
    count = round(side / module)
    return [
        [
            picture.getpixel((int((col + 0.5) * module), int((row + 0.5) * module))) < 128
            for col in range(count)
        ]
        for row in range(count)
    ]


def expected_modules(url: str) -> list[list[bool]]:
    """The QR code of ``url`` made here, independently: error correction M, quiet zone 4."""
    qr = segno.make(url, error="m", micro=False, boost_error=False)
    return [[bool(m) for m in row] for row in qr.matrix_iter(border=4)]


@pytest.mark.parametrize(
    "url",
    [URL, "https://lms.example.health.gov/verify/ZXCVBNMASDFGH?utm_source=certificate&x=1"],
)
def test_the_qr_code_encodes_exactly_the_verification_address(url):
    data = pdf.certificate_pdf(replace(FACTS, verify_url=url))
    drawn = qr_modules_in(data)
    assert drawn == expected_modules(url)
    # And it is the module's own QR code, which other pages (the verification page) can reuse.
    assert drawn == [[bool(m) for m in row] for row in pdf.qr_for(url).matrix_iter(border=4)]
    assert pdf.qr_for(url).error == "M"


def test_a_different_address_gives_a_different_qr_code():
    drawn = qr_modules_in(pdf.certificate_pdf(FACTS))
    assert drawn != expected_modules(URL.replace("ABCDEFGHJKLMN", "ABCDEFGHJKLMP"))


# -- what must fit ------------------------------------------------------------------------


def long_text(words: list[str], length: int) -> str:
    text = ""
    while len(text) < length:
        text += words[len(text.split()) % len(words)] + " "
    return text[:length].strip()


def assert_inside_the_frame(page) -> None:
    """Every piece of text starts inside the frame; centred text then also ends inside it."""
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    for text, x, y, _size in fragments(page):
        assert 12 * MM <= x <= width - 12 * MM, text
        assert 12 * MM <= y <= height - 12 * MM, text


def test_a_200_character_name_and_title_still_fit_on_one_page():
    name = long_text(["Maria-Fernanda", "de", "los", "Ángeles", "Wolfeschlegelsteinhausen"], 200)
    title = long_text(["Recognising,", "referring", "and", "caring", "for", "survivors"], 200)
    assert len(name) == len(title) == 200
    reader = read(pdf.certificate_pdf(replace(FACTS, learner_name=name, course_title=title)))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert is_landscape(page)
    assert_inside_the_frame(page)
    text = " ".join(page.extract_text().split())
    assert name in text
    assert title in text
    assert URL in text and "ABCD-EFGH-JKLMN" in text


@pytest.mark.parametrize("letter", ["W", "ж"])
def test_a_200_letter_word_is_shrunk_and_broken_never_off_the_page(letter):
    word = letter * 200
    reader = read(pdf.certificate_pdf(replace(FACTS, learner_name=word, course_title=word)))
    assert len(reader.pages) == 1
    assert_inside_the_frame(reader.pages[0])
    assert URL in reader.pages[0].extract_text()


def test_a_long_verification_address_stays_inside_the_page():
    url = "https://learning.regional-health-authority.example.org/certificates/verify/" + "A" * 40
    page = read(pdf.certificate_pdf(replace(FACTS, verify_url=url))).pages[0]
    assert_inside_the_frame(page)


def test_whitespace_in_a_name_is_one_line_and_accents_are_composed():
    decomposed = "Jose\u0301\n  Ångstro\u0308m"  # e + combining acute, o + combining diaeresis
    text = text_of(pdf.certificate_pdf(replace(FACTS, learner_name=decomposed)))
    assert "José Ångström" in text


# -- scripts beyond Latin, Greek and Cyrillic ----------------------------------------------


def embedded_fonts(data: bytes) -> set[str]:
    fonts = read(data).pages[0]["/Resources"]["/Font"]
    return {str(font.get_object()["/BaseFont"]).split("+", 1)[1] for font in fonts.values()}


def test_latin_names_embed_only_the_core_font():
    assert embedded_fonts(pdf.certificate_pdf(FACTS)) == {"NotoSans", "NotoSansSemiBold"}


@pytest.mark.parametrize(
    ("package", "name", "font"),
    [
        ("fontpkg_noto_sans_arabic", "فاطمة الزهراء العلي", "NotoSansArabicSemiBold"),
        ("fontpkg_noto_sans_devanagari", "प्रियंका शर्मा", "NotoSansDevanagariSemiBold"),
        ("fontpkg_noto_sans_thai", "สมชาย ใจดี", "NotoSansThaiSemiBold"),
    ],
)
def test_shaped_scripts_come_from_their_own_family(package, name, font, caplog):
    if importlib.util.find_spec(package) is None or importlib.util.find_spec("uharfbuzz") is None:
        pytest.skip(f"{package} and uharfbuzz are needed for this script")
    caplog.set_level(logging.WARNING)
    data = pdf.certificate_pdf(replace(FACTS, learner_name=name))
    reader = read(data)
    assert len(reader.pages) == 1
    assert font in embedded_fonts(data)
    assert missing_glyph_warnings(caplog) == []
    # Shaped text (joined and reordered glyphs) does not extract reliably with pypdf;
    # the metadata carries the name as written, and the rest of the page still reads.
    assert name in reader.metadata.title
    text = reader.pages[0].extract_text()
    assert FACTS.course_title in text and URL in text and "ABCD-EFGH-JKLMN" in text


# -- pure and safe ---------------------------------------------------------------------------


def test_making_a_certificate_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pdf.certificate_pdf(FACTS)
    pdf.transcript_pdf("Zoë", [], date(2026, 11, 24), "Site", "Org")
    assert os.listdir(tmp_path) == []


def test_certificates_made_at_once_in_threads_are_each_right():
    names = [f"{name} {i}" for i in range(3) for name in NAMES]
    with ThreadPoolExecutor(max_workers=4) as pool:
        documents = list(
            pool.map(lambda n: pdf.certificate_pdf(replace(FACTS, learner_name=n)), names)
        )
    for name, data in zip(names, documents, strict=True):
        assert name in text_of(data)


# -- wording ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "grouped"),
    [
        ("ABCDEFGHJKLMN", "ABCD-EFGH-JKLMN"),
        ("ABCDEFGHJKLM", "ABCD-EFGH-JKLM"),
        ("ABCDEFGHJKLMNPQR", "ABCD-EFGH-JKLM-NPQR"),
        ("ABCD-EFGH-JKLMN", "ABCD-EFGH-JKLMN"),
        ("ABCDE", "ABCDE"),
    ],
)
def test_codes_are_grouped_for_reading(code, grouped):
    assert pdf.format_code(code) == grouped


@pytest.mark.parametrize(
    ("hours", "words"),
    [
        (2.5, "2.5 credit hours"),
        (1, "1 credit hour"),
        (1.0, "1 credit hour"),
        (0.75, "0.75 credit hours"),
        (3, "3 credit hours"),
        (1.333333, "1.33 credit hours"),
        (0, "0 credit hours"),
    ],
)
def test_credit_hours_are_written_plainly(hours, words):
    assert pdf.format_credit_hours(hours) == words


def test_dates_are_written_unambiguously():
    assert pdf.format_date(date(2026, 11, 23)) == "23 November 2026"
    assert pdf.format_date(date(2027, 1, 2)) == "2 January 2027"


# -- the transcript -------------------------------------------------------------------------

ROWS = [
    TranscriptRow(FACTS.course_title, 2.5, date(2026, 11, 23), "ABCDEFGHJKLMN", "valid"),
    TranscriptRow(
        "Trauma-informed care for survivors", 1.0, date(2026, 10, 2), "QRSTUVWXYZABC", "revoked"
    ),
    TranscriptRow("Safe referral pathways", 0.75, date(2026, 9, 12), "PQRSTUVWXYZAB", "valid"),
]


def transcript(rows=ROWS, name="Фатима Алиева") -> bytes:
    return pdf.transcript_pdf(
        name,
        rows,
        date(2026, 11, 24),
        "Trafficking Response LMS",
        "Trafficking Response Training Network",
    )


def test_the_transcript_lists_each_course_and_the_total():
    reader = read(transcript())
    page = reader.pages[0]
    assert float(page.mediabox.height) > float(page.mediabox.width)
    text = page.extract_text()
    for expected in (
        "Transcript",
        "Фатима Алиева",
        "Generated on 24 November 2026",
        "Recognising and responding to",
        "Trauma-informed care for survivors",
        "Safe referral pathways",
        "ABCD-EFGH-JKLMN",
        "QRST-UVWX-YZABC",
        "PQRS-TUVW-XYZAB",
        "23 November 2026",
        "2 October 2026",
        "12 September 2026",
        "Valid",
        "Revoked",
        "Page 1 of 1",
    ):
        assert expected in text, expected
    # Revoked certificates are listed but not counted: 2.5 + 0.75.
    assert "Total: 3.25 credit hours" in text
    assert "revoked certificates are not counted" in text
    meta = reader.metadata
    assert meta.title == "Transcript: Фатима Алиева"
    assert meta.creator == "Trafficking Response LMS"


def test_an_empty_transcript_says_so():
    text = text_of(transcript(rows=[]))
    assert "No completed courses yet." in text
    assert "Total: 0 credit hours" in text


def test_a_long_transcript_runs_onto_more_pages_with_its_headings():
    rows = [
        TranscriptRow(
            f"Course number {i} on safe care",
            1.5,
            date(2026, 1, 1 + i % 28),
            f"CODE{i:09d}",
            "valid",
        )
        for i in range(60)
    ]
    reader = read(transcript(rows=rows))
    assert len(reader.pages) > 1
    pages = [page.extract_text() for page in reader.pages]
    assert all("Certificate" in page and "Credit hours" in page for page in pages)
    assert f"Page 2 of {len(pages)}" in pages[1]
    text = "\n".join(pages)
    for i in range(60):
        assert f"Course number {i} on safe care" in text
    assert "Total: 90 credit hours" in pages[-1]
