"""Durable news: notifications queued in the database, delivered, and tried again until they arrive.

A run that finds links newly dead, changed or moved queues one message per channel (webhook,
e-mail) in the outbox (:mod:`linkcheck.store.outbox`) before trying to deliver it. A message
that cannot be delivered stays queued and is tried again by the next runs of the schedule, with
a growing pause between attempts, until it is delivered or ``retry_for`` (7 days by default) has
passed; a message delivered late says so, and by how much. A news item is therefore never lost
to a receiver that was down, and never sent twice: the next run's news is only what is new then.

Webhook payloads are the JSON digest, or a message shaped for a Slack incoming webhook
(https://api.slack.com/messaging/webhooks: ``text`` and ``blocks``) or for a Microsoft Teams
Workflows webhook (an Adaptive Card in a ``message``: https://adaptivecards.io/).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from linkcheck.schedule.config import NotifySpec, ScheduleConfig
from linkcheck.store import Store
from linkcheck.store import outbox as sql

log = logging.getLogger("linkcheck.schedule")

RETRY_BASE = dt.timedelta(minutes=5)
"""Pause after a first failed delivery; doubled after each further one..."""
RETRY_MAX = dt.timedelta(hours=6)
"""...up to this: a schedule that runs daily tries every run."""
_FMT = "%Y-%m-%dT%H:%M:%SZ"


def _time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, _FMT).replace(tzinfo=dt.UTC)


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime(_FMT)


def retry_delay(attempts: int) -> dt.timedelta:
    """The pause before the next attempt after ``attempts`` failed ones."""
    return min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_MAX)


def duration_text(seconds: float) -> str:
    """``2 days``, ``5 hours``, ``12 minutes``: how late, in the largest whole unit."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "less than a minute"


def report_names(config: ScheduleConfig) -> list[str]:
    """The schedule's reports as a reader elsewhere can find them: by public URL, else absolute path."""
    notify = config.notify or NotifySpec()
    names = []
    for spec in config.reports:
        path = Path(spec.output)
        if notify.report_base_url:
            shown = path.name if path.is_absolute() else path.as_posix().removeprefix("./")
            names.append(f"{notify.report_base_url.rstrip('/')}/{quote(shown)}")
        else:
            names.append(str(path.resolve()))
    return names


# -- payloads -----------------------------------------------------------------------------


def news_lines(digest: dict[str, Any]) -> list[str]:
    """The digest in plain lines: one block per link, then the reports."""
    lines = []
    for link in digest.get("new", []):
        status = f", HTTP {link['http_status']}" if link.get("http_status") else ""
        lines.append(f"{str(link['verdict']).upper()}: {link['url']} ({link.get('reason') or '-'}{status})")
        for c in link.get("citations", [])[:5]:
            where = f"{c['document']}:{c['line']}" if c.get("line") else c["document"]
            lines.append(
                f"  cited in {where}" + (f" (accessed {c['accessed']})" if c.get("accessed") else "")
            )
        fix = link.get("suggestion")
        if fix:
            lines.append(f"  fix: {fix['note']}" + (f": {fix['url']}" if fix.get("url") else ""))
    if digest.get("reports"):
        lines.append("Reports: " + ", ".join(digest["reports"]))
    return lines


def headline(digest: dict[str, Any]) -> str:
    """One line: the schedule, how many links, and how late."""
    n = len(digest.get("new", []))
    text = f"linkcheck {digest['schedule']}: {n} link{'s' if n != 1 else ''} newly dead, changed or moved"
    if digest.get("late"):
        text += f" (late by {digest['late_by']}: found {digest['queued_at']})"
    return text


def _slack_escape(text: str) -> str:
    # Slack reads &, < and > as markup: https://api.slack.com/reference/surfaces/formatting#escaping
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webhook_body(fmt: str, digest: dict[str, Any]) -> dict[str, Any]:
    """The POST body for a webhook expecting ``fmt``: json (the digest), slack or teams."""
    if fmt == "slack":
        text = _slack_escape(headline(digest))
        body = "\n".join(_slack_escape(line) for line in news_lines(digest))
        return {
            "text": text,
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": f"*{text}*"}},
                {"type": "section", "text": {"type": "mrkdwn", "text": f"```{body[:2900]}```"}},
            ],
        }
    if fmt == "teams":
        blocks: list[dict[str, Any]] = [
            {"type": "TextBlock", "text": headline(digest), "weight": "Bolder", "wrap": True}
        ]
        blocks += [
            {"type": "TextBlock", "text": line, "wrap": True, "spacing": "None"}
            for line in news_lines(digest)
        ]
        return {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": None,
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": blocks,
                    },
                }
            ],
        }
    return digest


# -- queueing and delivering ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OwnerMail:
    """One owner's own news, by e-mail (``[[owners]]`` in the settings file)."""

    owner: str
    to: str
    subject: str
    text: str


def queue(
    store: Store,
    config: ScheduleConfig,
    run_id: int,
    digest: dict[str, Any],
    email: tuple[str, str] | None,
    owners: Sequence[OwnerMail] = (),
) -> None:
    """Queue this run's news for every channel of ``config.notify``, and each owner's own news."""
    notify = config.notify
    assert notify is not None
    expires = _stamp(dt.datetime.now(dt.UTC) + notify.retry_for)
    if notify.webhook:
        sql.enqueue(store, config.name, "webhook", notify.webhook, notify.format, run_id, digest, expires)
    if notify.email and email is not None:
        subject, text = email
        to = ", ".join(notify.email.to)
        sql.enqueue(
            store, config.name, "email", to, "text", run_id, {"subject": subject, "text": text}, expires
        )
    for mail in owners:
        payload = {"subject": mail.subject, "text": mail.text, "label": f"email to {mail.owner}"}
        sql.enqueue(store, config.name, "email", mail.to, "text", run_id, payload, expires)


def deliver(
    store: Store, config: ScheduleConfig, send_webhook: Any, send_email: Any
) -> tuple[list[str], list[str]]:
    """Try every message of the schedule that is due; returns (channels delivered, problems).

    ``send_webhook(url, body) -> error | None`` and ``send_email(to, subject, text) -> error | None``
    do the sending. A failure is kept for the next runs, with backoff, until the message expires.
    """
    now = dt.datetime.now(dt.UTC)
    done: list[str] = []
    problems: list[str] = []
    for message in sql.due(store, config.name, _stamp(now)):
        late = (now - _time(message.created_at)).total_seconds()
        is_late = message.attempts > 0
        if message.channel == "webhook":
            digest = dict(message.payload)
            digest.update(
                late=is_late, queued_at=message.created_at, late_seconds=round(late) if is_late else 0,
                late_by=duration_text(late) if is_late else None, delivery_attempts=message.attempts + 1,
            )  # fmt: skip
            error = send_webhook(message.target, webhook_body(message.format, digest))
        else:
            text = message.payload["text"]
            if is_late:
                why = f"found on {message.created_at}, the mail server could not take it until now"
                text = f"This message is late by {duration_text(late)}: {why}.\n\n{text}"
            error = send_email(message.target, message.payload["subject"], text)
        if error is None:
            sql.delivered(store, message.id)
            label = message.payload.get("label", message.channel)
            done.append(label + (f" (late by {duration_text(late)})" if is_late else ""))
            continue
        expired = now >= _time(message.expires_at)
        sql.failed(store, message.id, error, _stamp(now + retry_delay(message.attempts + 1)), expired)
        if expired:
            tries = message.attempts + 1
            found = message.created_at
            problem = f"{message.channel}: gave up on the news of {found} after {tries} attempts: {error}"
        else:
            problem = (
                f"{message.channel}: {error} (kept; tried again on the next runs until {message.expires_at})"
            )
        problems.append(problem)
        log.warning("%s: %s", config.name, problem)
    return done, problems
