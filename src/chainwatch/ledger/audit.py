"""Find and name tampering in a stored ledger: pure, rows and checkpoint notes in, problems out.

Every row stores its leaf hash and a chain hash ``SHA-256(prev chain || leaf)``. Three
independent checks, each aimed at a different attacker:

1. **Content** — recompute each row's leaf hash from its fields. A row edited in place (one
   byte of the payload, a subject, a time) no longer matches: ``modified``.
2. **Position** — seqs must run 0..n-1; a gap is ``deleted``. Each row stores the chain hash
   of the row it was appended after (``prev_hash``) and its own, ``SHA-256(prev || leaf)``.
   A row whose own three hashes disagree had its leaf hash rewritten: ``modified``. A row whose
   ``prev_hash`` is not the chain hash of the row now before it is explained by finding the
   row it *was* appended after:

   - it was appended right after the row two places back: the row between was ``inserted``;
   - walking "appended after" links from the start rebuilds the original order; rows whose
     rank in it differs from their rank now were ``reordered`` (only rows that really moved
     are named, not their neighbours);
   - no row has that chain hash any more: the entry before it was ``deleted`` and later ones
     renumbered.
3. **Checkpoints** — signed tree heads. Each note's signatures are checked (``signature``);
   co-signers that must have signed and did not are ``unsigned``. The current leaves must
   reproduce every checkpoint's root; a ledger shorter than a checkpoint lost its tail
   (``deleted``). When all stored hashes were recomputed after an edit, only this check can
   see it: the checkpoints, ordered by size, are binary-searched for the first whose prefix
   root no longer matches, which pins the first rewritten seq between two checkpoints
   (exactly, when checkpoints are taken after each batch) — ``rewritten``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from chainwatch.ledger import merkle
from chainwatch.ledger.canonical import entry_bytes
from chainwatch.ledger.checkpoint import NoteError, Verifier, verify_note

GENESIS = bytes(32)


class AuditRow(NamedTuple):
    seq: int
    kind: str
    subject: str
    payload: str
    recorded_at: str
    leaf_hash: str
    prev_hash: str
    chain_hash: str


@dataclass
class AuditResult:
    problems: list[tuple[int | None, str, str]] = field(default_factory=list)
    root_hash: str = ""
    checkpoint: dict[str, Any] | None = None
    unsigned_entries: int = 0
    notes: list[str] = field(default_factory=list)


def _label(row: AuditRow) -> str:
    return f"seq {row.seq} ({row.kind} {row.subject})"


def _recomputed_leaf(row: AuditRow) -> bytes | None:
    try:
        return merkle.leaf_hash(entry_bytes(row.kind, row.subject, row.recorded_at, row.payload))
    except (ValueError, TypeError):  # payload no longer JSON
        return None


def _hex(value: str) -> bytes | None:
    try:
        raw = bytes.fromhex(value)
    except (ValueError, TypeError):
        return None
    return raw if len(raw) == 32 else None


def _link(prev_chain: bytes | None, leaf: bytes | None) -> bytes | None:
    if prev_chain is None or leaf is None:
        return None
    return hashlib.sha256(prev_chain + leaf).digest()


def _check_positions(rows: Sequence[AuditRow], report, notes: list[str]) -> None:
    """Gaps, broken links, and what explains each (see the module docstring)."""
    by_seq = {r.seq: i for i, r in enumerate(rows)}
    expected = 0
    for row in rows:
        if row.seq < 0:
            report(row.seq, "inserted", f"{_label(row)}: a negative seq was never issued")
            continue
        if row.seq > expected:
            prev_i = by_seq.get(expected - 1)
            before = f"after {_label(rows[prev_i])}" if prev_i is not None else "at the start"
            span = (
                f"seq {expected}" if row.seq == expected + 1 else f"seq {expected}..{row.seq - 1}"
            )
            report(expected, "deleted", f"{span} missing, {before}, before {_label(row)}")
        expected = max(expected, row.seq + 1)

    leaves = [_hex(r.leaf_hash) for r in rows]
    prevs = [_hex(r.prev_hash) for r in rows]
    chains = [_hex(r.chain_hash) for r in rows]
    # the row each row was appended after: -1 = the start, None = no row has that chain hash
    holder: dict[bytes, int] = {GENESIS: -1}
    for i, c in enumerate(chains):
        if c is not None:
            holder.setdefault(c, i)
    origin = [holder.get(p) if p is not None else None for p in prevs]

    def current_pred(i: int) -> int | None:
        seq = rows[i].seq
        return -1 if seq == 0 else by_seq.get(seq - 1)

    self_ok = [_link(prevs[i], leaves[i]) == chains[i] for i in range(len(rows))]
    broken = [
        i
        for i, row in enumerate(rows)
        if row.seq >= 0 and current_pred(i) is not None and origin[i] != current_pred(i)
    ]
    if not broken and all(self_ok):
        return

    # rows slipped in: the row after them was appended right after the row before them
    inserted: set[int] = set()
    appended_after = {o for o in origin if o is not None}
    for i in broken:
        pred = current_pred(i)
        if (
            pred is not None
            and pred >= 0
            and pred not in appended_after  # nothing was ever appended after it
            and origin[i] is not None
            and origin[i] == current_pred(pred)
            # a row appended after one that now follows it was moved, not slipped in
            and not (origin[pred] is not None and origin[pred] >= 0 and origin[pred] > pred)
        ):
            inserted.add(pred)
    # rebuild the original order by walking "appended after" links from the start, then
    # from each row whose predecessor is gone; where two rows claim one predecessor, the
    # one the chain continues from is genuine
    successors: dict[int, list[int]] = {}
    for i, o in enumerate(origin):
        if o is not None and i not in inserted:
            successors.setdefault(o, []).append(i)

    def depth(start: int, limit: int = 64) -> int:
        length, node = 0, start
        while length < limit and successors.get(node):
            node = successors[node][0]
            length += 1
        return length

    walk: list[int] = []
    seen: set[int] = set()
    starts = [-1] + [i for i, o in enumerate(origin) if o is None and i not in inserted]
    for start in starts:
        node = start
        if start >= 0:
            if start in seen:
                continue
            seen.add(start)
            walk.append(start)
        while True:
            nxt = [k for k in successors.get(node, []) if k not in seen]
            if not nxt:
                break
            node = max(nxt, key=lambda k: (depth(k), -k)) if len(nxt) > 1 else nxt[0]
            seen.add(node)
            walk.append(node)
    for i in range(len(rows)):
        if i not in seen and i not in inserted and rows[i].seq >= 0:
            inserted.add(i)  # appended after a row that has another, genuine successor

    for i in sorted(inserted):
        nxt = by_seq.get(rows[i].seq + 1)
        why = (
            f"{_label(rows[nxt])} was appended right after the entry before it"
            if nxt is not None
            else "no entry links to it"
        )
        report(rows[i].seq, "inserted", f"{_label(rows[i])} is not part of the chain: {why}")
    for i, ok in enumerate(self_ok):
        if not ok and i not in inserted:
            report(rows[i].seq, "modified", f"{_label(rows[i])}: its leaf hash was rewritten")

    # moved rows: their rank in the original order differs from their rank now
    order_now = sorted(walk, key=lambda i: rows[i].seq)
    rank_now = {i: r for r, i in enumerate(order_now)}
    for was, i in enumerate(walk):
        if rank_now[i] != was:
            before = origin[i]
            after = (
                f", right after {_label(rows[before])}"
                if before is not None and before >= 0
                else ""
            )
            report(rows[i].seq, "reordered", f"{_label(rows[i])} was recorded at seq {was}{after}")
    for i in broken:
        pred = current_pred(i)
        if pred is not None and pred >= 0 and not self_ok[pred]:
            continue  # the row before it had its chain hash rewritten: reported there
        if origin[i] is None and i not in inserted and self_ok[i]:
            # intact itself, but appended after a row that no longer exists
            report(
                rows[i].seq,
                "deleted",
                f"the entry recorded before {_label(rows[i])} is missing; "
                "later entries were renumbered",
            )


def audit(
    rows: Sequence[AuditRow],
    checkpoints: Sequence[tuple[int, int, str, str, str]],
    verifiers: Sequence[Verifier],
    required: Sequence[Verifier] = (),
) -> AuditResult:
    """Check rows (sorted by seq) and checkpoints ``(id, size, root hex, note, created_at)``."""
    result = AuditResult()
    problems: dict[tuple[int | None, str], str] = {}

    def report(seq: int | None, what: str, detail: str) -> None:
        problems.setdefault((seq, what), detail)

    # 1. content
    recomputed: list[bytes | None] = []
    for row in rows:
        leaf = _recomputed_leaf(row)
        recomputed.append(leaf)
        if leaf is None or leaf.hex() != row.leaf_hash:
            report(
                row.seq, "modified", f"{_label(row)}: its content no longer matches its leaf hash"
            )

    # 2. positions and links
    _check_positions(rows, report, result.notes)

    # 3. checkpoints
    current = [leaf if leaf is not None else bytes(32) for leaf in recomputed]
    result.root_hash = merkle.root(current).hex()
    good: list[tuple[int, str, dict[str, Any]]] = []
    for cp_id, cp_size, cp_root, note, created_at in checkpoints:
        try:
            checked = verify_note(note, list(verifiers))
        except NoteError as exc:
            report(
                None, "signature", f"checkpoint {cp_id} (size {cp_size}): unreadable note: {exc}"
            )
            continue
        body = checked.checkpoint
        if checked.invalid:
            report(
                None,
                "signature",
                f"checkpoint {cp_id} (size {body.size}): signature of "
                f"{', '.join(checked.invalid)} does not verify",
            )
            continue
        if not checked.verified:
            report(
                None,
                "signature",
                f"checkpoint {cp_id} (size {body.size}): signed by no trusted key "
                f"({', '.join(checked.unknown)})",
            )
            continue
        if body.size != cp_size or body.root.hex() != cp_root:
            report(
                None,
                "signature",
                f"checkpoint {cp_id}: its columns (size {cp_size}) differ from its signed note "
                f"(size {body.size})",
            )
        info = {
            "id": cp_id,
            "size": body.size,
            "root_hash": body.root.hex(),
            "signers": list(checked.verified),
            "time": body.extension("time"),
            "created_at": created_at,
        }
        good.append((body.size, body.root.hex(), info))
    good.sort(key=lambda g: (g[0], g[2]["id"]))
    if good:
        latest = good[-1][2]
        result.checkpoint = latest
        result.unsigned_entries = max(0, len(rows) - latest["size"])
        for verifier in required:
            if verifier.name not in latest["signers"]:
                report(
                    None,
                    "unsigned",
                    f"the latest checkpoint (size {latest['size']}) is not signed by "
                    f"{verifier.name}",
                )
    else:
        result.unsigned_entries = len(rows)
        if required:
            report(None, "unsigned", "there is no checkpoint signed by a trusted key")
        result.notes.append(
            "no signed checkpoint yet: a rewrite of the whole ledger would go unnoticed"
        )

    n = len(rows)
    contiguous = all(r.seq == i for i, r in enumerate(rows))
    longest = max((g[0] for g in good), default=0)
    if longest > n:
        first_missing = n
        report(
            first_missing,
            "deleted",
            f"seq {first_missing}..{longest - 1} missing: a signed checkpoint covers "
            f"{longest} entries, {n} remain",
        )
    if contiguous:
        in_range = [g for g in good if g[0] <= n]
        sizes = [g[0] for g in in_range]

        def matches(k: int) -> bool:
            size, root_hex, _ = in_range[k]
            return merkle.root(current[:size]).hex() == root_hex

        # a rewrite breaks every checkpoint from the first rewritten seq on: binary search
        lo, hi = 0, len(in_range)
        while lo < hi:
            mid = (lo + hi) // 2
            if matches(mid):
                lo = mid + 1
            else:
                hi = mid
        if lo < len(in_range):
            start = sizes[lo - 1] if lo > 0 else 0
            end = sizes[lo]
            named = [s for (s, _w) in problems if s is not None and start <= s < end]
            if not named:
                # one signed root cannot say which entry of its range changed: name the range,
                # and a seq only when the range is a single entry
                exact = end - start == 1
                where = _label(rows[start]) if exact else f"one of seq {start}..{end - 1}"
                report(
                    start if exact else None,
                    "rewritten",
                    f"{where} no longer matches the checkpoint of size {end} signed "
                    f"{in_range[lo][2]['time']}: entries were rewritten and their hashes "
                    "recomputed (checkpoint more often to narrow this down)",
                )
            # checkpoints after it may also fail only because of that prefix: one problem is enough
    result.problems = sorted(
        ((s, w, d) for (s, w), d in problems.items()),
        key=lambda p: (p[0] is None, p[0] if p[0] is not None else 0, p[1]),
    )
    return result
