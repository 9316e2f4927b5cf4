"""The types that travel through the pipeline, one per stage.

A document yields :class:`Citation` objects (a URL as found, with the reference
around it); the store keeps them and groups them into links by their normal
form; checks give each link a :class:`Verdict`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Remedy(StrEnum):
    """What a report suggests citing instead of a link with a given verdict."""

    NONE = "none"
    """Nothing to suggest (yet): a failing link is not confirmed, a blocked one is not broken."""
    REDIRECT = "redirect"
    """The page's new address, where its redirects lead."""
    ARCHIVE = "archive"
    """The archived copy nearest the accessed-on date, when one is known."""
    ARCHIVE_OR_REVIEW = "archive-or-review"
    """The archived copy; without one, a review (find a replacement or remove the citation)."""


@dataclass(frozen=True, slots=True)
class Traits:
    """What one verdict means to every stage: a row of the table on :class:`Verdict`."""

    severity: int
    """Rank in a report, what needs action first (0 first)."""
    style: str
    """Rich style of the verdict in a terminal table."""
    colour: str
    """Colour of the verdict in the HTML chart and badges (readable on white)."""
    problem: bool = False
    """A maintainer should act: the report's problems, JUnit failures, ``newly-<verdict>`` changes."""
    failure: bool = False
    """A failed check: it extends a run of failures that ends in ``dead`` once confirmed."""
    neutral: bool = False
    """Not fetched by policy: says nothing about the page, neither extends nor ends a run of failures."""
    ran: bool = True
    """A check looked at the page (JUnit reports the others as skipped)."""
    reached: bool = False
    """The page answered: a host of such a link shows whether the network is up."""
    follows: bool = False
    """The page lives where its redirects lead: a report shows that address beside the link."""
    archived: bool = False
    """The archived copy nearest the accessed-on date is looked up and reported."""
    remedy: Remedy = Remedy.NONE
    """What a report suggests citing instead; not NONE means `linkcheck fix` mends it by default."""
    news: bool = False
    """Worth telling someone when a link newly gets it (a schedule's mail and webhook)."""


class Verdict(StrEnum):
    """The verdict of one link, derived from its whole check history (README.md, "linkcheck check").

    Each member carries its :class:`Traits`: every stage asks the verdict (``v.is_problem``,
    ``v.traits.colour``) rather than keeping its own set of verdicts, so a new verdict is one
    row here and the SQL that stores it.
    """

    _value_: str
    traits: Traits

    # ``traits`` is optional only for mypy, which reads a look-up such as ``Verdict("dead")`` as a
    # call of this method; the enum machinery calls it once per member, always with its traits.
    def __new__(cls, value: str, traits: Traits | None = None) -> Verdict:
        if traits is None:
            raise TypeError(f"verdict {value!r} declares no traits")
        member = str.__new__(cls, value)
        member._value_ = value
        member.traits = traits
        return member

    UNCHECKED = "unchecked", Traits(7, "dim", "#7b8a93", ran=False)
    ALIVE = "alive", Traits(8, "green", "#2e7d32", reached=True, follows=True)
    MOVED = "moved", Traits(
        3, "cyan", "#0277bd", problem=True, reached=True, follows=True, archived=True,
        remedy=Remedy.REDIRECT, news=True,
    )  # fmt: skip
    CHANGED = "changed", Traits(
        2, "magenta", "#8e24aa", problem=True, reached=True, archived=True,
        remedy=Remedy.ARCHIVE, news=True,
    )  # fmt: skip
    DEAD = "dead", Traits(
        0, "bold red", "#c62828", problem=True, failure=True, archived=True,
        remedy=Remedy.ARCHIVE_OR_REVIEW, news=True,
    )  # fmt: skip
    FAILING = "failing", Traits(1, "yellow", "#ef6c00", problem=True, failure=True, archived=True)
    BLOCKED = "blocked", Traits(4, "dark_orange", "#6d4c41", problem=True)
    SKIPPED = "skipped", Traits(6, "dim", "#546e7a", neutral=True, ran=False)
    INVALID = "invalid", Traits(5, "red", "#ad1457", neutral=True, ran=False)

    @property
    def severity(self) -> int:
        """Rank in a report, what needs action first."""
        return self.traits.severity

    @property
    def is_problem(self) -> bool:
        """Should a maintainer act on a link with this verdict?"""
        return self.traits.problem

    @property
    def is_failure(self) -> bool:
        """Is this the verdict of a failed check?"""
        return self.traits.failure

    @property
    def is_neutral(self) -> bool:
        """Was the link left alone by policy (its check says nothing about the page)?"""
        return self.traits.neutral

    @classmethod
    def having(cls, trait: Callable[[Verdict], bool]) -> frozenset[Verdict]:
        """The verdicts for which ``trait`` holds: ``Verdict.having(lambda v: v.is_problem)``."""
        return frozenset(v for v in cls if trait(v))

    @classmethod
    def by_severity(cls) -> tuple[Verdict, ...]:
        """Every verdict, what needs action first."""
        return tuple(sorted(cls, key=lambda v: v.traits.severity))


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


class DateOrder(StrEnum):
    """How to read an all-numeric date such as 03/04/2019."""

    DMY = "dmy"
    MDY = "mdy"
    YMD = "ymd"


@dataclass(frozen=True, slots=True)
class Citation:
    """One URL as cited in a document, with its reference entry and accessed-on date."""

    cited: str
    """The URL text exactly as the document gives it (a wrapped URL rejoined)."""
    url: str
    """The cited URL cleaned and made absolute: the contract's ``url``."""
    line: int | None
    """1-based line of the URL in the document; None where the format has no lines."""
    text: str
    """The reference entry around the URL, trimmed."""
    accessed: dt.date | None = None
    """The accessed-on date the citation gives, or None."""
    title: str | None = None
    """The cited title, where the format gives one."""


@dataclass(slots=True)
class Extraction:
    """What one document yielded: its format, its citations, and notes for --verbose."""

    format: str
    citations: list[Citation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """How to read documents: settings that seed passes to every extractor."""

    date_order: DateOrder = DateOrder.DMY
    """How to read all-numeric dates."""
    include_dois: bool = False
    """Also cite DOIs given without a URL (``doi:10.x/y``, a bare DOI, a DOI field)."""
    today: dt.date | None = None
    """The date after which an accessed-on date is impossible; None means today."""


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What to cite instead of a broken link: the machine-readable fix."""

    action: str
    """``replace`` (cite ``url`` instead) or ``review`` (no replacement known: find one or drop it)."""
    url: str | None
    """The replacement: the archived copy nearest the accessed-on date, or a moved page's new address."""
    source: str
    """Where the replacement comes from: ``archive``, ``redirect`` or ``none``."""
    note: str
    """The suggestion in words, for people."""
    archive_timestamp: str | None = None
    """When the archived copy was taken, for an ``archive`` replacement."""

    def as_dict(self) -> dict[str, str | None]:
        """The suggestion as the JSON report gives it."""
        found: dict[str, str | None] = {"action": self.action, "url": self.url, "source": self.source}
        if self.archive_timestamp:
            found["archive_timestamp"] = self.archive_timestamp
        found["note"] = self.note
        return found


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What is kept of one version of a page's main text."""

    sha256: str
    """Of the normalised words joined by spaces: equal for texts that differ only in trivia."""
    simhash: int
    """64-bit simhash of the word 3-shingles, as a signed integer (SQLite's INTEGER)."""
    words: int
    """Normalised words in the main text."""
    title: str | None
    text: str
    """The normalised words joined by spaces: what similarity is computed on."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One archived capture, as the availability API names it."""

    url: str
    """The capture's URL in the archive (``.../web/<timestamp>/<original URL>``)."""
    timestamp: str
    """The capture's time, UTC ISO 8601 (``2017-09-08T09:35:12Z``)."""
    status: int | None = None
    """The HTTP status the archive recorded for the capture."""

    @property
    def when(self) -> dt.datetime:
        """The capture's time."""
        return dt.datetime.strptime(self.timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


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


@dataclass(frozen=True, slots=True)
class ArchiveAnswer:
    """The archive's answer to "the capture of ``url`` nearest ``asked``", to be cached with a check."""

    link_id: int
    archive: str
    """The archive's base URL: answers are cached per archive."""
    asked: dt.date | None
    """The date asked about; None: the latest capture."""
    snapshot: Snapshot | None
    """None: the archive has no capture."""
    distance_days: int | None


@dataclass(frozen=True, slots=True)
class SnapshotFetch:
    """A capture's bytes fetched: its main text's fingerprint, or why it has none."""

    url: str
    status: int | None
    error: str | None
    fingerprint: Fingerprint | None


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
    archive_answers: list[ArchiveAnswer] = field(default_factory=list)
    """The archive's answers for this link learnt since its last check: cached with the check."""
    snapshot_fetches: list[SnapshotFetch] = field(default_factory=list, repr=False)
    """Captures fetched meanwhile: recorded with the check, in its transaction."""

    @property
    def has_content(self) -> bool:
        """Is anything known of the page's text or archived copies (not only answers to cache)?"""
        return self.text_sha256 is not None or self.link_archive is not None or bool(self.citation_archive)


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
    """What the page's main text and the archive said (:mod:`linkcheck.drift.content`)."""

    @property
    def verdict_hint(self) -> Verdict:
        """The verdict this outcome points to on its own, before the history is weighed."""
        return REASON_VERDICT[self.reason]


@dataclass(frozen=True, slots=True)
class Fact:
    """One past check as the verdict needs it: when it started and its reason."""

    at: dt.datetime
    reason: Reason


@dataclass(frozen=True, slots=True)
class Streak:
    """All a verdict needs of a link's past: its current run of failed checks.

    Checks not fetched by policy (skipped, invalid) neither extend nor end the run, so the
    streak outlives them, while the :class:`Judgement` of such a check shows no failures. Kept
    on the link's row, it lets a check be judged in O(1) instead of re-reading the history.
    """

    failures: int = 0
    """Failed checks in the run."""
    first_failed: dt.datetime | None = None
    """When the run's first failed check started."""

    def after(self, fact: Fact) -> Streak:
        """The streak once ``fact`` is the latest check."""
        kind = REASON_VERDICT[fact.reason]
        if kind.is_neutral:
            return self
        if kind.is_failure:
            return Streak(self.failures + 1, self.first_failed or fact.at)
        return Streak()


def streak_of(history: Sequence[Fact]) -> Streak:
    """The streak after ``history`` (oldest first): what ``judge_next`` needs of it."""
    found = Streak()
    for fact in history:
        found = found.after(fact)
    return found


@dataclass(frozen=True, slots=True)
class Judgement:
    """A link's verdict with the counters stored beside it."""

    verdict: Verdict
    reason: Reason | None
    first_failed: dt.datetime | None
    """Start of the current run of failed checks; None when the latest check did not fail."""
    failures: int
    """Failed checks in the current run (the latest included)."""
