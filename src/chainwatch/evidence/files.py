"""The evidence files a pack carries: found on disk, hashed, copied (or only hashed).

A finding names a file by its subject (``FILE-*``, ``MARK-1``, ``CAT-1``: the scanned or
matched file) and by evidence fields ending in ``path`` (the master, the issued copy). An
archive member ``a.zip!frames/x.jpg`` is carried as the archive, with the member listed. Paths
that ``chainwatch scan`` recorded relative to its base are looked up under each of ``roots``.
A file that is gone is still listed, with the hash the finding recorded where it has one.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from chainwatch.hashing import sha256_file

PATH_KEYS = ("path", "master_path", "issued_path", "asset_path", "file")
MAX_COPY_BYTES = 512 * 1024 * 1024  # larger evidence files are hashed, not copied


def _container(path: str) -> str:
    """``a.zip!frames/x.jpg`` names a member; the file on disk is the archive."""
    return path.split("!", 1)[0]


def _resolve(path: str, roots: Sequence[Path]) -> Path | None:
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate if candidate.is_file() else None
    for root in roots:
        if (root / candidate).is_file():
            return root / candidate
    return None


def collect_files(
    findings: Iterable[tuple[int, str, str, Any]],
    attachments: Iterable[Any],
    roots: Sequence[Path],
    target: Path | None,
) -> list[dict[str, Any]]:
    """Files named by ``findings`` ((id, subject type, subject key, evidence): the subject
    when it is a file, and evidence ``*path`` fields) and by case ``attachments``
    (``stored_path``), one row per file on disk, copied into ``target`` unless it is None."""
    named: dict[str, dict[str, Any]] = {}
    for attachment in attachments:
        if isinstance(attachment, Mapping) and attachment.get("stored_path"):
            row = named.setdefault(
                str(attachment["stored_path"]), {"findings": set(), "members": set()}
            )
            row["attachment"] = attachment.get("name")
    for finding_id, subject_type, subject_key, evidence in findings:
        ev = evidence if isinstance(evidence, Mapping) else {}
        paths = [subject_key] if subject_type == "file" else []
        paths += [str(ev[k]) for k in PATH_KEYS if isinstance(ev.get(k), str)]
        for raw in paths:
            disk = _container(raw)
            row = named.setdefault(disk, {"findings": set(), "members": set()})
            row["findings"].add(finding_id)
            if "!" in raw:
                row["members"].add(raw.split("!", 1)[1])
    out = []
    used: set[str] = set()
    for disk, row in sorted(named.items()):
        found = _resolve(disk, roots)
        item: dict[str, Any] = {
            "path": disk,
            "findings": sorted(row["findings"]),
            "members": sorted(row["members"]),
            "sha256": None,
            "bytes": None,
            "stored": None,
            "note": f"case attachment {row['attachment']}" if row.get("attachment") else None,
        }
        if found is None:
            item["note"] = "not found on disk when the pack was made; only the findings name it"
        else:
            item["sha256"] = sha256_file(found)
            item["bytes"] = found.stat().st_size
            if target is not None and item["bytes"] <= MAX_COPY_BYTES:
                name = re.sub(r"[^A-Za-z0-9._-]+", "_", found.name)[-100:] or "file"
                stored = f"{item['sha256'][:12]}-{name}"
                if stored not in used:
                    target.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(found, target / stored)
                    used.add(stored)
                item["stored"] = f"evidence/files/{stored}"
            elif target is not None:
                item["note"] = f"larger than {MAX_COPY_BYTES} bytes: hashed, not copied"
        out.append(item)
    return out
