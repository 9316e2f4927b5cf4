"""A second, independent labelling of the corpus: draft ground truth made without linkcheck.

Usage: python tests/corpus/label_independent.py [--write-drafts DIR]

This is the mechanical half of the two-way labelling described in tests/corpus/README.md. It
shares no code with ``linkcheck.extract``: records are read with regular expressions (BibTeX,
RIS), mwparserfromhell's raw tree (wikitext), Python's html.parser (HTML), markdown-it tokens
(Markdown), pypdf link annotations and page text (PDF) and the relationships of the DOCX
package (DOCX); dates are read by ``dateparser`` after an accessed-on cue word. Its output is a
draft that the manual reading corrects; the differences are listed by ``--compare``.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

HERE = Path(__file__).resolve().parent
DOCS = HERE / "docs"

CUES = re.compile(
    r"(?i)(accessed(?:\s+on)?|last\s+accessed|retrieved(?:\s+on)?|viewed|visited|consulted|cited|"
    r"abgerufen(?:\s+am)?|zugriff(?:\s+am)?|aufgerufen(?:\s+am)?|consult[ée](?:\s+le)?|consultado(?:\s+el)?|"
    r"acesso\s+em|acedido\s+em|geraadpleegd(?:\s+op)?|bezocht(?:\s+op)?|(?:ultimo\s+)?accesso(?:\s+il)?|consultato(?:\s+il)?|"
    r"visitato(?:\s+in\s+data)?|data\s+dost[eę]pu|дата\s+обращения|besucht(?:\s+am)?|visited(?:\s+on)?|abruf-?\s*da-?\s*tum|zugegriffen(?:\s+am)?|"
    r"descargado(?:\s+el)?|recuperado(?:\s+el)?|verkregen|downloaded)\s*[:\-]?\s*"
)
URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'\]\)}|]+", re.IGNORECASE)


def _normalise_date_text(s: str) -> str:
    """Spellings dateparser does not take as they are printed in these documents."""
    s = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", s)  # 24th September
    s = re.sub(r"\b(\d{1,2})\.\s+(\d{1,2})\.?\s+(\d{4})", r"\1.\2.\3", s)  # 07. 08. 2023, 01. 12 2022
    s = re.sub(r"\b(\d{1,2}),\s+(?=[^\W\d_])", r"\1 ", s)  # 30, agosto de 2023
    s = re.sub(r"(?<=[^\W\d_]{3})\.(?=\s)", "", s)  # 17 March. 2025, 07 set. 2023, 6 Oct. 2024
    s = re.sub(r"(?<=[^\W\d_]),\s*(?=\d{4})", " ", s)  # September, 2024
    s = re.sub(r"\b(\d{1,2}),\s*(?=\d{4})", r"\1 ", s)  # April 8, 2026
    return s


def parse_date(s: str) -> str | None:
    import dateparser

    s = _normalise_date_text(s)
    m = re.match(r"[\s\[(]*(\d{4}[-/]\d{1,2}[-/]\d{1,2})", s)
    s = re.sub(r"\s*-\s*", " ", s.strip())
    s = re.sub(r"[\[\]()]", " ", s)
    if m:
        s = m.group(1)
    else:
        m = re.match(r"\s*(\d{1,2}[./]\d{1,2}[./]\d{2,4}|[^.;,\n]*?\d{4})", s)
        if not m:
            return None
        s = m.group(1)
    d = dateparser.parse(
        s,
        settings={
            "PREFER_DAY_OF_MONTH": "first",
            "DATE_ORDER": "DMY",
            "REQUIRE_PARTS": ["day", "month", "year"],
        },
    )
    return d.date().isoformat() if d else None


def tidy(url: str) -> str:
    url = url.strip().rstrip(".,;:")
    url = re.sub(r"\\([&%#_])", r"\1", url)  # LaTeX escapes inside BibTeX url fields
    if url.startswith("//"):
        url = "https:" + url
    while url.endswith(")") and url.count("(") < url.count(")"):
        url = url[:-1]
    url = url.replace("\\_", "_")
    if url.lower().startswith("www."):
        url = "http://" + url
    return url


def pairs_in_text(block: str, hrefs: list[str] | None = None) -> list[tuple[str, str | None]]:
    """(url, date) pairs of one reference entry: every URL, and the cued date if exactly one."""
    urls = [tidy(u) for u in URL.findall(block)] + [tidy(h) for h in (hrefs or [])]
    dates = []
    for m in CUES.finditer(block):
        d = parse_date(block[m.end() : m.end() + 40])
        if d:
            dates.append(d)
    date = dates[0] if len(set(dates)) == 1 else None
    seen: list[tuple[str, str | None]] = []
    for u in urls:
        p = (u, None if "web.archive.org" in u else date)
        if p not in seen:
            seen.append(p)
    return seen


def label_bib(text: str) -> list[tuple[str, str | None]]:
    out = []
    for entry in re.split(r"(?m)^\s*@", text)[1:]:
        if re.match(r"(?i)(comment|string|preamble)", entry):
            continue
        urls = re.findall(r"(?i)\burl\s*=\s*[{\"]\s*([^}\"\s]+)", entry)
        urls = [u for u in urls if not u.startswith("\\url")]
        urls += re.findall(r"\\url\{([^}]+)\}", entry)
        date = None
        m = re.search(r"(?i)\b(?:urldate|accessed|lastchecked)\s*=\s*[{\"]([^}\"]+)", entry)
        if m:
            date = parse_date(m.group(1))
        else:
            note = re.search(r"(?i)\bnote\s*=\s*[{\"](.*)", entry)
            cue = CUES.search(note.group(1)) if note else None
            if note and cue:
                date = parse_date(note.group(1)[cue.end() : cue.end() + 40])
        for u in dict.fromkeys(tidy(u) for u in urls):
            out.append((u, date))
    return out


def label_ris(text: str) -> list[tuple[str, str | None]]:
    out = []
    for rec in re.split(r"(?m)^ER  -.*$", text):
        urls = [m.strip() for m in re.findall(r"(?m)^(?:UR|L2)  - (.*)$", rec)]
        urls = [URL.search(u).group(0) for u in urls if URL.search(u)]
        m = re.search(r"(?m)^Y2  - (.*)$", rec)
        date = parse_date(m.group(1).replace("/", "-").strip("-")) if m else None
        out += [(tidy(u), date) for u in dict.fromkeys(urls)]
    return out


ACCESS_PARAMS = {
    "access-date",
    "accessdate",
    "zugriff",
    "abruf",
    "abgerufen",
    "consulté le",
    "fechaacceso",
    "fecha-acceso",
    "accesso",
    "data di accesso",
    "bezochtdatum",
    "datum bezocht",
    "data dostępu",
    "acessodata",
    "acesso-data",
    "дата обращения",
    "дата доступа",
    "アクセス日",
    "toegang",
}


def label_wiki(text: str) -> list[tuple[str, str | None]]:
    import mwparserfromhell as mw

    code = mw.parse(text)
    out: list[tuple[str, str | None]] = []
    for tpl in code.filter_templates(recursive=True):
        date = None
        for p in tpl.params:
            if str(p.name).strip().lower() in ACCESS_PARAMS:
                date = parse_date(str(p.value).strip())
        for p in tpl.params:
            name = str(p.name).strip().lower()
            val = str(p.value).strip()
            is_url = URL.match(val) or val.startswith("//")  # protocol-relative: //host/path
            if ("url" in name or name in ("lire en ligne", "online", "ссылка")) and is_url:
                out.append((tidy(val), None if "archive" in name else date))
    # Japanese references write the day they viewed a bracketed link as plain text after it,
    # "2016年5月9日閲覧" ("viewed on"): within one <ref>, that date goes with its bracketed links.
    viewed: dict[str, str] = {}
    for ref in code.filter_tags(matches=lambda n: str(n.tag).strip().lower() == "ref", recursive=True):
        days = set(re.findall(r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*閲覧", str(ref)))
        if len(days) == 1:
            y, mo, d = days.pop()
            for link in ref.contents.filter_external_links(recursive=True):
                viewed[tidy(str(link.url))] = f"{y}-{int(mo):02d}-{int(d):02d}"
        # English articles write "[url title] Publisher. Retrieved 7 December 2006." in the same
        # way: with one such date in the ref, it goes with the ref's bracketed links.
        retrieved = {
            parse_date(s)
            for s in re.findall(r"(?i)\bretrieved(?:\s+on)?\s+([^.{<\]|]+)", str(ref.contents))
        }
        if len(retrieved) == 1 and None not in retrieved:
            day = retrieved.pop()
            for link in ref.contents.filter_external_links(recursive=True):
                viewed.setdefault(tidy(str(link.url)), day)  # type: ignore[arg-type]
    for link in code.filter_external_links(recursive=True):
        u = tidy(str(link.url))
        if not any(u == x for x, _ in out):
            # a bracketed link inside <ref>: a "Retrieved ..." after it in the same ref
            out.append((u, viewed.get(u)))
    seen = []
    for p in out:
        if p not in seen:
            seen.append(p)
    return seen


class _Blocks(HTMLParser):
    BLOCK: ClassVar[set[str]] = {"p", "li", "div", "td", "h1", "h2", "h3", "h4", "br", "tr", "dd", "dt"}

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[tuple[str, list[str]]] = [("", [])]
        self.skip = 0

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag in ("script", "style"):
            self.skip += 1
        if tag in self.BLOCK:
            self.blocks.append(("", []))
        href = dict(attrs).get("href")
        if tag == "a" and href and href.startswith(("http", "//")):
            t, h = self.blocks[-1]
            self.blocks[-1] = (t, [*h, "https:" + href if href.startswith("//") else href])

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in ("script", "style"):
            self.skip -= 1
        if tag in self.BLOCK:
            self.blocks.append(("", []))

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if not self.skip:
            t, h = self.blocks[-1]
            self.blocks[-1] = (t + data, h)


def label_html(text: str) -> list[tuple[str, str | None]]:
    p = _Blocks()
    p.feed(text)
    out: list[tuple[str, str | None]] = []
    for t, hrefs in p.blocks:
        for pair in pairs_in_text(" ".join(t.split()), hrefs):
            if pair not in out:
                out.append(pair)
    return out


def label_md(text: str) -> list[tuple[str, str | None]]:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"linkify": False})
    out: list[tuple[str, str | None]] = []
    for tok in md.parse(text):
        if tok.type != "inline":
            continue
        hrefs, plain = [], []
        in_autolink = False
        for child in tok.children or []:
            if child.type == "link_open":
                hrefs.append(child.attrs["href"])
                in_autolink = child.markup == "autolink"
            elif child.type == "link_close":
                in_autolink = False
            elif in_autolink:
                continue  # the text of <https://...> is the href, percent-decoded
            elif child.type in ("text", "softbreak"):
                plain.append(child.content if child.type == "text" else " ")
        for pair in pairs_in_text("".join(plain), hrefs):
            if pair not in out:
                out.append(pair)
    return out


LIGATURES = str.maketrans({"\ufb01": "fi", "\ufb02": "fl", "\ufb00": "ff", "\ufb03": "ffi", "\ufb04": "ffl"})
NOT_URL_START = re.compile(r"(?i)\(|accessed|zugriff|besucht|abruf|retrieved|visited|url:")


def _flatten(block: str) -> str:
    """Join a reference's lines; a line that ends inside a URL is continued without a space."""
    lines = [ln.strip() for ln in block.translate(LIGATURES).splitlines() if ln.strip()]
    out = ""
    for ln in lines:
        last = out.rsplit(" ", 1)[-1] if out else ""
        in_url = bool(re.match(r"(?i)(https?://|www\.)\S*$", last)) and not last.endswith((")", ".", ","))
        out = out + ln if in_url and not NOT_URL_START.match(ln) else (out + " " + ln if out else ln)
    return out


def label_pdf(data: bytes) -> list[tuple[str, str | None]]:
    """URLs of the page text (lines joined), each given the cued date next to it.

    Whether a reference list writes its date after the URL ("... URL (besucht am ...)") or
    before it ("Abrufdatum: ... URL: ...") is decided once per document, by which comes
    first; a URL then takes the cued date between it and the next URL (or the previous
    one). Link annotations stand for the text URLs they start with.
    """
    from pypdf import PdfReader

    r = PdfReader(io.BytesIO(data))
    annots: list[str] = []
    for page in r.pages:
        for a in page.get("/Annots") or []:
            uri = a.get_object().get("/A", {}).get("/URI")
            if uri and str(uri).startswith(("http", "www")) and tidy(str(uri)) not in annots:
                annots.append(tidy(str(uri)))
    flat = _flatten("\n".join(p.extract_text() or "" for p in r.pages))
    urls = [(m.start(), m.end(), tidy(m.group(0))) for m in URL.finditer(flat)]
    dates = []
    for m in CUES.finditer(flat):
        d = parse_date(flat[m.end() : m.end() + 40])
        if d:
            dates.append((m.start(), d))
    before = bool(dates and urls and dates[0][0] < urls[0][0])
    out: list[tuple[str, str | None]] = []
    used: set[str] = set()
    for i, (start, stop, url) in enumerate(urls):
        if before:
            lo = urls[i - 1][1] if i else 0
            cands = [d for pos, d in dates if lo <= pos < start]
            date = cands[-1] if cands else None
        else:
            hi = urls[i + 1][0] if i + 1 < len(urls) else len(flat)
            cands = [d for pos, d in dates if stop <= pos < hi]
            date = cands[0] if cands else None
        squeezed = _key(url).replace("_", "").replace(" ", "")
        match = [a for a in annots if _key(a).replace("_", "").startswith(squeezed[:40])]
        target = match[0] if match and len(squeezed) >= 12 else url
        used.update(match[:1])
        out.append((target, None if "web.archive.org" in target else date))
    out += [(a, None) for a in annots if a not in used]
    return list(dict.fromkeys(out))


def label_txt(text: str) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for block in re.split(r"\n\s*\n|\n(?=\S)", text):
        for pair in pairs_in_text(" ".join(block.split())):
            if pair not in out:
                out.append(pair)
    return out


def label_docx(data: bytes) -> list[tuple[str, str | None]]:
    import docx

    d = docx.Document(io.BytesIO(data))
    rels = {r.rId: r.target_ref for r in d.part.rels.values() if r.is_external}
    out: list[tuple[str, str | None]] = []
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    # Every paragraph of the body in order, also those inside content controls (w:sdt), where
    # Word's citation manager puts its BIBLIOGRAPHY list; `Document.paragraphs` skips them.
    for p in d.element.body.iter(qn("w:p")):
        para = Paragraph(p, d)
        # Word keeps a link's #fragment apart from its target, in w:anchor.
        links = re.findall(r'r:id="(rId\d+)"(?:\s+w:anchor="([^"]*)")?', para._p.xml)
        hrefs = [
            rels[i] + (f"#{a}" if a else "") for i, a in links if i in rels and rels[i].startswith("http")
        ]
        for pair in pairs_in_text(para.text, hrefs):
            if pair not in out:
                out.append(pair)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        _ = z.namelist()
    return out


def label(path: Path) -> list[tuple[str, str | None]]:
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return label_pdf(data)
    if suffix == ".docx":
        return label_docx(data)
    text = data.decode("utf-8", errors="replace")
    return {
        ".bib": label_bib,
        ".ris": label_ris,
        ".wiki": label_wiki,
        ".html": label_html,
        ".md": label_md,
        ".txt": label_txt,
    }[suffix](text)


def _key(u: str) -> str:
    return re.sub(r"^[a-z]+://", "", u.strip(), flags=re.I).rstrip("/")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write-drafts", help="write NAME.draft.json files into this folder")
    ap.add_argument("--compare", action="store_true", help="list differences from the reconciled truth")
    ap.add_argument("--only", help="only files whose name contains this")
    ap.add_argument("--show", action="store_true", help="with --compare: print each differing pair")
    args = ap.parse_args(argv)
    total_diff = 0
    for doc in sorted(DOCS.iterdir()):
        if doc.name.endswith(".json") or (args.only and args.only not in doc.name):
            continue
        got = label(doc)
        if args.write_drafts:
            out = Path(args.write_drafts) / (doc.name + ".draft.json")
            out.write_text(json.dumps([{"url": u, "accessed": a} for u, a in got], indent=1) + "\n")
        if args.compare:
            truth = json.loads((DOCS / (doc.name + ".expected.json")).read_text())
            t = {(_key(e["url"]), e["accessed"]) for e in truth}
            g = {(_key(u), a) for u, a in got}
            diff = len(t ^ g)
            total_diff += diff
            print(f"{doc.name}: truth {len(t)}, independent {len(g)}, agree {len(t & g)}, differ {diff}")
            if args.show:
                for k, a in sorted(t - g, key=str):
                    print(f"  only in truth:       {k} {a}")
                for k, a in sorted(g - t, key=str):
                    print(f"  only in independent: {k} {a}")
    if args.compare:
        print(f"total differences {total_diff}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
