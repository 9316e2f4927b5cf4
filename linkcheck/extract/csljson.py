"""Citations from CSL-JSON files (Zotero, Mendeley, pandoc-citeproc and citation.js exports).

A CSL-JSON file is a list of items (or an object with an ``items`` list); each item is one
reference. Its URL comes from ``URL``, its accessed-on date from ``accessed``
(``{"date-parts": [[2021, 3, 6]]}`` when it names a whole day, ``{"raw": ...}``,
``{"literal": ...}``, or a plain string). ``DOI`` becomes a citation only with
``include_dois`` and when the item has no URL.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from linkcheck.extract.dates import date_problem, field_date
from linkcheck.extract.urls import clean_url
from linkcheck.models import Citation, Extraction, ExtractOptions

FORMAT = "csljson"

_TEXT_LIMIT = 300
# Keys that mark an object as a CSL item (every item has "type"; most have one of these too).
_CSL_KEYS = {"title", "URL", "DOI", "author", "issued", "container-title", "accessed", "editor", "publisher"}


def sniff(text: str) -> bool:
    """Whether a text looks like CSL-JSON: a JSON list (or ``items``) of objects with CSL keys."""
    head = text[:8192].lstrip("\ufeff \t\r\n")
    if not head.startswith(("[", "{")):
        return False
    has_type = re.search(r'"type"\s*:\s*"', head) is not None
    has_csl = re.search(r'"(?:title|URL|DOI|author|issued|container-title|accessed)"\s*:', head) is not None
    return has_type and has_csl


def extract(text: str, options: ExtractOptions) -> Extraction:
    """Every cited URL of a CSL-JSON file, one reference entry per item.

    Raises ValueError when the text is not JSON, or is JSON but not a list of CSL items.
    """
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid CSL-JSON: {e.msg} at line {e.lineno}") from None
    items = _items(data)
    result = Extraction(format=FORMAT)
    cursor = 0
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            result.notes.append(f"item {index + 1}: not a JSON object, skipped")
            continue
        citation, cursor = _item_citation(item, index, text, cursor, options, result.notes)
        if citation is not None:
            result.citations.append(citation)
    return result


def _items(data: Any) -> list[Any]:
    if isinstance(data, dict):
        if isinstance(data.get("items"), list):
            data = data["items"]
        elif "type" in data and _CSL_KEYS & data.keys():
            data = [data]
        else:
            raise ValueError("not valid CSL-JSON: an object without an 'items' list")
    if not isinstance(data, list):
        raise ValueError("not valid CSL-JSON: neither a list of items nor an object with 'items'")
    objects = [x for x in data if isinstance(x, dict)]
    if data and not any(("type" in x or "id" in x) and _CSL_KEYS & x.keys() for x in objects):
        raise ValueError(
            "not valid CSL-JSON: the list holds no CSL items (objects with 'type' and 'title', 'URL', ...)"
        )
    return data


def _item_citation(
    item: dict[str, Any], index: int, text: str, cursor: int, options: ExtractOptions, notes: list[str]
) -> tuple[Citation | None, int]:
    where = f"item {index + 1}" + (f" ({item['id']})" if isinstance(item.get("id"), str) else "")
    raw_url = item.get("URL") or item.get("url")
    cited: str | None = None
    url: str | None = None
    if isinstance(raw_url, str) and raw_url.strip():
        # Zotero sometimes writes several URLs into one field; the first is the item's.
        cited = raw_url.strip().split()[0]
        url = clean_url(cited)
        if url is None:
            notes.append(f"{where}: URL {raw_url!r} is not usable")
    doi = item.get("DOI")
    if url is None and options.include_dois and isinstance(doi, str):
        doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi.strip(), flags=re.IGNORECASE)
        if re.match(r"10\.\d{4,9}/\S+$", doi):
            cited, url = doi, "https://doi.org/" + doi
    if url is None or cited is None:
        return None, cursor
    line, cursor = _line_of(text, cited, cursor)
    title = item.get("title") if isinstance(item.get("title"), str) else None
    accessed = _accessed(item.get("accessed"), options, notes, where)
    return (
        Citation(
            cited=cited,
            url=url,
            line=line,
            text=_render(item, title),
            accessed=accessed,
            title=title or None,
        ),
        cursor,
    )


def _line_of(text: str, cited: str, cursor: int) -> tuple[int | None, int]:
    """The line of the URL's JSON string, searched after the previous item's URL."""
    for probe in (json.dumps(cited, ensure_ascii=False)[1:-1], json.dumps(cited)[1:-1], cited):
        pos = text.find(probe, cursor)
        if pos >= 0:
            return text.count("\n", 0, pos) + 1, pos + len(probe)
    return None, cursor


def _accessed(value: Any, options: ExtractOptions, notes: list[str], where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, str):
        return field_date(value, options, notes, f"{where}: accessed")
    if not isinstance(value, dict):
        notes.append(f"{where}: accessed {value!r} is not a date")
        return None
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list):
        first = parts[0]
        if len(first) < 3:
            return None  # a year or a month is not an accessed-on day
        try:
            d = dt.date(int(first[0]), int(first[1]), int(first[2]))
        except (TypeError, ValueError):
            notes.append(f"{where}: accessed {first!r} is not a valid date")
            return None
        problem = date_problem(d, options.today)
        if problem:
            notes.append(f"{where}: {problem}")
            return None
        return d
    for key in ("raw", "literal"):
        if isinstance(value.get(key), str):
            return field_date(value[key], options, notes, f"{where}: accessed")
    return None


def _name(person: Any) -> str:
    if not isinstance(person, dict):
        return str(person)
    if isinstance(person.get("literal"), str):
        return str(person["literal"])
    family = str(person.get("family", "")).strip()
    given = str(person.get("given", "")).strip()
    return f"{family}, {given}" if family and given else family or given


def _render(item: dict[str, Any], title: str | None) -> str:
    """One readable line for the item: authors. title. container. year."""
    parts: list[str] = []
    people = item.get("author") or item.get("editor")
    if isinstance(people, list) and people:
        names = [_name(p) for p in people[:4]]
        parts.append("; ".join(n for n in names if n) + ("; et al" if len(people) > 4 else ""))
    if title:
        parts.append(title)
    for key in ("container-title", "publisher"):
        if isinstance(item.get(key), str) and item[key].strip():
            parts.append(item[key])
            break
    issued = item.get("issued")
    if isinstance(issued, dict):
        dp = issued.get("date-parts")
        if isinstance(dp, list) and dp and isinstance(dp[0], list) and dp[0]:
            parts.append(str(dp[0][0]))
        elif isinstance(issued.get("raw"), str):
            parts.append(issued["raw"])
    text = " ".join((". ".join(p.rstrip(". ") for p in parts if p) + ".").split())
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1].rstrip() + "…"
