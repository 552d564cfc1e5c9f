"""Versioned list snapshots on disk: the files as published, their hashes, the parsed entries.

Layout under ``CHAINWATCH_HOME/lists/<source>/<UTC time>-<sha8>/``::

    manifest.json        source, loader, files (name, sha256, bytes, url, etag, last-modified),
                         created_at, entry count, load report (rejects with file:line:reason)
    files/...            the original files, byte for byte (evidence of what was screened)
    entries.jsonl.gz     normalized entries, one JSON object per line
    rejects.jsonl        every rejected row with its reason (quarantine; nothing vanishes)

A snapshot directory is written under a temporary name and renamed when complete, so a crash
never leaves a half snapshot that looks whole.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from chainwatch.domain import ListEntry
from chainwatch.hashing import sha256_file
from chainwatch.screening.lists.base import LoadReport
from chainwatch.screening.lists.codec import entry_from_dict, entry_hash, entry_to_dict

file_sha256 = sha256_file  # the name the list code and its callers use


@dataclass(frozen=True)
class SnapshotFile:
    name: str
    sha256: str
    size: int
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Snapshot:
    path: Path
    source: str
    loader: str
    created_at: str
    sha256: str  # of the sorted file hashes: identifies the published version
    files: tuple[SnapshotFile, ...]
    entries: int
    report: dict[str, Any]

    def read_entries(self) -> Iterator[ListEntry]:
        with gzip.open(self.path / "entries.jsonl.gz", "rt", encoding="utf-8") as f:
            for line in f:
                yield entry_from_dict(json.loads(line))

    def entry_hashes(self) -> dict[str, str]:
        return {e.entry_id: entry_hash(e) for e in self.read_entries()}


def combined_sha256(files: Iterable[SnapshotFile]) -> str:
    joined = "\n".join(sorted(f"{f.name}:{f.sha256}" for f in files))
    return hashlib.sha256(joined.encode()).hexdigest()


def write_snapshot(
    root: Path,
    source: str,
    loader: str,
    files: Sequence[tuple[Path, SnapshotFile]],
    entries: Iterable[ListEntry],
    report: LoadReport,
    created_at: datetime,
) -> Snapshot:
    """Copy files, stream entries to disk, write the manifest; atomic by rename."""
    meta = [f for _, f in files]
    digest = combined_sha256(meta)
    name = f"{created_at:%Y%m%dT%H%M%S}Z-{digest[:8]}"
    final = root / source / name
    tmp = root / source / f".{name}.partial"
    if tmp.exists():
        shutil.rmtree(tmp)
    (tmp / "files").mkdir(parents=True)
    for src, f in files:
        shutil.copyfile(src, tmp / "files" / f.name)
    count = 0
    with gzip.open(tmp / "entries.jsonl.gz", "wt", encoding="utf-8") as out:
        for e in entries:
            out.write(json.dumps(entry_to_dict(e), ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    with (tmp / "rejects.jsonl").open("w", encoding="utf-8") as out:
        for r in report.rejects:
            out.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
    manifest = {
        "source": source,
        "loader": loader,
        "created_at": created_at.isoformat(),
        "sha256": digest,
        "entries": count,
        "report": report.to_dict(),
        "files": [vars(f) for f in meta],
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2), "utf-8")
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    return read_snapshot(final)


def read_snapshot(path: Path) -> Snapshot:
    m = json.loads((path / "manifest.json").read_text("utf-8"))
    return Snapshot(
        path=path,
        source=m["source"],
        loader=m["loader"],
        created_at=m["created_at"],
        sha256=m["sha256"],
        files=tuple(SnapshotFile(**f) for f in m["files"]),
        entries=m["entries"],
        report=m["report"],
    )
