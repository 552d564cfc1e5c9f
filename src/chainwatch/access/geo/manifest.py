"""The JSON manifest of a compiled geo directory: what went in, under which licence.

Why: every alert must be able to say which database said what and how old it was
(access-logs-and-ip-data.md §6.2 "record DB name + build date in every alert"), and the CC BY 4.0
sources (DB-IP Lite; RouteViews/NRO/DB-IP ASN, §2.5) require attribution wherever results are
shown — :meth:`GeoManifest.attribution` is the text to display.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from chainwatch.errors import InputError
from chainwatch.hashing import sha256_file

MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1


@dataclass
class SourceFile:
    name: str
    sha256: str
    bytes: int

    @classmethod
    def of(cls, path: Path) -> SourceFile:
        return cls(path.name, sha256_file(path), path.stat().st_size)


@dataclass
class GeoSource:
    """One input: an npm package, a user-supplied MMDB/CSV, or a VPN/datacenter/Tor list."""

    kind: str  # city | asn | vpn | datacenter | tor
    name: str
    package: str | None = None  # npm package name, when fetched with npm pack
    version: str | None = None  # package.json version
    build_date: str | None = None  # MMDB build_epoch, package version date or list snapshot
    licence: str | None = None
    attribution: str | None = None
    files: list[SourceFile] = field(default_factory=list)
    licence_files: list[str] = field(default_factory=list)  # copies, relative to the directory
    records: int | None = None  # networks/rows read

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GeoSource:
        files = [SourceFile(**f) for f in data.get("files") or []]
        return cls(**{**data, "files": files})


@dataclass
class GeoManifest:
    built_at: str  # UTC ISO 8601
    sources: list[GeoSource]
    counts: dict[str, int]
    compile_seconds: float
    format: int = FORMAT_VERSION
    path: Path | None = field(default=None, compare=False)  # the directory; not serialized

    def attribution(self) -> list[str]:
        """Attribution lines to show with any result derived from this directory."""
        seen: list[str] = []
        for source in self.sources:
            if source.attribution and source.attribution not in seen:
                seen.append(source.attribution)
        return seen

    def describe(self, kind: str) -> list[str]:
        """``name version (build date)`` of the sources of one kind, for explanations."""
        out = []
        for s in self.sources:
            if s.kind == kind:
                bits = [s.name, s.version or "", f"({s.build_date})" if s.build_date else ""]
                out.append(" ".join(b for b in bits if b))
        return out

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("path")
        return data

    def write(self, directory: Path) -> None:
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False, sort_keys=False)
        (directory / MANIFEST_NAME).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def read(cls, directory: Path) -> GeoManifest:
        path = directory / MANIFEST_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(
                f"{directory}: no readable {MANIFEST_NAME} — not a compiled geo directory "
                "(run `chainwatch geo install`)"
            ) from exc
        if data.get("format") != FORMAT_VERSION:
            raise InputError(
                f"{path}: format {data.get('format')!r}, this chainwatch reads "
                f"{FORMAT_VERSION}; run `chainwatch geo install` again"
            )
        sources = [GeoSource.from_dict(s) for s in data.get("sources") or []]
        return cls(
            built_at=data["built_at"],
            sources=sources,
            counts=dict(data.get("counts") or {}),
            compile_seconds=float(data.get("compile_seconds") or 0.0),
            format=data["format"],
            path=directory,
        )
