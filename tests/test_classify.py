"""Classification of one response or exception into a reason code: pure, table-driven."""

from __future__ import annotations

import errno
import ssl

import httpcore
import httpx
import pytest

from linkcheck.check.classify import (
    DnsError,
    PageSignals,
    classify_error,
    classify_response,
    classify_status,
    is_home_url,
    is_login_url,
    read_page,
    says_not_found,
    similarity,
)
from linkcheck.check.network import ConnectionRefused
from linkcheck.check.outcome import is_retryable
from linkcheck.extract.urls import same_page
from linkcheck.models import REASON_VERDICT, Hop, Reason, Verdict


@pytest.mark.parametrize(
    ("status", "headers", "reason"),
    [
        (200, {}, Reason.OK),
        (204, {}, Reason.OK),
        (304, {}, Reason.OK),
        (401, {}, Reason.UNAUTHORIZED),
        (402, {}, Reason.PAYMENT_REQUIRED),
        (403, {}, Reason.FORBIDDEN),
        (403, {"cf-mitigated": "challenge"}, Reason.BOT_CHALLENGE),
        (503, {"cf-mitigated": "challenge"}, Reason.BOT_CHALLENGE),
        (999, {}, Reason.BOT_CHALLENGE),
        (404, {}, Reason.NOT_FOUND),
        (407, {}, Reason.UNAUTHORIZED),
        (408, {}, Reason.TIMEOUT),
        (410, {}, Reason.GONE),
        (429, {}, Reason.RATE_LIMITED),
        (451, {}, Reason.LEGAL),
        (400, {}, Reason.CLIENT_ERROR),
        (405, {}, Reason.CLIENT_ERROR),
        (500, {}, Reason.SERVER_ERROR),
        (503, {}, Reason.SERVER_ERROR),
        (599, {}, Reason.SERVER_ERROR),
        (300, {}, Reason.PROTOCOL_ERROR),
        (101, {}, Reason.PROTOCOL_ERROR),
    ],
)
def test_status(status: int, headers: dict[str, str], reason: Reason) -> None:
    assert classify_status(status, headers) is reason


def _caused(exc: BaseException, cause: BaseException) -> BaseException:
    exc.__cause__ = cause
    return exc


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (DnsError("x.org", "Name or service not known", missing=True), Reason.DOMAIN_NOT_FOUND),
        (DnsError("x.org", "Temporary failure", missing=False), Reason.DNS_ERROR),
        (httpx.ReadTimeout("slow"), Reason.TIMEOUT),
        (httpx.ConnectTimeout("slow"), Reason.TIMEOUT),
        (TimeoutError(), Reason.TIMEOUT),
        (
            _caused(httpx.ConnectError("x"), ConnectionRefused("connection refused by h:80")),
            Reason.CONNECTION_REFUSED,
        ),
        (
            _caused(httpx.ConnectError("x"), ConnectionRefusedError(errno.ECONNREFUSED, "x")),
            Reason.CONNECTION_REFUSED,
        ),
        (httpx.ConnectError("[Errno 101] Network is unreachable"), Reason.CONNECTION_ERROR),
        (
            _caused(httpx.ConnectError("x"), ssl.SSLCertVerificationError("certificate verify failed")),
            Reason.TLS_ERROR,
        ),
        (httpx.ReadError("Connection reset by peer"), Reason.CONNECTION_ERROR),
        (httpx.RemoteProtocolError("illegal status line"), Reason.PROTOCOL_ERROR),
        (httpx.DecodingError("bad gzip"), Reason.PROTOCOL_ERROR),
        (httpx.UnsupportedProtocol("ftp"), Reason.UNSUPPORTED_SCHEME),
        (ConnectionResetError(), Reason.CONNECTION_ERROR),
        (httpcore.ConnectError("x"), Reason.PROTOCOL_ERROR),  # never reaches us unmapped; still no crash
    ],
)
def test_error(exc: BaseException, reason: Reason) -> None:
    assert classify_error(exc) is reason


def test_every_reason_has_a_verdict_and_retries_are_only_transient() -> None:
    assert set(REASON_VERDICT) == set(Reason)
    for reason in Reason:
        if is_retryable(reason):
            assert REASON_VERDICT[reason] in (Verdict.FAILING, Verdict.BLOCKED)
    for hard in (
        Reason.NOT_FOUND,
        Reason.GONE,
        Reason.DOMAIN_NOT_FOUND,
        Reason.UNAUTHORIZED,
        Reason.FORBIDDEN,
    ):
        assert not is_retryable(hard)


@pytest.mark.parametrize(
    ("url", "login"),
    [
        ("https://example.org/login?next=/x", True),
        ("https://example.org/users/sign_in", True),
        ("https://example.org/wp-login.php", True),
        ("https://login.example.org/", True),
        ("https://idp.uni.edu/idp/profile/SAML2/Redirect/SSO", True),
        ("https://example.org/articles/logging-in-history", False),
        ("https://example.org/catalogue/authors", False),
    ],
)
def test_login_urls(url: str, login: bool) -> None:
    assert is_login_url(url) is login


@pytest.mark.parametrize(
    ("url", "home"),
    [
        ("https://example.org", True),
        ("https://example.org/", True),
        ("https://example.org/index.html", True),
        ("https://example.org/en/", True),
        ("https://example.org/en-gb", True),
        ("https://example.org/?page=3", False),
        ("https://example.org/publications/", False),
    ],
)
def test_home_urls(url: str, home: bool) -> None:
    assert is_home_url(url) is home


def test_same_page_ignores_scheme_www_slash_and_default_port() -> None:
    assert same_page("http://example.org/a", "https://www.example.org/a/")
    assert same_page("http://example.org:80/a", "http://example.org/a")
    assert not same_page("http://example.org/a", "http://example.org/b")
    assert not same_page("http://example.org/a?x=1", "http://example.org/a?x=2")


A = "https://site.org/articles/42"


def hop(url: str, status: int, location: str) -> Hop:
    return Hop(url, status, location)


@pytest.mark.parametrize(
    ("hops", "final", "status", "kw", "reason"),
    [
        ([], A, 200, {}, Reason.OK),
        ([hop(A, 301, "https://site.org/a/42")], "https://site.org/a/42", 200, {}, Reason.PERMANENT_REDIRECT),
        ([hop(A, 308, "https://new.org/42")], "https://new.org/42", 200, {}, Reason.PERMANENT_REDIRECT),
        ([hop(A, 302, "https://site.org/a/42")], "https://site.org/a/42", 200, {}, Reason.REDIRECT),
        ([hop(A, 307, "https://site.org/a/42")], "https://site.org/a/42", 200, {}, Reason.REDIRECT),
        # http -> https of the same page is housekeeping, then a real move.
        (
            [hop("http://site.org/articles/42", 301, A), hop(A, 301, "https://site.org/a/42")],
            "https://site.org/a/42",
            200,
            {},
            Reason.PERMANENT_REDIRECT,
        ),
        ([hop(A, 301, A + "/")], A + "/", 200, {}, Reason.REDIRECT),
        ([hop(A, 301, "https://site.org/")], "https://site.org/", 200, {}, Reason.REDIRECT_TO_HOME),
        ([hop(A, 302, "https://site.org/")], "https://site.org/", 200, {}, Reason.REDIRECT_TO_HOME),
        # A login page is recognised by what it is, never by the words of its URL alone.
        (
            [hop(A, 302, "https://site.org/login?r=1")],
            "https://site.org/login?r=1",
            200,
            {"login_page": True},
            Reason.LOGIN_REQUIRED,
        ),
        ([hop(A, 302, "https://site.org/login?r=1")], "https://site.org/login?r=1", 200, {}, Reason.REDIRECT),
        (
            [hop(A, 302, "https://site.org/session/7f3a/a")],
            "https://site.org/session/7f3a/a",
            200,
            {},
            Reason.REDIRECT,
        ),
        ([hop(A, 302, "https://site.org/login")], "https://site.org/login", 403, {}, Reason.LOGIN_REQUIRED),
        (
            [hop(A, 302, "https://site.org/session/1")],
            "https://site.org/session/1",
            403,
            {},
            Reason.FORBIDDEN,
        ),
        (
            [hop(A, 302, "https://uni.okta.com/app/x")],
            "https://uni.okta.com/app/x",
            200,
            {},
            Reason.LOGIN_REQUIRED,
        ),
        ([], A, 200, {"login_page": True}, Reason.OK),  # no redirect: the cited page itself
        ([hop(A, 301, "https://site.org/b")], "https://site.org/b", 404, {}, Reason.NOT_FOUND),
        ([], A, 200, {"not_found_text": True}, Reason.SOFT_404),
        ([], A, 200, {"probe_similar": True}, Reason.SOFT_404),
        ([], "https://site.org/", 200, {"probe_similar": True}, Reason.OK),
        ([], A, 404, {}, Reason.NOT_FOUND),
        ([], A, 410, {}, Reason.GONE),
    ],
)
def test_response(hops: list[Hop], final: str, status: int, kw: dict[str, bool], reason: Reason) -> None:
    cited = hops[0].url if hops else A
    assert classify_response(cited, final, hops, status, {}, **kw) is reason


def test_a_cited_home_page_redirected_home_is_not_dead() -> None:
    hops = [hop("http://site.org/", 301, "https://site.org/")]
    assert classify_response("http://site.org/", "https://site.org/", hops, 200, {}) is Reason.REDIRECT


def page(title: str | None, *headings: str) -> PageSignals:
    return PageSignals(title, tuple(headings), ())


@pytest.mark.parametrize(
    ("signals", "expected"),
    [
        (page("Page not found | Example"), True),
        (page("404 Not Found"), True),
        (page("Example", "Oops! That page can't be found."), True),
        (page("Seite nicht gefunden - Beispiel"), True),
        (page("Page introuvable"), True),
        (page("Página no encontrada"), True),
        (page("Страница не найдена"), True),
        (page("ページが見つかりません"), True),
        (page("Not found"), True),
        (page("Error 404 - Example Library"), True),
        (page("Lost and not found: how citations decay in scholarly journals over decades"), False),
        (page("Reference rot in scholarly articles", "Reference rot"), False),
        (page(None), False),
    ],
)
def test_says_not_found(signals: PageSignals, expected: bool) -> None:
    assert says_not_found(signals) is expected


def test_read_page_takes_title_headings_and_visible_words() -> None:
    body = (
        b"<html><head><title> A  title </title><style>p{}</style></head>"
        b"<body><h1>Head</h1><script>var notfound = 1</script><p>Body text not found here</p></body></html>"
    )
    p = read_page(body, "text/html; charset=utf-8")
    assert p is not None
    assert p.title == "A title" and p.headings == ("Head",)
    assert "notfound" not in p.words and p.words[-1] == "here"
    assert not says_not_found(p)
    assert read_page(b"%PDF-1.7 ...", "application/pdf") is None


def test_read_page_sees_a_password_field_and_tells_a_login_page_from_an_article() -> None:
    form = b"<html><title>Sign in</title><body><form>Email <input name=u> <input type=PASSWORD></form>"
    login = read_page(form, "text/html")
    assert login is not None and login.password and login.is_login
    article = (
        b"<html><title>Logging in</title><body><p>"
        + b"To log in, type your password. " * 80
        + b"</p></body></html>"
    )
    about = read_page(article, "text/html")
    assert about is not None and not about.password and not about.is_login
    header_box = article.replace(b"<body>", b"<body><form><input autocomplete=current-password></form>")
    long_page = read_page(header_box, "text/html")
    assert long_page is not None and long_page.password and not long_page.is_login


def test_similarity() -> None:
    a = ("one two three four five " * 40).split()
    b = [*a[:-1], "six"]
    assert similarity(a, a) == 1.0
    assert similarity(a, b) >= 0.95
    assert similarity(a, ("other words entirely " * 40).split()) < 0.2
