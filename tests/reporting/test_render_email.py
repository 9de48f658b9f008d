"""The report email: summary first, what to act on next, Outlook-safe HTML, public text inert."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from reporting.sample_reports import (
    BOLD,
    SCRIPT,
    audit_report,
    benefit_report,
    charts,
    finding,
    many_findings_report,
)

from council_social.reporting.email_format import FINDINGS_CAP, FINDINGS_MIN, render_email
from council_social.reporting.model import Section
from council_social.reporting.present import subject_line


class Tags(HTMLParser):
    """Every start tag and attribute the HTML really contains (what a mail client would act on)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def audit_email():
    return render_email(audit_report())


def test_public_text_stays_text_in_the_html(audit_email):
    html, _, _ = audit_email
    parsed = Tags(html)

    assert "script" not in {tag for tag, _ in parsed.tags}
    assert "b" not in {tag for tag, _ in parsed.tags}  # the template writes <strong>; <b> could only come from data
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert SCRIPT in "".join(parsed.text) and BOLD in "".join(parsed.text)  # shown to the reader as typed
    assert not any(value and "javascript:" in value.lower() for _, attrs in parsed.tags for value in attrs.values())


def test_summary_and_counts_come_before_what_to_act_on(audit_email):
    html, text, _ = audit_email
    report = audit_report()

    headline = html.index(report.headline)
    assert headline < html.index("Critical open") < html.index("What to act on") < html.index(">Accounts<")
    assert re.search(r">3</p>\s*<p[^>]*>Critical open", html)
    assert "<strong>3</strong> new" in html and "<strong>1</strong> resolved" in html
    # The plain-text part tells the same story in the same order.
    assert text.index(report.headline) < text.index("Open findings: 3 critical, 1 high, 1 medium, 1 low") \
        < text.index("WHAT TO ACT ON") < text.index("ACCOUNTS")
    assert "Action: Remove their Hootsuite access today" in text


def test_html_is_built_the_way_outlook_renders_it(audit_email):
    html, _, _ = audit_email
    lowered = html.lower()

    for forbidden in ("<style", "display:flex", "display: flex", "<svg", "background-image", "url(", "<script"):
        assert forbidden not in lowered
    tables = [attrs for tag, attrs in Tags(html).tags if tag == "table"]
    assert any(attrs.get("width") == "680" for attrs in tables)
    styled = [attrs["style"] for tag, attrs in Tags(html).tags if tag == "p" and "style" in attrs]
    assert styled and all("font-family:Arial" in s or "font-family" not in s for s in styled)


def test_charts_are_inline_images_referenced_by_content_id(audit_email):
    html, _, images = audit_email

    assert set(images) == {"findings-by-severity"}
    for cid, png in images.items():
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert f'src="cid:{cid}"' in html
    sources = [attrs["src"] for tag, attrs in Tags(html).tags if tag == "img"]
    assert sources == ["cid:findings-by-severity"]
    assert all(attrs.get("alt") for tag, attrs in Tags(html).tags if tag == "img")


def test_the_same_chart_name_in_two_sections_gets_two_content_ids():
    by_severity, followers = charts()
    clash = replace(followers, name=by_severity.name)
    report = audit_report()
    report = replace(report, sections=(*report.sections, Section(title="More", charts=(clash,))))

    html, _, images = render_email(report)

    assert set(images) == {"findings-by-severity", "findings-by-severity-2"}
    assert images["findings-by-severity-2"] == followers.png
    assert 'src="cid:findings-by-severity-2"' in html


def test_the_findings_list_is_capped_and_the_rest_counted():
    report = many_findings_report(high=45, medium=7, low=3)

    html, text, _ = render_email(report)

    listed = re.findall(r"Account x:(acct|spam|brand)\d{3}", html)
    assert len(listed) == FINDINGS_CAP and set(listed) == {"acct"}
    assert "Also open: 15 high, 7 medium, 3 low." in html
    assert "Also open: 15 high, 7 medium, 3 low." in text
    # New findings lead the list.
    assert html.index("Account x:acct000") < html.index("Account x:acct005")


def test_with_few_urgent_findings_the_list_is_topped_up_with_the_next_most_urgent():
    report = many_findings_report(high=2, medium=12, low=3)

    html, _, _ = render_email(report)

    assert len(re.findall(r"Account x:acct\d{3}", html)) == 2
    assert len(re.findall(r"Account x:spam\d{3}", html)) == FINDINGS_MIN - 2
    assert "Also open: 4 medium, 3 low." in html


def test_resolved_findings_are_named_and_not_in_the_action_list(audit_email):
    html, text, _ = audit_email
    act_on = html[html.index("What to act on"): html.index("Resolved since the last report")]

    assert "x:mcrhousing" not in act_on
    assert "A07 &middot; Account x:mcrhousing (resolved 15 Sep 2026)" in html
    assert "- A07: Account x:mcrhousing (resolved 15 Sep 2026)" in text


def test_a_report_without_findings_shows_measures_with_rag_in_words_and_its_verdict():
    report = benefit_report()

    html, text, images = render_email(report)

    assert "What to act on" not in html and "Critical open" not in html
    assert f"<strong>Verdict:</strong> {report.verdict}" in html
    for word in ("Red", "Amber", "Green", "Not rated"):
        assert re.search(rf">{word}</td>", html), word
    assert "- Followers: 390 (target 500) [Red] - 22% below target" in text
    assert "- Engagement rate: 3.25% (target 3%) [Green]" in text
    assert "- Response rate: no data (target 90%) [Not rated] - no comments yet" in text
    assert "No other account reached three months." in html
    assert set(images) == {"followers"}


def test_subject_line_says_what_is_open_and_what_is_new():
    assert subject_line(audit_report()) == (
        "Bi-annual audit of accounts and users, April to September 2026: 3 critical, 1 high, 1 medium, 1 low (3 new)"
    )
    report = benefit_report()
    assert subject_line(report) == f"New-account benefit report, October 2026: {report.verdict}"
    resolved_only = replace(report, verdict="", sections=(Section(title="s", findings=(
        finding("U01", "a@example.gov.uk", status="resolved"),)),))
    assert subject_line(resolved_only) == "New-account benefit report, October 2026: nothing open (1 resolved)"
    broken = replace(report, verdict="line one\r\nBcc: everyone@example.com")
    assert "\n" not in subject_line(broken) and "\r" not in subject_line(broken)
