"""Each check option is declared once (linkcheck/check/options.py); every layer derives its own.

The command line's parameters of check, run and config show, a schedule's and the settings
file's [check] keys, the checking of values and the environment's precedence all come from
CHECK_OPTIONS: these tests fail when one layer drifts from the declaration.
"""

from __future__ import annotations

from typing import Any

import pytest
import typer.main

from linkcheck import settings
from linkcheck.check.options import CHECK_OPTIONS, SCHEDULE_CHECK_KEYS, option_value
from linkcheck.check.runner import check_options
from linkcheck.cli import app
from linkcheck.durations import parse_duration
from linkcheck.errors import OptionError
from linkcheck.schedule import config as schedule_config


def _params(*path: str) -> dict[str, Any]:
    # Duck-typed: Typer may bring its own copy of Click.
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return {p.opts[0]: p for p in command.params if p.opts and p.opts[0].startswith("--")}


@pytest.mark.parametrize(
    ("path", "selection"), [(("check",), True), (("run",), True), (("config", "show"), False)]
)
def test_commands_take_every_declared_option_as_declared(path: tuple[str, ...], selection: bool) -> None:
    params = _params(*path)
    for option in CHECK_OPTIONS.values():
        if option.selection and not selection:
            assert option.flag not in params
            continue
        param = params[option.flag]
        assert param.help == option.full_help
        if option.kind is list:
            assert param.multiple and param.default is None
        else:
            assert param.default == option.default
        if option.minimum is not None:
            assert param.min == option.minimum
        assert param.envvar is None  # the environment is read once, with the settings file


def test_schedule_and_settings_files_take_the_declared_keys() -> None:
    assert tuple(k for k, o in CHECK_OPTIONS.items() if o.in_schedule) == SCHEDULE_CHECK_KEYS
    assert settings.CHECK_KEYS == SCHEDULE_CHECK_KEYS
    assert "document" not in SCHEDULE_CHECK_KEYS and "http_stack" in SCHEDULE_CHECK_KEYS


def test_values_are_checked_against_the_declaration() -> None:
    assert option_value("timeout", 3) == 3.0
    with pytest.raises(OptionError, match="at least 1"):
        option_value("concurrency", 0)
    with pytest.raises(OptionError, match="expected true or false"):
        option_value("allow_private", 1)
    with pytest.raises(OptionError, match="unknown check option"):
        check_options({"timeot": 3})


def test_an_option_with_a_variable_takes_it_wherever_it_is_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    # Not the default (aiohttp): what is found can only come from the variable.
    monkeypatch.setenv("LINKCHECK_HTTP_STACK", "httpx")
    # A schedule's [check] table without the key: the environment's, as on the command line.
    assert check_options({}).fetch.http_stack == "httpx"
    assert check_options({"http_stack": "aiohttp"}).fetch.http_stack == "aiohttp"
    found = settings.effective({}, {}, settings.Settings(check={"http_stack": "aiohttp"}))
    assert found.options.fetch.http_stack == "httpx"
    assert found.sources["http_stack"] == "environment LINKCHECK_HTTP_STACK"


@pytest.mark.parametrize(("text", "days"), [("2w", 14), ("36h", 1.5), ("90d", 90)])
def test_one_duration_parser_for_every_duration(text: str, days: float) -> None:
    assert parse_duration(text).total_seconds() == days * 86400
    assert schedule_config.parse_every(text) == parse_duration(text)
