"""Scheduled checks under the settings file: its exclusions apply, and each owner hears of their own
documents' newly broken links (the shared digest still goes to [notify])."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.cli import app
from linkcheck.schedule import load_schedule, run_job
from linkcheck.settings import apply_to_schedule, load_settings
from tests.test_schedule import FakeSMTP, Receiver, cite, receiver, schedule_text, web, write
from tests.web import Web

__all__ = ["receiver", "web"]  # fixtures shared with test_schedule.py

runner = CliRunner()

OWNERS = (
    '[[owners]]\nname = "History"\nemail = "hist@example.edu"\ndocuments = ["lists/hist*"]\n'
    '[[owners]]\nname = "Biology"\nemail = "bio@example.edu"\ndocuments = ["lists/bio*"]\n'
    '[[owners]]\nname = "Chemistry"\ndocuments = ["lists/chem*"]\n'  # no address: not mailed
)


def test_each_owner_is_mailed_their_own_new_problems(
    web: Web, receiver: Receiver, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent = []
    site = web.sites["library.test"]
    cite(in_tmp, site.url("/missing"), site.url("/live"), name="lists/history.txt")
    cite(in_tmp, site.url("/gone"), site.url("/missing"), name="lists/biology.txt")
    cite(in_tmp, site.url("/old-article"), name="lists/chemistry.txt")
    write(in_tmp, "linkcheck.toml", OWNERS)
    text = schedule_text(web).replace('paths = ["refs.txt"]', 'paths = ["lists"]') + (
        f'[notify]\nwebhook = "{receiver.url}"\n'
        '[notify.email]\nhost = "smtp.example.org"\nfrom = "lc@example.org"\nto = ["editor@example.org"]\n'
    )
    config = apply_to_schedule(
        load_schedule(write(in_tmp / "schedules", "nightly.toml", text)), load_settings()
    )
    result = run_job(config, "lc.db")
    assert result.status == "done" and result.warnings == []
    assert result.notified == ["webhook", "email", "email to History", "email to Biology"]
    mails = {m["To"]: m for *_, m in FakeSMTP.sent}
    assert set(mails) == {"editor@example.org", "hist@example.edu", "bio@example.edu"}
    history = mails["hist@example.edu"].get_content()
    assert (
        mails["hist@example.edu"]["Subject"]
        == "linkcheck (History) nightly: 1 link newly dead, changed or moved"
    )
    assert f"DEAD: {site.url('/missing')}" in history and site.url("/gone") not in history
    assert "cited in lists/history.txt:1" in history and "biology" not in history  # their citations only
    biology = mails["bio@example.edu"].get_content()
    assert f"DEAD: {site.url('/gone')}" in biology and f"DEAD: {site.url('/missing')}" in biology
    assert site.url("/old-article") not in biology  # Chemistry's, and Chemistry has no address
    everything = mails["editor@example.org"].get_content()
    assert "3 links newly dead, changed or moved" in mails["editor@example.org"]["Subject"]
    assert site.url("/old-article") in everything
    (body,) = receiver.bodies
    assert {name: sorted(urls) for name, urls in body["owners"].items()} == {
        "History": [site.url("/missing")],
        "Biology": sorted([site.url("/gone"), site.url("/missing")]),
        "Chemistry": [site.url("/old-article")],
    }
    owners = {c["document"]: c["owner"] for link in body["new"] for c in link["citations"]}
    assert owners["lists/chemistry.txt"] == "Chemistry" and owners["lists/history.txt"] == "History"


def test_schedule_run_applies_the_settings_files_exclusions(web: Web, in_tmp: Path) -> None:
    site = web.sites["library.test"]
    cite(in_tmp, site.url("/live"), site.url("/private/area"))
    write(in_tmp, "linkcheck.toml", 'exclude = ["/private/"]\n[check]\ntimeout = 1\n')
    write(in_tmp / "schedules", "nightly.toml", schedule_text(web))
    web.reset_counters()
    result = runner.invoke(app, ["--db", "lc.db", "schedule", "run", "--once", "nightly"])
    assert result.exit_code == 0, result.output
    assert web.hits[("library.test", "/private/area")] == 0 and web.hits[("library.test", "/live")] == 1
    # The schedule's own [check] keys win over the file's: timeout = 5 there, 1 here.
    config = apply_to_schedule(load_schedule(in_tmp / "schedules" / "nightly.toml"), load_settings())
    assert config.check.fetch.timeout == 5.0 and config.check.rules.excluded(site.url("/private/area"))
