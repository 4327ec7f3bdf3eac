"""How long one certificate PDF takes, against a floor measured in the same run.

    python bench/certificate_pdf.py [--runs 200]

The floor is the cheapest PDF fpdf2 makes: one landscape page with one line in a
built-in font and no QR code. The ratio says what our layout, the embedded Noto
Sans subset and the QR code cost on top of the library itself. The target of
issue #8 is at most 50 ms per certificate.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

from fpdf import FPDF

from lms.certificates import pdf


def floor_pdf() -> bytes:
    document = FPDF(orientation="landscape", format="A4")
    document.add_page()
    document.set_font("helvetica", size=24)
    document.cell(text="Certificate of completion")
    return bytes(document.output())


def timings(make, runs: int) -> list[float]:
    make()  # the first call loads fonts; a server pays it once per process
    result = []
    for _ in range(runs):
        start = time.perf_counter()
        make()
        result.append((time.perf_counter() - start) * 1000)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    facts = pdf.CertificateFacts(
        learner_name="Nguyễn Thị Ánh",
        course_title="Identifying and Referring Patients Who May Be Trafficked",
        credit_hours=2.5,
        completed_on=date(2026, 11, 23),
        course_version=1,
        code="ABCD-EFGH-JKLMN",
        verify_url="https://lms.example.org/verify/ABCDEFGHJKLMN",
        organisation="Recognise and Respond",
        site_name="Recognise and Respond",
    )
    ours = timings(lambda: pdf.certificate_pdf(facts), args.runs)
    floor = timings(floor_pdf, args.runs)
    for name, values in (("certificate", ours), ("floor", floor)):
        values.sort()
        p95 = values[int(0.95 * (len(values) - 1))]
        print(f"{name:12} median {statistics.median(values):6.2f} ms   p95 {p95:6.2f} ms")
    ratio = statistics.median(ours) / statistics.median(floor)
    print(f"certificate / floor: {ratio:.1f}x   (target: certificate median <= 50 ms)")


if __name__ == "__main__":
    main()
