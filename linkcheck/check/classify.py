"""Turning what one check saw into a :class:`~linkcheck.models.Reason`: pure functions.

No network and no database here: the fetcher hands over a status, headers, the redirect
hops and a few signals read from the body, or the exception a try ended with, and gets
back a reason code. Every rule the field has learned about trustworthy verdicts lives
here, so that it can be tested table by table.
"""

from __future__ import annotations

import errno
import re
import ssl
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from linkcheck.check.config import SOFT404_MAX_WORDS
from linkcheck.errors import DnsError, InvalidHost
from linkcheck.extract.urls import moved_target
from linkcheck.models import Hop, Reason

# -- errors -------------------------------------------------------------------------


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def _refused(exc: BaseException) -> bool:
    if isinstance(exc, ConnectionRefusedError):
        return True
    if isinstance(exc, OSError) and exc.errno == errno.ECONNREFUSED:
        return True
    # Some backends keep only the text of the OSError (e.g. "All connection attempts failed").
    return "refused" in str(exc).lower() or f"[errno {errno.ECONNREFUSED}]" in str(exc).lower()


def classify_error(exc: BaseException) -> Reason:
    """The reason code for a try that ended with an exception instead of a response."""
    # Imported here: the content worker imports this module for read_page alone, and httpx
    # (which brings its command line, rich and click) was a third of a second of its start.
    import httpx

    chain = _chain(exc)
    if isinstance(exc, InvalidHost):
        return exc.reason
    if isinstance(exc, DnsError):
        return Reason.DOMAIN_NOT_FOUND if exc.missing else Reason.DNS_ERROR
    if isinstance(exc, httpx.UnsupportedProtocol):
        return Reason.UNSUPPORTED_SCHEME
    if isinstance(exc, httpx.InvalidURL):
        return Reason.INVALID_URL
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return Reason.TIMEOUT
    if any(isinstance(e, ssl.SSLError | ssl.CertificateError) for e in chain):
        return Reason.TLS_ERROR
    if isinstance(exc, httpx.ConnectError):
        if any(_refused(e) for e in chain):
            return Reason.CONNECTION_REFUSED
        if any("ssl" in str(e).lower() or "certificate" in str(e).lower() for e in chain):
            return Reason.TLS_ERROR
        return Reason.CONNECTION_ERROR
    if isinstance(exc, httpx.ProtocolError | httpx.DecodingError):
        return Reason.PROTOCOL_ERROR
    if isinstance(exc, httpx.TransportError | OSError):
        return Reason.CONNECTION_ERROR
    # Anything else is a malformed exchange the HTTP stack did not foresee (h11 raising on
    # odd bytes, a header that does not decode): the server's fault, not ours.
    return Reason.PROTOCOL_ERROR


# -- statuses -----------------------------------------------------------------------


def is_challenge(headers: Mapping[str, str]) -> bool:
    """Cloudflare marks its bot challenge pages with ``cf-mitigated: challenge``."""
    return headers.get("cf-mitigated", "").strip().lower() == "challenge"


def classify_status(status: int, headers: Mapping[str, str]) -> Reason:
    """The reason code for a final (not followed) response status."""
    if 200 <= status < 300 or status == 304:
        return Reason.OK
    if (status in (403, 503) and is_challenge(headers)) or status == 999:
        return Reason.BOT_CHALLENGE
    table = {
        401: Reason.UNAUTHORIZED,
        402: Reason.PAYMENT_REQUIRED,
        403: Reason.FORBIDDEN,
        404: Reason.NOT_FOUND,
        407: Reason.UNAUTHORIZED,
        408: Reason.TIMEOUT,
        410: Reason.GONE,
        429: Reason.RATE_LIMITED,
        451: Reason.LEGAL,
    }
    if status in table:
        return table[status]
    if 500 <= status < 600:
        return Reason.SERVER_ERROR
    if 400 <= status < 500:
        return Reason.CLIENT_ERROR
    # 1xx as a final answer, a 3xx without Location, a status outside HTTP's range.
    return Reason.PROTOCOL_ERROR


# -- URLs ---------------------------------------------------------------------------

LOGIN_SEGMENTS = frozenset(
    {
        "login", "log-in", "log_in", "logon", "signin", "sign-in", "sign_in", "sso", "auth",
        "authenticate", "authorize", "oauth", "oauth2", "saml", "saml2", "cas", "idp",
        "wp-login", "shibboleth", "shibboleth.sso", "openathens",
    }
)  # fmt: skip
LOGIN_HOST_PREFIXES = ("login.", "signin.", "sso.", "auth.", "idp.", "accounts.", "shibboleth.")
#: Single-sign-on services: a redirect to one is a login, whatever its page holds (often a script
#: that draws the form). A host is matched with its subdomains (a tenant's ``x.okta.com``).
SSO_HOSTS = frozenset(
    {
        "login.microsoftonline.com", "login.live.com", "accounts.google.com", "login.openathens.net",
        "my.openathens.net", "okta.com", "oktapreview.com", "auth0.com", "onelogin.com",
        "idp.shibboleth.net", "wayf.ukfederation.org.uk", "ds.incommon.org", "discovery.eduid.ch",
        "seamlessaccess.org", "appleid.apple.com", "login.yahoo.com", "github.com/login",
    }
)  # fmt: skip
LOGIN_MAX_WORDS = 400
"""A page with a password field and fewer visible words than this is a login page; a longer
one is an article that happens to have a sign-in box in its header."""
HOME_PATHS = frozenset(
    {"", "/", "/index", "/index.html", "/index.htm", "/index.php", "/home", "/home.html", "/default.aspx",
     "/default.asp", "/welcome", "/main"}
)  # fmt: skip
_LANG_ROOT = re.compile(r"/[a-z]{2}(?:[-_][a-z]{2})?/?", re.I)


def _segments(path: str) -> list[str]:
    return [s for s in path.lower().split("/") if s]


def is_login_url(url: str) -> bool:
    """Does the URL look like a login page (a path segment or host named for signing in)?"""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.startswith(LOGIN_HOST_PREFIXES):
        return True
    for seg in _segments(parts.path):
        stem = (
            seg.rsplit(".", 1)[0] if seg.endswith((".php", ".html", ".htm", ".aspx", ".asp", ".jsp")) else seg
        )
        if seg in LOGIN_SEGMENTS or stem in LOGIN_SEGMENTS:
            return True
    return False


def is_sso_url(url: str) -> bool:
    """Is the URL on a known single-sign-on service (:data:`SSO_HOSTS`, subdomains included)?"""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    path = parts.path.lower()
    for known in SSO_HOSTS:
        name, _, prefix = known.partition("/")
        if (host == name or host.endswith("." + name)) and (not prefix or path.startswith("/" + prefix)):
            return True
    return False


def is_home_url(url: str) -> bool:
    """Is the URL a site's home page: its root, an index page, or a language root (/en/)?"""
    parts = urlsplit(url)
    path = parts.path.rstrip("/") if parts.path not in ("", "/") else parts.path
    if parts.query:
        return False
    return path.lower() in HOME_PATHS or bool(_LANG_ROOT.fullmatch(parts.path))


# -- pages --------------------------------------------------------------------------

# Phrases that, in a title or main heading, say the page itself is an error page. Strong
# ones count anywhere in the heading; weak ones ("not found" alone) only in a short heading,
# so that an article titled "Lost and not found: how citations decay" stays alive.
STRONG_NOT_FOUND = re.compile(
    r"page (?:was )?not found|page (?:cannot|can't|could not|couldn't) be found"
    r"|page (?:does not|doesn't) exist"
    r"|\berror 404\b|\b404 (?:error|not found|page)\b|\bhttp 404\b"
    r"|page introuvable|seite (?:wurde )?nicht gefunden|p[áa]gina no encontrada|pagina non trovata"
    r"|pagina niet gevonden|p[áa]gina n[ãa]o encontrada|страница не найдена"
    r"|sidan (?:kunde inte hittas|hittades inte)"
    r"|siden (?:blev ikke fundet|finnes ikke)|nie znaleziono strony|str[áa]nka nenalezena"
    r"|ページが見つかりません|页面不存在|找不到页面|페이지를 찾을 수 없습니다",
    re.I,
)
WEAK_NOT_FOUND = re.compile(
    r"\bnot found\b|\b404\b|nicht gefunden|introuvable|no encontrad[oa]|non trovat[oa]|niet gevonden"
    r"|n[ãa]o encontrad[oa]|не найден|does not exist|no longer (?:exists|available)|找不到",
    re.I,
)
SHORT_HEADING_WORDS = 6


@dataclass(frozen=True, slots=True)
class PageSignals:
    """What the classification needs from an HTML body: its title, main headings and words."""

    title: str | None
    headings: tuple[str, ...]
    words: tuple[str, ...]
    password: bool = False
    """The page has a password field (``<input type=password>``, or one the browser fills with
    the current password)."""

    @property
    def is_login(self) -> bool:
        """Is the page a login page: a password field, and little else to read?"""
        return self.password and len(self.words) < LOGIN_MAX_WORDS


def read_page(body: bytes, content_type: str | None) -> PageSignals | None:
    """Title, <h1> texts and the visible words of an HTML body; None for other content."""
    ctype = (content_type or "").lower()
    head = body[:512].lstrip().lower()
    if "html" not in ctype and not head.startswith((b"<!doctype html", b"<html")):
        return None
    tree = LexborHTMLParser(body.decode("utf-8", errors="replace"))
    title_node = tree.css_first("title")
    title = " ".join(title_node.text().split()) if title_node else None
    headings = tuple(" ".join(h.text().split()) for h in tree.css("h1")[:3])
    password = any(
        (node.attributes.get("type") or "").strip().lower() == "password"
        or (node.attributes.get("autocomplete") or "").strip().lower() == "current-password"
        for node in tree.css("input")
    )
    for node in tree.css("script, style, noscript, template"):
        node.decompose()
    text = tree.body.text(separator=" ") if tree.body else ""
    words = tuple(text.split()[:SOFT404_MAX_WORDS])
    return PageSignals(title=title or None, headings=headings, words=words, password=password)


def says_not_found(page: PageSignals) -> bool:
    """Does the page's title or main heading say that the page is not found?

    Only the title and <h1> are read: body text that mentions "not found" is what
    genuine articles about errors say too.
    """
    for text in (page.title, *page.headings):
        if not text:
            continue
        if STRONG_NOT_FOUND.search(text):
            return True
        # A site name after a separator ("Not found | Example Library") does not lengthen the heading.
        first = re.split(r"\s[|–—:·•-]\s", text)[0]
        if len(first.split()) <= SHORT_HEADING_WORDS and WEAK_NOT_FOUND.search(first):
            return True
    return False


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Similarity of two pages' words, between 0 and 1: the share of words they have in common.

    2 * |A & B| / (|A| + |B|) over the two multisets of words: difflib's ratio without its
    order constraint, in linear time. difflib's matching is quadratic in the worst case, and
    a 6 KB probe trap built for it cost 165 CPU-seconds. Order hardly matters here: the
    probe asks whether a made-up URL answers with the same page, not a rearranged one.
    """
    if not a and not b:
        return 1.0
    common = sum((Counter(a) & Counter(b)).values())
    return 2 * common / (len(a) + len(b))


# -- the final answer ------------------------------------------------------------------


def classify_response(
    cited_url: str,
    final_url: str,
    hops: Sequence[Hop],
    status: int,
    headers: Mapping[str, str],
    *,
    not_found_text: bool = False,
    probe_similar: bool = False,
    login_page: bool = False,
) -> Reason:
    """The reason code for a check that ended with a response (after following redirects).

    ``not_found_text``: the page's title or heading says not found; ``probe_similar``: a
    made-up sibling URL answered 200 with nearly the same text. Neither ever makes the
    site's root a soft 404. ``login_page``: the final page is a login form
    (:attr:`PageSignals.is_login`).

    A redirect ends at a login page when that page is a login form, when it is on a known
    single-sign-on service, or when it answers 401/403 at a URL named for signing in. Words
    in a URL alone never make a live page a login page: ``/session/7f3a/publication`` is
    an article behind a session id, ``/help/login-guide`` an article about logging in.
    """
    denied = status in (401, 403)
    if (
        hops
        and (200 <= status < 300 or denied)
        and (login_page or is_sso_url(final_url) or (denied and is_login_url(final_url)))
    ):
        return Reason.LOGIN_REQUIRED
    reason = classify_status(status, headers)
    if reason is not Reason.OK:
        return reason
    if hops and is_home_url(final_url) and not is_home_url(cited_url):
        return Reason.REDIRECT_TO_HOME
    if urlsplit(final_url).path not in ("", "/") and (not_found_text or probe_similar):
        return Reason.SOFT_404
    if not hops:
        return Reason.OK
    if moved_target(cited_url, hops) is not None:
        return Reason.PERMANENT_REDIRECT
    return Reason.REDIRECT
