"""Sanctions list versions: import (offline), update (download), status, and the diff.

Every import becomes a snapshot (files, sha256, date, source, parsed entries, rejects) and a
``list_snapshots`` row; the newest snapshot of a source is its current one. Importing the
same published version again changes nothing. The diff against the previous version
(added, removed, changed entries) drives re-screening (SCR-6).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from chainwatch.domain import ListEntry
from chainwatch.errors import ConfigError, InputError
from chainwatch.screening.lists.base import LoadReport
from chainwatch.screening.lists.download import fetch_file
from chainwatch.screening.lists.registry import get_loader
from chainwatch.screening.lists.snapshot import (
    Snapshot,
    SnapshotFile,
    combined_sha256,
    file_sha256,
    read_snapshot,
    write_snapshot,
)
from chainwatch.service import ledger
from chainwatch.settings import Settings
from chainwatch.storage.models import ListSnapshotRow

SOURCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# A whole-file failure (truncated or foreign XML/JSON, unreadable file): never a new version.
FATAL_REJECTS = {"xml_error", "unreadable"}


@dataclass(frozen=True)
class SourceSpec:
    id: str
    loader: str
    title: str
    licence: str
    attribution: str
    files: tuple[tuple[str, str], ...]  # (name, url)
    enabled: bool = True


@dataclass
class ListImportResult:
    source: str
    status: str  # "imported", "unchanged" (same published version), "not_modified" (HTTP 304)
    snapshot: str | None = None
    entries: int = 0
    rejects: int = 0
    report: dict[str, Any] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    previous: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "snapshot": self.snapshot,
            "entries": self.entries,
            "rejects": self.rejects,
            "report": self.report,
            "previous": self.previous,
            "error": self.error,
            "diff": {
                "added": len(self.added),
                "removed": len(self.removed),
                "changed": len(self.changed),
                "added_ids": self.added[:200],
                "removed_ids": self.removed[:200],
                "changed_ids": self.changed[:200],
            },
        }


def load_sources(settings: Settings) -> dict[str, SourceSpec]:
    """Built-in sources, overridden by the file named in CHAINWATCH_LIST_SOURCES."""
    text = (resources.files("chainwatch.screening.lists") / "sources.yaml").read_text("utf-8")
    raw = dict(yaml.safe_load(text))
    if settings.list_sources is not None:
        try:
            extra = yaml.safe_load(settings.list_sources.read_text("utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"CHAINWATCH_LIST_SOURCES: {exc}") from None
        if not isinstance(extra, dict):
            raise ConfigError(f"{settings.list_sources}: expected a mapping of sources")
        raw.update(extra)
    out = {}
    for sid, spec in raw.items():
        try:
            out[sid] = SourceSpec(
                id=sid,
                loader=spec["loader"],
                title=spec.get("title", sid),
                licence=spec.get("licence", "unknown"),
                attribution=spec.get("attribution", ""),
                files=tuple((f["name"], f["url"]) for f in spec["files"]),
                enabled=bool(spec.get("enabled", True)),
            )
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"list source {sid!r}: missing or bad field {exc}") from None
    return out


def _lists_root(settings: Settings) -> Path:
    return settings.home / "lists"


def current_snapshots(session: Session) -> list[ListSnapshotRow]:
    return list(
        session.scalars(
            select(ListSnapshotRow)
            .where(ListSnapshotRow.is_current.is_(True))
            .order_by(ListSnapshotRow.source)
        )
    )


def _current(session: Session, source: str) -> ListSnapshotRow | None:
    return session.scalar(
        select(ListSnapshotRow).where(
            ListSnapshotRow.source == source, ListSnapshotRow.is_current.is_(True)
        )
    )


def current_entries(session: Session) -> Iterator[ListEntry]:
    """Every entry of every list's current version."""
    for row in current_snapshots(session):
        yield from read_snapshot(Path(row.path)).read_entries()


def import_list(
    session: Session,
    settings: Settings,
    paths: Sequence[Path],
    kind: str,
    *,
    source: str | None = None,
    now: datetime | None = None,
    metas: dict[str, SnapshotFile] | None = None,
) -> ListImportResult:
    """Parse files of one list into a new snapshot unless that version is already current."""
    loader = get_loader(kind)
    source = source or kind
    if not SOURCE_NAME.fullmatch(source):
        raise InputError(f"list name {source!r}: use letters, digits, '.', '_' or '-' (max 64)")
    now = now or datetime.now(UTC)
    for p in paths:
        if p.is_dir():
            raise InputError(f"{p}: is a directory; give the list's files")
        if not p.is_file():
            raise InputError(f"{p}: no such file")
    files = [
        (p, (metas or {}).get(p.name) or SnapshotFile(p.name, file_sha256(p), p.stat().st_size))
        for p in paths
    ]
    digest = combined_sha256(f for _, f in files)
    previous = _current(session, source)
    if previous is not None and previous.sha256 == digest:
        return ListImportResult(
            source,
            "unchanged",
            Path(previous.path).name,
            previous.entries,
            previous.rejects,
            previous=previous.path,
        )
    report = LoadReport(source=source)
    snap = write_snapshot(
        _lists_root(settings), source, kind, files, loader.read(list(paths), report), report, now
    )
    fatal = [r for r in report.rejects if r.reason.split(":")[0] in FATAL_REJECTS]
    if snap.entries == 0 or fatal:
        shutil.rmtree(snap.path, ignore_errors=True)  # the current version stays current
        why = fatal[0].reason if fatal else f"no entries read ({len(report.rejects)} rejected)"
        raise InputError(
            f"{source}: not imported, the previous version stays current: {why} "
            f"(is this a {kind} file?)"
        )
    result = ListImportResult(
        source, "imported", snap.path.name, snap.entries, len(report.rejects), report.to_dict()
    )
    if previous is not None:
        result.previous = Path(previous.path).name
        _diff(read_snapshot(Path(previous.path)), snap, result)
        previous.is_current = False
    else:
        result.added = [e.entry_id for e in snap.read_entries()]
    session.add(
        ListSnapshotRow(
            source=source,
            loader=kind,
            path=str(snap.path),
            sha256=snap.sha256,
            created_at=now,
            entries=snap.entries,
            rejects=len(report.rejects),
            is_current=True,
            diff={
                "added": len(result.added),
                "removed": len(result.removed),
                "changed": len(result.changed),
            },
        )
    )
    session.flush()
    ledger.append(
        session,
        "list_version",
        f"list:{source}",
        {
            "list": source,
            "loader": kind,
            "version": snap.path.name,
            "sha256": snap.sha256,
            "files": [
                {"name": f.name, "sha256": f.sha256, "bytes": f.size, "url": f.url}
                for _, f in files
            ],
            "entries": snap.entries,
            "rejects": len(report.rejects),
            "previous": result.previous,
            "added": len(result.added),
            "removed": len(result.removed),
            "changed": len(result.changed),
        },
        at=now,
    )
    return result


def _diff(old: Snapshot, new: Snapshot, result: ListImportResult) -> None:
    before, after = old.entry_hashes(), new.entry_hashes()
    result.added = sorted(set(after) - set(before))
    result.removed = sorted(set(before) - set(after))
    result.changed = sorted(k for k in set(after) & set(before) if after[k] != before[k])


def update_lists(
    session: Session,
    settings: Settings,
    source_ids: Sequence[str] | None = None,
    *,
    client: httpx.Client | None = None,
    now: datetime | None = None,
) -> list[ListImportResult]:
    """Download the enabled sources (or those named) and import what changed."""
    sources = load_sources(settings)
    for sid in source_ids or []:
        if sid not in sources:
            raise InputError(f"unknown list source {sid!r}; choose from {', '.join(sources)}")
    chosen = (
        [sources[s] for s in source_ids]
        if source_ids
        else [s for s in sources.values() if s.enabled]
    )
    own = client is None
    client = client or httpx.Client(timeout=httpx.Timeout(60.0, connect=15.0))
    results = []
    try:
        for spec in chosen:  # one failing source does not stop the others
            try:
                results.append(_update_one(session, settings, spec, client, now))
            except InputError as exc:
                results.append(ListImportResult(spec.id, "failed", error=str(exc)))
    finally:
        if own:
            client.close()
    return results


def _update_one(session, settings, spec: SourceSpec, client, now) -> ListImportResult:
    current = _current(session, spec.id)
    snap = read_snapshot(Path(current.path)) if current is not None else None
    old = {f.name: f for f in snap.files} if snap else {}
    tmp = Path(tempfile.mkdtemp(prefix=f"cw-{spec.id}-"))
    try:
        fetched = [fetch_file(client, name, url, tmp, old.get(name)) for name, url in spec.files]
        if snap is not None and all(f.not_modified for f in fetched):
            return ListImportResult(
                spec.id, "not_modified", snap.path.name, snap.entries, current.rejects
            )
        paths, metas = [], {}
        for f in fetched:
            dest = tmp / f.name
            if f.not_modified:  # reuse the unchanged file from the current snapshot
                assert snap is not None
                shutil.copyfile(snap.path / "files" / f.name, dest)
                metas[f.name] = old[f.name]
            else:
                assert f.path is not None and f.meta is not None
                f.path.rename(dest)
                metas[f.name] = f.meta
            paths.append(dest)
        if not fetched:
            raise InputError(f"list source {spec.id!r} names no files")
        return import_list(
            session, settings, paths, spec.loader, source=spec.id, now=now, metas=metas
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def list_status(session: Session, now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or datetime.now(UTC)
    rows = []
    for r in current_snapshots(session):
        created = r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=UTC)
        rows.append(
            {
                "source": r.source,
                "loader": r.loader,
                "snapshot": Path(r.path).name,
                "imported_at": created.isoformat(),
                "age_days": (now - created).days,
                "entries": r.entries,
                "rejects": r.rejects,
                "sha256": r.sha256,
                "last_diff": r.diff,
            }
        )
    return rows
