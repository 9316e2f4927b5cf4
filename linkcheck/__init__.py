"""linkcheck: tells whether a cited web source still says what it said when the author cited it."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("linkcheck")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
