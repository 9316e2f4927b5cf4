"""Host names that can never be looked up: reserved by RFC 6761 / RFC 2606, or impossible in DNS.

Such a name says nothing about the network: asking a resolver would only wait for a "no" that
was certain beforehand, and a "no" for a real name may be transient (a resolver outage, a lapsed
and renewed domain), which is why a name that does not resolve is confirmed over several checks
(README.md, the verdicts of "linkcheck check") while these are ``invalid`` at once.
"""

from __future__ import annotations

import ipaddress
import re

from linkcheck.models import Reason

#: Top-level names that never resolve in the public DNS: RFC 2606 section 2 (test, example,
#: invalid, localhost) as RFC 6761 section 6 gives them special meaning.
RESERVED_TLDS = frozenset({"invalid", "test", "example", "localhost"})
#: Loopback by RFC 6761 section 6.3: fetched (as loopback) only with --allow-private.
LOOPBACK_TLD = "localhost"
MAX_NAME = 253
"""Longest name in text form (RFC 1035 section 2.3.4: 255 octets on the wire)."""
MAX_LABEL = 63
# Letters, digits and hyphens (RFC 1123), plus the underscore some real hosts carry and resolvers
# answer for; the name is already in IDNA (xn--) form here.
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?")


def host_problem(host: str, *, allow_private: bool = False) -> tuple[Reason, str] | None:
    """Why ``host`` (lower case, IDNA, no trailing dot) can never be looked up, or None.

    ``reserved-name`` for names under a reserved top-level name (``localhost`` names only
    without ``allow_private``: with it they are loopback, RFC 6761 section 6.3), ``invalid-url``
    for a name DNS cannot hold (an empty or over-long label, a character outside letters, digits,
    hyphen and underscore, an all-numeric top-level label that is not an IP address).
    """
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    labels = host.split(".")
    tld = labels[-1]
    if tld in RESERVED_TLDS:
        if tld == LOOPBACK_TLD and allow_private:
            return None
        return Reason.RESERVED_NAME, f"{host}: .{tld} is a reserved name that never resolves (RFC 6761)"
    if not host or len(host) > MAX_NAME:
        return Reason.INVALID_URL, f"{host!r}: not a possible host name (empty or longer than {MAX_NAME})"
    why = None
    for label in labels:
        if not label:
            why = "an empty label"
        elif len(label) > MAX_LABEL:
            why = f"a label over {MAX_LABEL} characters"
        elif not _LABEL.fullmatch(label):
            why = f"a bad character or hyphen in {label!r}"
        if why:
            break
    if why is None and tld.isdigit():
        why = "an all-numeric top-level label"
    return (Reason.INVALID_URL, f"{host}: not a possible host name ({why})") if why else None
