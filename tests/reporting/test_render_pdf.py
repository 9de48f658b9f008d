"""Report PDFs and the Review Board pack, read back with pypdf as a reader of the printed page would."""

from __future__ import annotations

import io
import re
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pypdf import PdfReader
from reporting.sample_reports import (
    BOLD,
    HYPERLINK,
    SCRIPT,
    audit_report,
    benefit_report,
    inactive_users_report,
    many_findings_report,
)

from council_social.reporting import pdf_format
from council_social.reporting.pdf_format import render_pack, render_pdf

A4 = (595.0, 842.0)  # points


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def audit_pdf() -> bytes:
    return render_pdf(audit_report())


@pytest.fixture(scope="module")
def pack() -> bytes:
    return render_pack([inactive_users_report(), None, benefit_report(), audit_report()],
                       title="Digital Comms Review Board pack", period_label="April to September 2026",
                       as_of=date(2026, 9, 30))


def test_report_pdf_is_a4_with_page_x_of_y_on_every_page(audit_pdf):
    reader = PdfReader(io.BytesIO(audit_pdf))
    texts = pages(audit_pdf)

    assert len(texts) >= 2
    for number, (page, text) in enumerate(zip(reader.pages, texts, strict=True), start=1):
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == A4
        assert f"Page {number} of {len(texts)}" in text
        assert "Bi-annual audit of accounts and users" in text  # running header


def test_every_finding_is_traceable_to_its_rule_clause_severity_and_status(audit_pdf):
    text = flat(" ".join(pages(audit_pdf)))
    report = audit_report()

    for f in report.findings:
        assert f"Rule {f.rule} · {f.clause}" in text, f.rule
        assert f.summary in text
    assert "CRITICAL NEW Account facebook:mcrlibraries" in text
    assert "HIGH STILL OPEN Account x:mcrparks" in text
    assert "HIGH RESOLVED Account x:mcrhousing" in text
    assert "resolved 15 Sep 2026" in text
    assert report.headline in text
    assert "Critical open High open Medium open Low open New Still open Resolved 3 1 1 1 3 3 1" in text
    assert "No establishment has more than one account on a platform." in text  # an empty section says so


def test_public_text_is_printed_as_text_not_markup(audit_pdf):
    text = flat(" ".join(pages(audit_pdf)))

    assert f"Fake Council {SCRIPT}" in text
    assert f"Bio says {BOLD} and {SCRIPT}" in text
    assert HYPERLINK in text
    assert "bio =HYPERLINK" in text  # evidence printed as a key/value table


def test_charts_are_embedded_as_images(audit_pdf):
    images = {image.data for page in PdfReader(io.BytesIO(audit_pdf)).pages for image in page.images}
    assert len(images) == 1 and next(iter(images)).startswith(b"\x89PNG")
    assert "1 critical, 3 high and 2 medium findings are open" in flat(" ".join(pages(audit_pdf)))


def test_rag_status_is_written_in_words():
    text = flat(" ".join(pages(render_pdf(benefit_report()))))

    assert "Followers 22% below target 390 500 Red" in text
    assert "Posts a week 4.6 per week 5 per week Amber" in text
    assert "Engagement rate 3.25% 3% Green" in text
    assert "no data 90% Not rated" in text
    assert "Verdict: Keep @NewLibraryAcct" in text


class _Counter(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's hook name
        _Counter.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


def test_rendering_never_fetches_from_the_network_or_the_disk(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for a report")
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        html = (f'<link rel="stylesheet" href="{url}/style.css"><img src="{url}/pixel.png">'
                f'<img src="file://{secret}"><p style="background: url({url}/bg.png)">x</p>')
        pdf = pdf_format._write_pdf(html)
    finally:
        server.shutdown()
        server.server_close()

    assert _Counter.hits == []
    assert pdf.startswith(b"%PDF")
    fetcher = pdf_format._fetcher()
    for refused in (f"{url}/x", "https://example.com/x", f"file://{secret}", "ftp://example.com/x"):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(refused)
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


def test_pack_has_a_cover_without_page_number_and_page_x_of_y_after_it(pack):
    texts = pages(pack)
    cover = flat(texts[0])

    assert "DIGITAL COMMS REVIEW BOARD" in cover.upper()
    assert "Digital Comms Review Board pack" in cover and "April to September 2026" in cover
    assert "Figures as at 30 Sep 2026" in cover
    assert "Page 1 of" not in cover
    for number, text in enumerate(texts[1:], start=2):
        assert f"Page {number} of {len(texts)}" in text


def _contents(texts: list[str]) -> list[tuple[str, int]]:
    contents = flat(texts[1])
    assert contents.startswith("Contents")
    body = contents[len("Contents"):].split(" Digital Comms Review Board pack Council Social Pipelines")[0]
    return [(title.strip(), int(page)) for title, page in re.findall(r"(.+?)\s*\.{4,}\s*(\d+)", body)]


def test_pack_contents_page_numbers_match_where_each_part_starts(pack):
    texts = pages(pack)
    entries = _contents(texts)
    titles = [title for title, _ in entries]

    assert titles[:2] == ["Executive summary", "1. Bi-annual audit of accounts and users"]
    assert "2. New-account benefit report" in titles and "3. Inactive users" in titles
    assert "1.1 Accounts" in titles and "2.1 @NewLibraryAcct on X" in titles
    assert "Appendix A. Evidence for 1. Bi-annual audit of accounts and users" in titles
    assert "Appendix B. Evidence for 3. Inactive users" in titles  # the benefit report has no findings
    assert not any("listening" in title.lower() for title in titles)  # not built yet: simply absent
    for title, page in entries:
        if re.match(r"\d+\.\d+ ", title):  # a section, somewhere in its chapter
            starts = next(n for n, text in enumerate(texts[2:], start=3) if title in flat(text))
        else:  # the summary, a chapter or an appendix opens a new page with its heading
            starts = next(n for n, text in enumerate(texts[2:], start=3) if flat(text).startswith(title))
        assert starts == page, f"{title!r} is listed on page {page} but starts on page {starts}"
    assert [page for _, page in entries] == sorted(page for _, page in entries)


def test_pack_executive_summary_totals_every_report(pack):
    texts = pages(pack)
    summary = flat(texts[2])

    assert summary.startswith("Executive summary")
    assert "All reports 3 1 4 1 4 5 1" in summary
    assert "3 critical findings need action this week, 2 of them new" in summary
    assert "Verdict: Keep @NewLibraryAcct" in summary
    assert "Critical findings to act on" in summary and "Jo Bloggs" in summary


def test_pack_evidence_references_point_to_the_right_appendix_page(pack):
    texts = [flat(t) for t in pages(pack)]
    references = [(label, int(page)) for t in texts
                  for label, page in re.findall(r"Evidence: Appendix ([A-Z]\.\d+), page (\d+)", t)]

    assert len(references) == 4 + 3  # audit findings with evidence, then inactive users
    for label, page in references:
        assert re.search(rf"{re.escape(label)} [AU]\d\d · ", texts[page - 1]), label
    hostile = texts[next(p for label, p in references if label == "A.3") - 1]
    assert f"A05 · Fake Council {SCRIPT}" in hostile and "phone +44 161 234 5000" in hostile
    # ...and back from the appendix to the page of the finding itself.
    back = [(subject, int(page)) for t in texts for subject, page in
            re.findall(r"[A-Z]\.\d+ [AU]\d\d · (.+?) (?:CRITICAL|HIGH|MEDIUM|LOW) .*?finding, page (\d+)", t)]
    assert len(back) == len(references)
    for subject, page in back:
        assert re.search(rf"(CRITICAL|HIGH|MEDIUM|LOW) (NEW|STILL OPEN|RESOLVED) {re.escape(subject)}",
                         texts[page - 1]), subject


def test_pack_needs_a_report():
    with pytest.raises(ValueError, match="at least one report"):
        render_pack([None], title="t", period_label="p", as_of=date(2026, 9, 30))


def test_a_rule_with_many_findings_shows_the_most_urgent_and_counts_the_rest():
    report = many_findings_report(high=pdf_format.FINDINGS_PER_RULE + 7, medium=2, low=0)
    text = flat(" ".join(pages(render_pdf(report))))
    assert "and 7 more A02 findings" in text and "sheet A02" in text
    assert "more A10" not in text, "a rule under the cap is shown whole"
    shown = [n for n in range(pdf_format.FINDINGS_PER_RULE + 7) if f"x:acct{n:03d}" in text]
    assert len(shown) == pdf_format.FINDINGS_PER_RULE
    assert all(f"x:acct{n:03d}" in text for n in range(5)), "new findings come first"
