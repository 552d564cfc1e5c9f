"""The pack's manifest: the sha256 and size of every file, and what the pack is anchored to.

``manifest.json`` lists every other file of the pack by its path relative to the pack root
(POSIX separators); the manifest itself is the one file it cannot list. Its own sha256 is
recorded in the ledger as the payload of the ``export`` entry, so a changed manifest is
caught by ``evidence verify --against-db`` and a changed file by the manifest.

Rules the checker applies (``check_files``): a listed file that is absent is *missing*, a file
present but unlisted is *extra*, a file whose bytes differ is *modified*. Symbolic links are
never followed and count as extra: a pack is plain files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainwatch.hashing import sha256_file

MANIFEST = "manifest.json"
PACK_FORMAT = "chainwatch-evidence-pack"
PACK_VERSION = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pack, named: which file (or ledger record) and what."""

    kind: str  # missing | extra | modified | manifest | proof | signature | ledger
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.where}: {self.detail}"

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "where": self.where, "detail": self.detail}


def pack_files(root: Path) -> list[str]:
    """Every entry under ``root`` except the manifest, as sorted relative POSIX paths.
    Symbolic links and other non-regular files are listed too, so the checker can name them."""
    out = []
    for path in sorted(root.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue
        rel = path.relative_to(root).as_posix()
        if rel != MANIFEST:
            out.append(rel)
    return out


def hash_files(root: Path) -> dict[str, dict[str, Any]]:
    """``{relative path: {"sha256": hex, "bytes": n}}`` for every regular file of the pack."""
    return {
        rel: {"sha256": sha256_file(root / rel), "bytes": (root / rel).stat().st_size}
        for rel in pack_files(root)
        if (root / rel).is_file() and not (root / rel).is_symlink()
    }


def build_manifest(root: Path, header: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest for the files now under ``root``; ``header`` adds generator, created_at,
    subject, checkpoint... (JSON-ready)."""
    return {
        "format": PACK_FORMAT,
        "pack_version": PACK_VERSION,
        **header,
        "files": hash_files(root),
    }


def write_manifest(root: Path, manifest: Mapping[str, Any]) -> str:
    """Write ``manifest.json`` and return the sha256 of its exact bytes."""
    raw = (json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()
    (root / MANIFEST).write_bytes(raw)
    return hashlib.sha256(raw).hexdigest()


def read_manifest(root: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The parsed manifest, or the problem that stops a check (absent, not JSON, wrong format)."""
    path = root / MANIFEST
    if not path.is_file():
        return None, [Problem("missing", MANIFEST, "the pack has no manifest")]
    try:
        data = json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [Problem("manifest", MANIFEST, f"not valid JSON ({exc})")]
    if not isinstance(data, dict) or data.get("format") != PACK_FORMAT:
        return None, [Problem("manifest", MANIFEST, f"not a {PACK_FORMAT} manifest")]
    if not isinstance(data.get("files"), dict):
        return None, [Problem("manifest", MANIFEST, "has no file list")]
    if data.get("pack_version") != PACK_VERSION:
        return None, [
            Problem(
                "manifest",
                MANIFEST,
                f"pack version {data.get('pack_version')!r} is not "
                f"{PACK_VERSION}; use a chainwatch that reads it",
            )  # fmt: skip
        ]
    return data, []


def check_files(root: Path, manifest: Mapping[str, Any]) -> list[Problem]:
    """Missing, extra and modified files, in path order."""
    listed: Mapping[str, Any] = manifest["files"]
    present = set(pack_files(root))
    problems = []
    for rel in sorted(set(listed) | present):
        path = root / rel
        if rel not in present:
            problems.append(Problem("missing", rel, "listed in the manifest, not in the pack"))
        elif rel not in listed:
            problems.append(Problem("extra", rel, "in the pack, not in the manifest"))
        elif path.is_symlink() or not path.is_file():
            problems.append(Problem("modified", rel, "is not a plain file"))
        else:
            want = listed[rel].get("sha256") if isinstance(listed[rel], Mapping) else None
            got = sha256_file(path)
            if got != want:
                problems.append(
                    Problem("modified", rel, f"sha256 {got[:16]}… ≠ manifest {str(want)[:16]}…")
                )
    return problems
