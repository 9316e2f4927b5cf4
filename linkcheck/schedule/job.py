"""The job a schedule runs, as an ordinary function: seed, check, write reports, notify.

:func:`run_job` is what the scheduler calls, what ``schedule run --once`` calls, and what tests
call without any scheduler. It logs one line when it starts and one with its tallies when it
ends (logger ``linkcheck.schedule``), records itself in ``schedule_runs``, and never lets a
notification failure fail the run: news goes through the outbox (:mod:`linkcheck.schedule.outbox`),
so a receiver that is down gets it on a later run; the run is recorded as ``partial``, with the
reason, when a report or a delivery failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import httpx

from linkcheck.check.network import Lookup, system_lookup
from linkcheck.check.runner import CheckReport
from linkcheck.models import Verdict
from linkcheck.pipeline import Scope, plain_seeder, run_pipeline
from linkcheck.report import Report, ReportLink, ReportOptions, build_report, classify_change
from linkcheck.report.json import link_dict
from linkcheck.report.output import render, write_atomic
from linkcheck.schedule import outbox
from linkcheck.schedule.config import SMTP_DEADLINE, SMTP_TIMEOUT, EmailSpec, ScheduleConfig
from linkcheck.seed import SeedReport
from linkcheck.store import Store
from linkcheck.store import schedule as sql

log = logging.getLogger("linkcheck.schedule")

#: Verdicts worth telling someone about when a link newly gets one (README.md, "linkcheck schedule").
NEWS: frozenset[Verdict] = Verdict.having(lambda v: v.traits.news)


@dataclass(slots=True)
class JobResult:
    """What one run of a schedule did."""

    name: str
    status: str = "running"
    """done, partial (a report or a delivery failed, or an input was bad), interrupted (stopped by a
    signal), outage (the network was down) or failed."""
    seed: SeedReport | None = None
    check: CheckReport | None = None
    new: list[dict[str, Any]] = field(default_factory=list)
    """The links newly dead, changed or moved, each as the JSON report gives it."""
    reports: list[str] = field(default_factory=list)
    """Report files written."""
    errors: list[str] = field(default_factory=list)
    """Inputs that could not be used: a document not seeded, a documents pattern matching nothing,
    a --url not stored, a report that could not be written."""
    warnings: list[str] = field(default_factory=list)
    """Notifications that could not be delivered."""
    notified: list[str] = field(default_factory=list)
    """Who was told about the new links: ``webhook``, ``email``."""
    pruned: int | None = None
    """Checks deleted by the schedule's ``prune`` (None: it has none, or the run did not finish)."""
    seconds: float = 0.0

    @property
    def run_id(self) -> int | None:
        """The check run this job made (None when nothing was due)."""
        return self.check.run_id if self.check is not None else None

    def summary_line(self) -> str:
        """The line logged when the run ends: its tallies."""
        parts = [self.check.tally_line().rstrip(".") if self.check else "Nothing checked"]
        if self.seed is not None:
            parts.insert(0, self.seed.summary_line().rstrip("."))
        if self.status in ("done", "partial", "outage"):
            noun = "link" if len(self.new) == 1 else "links"
            parts.append(f"{len(self.new)} {noun} newly dead, changed or moved")
        if self.notified:
            parts.append(f"notified: {', '.join(self.notified)}")
        if self.reports:
            parts.append(f"reports: {', '.join(self.reports)}")
        if self.pruned is not None:
            parts.append(f"pruned {self.pruned} old check{'s' if self.pruned != 1 else ''}")
        if self.errors:
            parts.append(f"{len(self.errors)} error{'s' if len(self.errors) != 1 else ''}")
        return f"{self.name}: {self.status} in {self.seconds:.1f} s: {'; '.join(parts)}."


def run_job(
    config: ScheduleConfig,
    db_path: str,
    stop: threading.Event | None = None,
    *,
    lookup: Lookup = system_lookup,
) -> JobResult:
    """Run one schedule now: re-seed its paths, check, write its reports, tell who should know.

    ``stop`` (set by a signal handler) ends the run early; the checks done so far are kept and
    the run is recorded as interrupted, without reports or notifications. Raises only for what
    is not the inputs' fault (the database cannot be opened, a bug); the caller logs it.
    """
    t0 = time.monotonic()
    result = JobResult(config.name)
    log.info("%s: started (%s)", config.name, config.trigger_text)
    with Store.open(db_path) as store:
        job_run = sql.start_job_run(store, config.name)
        error: str | None = None
        try:
            _run(store, config, result, stop, lookup)
        except BaseException as e:
            result.status = "interrupted" if isinstance(e, KeyboardInterrupt) else "failed"
            error = f"{type(e).__name__}: {e}"
            raise
        finally:
            result.seconds = time.monotonic() - t0
            checked = result.check.recorded if result.check else 0
            # Why a run is partial, for `schedule list`: what failed, in a line.
            error = error or "; ".join([*result.errors, *result.warnings]) or None
            sql.finish_job_run(store, job_run, result.status, result.run_id, checked, len(result.new), error)
    log.info("%s", result.summary_line())
    return result


def _run(
    store: Store, config: ScheduleConfig, result: JobResult, stop: threading.Event | None, lookup: Lookup
) -> None:
    name = config.name
    ran = run_pipeline(
        store, list(config.paths), config.check,
        scope=Scope(documents=config.documents or None),
        report=ReportOptions(owner_of=_owner_of(config)),
        seeder=plain_seeder(config.extract, config.max_size),
        stop=stop, lookup=lookup,
    )  # fmt: skip
    result.seed, result.check = ran.seed, ran.check
    if ran.seed is not None:
        for doc in ran.seed.errors:
            result.errors.append(f"{doc.path}: {doc.message}")
            log.warning("%s: %s: %s", name, doc.path, doc.message)
        for line in ran.seed.problems():
            result.errors.append(line)
            log.warning("%s: %s", name, line)
    for pattern in ran.unmatched:
        result.errors.append(f"documents: {pattern!r} names no seeded document")
        log.warning("%s: documents: %r names no seeded document", name, pattern)
    if ran.check is not None:
        for url in ran.check.missing_urls:
            result.errors.append(f"{url}: not in the database")
            log.warning("%s: check.url: %s is not in the database", name, url)
    if ran.interrupted or ran.report is None:
        result.status = "interrupted"
        return
    result.status = "outage" if ran.check is not None and ran.check.outage else "done"
    report = ran.report
    _write_reports(store, config, report, result)
    run_id = result.run_id
    if result.check is not None and result.check.partial_outage:
        warning = f"most hosts failed at the network level: {result.check.outage_line()} recorded as failing"
        result.warnings.append(warning)
        log.warning("%s: %s", name, warning)
    if run_id is not None:
        before = sql.newly(store, run_id, {str(v) for v in NEWS})
        new_links = [link for link in report.links if link.id in before]
        for link in new_links:
            link.previous_verdict = before[link.id]
            link.change = classify_change(link.previous_verdict, link.verdict)
        result.new = [link_dict(link) for link in new_links]
        if new_links and config.notify is not None:
            # Queued before any attempt: a receiver that is down, or a kill now, loses nothing.
            email = config.notify.email
            mail = email_text(config, report, new_links, email) if email else None
            owners = owner_mails(config, report, new_links, email) if email else []
            outbox.queue(store, config, run_id, digest(config, report, run_id, new_links), mail, owners)
    if config.notify is not None:
        _notify(store, config, result)
    if config.prune is not None:
        # After the reports and the news, which read this run's checks: pruning never touches
        # what they need anyway (linkcheck.store.prune), but a killed prune delays nothing.
        from linkcheck.store.prune import prune

        result.pruned = prune(store, config.prune).deleted
    if result.status == "done" and (result.errors or result.warnings):
        result.status = "partial"


def _owner_of(config: ScheduleConfig) -> Callable[[str], str | None] | None:
    """The owner of a document by its path, from the settings file's ``[[owners]]`` (None: none)."""
    if not config.owners:
        return None

    def owner_of(path: str) -> str | None:
        found = next((o for o in config.owners if o.owns(path)), None)
        return found.name if found else None

    return owner_of


def owners_news(config: ScheduleConfig, new_links: list[ReportLink]) -> dict[str, list[ReportLink]]:
    """Each owner's newly broken links: those cited in a document of theirs (owners with none left out)."""
    found: dict[str, list[ReportLink]] = {}
    for owner in config.owners:
        mine = [link for link in new_links if any(c.owner == owner.name for c in link.citations)]
        if mine:
            found[owner.name] = mine
    return found


def _write_reports(store: Store, config: ScheduleConfig, report: Report, result: JobResult) -> None:
    """Write each ``[[report]]`` atomically; one that cannot be written is an error, the rest still are."""
    for spec in config.reports:
        chosen = report
        if spec.only is not None:
            chosen = build_report(store, replace(report.options, only=spec.only), now=report.generated_at)
        try:
            write_atomic(spec.output, render(chosen, spec.format, width=120))
        except OSError as e:
            message = f"cannot write report {spec.output}: {e.strerror or e}"
            result.errors.append(message)
            log.warning("%s: %s", config.name, message)
        else:
            result.reports.append(spec.output)


# -- notifications -------------------------------------------------------------------------------


def digest(
    config: ScheduleConfig, report: Report, run_id: int, new_links: list[ReportLink]
) -> dict[str, Any]:
    """The webhook's JSON body: ``schedule``, ``totals`` and ``new`` as the JSON report gives them."""
    return {
        "schedule": config.name,
        "generated_at": report.generated_at,
        "run_id": run_id,
        "totals": report.totals,
        "new": [link_dict(link) for link in new_links],
        "reports": outbox.report_names(config),
        "owners": {
            name: [link.url for link in links] for name, links in owners_news(config, new_links).items()
        },
    }


def _notify(store: Store, config: ScheduleConfig, result: JobResult) -> None:
    """Deliver what the outbox holds for this schedule and is due: this run's news and older news."""
    notify = config.notify
    assert notify is not None
    agent = config.check.fetch.user_agent

    def webhook(url: str, body: dict[str, Any]) -> str | None:
        return post_webhook(url, body, notify.webhook_timeout, agent)

    def email(to: str, subject: str, text: str) -> str | None:
        if notify.email is None:
            return "the schedule has no [notify.email] any more"
        return send_email(replace(notify.email, to=tuple(t.strip() for t in to.split(","))), subject, text)

    done, problems = outbox.deliver(store, config, webhook, email)
    result.notified.extend(done)
    result.warnings.extend(problems)


def owner_mails(
    config: ScheduleConfig, report: Report, new_links: list[ReportLink], spec: EmailSpec
) -> list[outbox.OwnerMail]:
    """Each owner with an e-mail address: a digest of their own newly broken links, and only those."""
    news = owners_news(config, new_links)
    mails = []
    for owner in config.owners:
        if owner.email is None or owner.name not in news:
            continue
        # Their links, with only their own documents' citations: what they can fix.
        mine = [
            replace(link, citations=[c for c in link.citations if c.owner == owner.name])
            for link in news[owner.name]
        ]
        subject, text = email_text(
            config, report, mine, replace(spec, subject=f"{spec.subject} ({owner.name})")
        )
        mails.append(outbox.OwnerMail(owner.name, owner.email, subject, text))
    return mails


def post_webhook(url: str, body: dict[str, Any], timeout: float, user_agent: str) -> str | None:
    """POST ``body`` as JSON to ``url``; what went wrong, or None when the receiver took it (2xx).

    The receiver is the user's own choice, so its address is not held to the check's guard
    against private addresses; redirects are not followed (a POST is not to be replayed).
    """

    async def post() -> httpx.Response:
        # httpx's timeout bounds each read; a receiver trickling a byte a second would hold the
        # job for ever. The whole exchange is bounded by the same number of seconds.
        async with asyncio.timeout(timeout), httpx.AsyncClient(timeout=timeout) as client:
            return await client.post(url, json=body, headers={"User-Agent": user_agent})

    try:
        response = asyncio.run(post())
    except TimeoutError:
        return f"no complete answer within {timeout:g} s"
    except httpx.HTTPError as e:
        return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    if not response.is_success:
        return f"answered HTTP {response.status_code}"
    return None


def email_text(
    config: ScheduleConfig, report: Report, new_links: list[ReportLink], spec: EmailSpec
) -> tuple[str, str]:
    """The subject and plain-text body of the mail about ``new_links``."""
    n = len(new_links)
    subject = f"{spec.subject} {config.name}: {n} link{'s' if n != 1 else ''} newly dead, changed or moved"
    lines = [f"linkcheck schedule {config.name!r} found {n} link{'s' if n != 1 else ''} newly dead, "
             "changed or moved.", ""]  # fmt: skip
    for link in new_links:
        status = f" (HTTP {link.http_status})" if link.http_status else ""
        lines.append(f"{link.verdict.upper()}: {link.url}")
        lines.append(f"  was {link.previous_verdict}; reason: {link.reason or '-'}{status}")
        if link.verdict == Verdict.MOVED and link.final_url:
            lines.append(f"  now at: {link.final_url}")
        for c in link.citations:
            where = f"{c.document}:{c.line}" if c.line else c.document
            lines.append(f"  cited in {where}" + (f" (accessed {c.accessed})" if c.accessed else ""))
        if link.suggestion is not None:
            target = f": {link.suggestion.url}" if link.suggestion.url else ""
            lines.append(f"  fix: {link.suggestion.note}{target}")
        lines.append("")
    totals = ", ".join(f"{v} {k}" for k, v in report.totals.items())
    lines.append(f"Totals: {totals}.")
    if config.reports:
        lines.append(f"Reports: {', '.join(outbox.report_names(config))}")
    return subject, "\n".join(lines) + "\n"


def send_email(spec: EmailSpec, subject: str, text: str) -> str | None:
    """Send one plain-text mail through SMTP; what went wrong, or None when the server took it."""
    password = None
    if spec.username and spec.password_env:
        password = os.environ.get(spec.password_env)
        if password is None:
            return f"the environment variable {spec.password_env} (password_env) is not set"
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = spec.sender
    message["To"] = ", ".join(spec.to)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=spec.sender.rpartition("@")[2] or None)
    message.set_content(text)
    # smtplib's timeout bounds each read, so a server trickling its replies could hold the job
    # for ever: the delivery runs in a thread given SMTP_DEADLINE in all, and past it the
    # connection is shut under it (its blocked read then fails at once).
    held: dict[str, smtplib.SMTP] = {}
    outcome: list[str | None] = []

    def deliver() -> None:
        try:
            smtp: smtplib.SMTP
            if spec.ssl:
                smtp = smtplib.SMTP_SSL(timeout=SMTP_TIMEOUT, context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(timeout=SMTP_TIMEOUT)
            held["smtp"] = smtp  # before connecting: the greeting itself may be what trickles
            with smtp:
                smtp.connect(spec.host, spec.port)
                if spec.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if spec.username and password is not None:
                    smtp.login(spec.username, password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as e:
            outcome.append(f"{type(e).__name__}: {e}")
        else:
            outcome.append(None)

    worker = threading.Thread(target=deliver, name="linkcheck-mail", daemon=True)
    worker.start()
    worker.join(SMTP_DEADLINE)
    if worker.is_alive():
        sock = getattr(held.get("smtp"), "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        worker.join(5)
        return f"the mail server did not finish within {SMTP_DEADLINE:g} s"
    return outcome[0] if outcome else "the mail delivery ended without a result"
