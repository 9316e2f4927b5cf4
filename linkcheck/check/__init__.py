"""Checking links: the network layer, polite fetching, classification and verdicts.

- :mod:`.config`: tunable defaults;
- :mod:`.network`: resolution, ``--resolve`` and the address guard;
- :mod:`.fetch`: the client, limits, retries, redirects and bounded reads;
- :mod:`.classify`: one response or exception to a reason code (pure);
- :mod:`.verdict`: a link's history to its verdict (pure);
- :mod:`.archive`: the Wayback client (availability answers, captures in the ``id_`` form);
- :mod:`.content`: a check's content side: fingerprint, baseline, similarity, archive picks;
- :mod:`.runner`: selecting due links, running the checks, writing results, the outage guard.
"""
