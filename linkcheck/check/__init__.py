"""Checking links: polite fetching, classification and verdicts.

Below it: :mod:`linkcheck.http` (the client, the address guard, pacing, bounded reads),
:mod:`linkcheck.drift` (fingerprints, the archive, a check's content side) and
:mod:`linkcheck.defaults` (tunable defaults).

- :mod:`.fetch`: the page fetcher: limits per host and in all, retries, redirects, soft-404 probes;
- :mod:`.classify`: one response or exception to a reason code (pure);
- :mod:`.verdict`: a link's history to its verdict (pure);
- :mod:`.worker`, :mod:`.pool`: the content worker processes (page signals and main text);
- :mod:`.runner`: selecting due links, running the checks, writing results, the outage guard.
"""
