"""The one list of log formats: ``--format`` names → parser classes, imported lazily.

Why lazy: each format lives in its own module, written and shipped independently; importing
them all up front would make one broken or not-yet-written module break every command. A
format is imported when asked for (``get_format``) or when auto-detection needs the list
(iterating ``FORMATS``); a module that cannot be imported is left out of detection and gives
``InputError("format X unavailable: ...")`` only to whoever asks for it by name.

To add a format: one line in ``_BUILTIN`` (``"name": "module:Class"``). Formats that cannot
work without options (``mapped`` needs its mapping file) go in ``_WITH_OPTIONS``: reachable by
``get_format(name, **options)``, never auto-detected.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

from chainwatch.access.formats.base import LogFormat
from chainwatch.errors import InputError

_PKG = "chainwatch.access.formats"

_BUILTIN: dict[str, str] = {
    # Text access logs (formats/s3.py, cloudfront.py, http_access.py, aspera.py)
    "s3": f"{_PKG}.s3:S3Format",
    "cloudfront": f"{_PKG}.cloudfront:CloudFrontFormat",
    "aspera": f"{_PKG}.aspera:AsperaFormat",
    # SaaS / object-store JSON audit logs (their own modules)
    "m365": f"{_PKG}.m365:M365Format",
    "gdrive": f"{_PKG}.gdrive:GoogleDriveFormat",
    "dropbox": f"{_PKG}.dropbox:DropboxFormat",
    "box": f"{_PKG}.box:BoxFormat",
    "minio": f"{_PKG}.minio:MinioFormat",
    # Generic web layouts last: detection tries them after everything specific
    "nginx": f"{_PKG}.http_access:NginxFormat",
    "apache": f"{_PKG}.http_access:ApacheFormat",
}

_WITH_OPTIONS: dict[str, str] = {
    "mapped": f"{_PKG}.mapped:MappedFormat",  # needs mapping=<path to YAML>
}


def _load(name: str) -> type[Any]:
    spec = _BUILTIN.get(name) or _WITH_OPTIONS.get(name)
    if spec is None:
        known = ", ".join([*_BUILTIN, *_WITH_OPTIONS])
        raise InputError(f"unknown log format {name!r} (known: {known})")
    module, _, attr = spec.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise InputError(f"format {name} unavailable: {exc}") from exc


class _Formats(Mapping[str, Callable[..., LogFormat]]):
    """name → factory. Iterates over the formats that import and need no options."""

    def __init__(self) -> None:
        self._available: dict[str, bool] = {}

    def __getitem__(self, name: str) -> Callable[..., LogFormat]:
        if name not in _BUILTIN and name not in _WITH_OPTIONS:
            raise KeyError(name)
        return partial(get_format, name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in _BUILTIN or name in _WITH_OPTIONS)

    def __iter__(self) -> Iterator[str]:
        for name in _BUILTIN:
            if name not in self._available:
                try:
                    _load(name)
                    self._available[name] = True
                except InputError:
                    self._available[name] = False
            if self._available[name]:
                yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)


FORMATS: Mapping[str, Callable[..., LogFormat]] = _Formats()


def known_formats() -> list[str]:
    """Every registered name, importable or not (for help texts)."""
    return [*_BUILTIN, *_WITH_OPTIONS]


def get_format(name: str, **options: Any) -> LogFormat:
    """A parser instance: ``get_format("nginx", log_format='$remote_addr ...')``,
    ``get_format("mapped", mapping="vendor.yaml")``. InputError for unknown or unavailable
    names and for options the format rejects."""
    cls = _load(name)
    try:
        return cls(**options)
    except TypeError as exc:
        raise InputError(f"format {name}: bad options {sorted(options)}: {exc}") from exc
