"""docs/ci.md runs: every ``linkcheck`` command of its GitHub Actions and GitLab CI recipes, in order,
through the installed command and a shell, against the loopback test web.

The recipes are run as written; what differs from a real CI machine is only the repository's
``linkcheck.toml`` (which here points the documents' host names at the test web) and the
environment variables CI would set (``GITHUB_STEP_SUMMARY``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import FIXTURES, ROOT
from tests.web import Answer, Reply, Request, Web, html, words

CI_DOC = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
LINKCHECK = Path(sys.executable).parent / "linkcheck"


def commands(recipe: str) -> list[str]:
    """The ``linkcheck`` command lines of the YAML block under the heading ``recipe``."""
    section = CI_DOC.split(f"## {recipe}", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block, f"docs/ci.md has no YAML block under {recipe}"
    found = re.findall(r"^\s*(?:- |run: )?(linkcheck [^\n]*?)\s*$", block.group(1), re.M)
    assert found, f"no linkcheck commands in the {recipe} recipe"
    return found


def docs_site(req: Request, web: Web) -> Answer:
    if req.path == "/guide":
        return html("The guide", "<p>" + words("guide", 300) + "</p>")
    return Reply(404, {"Content-Type": "text/html"}, b"<title>Not Found</title>")


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    w = Web()
    w.add_site("docs.test", docs_site)
    yield w
    w.close()


@pytest.fixture
def repo(tmp_path: Path, web: Web) -> Path:
    """A repository with documents citing the test web and its linkcheck.toml."""
    site = web.sites["docs.test"]
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text(
        f"# Guide\n\nSee [the guide]({site.url('/guide')}).\nAnd [the old page]({site.url('/old')}).\n",
        encoding="utf-8",
    )
    (tmp_path / "linkcheck.toml").write_text(
        "[check]\nallow_private = true\ntimeout = 3\nretries = 0\nhost_interval = 0\n"
        f'resolve = ["docs.test:{site.port}:{site.address}"]\n',
        encoding="utf-8",
    )
    return tmp_path


def sh(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "PATH": f"{LINKCHECK.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "LINKCHECK_ARCHIVE_URL": "http://127.0.0.1:9",
        **env,
    }
    environ.pop("LINKCHECK_DB", None)
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=environ, capture_output=True, text=True, timeout=120
    )


def test_the_github_actions_recipe_runs(repo: Path) -> None:
    steps = commands("GitHub Actions")
    assert steps[0].startswith("linkcheck run docs/ --fail-on dead")
    summary = repo / "step-summary.md"
    results = [sh(step, repo, GITHUB_STEP_SUMMARY=str(summary)) for step in steps]
    check = results[0]
    assert check.returncode == 1, check.stderr  # a dead link fails the job
    assert "::error file=docs/guide.md,line=4,title=linkcheck%3A dead link::dead: " in check.stdout
    assert "linkcheck: 1 link is dead (--fail-on)" in check.stderr
    assert all(r.returncode == 0 for r in results[1:]), [r.stderr for r in results[1:]]
    # The next run finds the database the cache restored: nothing is due, the verdicts stand.
    again = sh(steps[0], repo)
    assert again.returncode == 1 and "Nothing to check" in again.stderr
    assert summary.read_text(encoding="utf-8").startswith("## Link check report")
    assert (repo / "reports" / "links.html").read_text(encoding="utf-8").lower().startswith("<!doctype html>")
    comment = (repo / "reports" / "comment.md").read_text(encoding="utf-8")
    assert "### docs/guide.md" in comment and "not-found" in comment and len(comment) <= 65_536


def test_the_gitlab_ci_recipe_runs(repo: Path) -> None:
    steps = commands("GitLab CI")
    assert steps[0].startswith("linkcheck run docs/ --fail-on dead --format junit")
    results = [sh(step, repo) for step in steps]
    assert results[0].returncode == 1 and all(r.returncode == 0 for r in results[1:])
    schema = etree.XMLSchema(etree.parse(str(FIXTURES / "junit-10.xsd")))
    doc = etree.parse(str(repo / "reports" / "links.xml"))
    schema.assertValid(doc)
    assert doc.getroot().get("failures") == "1"
    assert (repo / "reports" / "links.md").is_file() and (repo / "reports" / "links.html").is_file()
