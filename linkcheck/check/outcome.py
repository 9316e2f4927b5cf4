"""The types of checking: the closed vocabulary of reasons and the outcome of one check.

A :class:`Reason` is the short code of what one check found (the JSON report's
``reason``); :data:`REASON_VERDICT` says which verdict each reason points to, before
the history is taken into account (a transient failure becomes ``dead`` only when
confirmed over several checks: see :mod:`linkcheck.check.verdict`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from linkcheck.drift import Fingerprint
from linkcheck.models import REASON_VERDICT, Reason, Verdict

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
