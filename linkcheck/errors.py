"""Named errors of the library. The CLI turns each into one line on stderr and an exit code."""

from __future__ import annotations


class LinkcheckError(Exception):
    """Base class of every error the library raises on purpose."""


class InputError(LinkcheckError):
    """An input document could not be read or understood."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class DatabaseError(LinkcheckError):
    """The database could not be opened, migrated or written."""
