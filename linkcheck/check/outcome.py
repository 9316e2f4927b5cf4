"""The types of checking: the closed vocabulary of reasons and the outcome of one check.

A :class:`Reason` is the short code of what one check found (the JSON report's
``reason``); :data:`REASON_VERDICT` says which verdict each reason points to, before
the history is taken into account (a transient failure becomes ``dead`` only when
confirmed over several checks: see :mod:`linkcheck.check.verdict`).
"""

from __future__ import annotations

from linkcheck.models import Reason

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
