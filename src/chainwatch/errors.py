"""The exception tree. Every error a user can cause is a ``ChainwatchError``.

Each class carries the exit code the CLI uses and the HTTP status the API uses, so
analyzers, storage and services never import Typer or FastAPI (the yente pattern)::

    ChainwatchError                 exit 2, HTTP 400   (a user mistake, one clear line)
    ├── ConfigError                 exit 2, HTTP 500   bad setting / environment variable
    ├── InputError                  exit 2, HTTP 422   a file or value the user gave is wrong
    │   └── ChainFileError          exit 2, HTTP 422   chain YAML/JSON: carries file, line, field
    ├── NotFoundError               exit 2, HTTP 404   a project, party, rule... does not exist
    │   └── UnknownRuleError        exit 2, HTTP 404   a rule id that the catalogue lacks
    └── StorageError                exit 2, HTTP 503   database unreachable or not initialised

Anything else that escapes is a bug, and the CLI shows it as one.
"""

from __future__ import annotations


class ChainwatchError(Exception):
    """Base of every error a user can cause."""

    exit_code: int = 2
    http_status: int = 400


class ConfigError(ChainwatchError):
    http_status = 500


class InputError(ChainwatchError):
    http_status = 422


class ChainFileError(InputError):
    """A chain definition that cannot be imported; names where the problem is."""

    def __init__(
        self, message: str, *, file: str, line: int | None = None, field: str | None = None
    ):
        self.file = file
        self.line = line
        self.field = field
        self.reason = message
        where = file if line is None else f"{file}:{line}"
        if field:
            where = f"{where}: {field}"
        super().__init__(f"{where}: {message}")


class NotFoundError(ChainwatchError):
    http_status = 404


class UnknownRuleError(NotFoundError):
    pass


class StorageError(ChainwatchError):
    http_status = 503
