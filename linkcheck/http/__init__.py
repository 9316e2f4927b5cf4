"""HTTP for every part that talks to servers: page checks (:mod:`linkcheck.check.fetch`) and
archive look-ups (:mod:`linkcheck.drift.archive`).

- :mod:`.network`: resolution, ``--resolve``, the address guard and the guarded httpcore transport;
- :mod:`.aiohttp_transport`: the second stack under httpx (``--http-stack aiohttp``), same guard;
- :mod:`.hostnames`: which host names and addresses may be asked for at all (pure);
- :mod:`.client`: the run's client, per-host pacing, bounded reads, redirect targets,
  ``Retry-After`` and backoff, conditional-request validators.

It imports neither :mod:`linkcheck.check` nor :mod:`linkcheck.drift`, which both use it.
"""
