"""URL clean-up and the normal form."""

from __future__ import annotations

import pytest

from linkcheck.extract.urls import clean_url, find_urls, normalise_url, url_problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Available at: www.health.org.uk/x (accessed", "http://www.health.org.uk/x"),
        ("see https://example.org/page.", "https://example.org/page"),
        ("(see https://example.org/page).", "https://example.org/page"),
        ("https://en.wikipedia.org/wiki/Foo_(bar), then", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("(https://en.wikipedia.org/wiki/Foo_(bar))", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("[https://example.org/a]", "https://example.org/a"),
        ("<https://example.org/a?b=1&c=2>.", "https://example.org/a?b=1&c=2"),
        ("“https://example.org/q”", "https://example.org/q"),
        ("at https://example.org/a;", "https://example.org/a"),
        ("see https://example.org/a!", "https://example.org/a"),
        ("en.wikipedia.org/wiki/Skywave. Accessed", "http://en.wikipedia.org/wiki/Skywave"),
        ("URL: http://example.org/x,", "http://example.org/x"),
    ],
)
def test_find_and_clean(text: str, expected: str) -> None:
    assert [u.url for u in find_urls(text)] == [expected]


def test_cited_text_is_kept_as_cited() -> None:
    (u,) = find_urls("Available at: www.Example.org/A.")
    assert u.cited == "www.Example.org/A"
    assert u.url == "http://www.Example.org/A"


def test_no_false_urls_in_prose() -> None:
    assert find_urls("Use Node.js, e.g. with Amazon.com or i.e. the U.S. data. Version 1.2/3.") == []


def test_dois_only_when_asked() -> None:
    text = "Marine Policy 28: 361-74. doi:10.1016/j.marpol.2003.10.001. Also 10.1098/rsos.150669."
    assert find_urls(text) == []
    assert [u.url for u in find_urls(text, include_dois=True)] == [
        "https://doi.org/10.1016/j.marpol.2003.10.001",
        "https://doi.org/10.1098/rsos.150669",
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<http://x.org/a>", "http://x.org/a"),
        ("doi:10.1000/xyz", "https://doi.org/10.1000/xyz"),
        ("10.1000/xyz", "https://doi.org/10.1000/xyz"),
        ("//cdn.example.org/a", "https://cdn.example.org/a"),
        ("www.x.org", "http://www.x.org"),
        ("ftp://x.org/file", "ftp://x.org/file"),
        ("", None),
        ("...", None),
    ],
)
def test_clean_url(raw: str, expected: str | None) -> None:
    assert clean_url(raw) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("HTTP://Example.ORG/a", "http://example.org/a"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("https://example.org:443/a", "https://example.org/a"),
        ("http://example.org", "http://example.org/"),
        ("http://example.org/a%2fb", "http://example.org/a%2Fb"),
        ("http://example.org/a#section", "http://example.org/a"),
        ("http://bücher.de/x", "http://xn--bcher-kva.de/x"),
    ],
)
def test_normal_form_equates(a: str, b: str) -> None:
    assert normalise_url(a) == normalise_url(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("http://example.org/A", "http://example.org/a"),
        ("http://example.org/a", "https://example.org/a"),
        ("http://example.org/a?x=1", "http://example.org/a?x=2"),
        ("http://example.org:8080/a", "http://example.org/a"),
    ],
)
def test_normal_form_distinguishes(a: str, b: str) -> None:
    assert normalise_url(a) != normalise_url(b)


@pytest.mark.parametrize(
    "url",
    ["http://exa mple.org/", "http://", "http://a..b.org/", "http://example.org:99999/", "http:///path"],
)
def test_unusable_urls_have_a_problem(url: str) -> None:
    assert url_problem(url) is not None


@pytest.mark.parametrize(
    "url", ["http://example.org/", "https://xn--bcher-kva.de/a", "http://[::1]:8080/", "ftp://x.org/f"]
)
def test_usable_urls_have_none(url: str) -> None:
    assert url_problem(url) is None
