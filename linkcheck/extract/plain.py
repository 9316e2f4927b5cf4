"""Plain text, Markdown and reStructuredText: free text with a little markup.

Markup is left in place (so that line numbers and offsets stay those of the file), and
the free-text engine finds URLs in it; Markdown's backslash escapes inside a URL
(``\\_``) are undone, and Markdown image targets are not citations.
"""

from __future__ import annotations

import re

from linkcheck.extract.text import citations_from_text
from linkcheck.models import Extraction, ExtractOptions

_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!~|])")
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_CODE_FENCE = re.compile(r"(?ms)^(```|~~~).*?^\1[ \t]*$")


def _blank(m: re.Match[str]) -> str:
    # Keep offsets and newlines, drop the content.
    return re.sub(r"[^\n]", " ", m.group(0))


def unescape_markdown(url: str) -> str:
    """Undo Markdown backslash escapes in a URL (``a\\_b`` -> ``a_b``)."""
    return _MD_ESCAPE.sub(r"\1", url)


def extract(text: str, options: ExtractOptions, fmt: str = "text") -> Extraction:
    """Citations of a plain-text, Markdown (``fmt="markdown"``) or reStructuredText document."""
    notes: list[str] = []
    unescape = None
    if fmt == "markdown":
        text = _CODE_FENCE.sub(_blank, text)
        text = _MD_IMAGE.sub(_blank, text)
        unescape = unescape_markdown
    cites = citations_from_text(text, options, unescape=unescape, notes=notes)
    return Extraction(format=fmt, citations=cites, notes=notes)
