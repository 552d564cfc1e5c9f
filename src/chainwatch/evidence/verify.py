"""Check a pack offline: files against the manifest, ledger entries against the signed checkpoint.

What a pack's ``ledger/`` folder holds (written by ``service.evidence``):

- ``checkpoint.note``: the signed tree head (a C2SP signed note, ``ledger.checkpoint``);
- ``keys/*.pub``: the operator's (and any co-signer's) verifier key in Go ``note`` form;
- ``entries.jsonl``: one ledger entry a line, ``{"seq", "kind", "subject", "recorded_at",
  "payload_text", "leaf_hash", "inclusion": {"tree_size", "path": [hex, ...]}}``.

Each entry's leaf hash is recomputed from its four fields (``ledger.canonical.entry_bytes``),
and its inclusion path must lead from that leaf at index ``seq`` to the checkpoint's root
(RFC 9162 §2.1.3.2). The checkpoint must carry a valid signature from the operator key shipped
in the pack; an auditor who holds the operator key from elsewhere passes it as ``trusted`` and
then the pack's own copy is not relied on. No database, no network.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainwatch.evidence.manifest import MANIFEST, Problem, check_files, read_manifest
from chainwatch.hashing import sha256_file
from chainwatch.ledger import merkle
from chainwatch.ledger.canonical import entry_bytes
from chainwatch.ledger.checkpoint import Checkpoint, NoteError, Verifier, verify_note

LEDGER_DIR = "ledger"
NOTE = f"{LEDGER_DIR}/checkpoint.note"
ENTRIES = f"{LEDGER_DIR}/entries.jsonl"
KEYS = f"{LEDGER_DIR}/keys"


@dataclass
class PackCheck:
    """The outcome of checking one pack: what was checked and every problem, named."""

    root: str
    files_checked: int = 0
    entries_checked: int = 0
    checkpoint: dict[str, Any] | None = None
    signed_by: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "pack": self.root,
            "ok": self.ok,
            "files_checked": self.files_checked,
            "entries_checked": self.entries_checked,
            "checkpoint": self.checkpoint,
            "signed_by": self.signed_by,
            "problems": [p.to_dict() for p in self.problems],
            "notes": self.notes,
        }


def read_entries(root: Path) -> tuple[list[dict[str, Any]], list[Problem]]:
    path = root / ENTRIES
    entries, problems = [], []
    for number, raw in enumerate(path.read_bytes().splitlines(), 1):
        if not raw.strip():
            continue
        try:  # a damaged line is a named problem, never a traceback
            entry = json.loads(raw.decode("utf-8"))
            int(entry["seq"])
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError):
            problems.append(Problem("proof", f"{ENTRIES}:{number}", "not a ledger entry record"))
            continue
        entries.append(entry)
    return entries, problems


def read_keys(root: Path) -> tuple[list[Verifier], list[Problem]]:
    keys, problems = [], []
    folder = root / KEYS
    for path in sorted(folder.glob("*.pub")) if folder.is_dir() else []:
        try:
            keys.append(Verifier.from_string(path.read_text("utf-8")))
        except (NoteError, UnicodeDecodeError) as exc:
            problems.append(Problem("signature", path.relative_to(root).as_posix(), str(exc)))
    return keys, problems


def check_entry(entry: dict[str, Any], checkpoint: Checkpoint) -> Problem | None:
    """The problem with one entry's inclusion in ``checkpoint``, or None when it is proven."""
    seq = int(entry["seq"])
    where = f"ledger entry #{seq} ({entry.get('kind')} {entry.get('subject')})"
    try:
        data = entry_bytes(
            str(entry["kind"]), str(entry["subject"]), str(entry["recorded_at"]),
            str(entry["payload_text"]),
        )  # fmt: skip
        path = [bytes.fromhex(h) for h in entry["inclusion"]["path"]]
        size = int(entry["inclusion"]["tree_size"])
    except (KeyError, TypeError, ValueError) as exc:
        return Problem("proof", where, f"malformed entry ({exc})")
    if "payload" in entry and entry["payload"] != json.loads(entry["payload_text"]):
        return Problem("proof", where, "its readable payload differs from the proven payload_text")
    leaf = merkle.leaf_hash(data)
    if entry.get("leaf_hash") and entry["leaf_hash"] != leaf.hex():
        return Problem("proof", where, "its fields do not hash to the recorded leaf hash")
    if size != checkpoint.size:
        return Problem(
            "proof", where, f"proof is for tree size {size}, checkpoint is {checkpoint.size}"
        )
    if not merkle.verify_inclusion(leaf, seq, size, path, checkpoint.root):
        return Problem("proof", where, "inclusion proof does not lead to the checkpoint root")
    return None


def check_ledger(
    root: Path, trusted: Sequence[Verifier] = ()
) -> tuple[Checkpoint | None, list[str], int, list[Problem]]:
    """(checkpoint, signers that verified, entries checked, problems) for the ledger folder."""
    problems: list[Problem] = []
    note_path = root / NOTE
    if not note_path.is_file():
        return None, [], 0, [Problem("missing", NOTE, "the pack has no signed checkpoint")]
    keys, key_problems = read_keys(root)
    problems += key_problems
    verifiers = list(trusted) or keys
    if not verifiers:
        return None, [], 0, [*problems, Problem("signature", KEYS, "no operator public key")]
    try:
        result = verify_note(note_path.read_text("utf-8"), verifiers)
    except (NoteError, UnicodeDecodeError) as exc:
        return None, [], 0, [*problems, Problem("signature", NOTE, str(exc))]
    for name in result.invalid:
        problems.append(Problem("signature", NOTE, f"signature by {name} does not verify"))
    if not result.verified:
        problems.append(Problem("signature", NOTE, "no valid signature by a known key"))
    checked = 0
    if (root / ENTRIES).is_file():
        entries, entry_problems = read_entries(root)
        problems += entry_problems
        for entry in entries:
            checked += 1
            problem = check_entry(entry, result.checkpoint)
            if problem:
                problems.append(problem)
    return result.checkpoint, list(result.verified), checked, problems


def verify_pack(root: Path, trusted: Sequence[Verifier] = ()) -> PackCheck:
    """Every offline check of the pack at ``root`` (files, then ledger proofs)."""
    report = PackCheck(str(root))
    manifest, problems = read_manifest(root)
    report.problems += problems
    if manifest is not None:
        report.files_checked = len(manifest["files"])
        report.problems += check_files(root, manifest)
    if (root / LEDGER_DIR).exists() or (manifest or {}).get("checkpoint"):
        checkpoint, signers, checked, problems = check_ledger(root, trusted)
        report.problems += problems
        report.signed_by, report.entries_checked = signers, checked
        if checkpoint is not None:
            report.checkpoint = {
                "origin": checkpoint.origin,
                "size": checkpoint.size,
                "root": checkpoint.root.hex(),
                "time": checkpoint.extension("time"),
            }
            anchored = (manifest or {}).get("checkpoint") or {}
            if not isinstance(anchored, dict):
                report.problems.append(Problem("manifest", MANIFEST, "its checkpoint is malformed"))
            elif anchored and (anchored.get("size"), anchored.get("root")) != (
                checkpoint.size,
                checkpoint.root.hex(),
            ):
                report.problems.append(
                    Problem("manifest", NOTE, "checkpoint differs from the one the manifest names")
                )
        report.problems += check_commitment(root, manifest)
    else:
        # every pack chainwatch writes is anchored: a pack without proofs was stripped of them
        report.problems.append(Problem("missing", LEDGER_DIR, "the pack carries no ledger proofs"))
    return report


# Written after the signed commitment (they show the checkpoint); only the manifest, and its
# own export entry (checked with --against-db), covers them.
AFTER_COMMITMENT = frozenset({"report.html", "report.pdf", "README.txt", MANIFEST})


def check_commitment(root: Path, manifest: Mapping[str, Any] | None) -> list[Problem]:
    """Every data file must be listed, with its sha256, by the pack's signed ``stage: contents``
    export entry, and still have that sha256.

    The entry is found among the proven entries, never through the (unsigned) manifest, and
    it is required (the newest one when earlier exports of the same subject are in scope):
    a file rewritten together with its manifest line, a manifest that drops
    the commitment, or a file the commitment does not list are all caught, and named."""
    if not (root / ENTRIES).is_file():
        return []  # check_ledger already names the missing proofs
    entries, _ = read_entries(root)
    commits = []
    for entry in entries:
        try:  # the proven bytes, not the readable copy beside them
            payload = json.loads(entry["payload_text"])
        except (KeyError, TypeError, ValueError):
            continue
        is_export = entry.get("kind") == "export" and isinstance(payload, dict)
        if is_export and payload.get("stage") == "contents":
            commits.append((int(entry["seq"]), payload))
    if not commits:
        return [Problem("proof", ENTRIES, "no signed commitment entry (stage: contents)")]
    # an earlier export of the same project is in scope too: this pack's is the newest
    seq, payload = max(commits, key=lambda c: c[0])
    committed = payload.get("files")
    if not isinstance(committed, dict):
        return [Problem("proof", ENTRIES, f"the commitment entry #{seq} is malformed")]
    listed = (manifest or {}).get("files")
    problems = [
        Problem("extra", rel, f"not in the signed commitment (entry #{seq})")
        for rel in sorted(listed if isinstance(listed, dict) else {})
        if rel not in committed
        and rel not in AFTER_COMMITMENT
        and not rel.startswith(f"{LEDGER_DIR}/")
    ]
    for rel, sha in sorted(committed.items()):
        path = root / rel
        if not path.is_file():
            problems.append(Problem("missing", rel, f"committed in signed ledger entry #{seq}"))
        elif sha256_file(path) != sha:
            problems.append(
                Problem("modified", rel, f"differs from its sha256 in signed ledger entry #{seq}")
            )
    return problems
