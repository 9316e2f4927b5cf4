"""The components linkcheck cannot work without: each one loaded up front, or one clear failure.

A component that cannot be imported must stop the tool, never quietly switch off what it does:
without trafilatura (or the lxml_html_clean that its jusText imports) no live page could be
compared with what the author saw, and every run would report a page whose text was replaced as
``alive``. So ``check`` loads what fingerprinting needs before it fetches anything, and
``--version`` names the version of every component, or the one that is broken.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from dataclasses import dataclass

from linkcheck.errors import EnvironmentFailure

#: What to tell a user whose install lacks a part: the lock pins what the suite passed with.
REINSTALL = "reinstall linkcheck with its dependencies (pip install -c requirements.lock . in its source)"


@dataclass(frozen=True, slots=True)
class Component:
    """One package the installed tool needs, the module that proves it loads, and what it is for."""

    module: str
    distribution: str
    purpose: str


#: Every component, each listed after what it imports, so that the first failure names the root.
COMPONENTS: tuple[Component, ...] = (
    Component("lxml.etree", "lxml", "XML and HTML parsing"),
    Component("lxml_html_clean", "lxml_html_clean", "HTML cleaning for trafilatura's jusText"),
    Component("trafilatura", "trafilatura", "main-text extraction, for content drift"),
    Component("selectolax.lexbor", "selectolax", "HTML parsing"),
    Component("httpx", "httpx", "HTTP client"),
    Component("httpcore", "httpcore", "HTTP connections"),
    Component("sqlite_utils", "sqlite-utils", "the database"),
    Component("pypdf", "pypdf", "PDF reading"),
    Component("docx", "python-docx", "DOCX reading"),
    Component("bibtexparser", "bibtexparser", "BibTeX reading"),
    Component("rispy", "rispy", "RIS reading"),
    Component("mwparserfromhell", "mwparserfromhell", "wikitext reading"),
    Component("charset_normalizer", "charset-normalizer", "text encodings"),
    Component("jinja2", "jinja2", "the HTML report"),
    Component("apscheduler", "apscheduler", "the scheduler"),
    Component("sqlalchemy", "sqlalchemy", "the scheduler's job store"),
)

#: What fingerprinting a live page needs: loaded before a check run fetches anything.
FOR_CHECK = ("lxml.etree", "lxml_html_clean", "trafilatura", "selectolax.lexbor")

_BY_MODULE = {c.module: c for c in COMPONENTS}
_BY_TOP = {c.module.split(".")[0]: c for c in COMPONENTS}


def failure(component: str, error: ImportError) -> EnvironmentFailure:
    """The failure to report for ``error``, raised while loading ``component`` (a module name)."""
    # The module that is really missing may be another one (trafilatura without lxml_html_clean).
    missing = error.name.split(".")[0] if error.name else None
    known = _BY_TOP.get(missing or "") or _BY_MODULE.get(component)
    fix = f"pip install {known.distribution}, or {REINSTALL}" if known else REINSTALL
    what = known.purpose if known else component
    return EnvironmentFailure(f"{component} ({what})", f"cannot be loaded: {error.msg or error}", fix)


def require(modules: tuple[str, ...] = tuple(_BY_MODULE)) -> None:
    """Import each of ``modules``; raise :class:`EnvironmentFailure` naming the first that fails."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as e:
            raise failure(module, e) from e


def versions() -> list[tuple[str, str, str | None]]:
    """(distribution, version, problem) for every component: problem None when it loads."""
    out = []
    for c in COMPONENTS:
        try:
            version = importlib.metadata.version(c.distribution)
        except importlib.metadata.PackageNotFoundError:
            version = "not installed"
        try:
            importlib.import_module(c.module)
            problem = None
        except ImportError as e:
            problem = str(failure(c.module, e))
        out.append((c.distribution, version, problem))
    return out
