"""The types of checking: the closed vocabulary of reasons and the outcome of one check.

A :class:`Reason` is the short code of what one check found (the JSON report's
``reason``); :data:`REASON_VERDICT` says which verdict each reason points to, before
the history is taken into account (a transient failure becomes ``dead`` only when
confirmed over several checks: see :mod:`linkcheck.check.verdict`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from linkcheck.drift import Fingerprint
from linkcheck.models import Verdict


class Reason(StrEnum):
    """Why one check ended as it did: a closed vocabulary, stored as text."""

    OK = "ok"
    REDIRECT = "redirect"  # reached a live page through redirects that are not a permanent move
    CONTENT_CHANGED = "content-changed"  # a live page whose main text differs materially from the baseline
    CONTENT_TOO_COMPLEX = "content-too-complex"  # a 2xx page whose content ran past the worker's budget
    PERMANENT_REDIRECT = "permanent-redirect"  # 301/308 to a different live page: the link moved
    NOT_FOUND = "not-found"  # 404
    GONE = "gone"  # 410
    SOFT_404 = "soft-404"  # a 200 page that says it is not found, or answers like a made-up sibling
    REDIRECT_TO_HOME = "redirect-to-home"  # a deep link redirected to the site's home page
    DOMAIN_NOT_FOUND = "domain-not-found"  # DNS says the name does not exist (confirmed like a timeout)
    LOGIN_REQUIRED = "login-required"  # redirected to a login page
    UNAUTHORIZED = "unauthorized"  # 401, 407
    PAYMENT_REQUIRED = "payment-required"  # 402: a paywall, not a dead page
    FORBIDDEN = "forbidden"  # 403
    LEGAL = "unavailable-for-legal-reasons"  # 451
    BOT_CHALLENGE = "bot-challenge"  # Cloudflare's challenge, LinkedIn's 999
    RATE_LIMITED = "rate-limited"  # 429 after the retries
    SERVER_ERROR = "server-error"  # 5xx
    CLIENT_ERROR = "client-error"  # another 4xx (400, 405 on GET, 406...): suspicious, not proof
    TIMEOUT = "timeout"
    CONNECTION_REFUSED = "connection-refused"
    CONNECTION_ERROR = "connection-error"  # reset, unreachable, closed early
    PROTOCOL_ERROR = "protocol-error"  # not HTTP, or malformed HTTP
    TLS_ERROR = "tls-error"
    TOO_MANY_REDIRECTS = "too-many-redirects"  # a loop, or more than the hop limit
    DNS_ERROR = "dns-error"  # a temporary resolver failure
    PRIVATE_ADDRESS = "private-address"  # refused by the address guard: nothing was sent
    UNSUPPORTED_SCHEME = "unsupported-scheme"  # not http or https
    EXCLUDED = "excluded"  # matches an exclude pattern, or cited only in excluded documents: nothing sent
    ACCEPTED = "accepted-status"  # a status the settings count as alive (accept = "200..299,403")
    INVALID_URL = "invalid-url"
    RESERVED_NAME = "reserved-name"  # .invalid, .test, .example, .localhost: never resolves (RFC 6761)


REASON_VERDICT: dict[Reason, Verdict] = {
    Reason.OK: Verdict.ALIVE,
    Reason.REDIRECT: Verdict.ALIVE,
    Reason.CONTENT_CHANGED: Verdict.CHANGED,
    # The server answered with a page; only what it says is unknown (never a failure).
    Reason.CONTENT_TOO_COMPLEX: Verdict.ALIVE,
    Reason.PERMANENT_REDIRECT: Verdict.MOVED,
    Reason.NOT_FOUND: Verdict.DEAD,
    Reason.GONE: Verdict.DEAD,
    Reason.SOFT_404: Verdict.DEAD,
    Reason.REDIRECT_TO_HOME: Verdict.DEAD,
    # Often transient (a resolver outage, a lapsed and renewed domain): confirmed like a timeout.
    Reason.DOMAIN_NOT_FOUND: Verdict.FAILING,
    Reason.LOGIN_REQUIRED: Verdict.BLOCKED,
    Reason.UNAUTHORIZED: Verdict.BLOCKED,
    Reason.PAYMENT_REQUIRED: Verdict.BLOCKED,
    Reason.FORBIDDEN: Verdict.BLOCKED,
    Reason.LEGAL: Verdict.BLOCKED,
    Reason.BOT_CHALLENGE: Verdict.BLOCKED,
    Reason.RATE_LIMITED: Verdict.BLOCKED,
    Reason.SERVER_ERROR: Verdict.FAILING,
    Reason.CLIENT_ERROR: Verdict.FAILING,
    Reason.TIMEOUT: Verdict.FAILING,
    Reason.CONNECTION_REFUSED: Verdict.FAILING,
    Reason.CONNECTION_ERROR: Verdict.FAILING,
    Reason.PROTOCOL_ERROR: Verdict.FAILING,
    Reason.TLS_ERROR: Verdict.FAILING,
    Reason.TOO_MANY_REDIRECTS: Verdict.FAILING,
    Reason.DNS_ERROR: Verdict.FAILING,
    Reason.PRIVATE_ADDRESS: Verdict.SKIPPED,
    Reason.UNSUPPORTED_SCHEME: Verdict.SKIPPED,
    Reason.EXCLUDED: Verdict.SKIPPED,
    Reason.ACCEPTED: Verdict.ALIVE,
    Reason.INVALID_URL: Verdict.INVALID,
    Reason.RESERVED_NAME: Verdict.INVALID,
}

#: Failures worth another try within the same run (timeouts, refused or reset connections,
#: malformed answers, 429, 5xx). Everything else is an answer that a retry would only repeat.
RETRYABLE: frozenset[Reason] = frozenset(
    {
        Reason.TIMEOUT,
        Reason.CONNECTION_REFUSED,
        Reason.CONNECTION_ERROR,
        Reason.PROTOCOL_ERROR,
        Reason.SERVER_ERROR,
        Reason.RATE_LIMITED,
    }
)


#: Failures at the network level: no server answered (no connection, or no name). What an outage
#: looks like from inside, so the outage guard counts the hosts whose checks all ended so.
NETWORK_FAILURES: frozenset[Reason] = frozenset(
    {
        Reason.TIMEOUT,
        Reason.CONNECTION_REFUSED,
        Reason.CONNECTION_ERROR,
        Reason.DNS_ERROR,
        Reason.DOMAIN_NOT_FOUND,
    }
)


def is_retryable(reason: Reason) -> bool:
    """The one retry policy: is a try that ended with ``reason`` worth repeating now?"""
    return reason in RETRYABLE


@dataclass(frozen=True, slots=True)
class Hop:
    """One redirect followed: the URL asked, its status and where it pointed."""

    url: str
    status: int
    location: str


@dataclass(frozen=True, slots=True)
class ArchivePick:
    """The archived capture suggested for a link or a citation."""

    url: str | None
    """None: the archive has no capture."""
    timestamp: str | None
    distance_days: int | None
    """Capture date minus the accessed-on date; None without a date."""


@dataclass(slots=True)
class Drift:
    """The content side of one check: fingerprint, baseline, similarity, evidence, archive picks."""

    text_sha256: str | None = None
    simhash: int | None = None
    word_count: int | None = None
    similarity: float | None = None
    change: str | None = None
    """none, minor or material (:class:`linkcheck.drift.Change`); None when not compared."""
    baseline_kind: str | None = None
    """snapshot or check; None when the page has no fingerprint."""
    baseline_ref: str | None = None
    """The snapshot's URL, or the baseline check's id (None: this check is the baseline)."""
    evidence: dict[str, object] = field(default_factory=dict)
    link_archive: ArchivePick | None = None
    """The link's suggestion; None when the archive was not asked (or did not answer) this time."""
    citation_archive: dict[int, ArchivePick] = field(default_factory=dict)
    """Suggestions per citation id, for those the archive answered."""
    new_text: Fingerprint | None = field(default=None, repr=False)
    """A main text not stored yet: written with the check, in its transaction."""


@dataclass(slots=True)
class Outcome:
    """What one check of one link found: the row written to ``checks``."""

    url: str
    reason: Reason
    started_at: str = ""
    duration_ms: int = 0
    http_status: int | None = None
    final_url: str | None = None
    hops: list[Hop] = field(default_factory=list)
    method: str | None = None
    attempts: int = 0
    error: str | None = None
    address: str | None = None
    """The IP address the last request went to."""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    content_length: int | None = None
    """As the server announced it; ``body_bytes`` is what was read."""
    body_bytes: int | None = None
    body_sha256: str | None = None
    truncated: bool = False
    """The body was longer than the read bound."""
    title: str | None = None
    probe_similarity: float | None = None
    """Similarity with a made-up sibling page, when the soft-404 probe ran."""
    not_modified: bool = False
    """The page answered 304 to a conditional request: the version the sent validators name."""
    body: bytes | None = field(default=None, repr=False)
    """The bounded body of a 2xx answer, kept only until its main text is fingerprinted."""
    drift: Drift | None = None
    """What the page's main text and the archive said (:mod:`linkcheck.check.content`)."""

    @property
    def verdict_hint(self) -> Verdict:
        """The verdict this outcome points to on its own, before the history is weighed."""
        return REASON_VERDICT[self.reason]
