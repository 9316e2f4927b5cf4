"""Tunable defaults in one place (checking, the HTTP layer, drift): the CLI, schedules and tests use them."""

from __future__ import annotations

from linkcheck import __version__

#: Where a site owner who sees our requests in a log can read what linkcheck is and who runs it.
PROJECT_URL = "https://github.com/linkcheck/linkcheck"
#: Honest identification: the tool, its version and a contact URL (RFC 9110 product tokens).
USER_AGENT = f"linkcheck/{__version__} (+{PROJECT_URL}; citation checker)"

CONCURRENCY = 64
"""Requests in flight at once, in all."""
PER_HOST = 2
"""Requests in flight at once to one host."""
HOST_INTERVAL = 0.1
"""Least time, in seconds, between the starts of two requests to one host."""
TIMEOUT = 20.0
"""Limit for one request in seconds: connect, send, headers and the bounded body read."""
RETRIES = 2
"""Further tries after a transient failure."""
OLDER_THAN = "7d"
"""A link checked longer ago than this is due again."""
FAILING_RECHECK = "1d"
"""A failing link is due again after this, so that confirmation over several days can happen."""

HTTP_STACKS = ("httpx", "aiohttp")
"""The HTTP stacks under the run's httpx client (``--http-stack``): httpcore over anyio and h11, or
aiohttp (linkcheck/http/aiohttp_transport.py); both behind the same address guard."""
HTTP_STACK = "aiohttp"
"""The default stack: aiohttp, which cost the checking process less CPU a link than httpcore in
every interleaved pair of first checks measured (docs/benchmarks.md, "Third pass"), the whole
suite passing on it; ``--http-stack httpx`` keeps httpcore."""
MAX_REDIRECTS = 10
"""Redirect hops followed before the outcome is too-many-redirects."""
MAX_BODY_BYTES = 2 * 1024 * 1024
"""Bytes of a body read (after decompression); the rest is never received."""
RETRY_AFTER_CAP = 60.0
"""Longest Retry-After honoured, in seconds; a longer one ends the retries (we never wait less than asked)."""
BACKOFF_BASE = 0.5
"""First backoff delay in seconds when no Retry-After is given; doubled on each further try."""
BACKOFF_MAX = 10.0
"""Longest backoff delay in seconds when no Retry-After is given."""
HOST_BACKOFF_MAX = 10.0
"""Largest extra interval a host earns by answering 429 or 503."""

CONFIRM_FAILURES = 3
"""Transient failures in a row that confirm a link dead..."""
CONFIRM_DAYS = 3.0
"""...when they span at least this many days (Wikipedia's InternetArchiveBot uses 3 and 3)."""

SOFT404_RATIO = 0.95
"""Text similarity of a page and a made-up sibling above which the page is a soft 404 (Bar-Yossef et al.)."""
CONTENT_BUDGET = 10.0
"""Seconds the content worker may spend on one page (parsing, main text): past it the page is
``content-too-complex`` (its check kept) and the worker is killed and replaced."""
TEXT_WORKERS_MAX = 8
"""Most main-text workers a run starts, whatever the cores (each holds trafilatura: ~60 MB)."""
PROBE_CACHE = 4096
"""Site folders whose soft-404 probe answer a run keeps, the least recently used dropped first."""
SOFT404_MAX_WORDS = 3000
"""Words of each page compared by the soft-404 probe; bounds its cost on long pages."""

ARCHIVE_URL = "https://archive.org"
"""Base of the Wayback-Machine-compatible availability API (``--archive-url``)."""
ARCHIVE_URL_ENV = "LINKCHECK_ARCHIVE_URL"
"""Environment variable naming the archive when ``--archive-url`` is not given."""
ARCHIVE_CONCURRENCY = 2
"""Requests in flight to the archive at once: it is one shared, donation-funded service."""
ARCHIVE_INTERVAL = 0.25
"""Least seconds between the starts of two archive requests (at most four a second)."""
ARCHIVE_TIMEOUT = 10.0
"""Limit for one archive request, in seconds."""
ARCHIVE_BREAKER = 3
"""Archive failures in a row after which the archive is not asked again in the run."""
ARCHIVE_WAIT = 30.0
"""Longest a checked link waits for its archive answers before it is recorded without them."""
