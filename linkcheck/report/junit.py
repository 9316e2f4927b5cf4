"""The JUnit XML report, for CI systems that show test results (GitLab, Jenkins, Azure, CircleCI).

One ``testsuite`` per document and one ``testcase`` per citation (``classname`` the document,
``name`` the line and URL): a problem link is a ``failure`` whose message is its verdict and
reason; a link not fetched (skipped, invalid, unchecked) is ``skipped``; an acknowledged problem
passes, with its acknowledgement in ``system-out``. The shape is the one Jenkins' schema gives
(junit-10.xsd, vendored as ``tests/fixtures/junit-10.xsd``), which the others read; the tests
validate reports against it. Written with ElementTree, so every value is escaped.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from linkcheck.models import Verdict
from linkcheck.report import Report, ReportCitation, ReportLink
from linkcheck.report.text import one_line, reason_text

# XML 1.0 allows no control characters but tab, newline and carriage return, even escaped.
_XML_BAD = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF])


def _clean(text: str | None) -> str:
    return (text or "").translate(_XML_BAD)


def _case(suite: ET.Element, c: ReportCitation | None, link: ReportLink, classname: str) -> str:
    where = f"line {c.line}: " if c is not None and c.line is not None else ""
    case = ET.SubElement(
        suite, "testcase", name=_clean(where + one_line(link.url)), classname=_clean(classname)
    )
    case.set("time", "0")
    message = f"{link.verdict}: {reason_text(link.reason, link.http_status)}"
    out = []
    if link.is_problem:
        failure = ET.SubElement(case, "failure", message=_clean(message), type=_clean(link.verdict))
        s = (c.suggestion if c is not None else None) or link.suggestion
        detail = [f"{link.url}", message]
        if c is not None and c.accessed:
            detail.append(f"accessed {c.accessed}")
        if s is not None:
            detail.append(f"{s.note}: {s.url}" if s.url else s.note)
        failure.text = _clean("\n".join(detail))
        outcome = "failure"
    elif not Verdict(link.verdict).traits.ran:
        ET.SubElement(case, "skipped", message=_clean(message))
        outcome = "skipped"
    else:
        outcome = "pass"
    if link.acknowledged is not None:
        note = link.acknowledged.get("note")
        out.append(f"acknowledged until {link.acknowledged.get('until')}" + (f": {note}" if note else ""))
    if link.note:
        out.append(f"note: {link.note}")
    if out:
        ET.SubElement(case, "system-out").text = _clean("\n".join(out))
    return outcome


def render(report: Report) -> str:
    """The report as JUnit XML (UTF-8, with its declaration)."""
    root = ET.Element("testsuites", name="linkcheck")
    totals = {"tests": 0, "failures": 0, "skipped": 0}

    def suite_of(name: str, items: list[tuple[ReportCitation | None, ReportLink]]) -> None:
        suite = ET.SubElement(root, "testsuite", name=_clean(name), timestamp=report.generated_at[:19])
        if items and items[0][0] is not None:
            suite.set("file", _clean(name))
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for c, link in items:
            outcome = _case(suite, c, link, name)
            counts["tests"] += 1
            if outcome == "failure":
                counts["failures"] += 1
            elif outcome == "skipped":
                counts["skipped"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
        suite.set("time", "0")

    for document, items in report.by_document():
        suite_of(document, list(items))
    orphans: list[tuple[ReportCitation | None, ReportLink]] = [
        (None, k) for k in report.links if not k.citations
    ]
    if orphans:
        suite_of("links no longer cited", orphans)
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", "0")
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
