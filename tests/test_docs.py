"""The README is part of the product: it must match the command line."""

from __future__ import annotations

import re

import typer.main

from linkcheck.cli import app
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> dict[str, object]:
    group = typer.main.get_command(app)
    return group.commands  # type: ignore[attr-defined,no-any-return]


def test_every_command_has_help_and_is_in_the_readme() -> None:
    commands = _commands()
    assert commands
    for name, command in commands.items():
        assert (command.help or "").strip(), f"{name} has no help text"  # type: ignore[attr-defined]
        assert f"linkcheck {name}" in README, f"README does not document `linkcheck {name}`"


def test_every_option_is_in_the_readme() -> None:
    for name, command in _commands().items():
        for param in command.params:  # type: ignore[attr-defined]
            for opt in param.opts:
                if opt.startswith("--") and opt != "--help":
                    assert opt in README, f"README does not document {opt} of `linkcheck {name}`"


def test_quick_start_is_exactly_two_commands_first() -> None:
    first_block = re.search(r"## Quick start\s+```sh\n(.*?)```", README, re.S)
    assert first_block, "README must start with a Quick start code block"
    lines = [line for line in first_block.group(1).splitlines() if line.strip()]
    assert len(lines) == 2
    assert "linkcheck run examples/" in lines[0]
    assert "pytest" in lines[1]
    assert README.index("## Quick start") < README.index("## What it does")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    first_block = re.search(r"## Quick start\s+```sh\n(.*?)```", README, re.S)
    assert first_block
    test_command = [line for line in first_block.group(1).splitlines() if line.strip()][1].strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def test_bundled_example_exists() -> None:
    first_block = re.search(r"## Quick start\s+```sh\n(.*?)```", README, re.S)
    assert first_block
    example = re.search(r"linkcheck run (\S+)", first_block.group(1))
    assert example and (ROOT / example.group(1)).is_file()
