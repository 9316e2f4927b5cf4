"""One hierarchy of named errors: every class in linkcheck/errors.py, drawn in its docstring."""

from __future__ import annotations

import ast
import inspect

import pytest

from linkcheck import errors
from linkcheck.errors import ExitCode, LinkcheckError
from tests.conftest import ROOT


def _classes() -> list[type[LinkcheckError]]:
    return [
        c for _, c in inspect.getmembers(errors, inspect.isclass)
        if issubclass(c, LinkcheckError) and c.__module__ == errors.__name__
    ]  # fmt: skip


def test_every_error_is_drawn_with_its_exit_code() -> None:
    """The module docstring's tree names each class with the exit code it really has."""
    doc = errors.__doc__ or ""
    for cls in _classes():
        line = next((x for x in doc.splitlines() if x.strip(" │├└─").startswith(f"{cls.__name__} ")), None)
        assert line is not None, f"{cls.__name__} is not drawn"
        if not issubclass(cls, errors.FetchError):
            assert f" {int(cls.exit_code)} " in f"{line} ", line


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.OptionError("timeout", "must be at least 0.1"), ExitCode.USAGE),
        (errors.DamagedDatabase("x.db", "malformed"), ExitCode.USAGE),
        (errors.EnvironmentFailure("pypdf", "missing", "reinstall"), ExitCode.ENVIRONMENT),
        (errors.SettingsError(["linkcheck.toml: bad"]), ExitCode.USAGE),
    ],
)
def test_exit_codes(error: LinkcheckError, code: ExitCode) -> None:
    assert error.exit_code is code


def test_no_exception_class_outside_errors_module() -> None:
    """Errors live in one place; the one exception is an httpcore error the transport must raise."""
    found = []
    for path in sorted((ROOT / "linkcheck").rglob("*.py")):
        if path.name == "errors.py" and path.parent.name == "linkcheck":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                ast.unparse(b).endswith(("Error", "Exception")) for b in node.bases
            ):
                found.append(f"{path.relative_to(ROOT)}: {node.name}")
    # httpx maps httpcore's ConnectError to its own: a refusal raised any other way would not arrive.
    assert found == ["linkcheck/check/network.py: ConnectionRefused"]
