"""The evidence ledger: append entries in the caller's transaction, prove, checkpoint, verify.

Contract for the rest of chainwatch (other services call :func:`append` in the same
transaction as the change it records, so the record and the change commit or roll back
together)::

    seq = append(session, "finding", "ACCESS-1:vendor-x", {...})

Kinds used by the product: ``import``, ``list_version``, ``screening``, ``finding``,
``decision``, ``case``, ``suppression``, ``attestation``, ``export``, ``log_ingest``,
``scan``, ``distribution`` (any lowercase word is accepted, so new kinds need no change here).

Entries are leaves of an RFC 9162 Merkle tree (``chainwatch.ledger.merkle``) in ``seq`` order;
signed checkpoints (``chainwatch.ledger.checkpoint``) fix a tree head with the operator's
Ed25519 key (``$CHAINWATCH_HOME/secrets/ledger.key``) and optional co-signers. Nothing here
updates or deletes an entry; :func:`verify` finds and names any row that someone else changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from chainwatch.errors import InputError, NotFoundError
from chainwatch.ledger import merkle
from chainwatch.ledger.canonical import canonical_text, entry_bytes, normalise
from chainwatch.ledger.checkpoint import (
    Checkpoint,
    NoteError,
    Signer,
    Verifier,
    add_signature,
    make_note,
    verify_note,
)
from chainwatch.service.ledger_keys import (  # re-exported: part of this module's contract
    generate_key,
    key_path,
    operator_signer,
    origin,
    public_key,
    read_signer,
    read_verifier,
)
from chainwatch.settings import Settings
from chainwatch.storage.ledger_models import LedgerCheckpointRow, LedgerEntryRow

__all__ = [
    "KINDS",
    "LedgerProblem",
    "LedgerVerification",
    "append",
    "append_during_flush",
    "check_consistency",
    "check_inclusion",
    "checkpoint",
    "consistency_proof",
    "cosign",
    "entries",
    "generate_key",
    "inclusion_proof",
    "inclusion_proofs",
    "key_path",
    "latest_checkpoint",
    "operator_signer",
    "origin",
    "public_key",
    "read_signer",
    "read_verifier",
    "size",
    "status",
    "verify",
]

KINDS = (
    "import",
    "list_version",
    "screening",
    "finding",
    "decision",
    "case",
    "suppression",
    "attestation",
    "export",
    "log_ingest",
    "scan",
    "distribution",
)
GENESIS_CHAIN = "0" * 64  # the chain hash "before" seq 0
MAX_SUBJECT = 500
_KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_PG_LOCK_KEY = 0x6C656467  # "ledg": one advisory lock serialises appends on PostgreSQL


# --------------------------------------------------------------------------- append


def _chain_hash(prev_chain_hex: str, leaf_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(prev_chain_hex) + bytes.fromhex(leaf_hex)).hexdigest()


AS_OF_SLACK = timedelta(minutes=1)


def _timestamp(at: datetime | None) -> str:
    """Always the wall clock: a ledger's times say when things were recorded, in order. A
    caller's own time (an ``--as-of`` evaluation) goes into the payload (``_with_as_of``)."""
    del at
    return normalise(datetime.now(UTC))


def _with_as_of(payload: dict[str, Any], at: datetime | None) -> dict[str, Any]:
    """``payload`` plus ``as_of`` when the caller's time is not (about) now: an export or scan
    run "as of" another date says so in the record instead of backdating it."""
    if at is None or "as_of" in payload:
        return payload
    when = at if at.tzinfo else at.replace(tzinfo=UTC)
    if abs(datetime.now(UTC) - when) <= AS_OF_SLACK:
        return payload
    return {**payload, "as_of": normalise(when)}


def append(
    session: Session,
    kind: str,
    subject: str,
    payload: dict[str, Any],
    *,
    at: datetime | None = None,
) -> int:
    """Record one entry; returns its ``seq`` (0-based leaf index). Does not commit.

    On PostgreSQL a transaction-level advisory lock serialises appenders until the caller
    commits, so indexes never collide and the chain never forks; on SQLite the database's
    write lock, taken before the head is read, does the same. The primary key on ``seq``
    backs both up: a writer that bypassed them fails (and its transaction rolls back) rather
    than forking the chain. No savepoint is used: on SQLite's Python driver, releasing an
    outermost savepoint would commit the caller's transaction early.
    """
    row = _entry(kind, subject, payload, at)
    _place(session, [row])
    session.flush()  # the primary key on seq refuses a second writer that got past both locks
    return row.seq


def append_during_flush(
    session: Session, items: Sequence[tuple[str, str, dict[str, Any], datetime | None]]
) -> list[int]:
    """:func:`append` for a ``before_flush`` hook: adds the rows to the flush in progress.

    Used where a change must be recorded whichever code path makes it (findings: see
    ``service.findings``). Rows appended but not yet flushed are taken into account.
    """
    rows = [_entry(*item) for item in items]
    _place(session, rows)
    return [r.seq for r in rows]


def _entry(kind: str, subject: str, payload: dict[str, Any], at: datetime | None) -> LedgerEntryRow:
    """A row with its leaf hash, not yet placed; refuses bad input before touching the DB."""
    if not isinstance(kind, str) or not _KIND_RE.match(kind):
        raise ValueError(f"ledger kind {kind!r} must be a lowercase word (e.g. {KINDS[0]!r})")
    if not isinstance(subject, str) or not subject or len(subject) > MAX_SUBJECT:
        raise ValueError(f"ledger subject must be 1..{MAX_SUBJECT} characters")
    if not isinstance(payload, dict):
        raise TypeError("a ledger payload is a dict")
    payload_text = canonical_text(_with_as_of(payload, at))
    recorded_at = _timestamp(at)
    data = entry_bytes(kind, subject, recorded_at, payload_text, is_canonical=True)
    leaf = merkle.leaf_hash(data).hex()
    return LedgerEntryRow(
        kind=kind, subject=subject, payload=payload_text, recorded_at=recorded_at, leaf_hash=leaf
    )


def _place(session: Session, rows: Sequence[LedgerEntryRow]) -> None:
    """Lock the ledger for this transaction, then give ``rows`` the next seqs and chain them."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    elif dialect == "sqlite":
        # a write that changes nothing makes the driver BEGIN and SQLite take its write lock
        # now, so no other writer can append between reading the head and inserting
        session.execute(text("UPDATE ledger_entries SET seq = seq WHERE 0 = 1"))
    head = session.execute(
        select(LedgerEntryRow.seq, LedgerEntryRow.chain_hash)
        .order_by(LedgerEntryRow.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (0, GENESIS_CHAIN) if head is None else (head.seq + 1, head.chain_hash)
    pending = [o for o in session.new if isinstance(o, LedgerEntryRow) and o.seq is not None]
    if pending:  # placed earlier in a flush that has not reached the database yet
        last = max(pending, key=lambda o: o.seq)
        if last.seq >= seq:
            seq, prev = last.seq + 1, last.chain_hash
    for row in rows:
        row.seq = seq
        row.prev_hash = prev
        row.chain_hash = _chain_hash(prev, row.leaf_hash)
        session.add(row)
        seq, prev = seq + 1, row.chain_hash


# --------------------------------------------------------------------------- reading


def _row_dict(row: LedgerEntryRow) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "kind": row.kind,
        "subject": row.subject,
        "recorded_at": row.recorded_at,
        "payload": json.loads(row.payload),
        "leaf_hash": row.leaf_hash,
        "chain_hash": row.chain_hash,
    }


def size(session: Session) -> int:
    """Number of entries (= the next seq, when nothing was tampered with)."""
    return session.scalar(select(func.count()).select_from(LedgerEntryRow)) or 0


def entries(
    session: Session,
    *,
    kinds: Iterable[str] | None = None,
    subject: str | None = None,
    since_seq: int | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Entries in seq order, filtered; ``limit`` keeps the *last* N that match."""
    query = select(LedgerEntryRow)
    kinds = list(kinds) if kinds is not None else None
    if kinds:
        query = query.where(LedgerEntryRow.kind.in_(kinds))
    if subject is not None:
        query = query.where(LedgerEntryRow.subject == subject)
    if since_seq is not None:
        query = query.where(LedgerEntryRow.seq >= since_seq)
    if limit is not None:
        rows = session.scalars(query.order_by(LedgerEntryRow.seq.desc()).limit(limit)).all()
        return [_row_dict(r) for r in reversed(rows)]
    return [_row_dict(r) for r in session.scalars(query.order_by(LedgerEntryRow.seq))]


def _leaf_hashes(session: Session, tree_size: int) -> list[bytes]:
    rows = session.execute(
        select(LedgerEntryRow.seq, LedgerEntryRow.leaf_hash)
        .where(LedgerEntryRow.seq < tree_size)
        .order_by(LedgerEntryRow.seq)
    ).all()
    if len(rows) != tree_size or (rows and rows[-1].seq != tree_size - 1):
        raise InputError(
            f"the ledger's first {tree_size} entries are not all present: "
            "run `chainwatch ledger verify`"
        )
    return [bytes.fromhex(r.leaf_hash) for r in rows]


def _checkpoint_dict(row: LedgerCheckpointRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "size": row.size,
        "root_hash": row.root_hash,
        "signers": [s for s in row.signers.split(",") if s],
        "created_at": normalise(row.created_at),
        "note": row.note,
    }


def latest_checkpoint(session: Session) -> dict[str, Any] | None:
    """The newest checkpoint (largest size, then newest), or None before the first."""
    row = session.scalars(
        select(LedgerCheckpointRow)
        .order_by(LedgerCheckpointRow.size.desc(), LedgerCheckpointRow.id.desc())
        .limit(1)
    ).first()
    return _checkpoint_dict(row) if row else None


def _checkpoint_for_size(session: Session, tree_size: int) -> LedgerCheckpointRow | None:
    return session.scalars(
        select(LedgerCheckpointRow)
        .where(LedgerCheckpointRow.size == tree_size)
        .order_by(LedgerCheckpointRow.id.desc())
        .limit(1)
    ).first()


# --------------------------------------------------------------------------- proofs


def _proof_size(session: Session, seq: int, tree_size: int | None) -> int:
    current = size(session)
    if tree_size is None:
        latest = latest_checkpoint(session)
        tree_size = latest["size"] if latest and latest["size"] > seq else current
    if not 0 <= seq < tree_size:
        raise InputError(f"seq {seq} is not in a ledger of size {tree_size}")
    if tree_size > current:
        raise InputError(f"the ledger has {current} entries, not {tree_size}")
    return tree_size


def inclusion_proofs(
    session: Session, seqs: Sequence[int], tree_size: int | None = None
) -> list[dict[str, Any]]:
    """:func:`inclusion_proof` for many entries, reading the leaves once (evidence packs)."""
    if not seqs:
        return []
    sizes = {_proof_size(session, s, tree_size) for s in seqs}
    leaves_by_size = {n: _leaf_hashes(session, n) for n in sizes}
    out = []
    for seq in seqs:
        n = _proof_size(session, seq, tree_size)
        leaves = leaves_by_size[n]
        row = session.get(LedgerEntryRow, seq)
        assert row is not None
        cp = _checkpoint_for_size(session, n)
        out.append(
            {
                "leaf_index": seq,
                "tree_size": n,
                "leaf_hash": leaves[seq].hex(),
                "audit_path": [h.hex() for h in merkle.inclusion_path(leaves, seq)],
                "root_hash": merkle.root(leaves).hex(),
                "entry": {
                    "kind": row.kind,
                    "subject": row.subject,
                    "recorded_at": row.recorded_at,
                    "payload": json.loads(row.payload),
                },
                "leaf_data": entry_bytes(
                    row.kind, row.subject, row.recorded_at, row.payload
                ).decode(),
                "checkpoint": cp.note if cp is not None else None,
            }
        )
    return out


def inclusion_proof(session: Session, seq: int, tree_size: int | None = None) -> dict[str, Any]:
    """Proof that entry ``seq`` is leaf ``seq`` of the tree of ``tree_size`` entries.

    ``tree_size`` defaults to the latest checkpoint's size when that covers ``seq`` (so the
    proof checks against a signed root offline), else the current size. The result carries
    ``leaf_index``, ``tree_size``, ``leaf_hash``, ``audit_path``, ``root_hash`` (hex), the entry
    and its exact leaf bytes (``leaf_data``), and the signed checkpoint note of that size if any.
    """
    return inclusion_proofs(session, [seq], tree_size)[0]


def consistency_proof(
    session: Session, old_size: int, new_size: int | None = None
) -> dict[str, Any]:
    """Proof that the ledger of ``old_size`` entries is a prefix of the one of ``new_size``."""
    current = size(session)
    new_size = current if new_size is None else new_size
    if not 1 <= old_size <= new_size:
        raise InputError(f"old size {old_size} must be between 1 and the new size {new_size}")
    if new_size > current:
        raise InputError(f"the ledger has {current} entries, not {new_size}")
    leaves = _leaf_hashes(session, new_size)
    old_cp = _checkpoint_for_size(session, old_size)
    new_cp = _checkpoint_for_size(session, new_size)
    return {
        "old_size": old_size,
        "new_size": new_size,
        "old_root": merkle.root(leaves[:old_size]).hex(),
        "new_root": merkle.root(leaves).hex(),
        "consistency_path": [h.hex() for h in merkle.consistency_path(leaves, old_size)],
        "old_checkpoint": old_cp.note if old_cp is not None else None,
        "new_checkpoint": new_cp.note if new_cp is not None else None,
    }


def check_inclusion(proof: dict[str, Any]) -> bool:
    """Offline check of an :func:`inclusion_proof` result (leaf bytes -> leaf hash -> root)."""
    try:
        leaf = bytes.fromhex(proof["leaf_hash"])
        if "leaf_data" in proof and merkle.leaf_hash(proof["leaf_data"].encode()) != leaf:
            return False
        return merkle.verify_inclusion(
            leaf,
            int(proof["leaf_index"]),
            int(proof["tree_size"]),
            [bytes.fromhex(h) for h in proof["audit_path"]],
            bytes.fromhex(proof["root_hash"]),
        )
    except (KeyError, ValueError, TypeError):
        return False


def check_consistency(proof: dict[str, Any]) -> bool:
    """Offline check of a :func:`consistency_proof` result."""
    try:
        return merkle.verify_consistency(
            int(proof["old_size"]),
            int(proof["new_size"]),
            bytes.fromhex(proof["old_root"]),
            bytes.fromhex(proof["new_root"]),
            [bytes.fromhex(h) for h in proof["consistency_path"]],
        )
    except (KeyError, ValueError, TypeError):
        return False


# --------------------------------------------------------------------------- checkpoints


def checkpoint(
    session: Session, settings: Settings, *, now: datetime | None = None
) -> dict[str, Any]:
    """Sign the current tree head with the operator key and store the note.

    Never signs a tampered ledger: the stored leaves must still give the root of the last
    checkpoint the operator signed, and every entry since must match its leaf hash and chain
    (cheap: only entries since that checkpoint are re-read). Otherwise an InputError says to
    run ``ledger verify``.
    """
    signer = operator_signer(settings, create=True)
    n = size(session)
    leaves = _leaf_hashes(session, n)
    _check_before_signing(session, leaves, signer.verifier)
    root = merkle.root(leaves)
    del now  # a signed head carries the time it was signed, never an evaluation date
    when = datetime.now(UTC)
    body = Checkpoint(origin(signer), n, root, (f"time {_timestamp(when)}",)).body()
    note = make_note(body, [signer])
    row = LedgerCheckpointRow(
        size=n, root_hash=root.hex(), note=note, signers=signer.name, created_at=when
    )
    session.add(row)
    session.flush()
    return _checkpoint_dict(row)


def _check_before_signing(session: Session, leaves: list[bytes], operator: Verifier) -> None:
    start = 0
    previous = session.scalars(
        select(LedgerCheckpointRow).order_by(
            LedgerCheckpointRow.size.desc(), LedgerCheckpointRow.id.desc()
        )
    )
    for cp in previous:
        try:
            checked = verify_note(cp.note, [operator])
        except NoteError:
            continue
        if not checked.verified or checked.invalid:
            continue
        body = checked.checkpoint
        if body.size > len(leaves) or merkle.root(leaves[: body.size]) != body.root:
            raise InputError(
                f"the ledger no longer matches checkpoint {cp.id} (size {body.size}): "
                "not signing; run `chainwatch ledger verify`"
            )
        start = body.size
        break
    prev = GENESIS_CHAIN
    if start:
        prev = session.scalar(
            select(LedgerEntryRow.chain_hash).where(LedgerEntryRow.seq == start - 1)
        )
    for row in session.scalars(
        select(LedgerEntryRow).where(LedgerEntryRow.seq >= start).order_by(LedgerEntryRow.seq)
    ):
        try:
            data = entry_bytes(row.kind, row.subject, row.recorded_at, row.payload)
            content_ok = merkle.leaf_hash(data).hex() == row.leaf_hash
        except (ValueError, TypeError):
            content_ok = False
        linked = row.prev_hash == prev and _chain_hash(prev, row.leaf_hash) == row.chain_hash
        if not (content_ok and linked):
            raise InputError(
                f"ledger entry seq {row.seq} ({row.kind} {row.subject}) does not verify: "
                "not signing; run `chainwatch ledger verify`"
            )
        prev = row.chain_hash


def cosign(
    session: Session,
    signer: Signer,
    *,
    checkpoint_id: int | None = None,
    last_signed: str | None = None,
) -> dict[str, Any]:
    """Add ``signer``'s signature line to the latest (or the given) checkpoint.

    The co-signer signs the same body, so its line says "I saw this tree head"; the ledger
    entries themselves are never touched. Like a transparency-log witness it first checks
    what it is about to sign: the stored entries must give the checkpoint's root, and every
    earlier head this co-signer signed must be a prefix of it (consistency, RFC 9162 §2.1.4):
    those found in the database and ``last_signed``, the note of the last head it signed as
    the co-signer kept it (the operator can delete checkpoints, not the co-signer's copy).
    Otherwise it refuses: it would be signing a rewritten history.
    """
    if checkpoint_id is None:
        latest = latest_checkpoint(session)
        if latest is None:
            raise NotFoundError(
                "no checkpoint to co-sign: run `chainwatch ledger checkpoint` first"
            )
        checkpoint_id = latest["id"]
    row = session.get(LedgerCheckpointRow, checkpoint_id)
    if row is None:
        raise NotFoundError(f"no checkpoint {checkpoint_id}")
    _check_before_cosigning(session, row, signer.verifier, last_signed)
    try:
        row.note = add_signature(row.note, signer)
    except NoteError as exc:
        raise InputError(str(exc)) from None
    row.signers = ",".join([*(s for s in row.signers.split(",") if s), signer.name])
    session.flush()
    return _checkpoint_dict(row)


def _check_before_cosigning(
    session: Session, row: LedgerCheckpointRow, witness: Verifier, last_signed: str | None
) -> None:
    try:
        head = Checkpoint.from_body(row.note[: row.note.rfind("\n\n") + 1])
    except NoteError as exc:
        raise InputError(f"checkpoint {row.id}: {exc}") from None
    if head.size > size(session):
        raise InputError(f"checkpoint {row.id} covers {head.size} entries, the ledger has fewer")
    leaves = _leaf_hashes(session, head.size)
    if merkle.root(leaves) != head.root:
        raise InputError(
            f"checkpoint {row.id}: the stored entries do not give its root; not co-signing"
        )
    notes = [(f"checkpoint {r.id}", r.note) for r in session.scalars(
        select(LedgerCheckpointRow).where(LedgerCheckpointRow.id != row.id)
    )]  # fmt: skip
    if last_signed is not None:
        notes.append(("the head it signed last", last_signed))
    for where, note in notes:
        try:
            seen = verify_note(note, [witness])
        except NoteError as exc:
            if last_signed is not None and note is last_signed:
                raise InputError(f"the head {witness.name} signed last: {exc}") from None
            continue
        if not seen.verified:
            if note is last_signed:
                raise InputError(f"the head kept as signed last is not signed by {witness.name}")
            continue  # a checkpoint this co-signer did not sign
        old = seen.checkpoint
        if old.size > head.size or merkle.root(leaves[: old.size]) != old.root:
            raise InputError(
                f"checkpoint {row.id} (size {head.size}) is not consistent with the head "
                f"{witness.name} signed before ({where}, size {old.size}); not co-signing"
            )


# --------------------------------------------------------------------------- verify


class LedgerProblem(NamedTuple):
    """One thing wrong: the seq it concerns (None for the whole ledger), what, and a sentence."""

    seq: int | None
    problem: str  # modified | deleted | inserted | reordered | rewritten | signature | unsigned
    detail: str


@dataclass
class LedgerVerification:
    ok: bool
    size: int
    root_hash: str
    problems: list[LedgerProblem] = field(default_factory=list)
    checkpoint: dict[str, Any] | None = None  # the newest checkpoint whose signatures verified
    unsigned_entries: int = 0  # entries after that checkpoint: not yet covered by a signature
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "size": self.size,
            "root_hash": self.root_hash,
            "problems": [p._asdict() for p in self.problems],
            "checkpoint": self.checkpoint,
            "unsigned_entries": self.unsigned_entries,
            "notes": self.notes,
        }


def verify(
    session: Session,
    settings: Settings,
    *,
    trusted_keys: Sequence[Verifier | str] | None = None,
) -> LedgerVerification:
    """Check every entry, the hash chain, and every checkpoint; name what is wrong.

    See :mod:`chainwatch.ledger.audit` for how each kind of tampering is told apart.
    ``trusted_keys`` are co-signers (and/or the operator's public key held elsewhere) whose
    signature the latest checkpoint must carry.
    """
    from chainwatch.ledger.audit import AuditRow, audit

    rows = [
        AuditRow(*r)
        for r in session.execute(
            select(
                LedgerEntryRow.seq,
                LedgerEntryRow.kind,
                LedgerEntryRow.subject,
                LedgerEntryRow.payload,
                LedgerEntryRow.recorded_at,
                LedgerEntryRow.leaf_hash,
                LedgerEntryRow.prev_hash,
                LedgerEntryRow.chain_hash,
            ).order_by(LedgerEntryRow.seq)
        )
    ]
    verifiers: list[Verifier] = []
    if key_path(settings).exists():
        verifiers.append(operator_signer(settings).verifier)
    required: list[Verifier] = []
    for key in trusted_keys or ():
        verifier = key if isinstance(key, Verifier) else read_verifier(key)
        required.append(verifier)
        if verifier not in verifiers:
            verifiers.append(verifier)
    checkpoints = [
        (r.id, r.size, r.root_hash, r.note, normalise(r.created_at))
        for r in session.scalars(
            select(LedgerCheckpointRow).order_by(LedgerCheckpointRow.size, LedgerCheckpointRow.id)
        )
    ]
    result = audit(rows, checkpoints, verifiers, required)
    return LedgerVerification(
        ok=not result.problems,
        size=len(rows),
        root_hash=result.root_hash,
        problems=[LedgerProblem(*p) for p in result.problems],
        checkpoint=result.checkpoint,
        unsigned_entries=result.unsigned_entries,
        notes=result.notes,
    )


def status(session: Session) -> dict[str, Any]:
    """Size, current root, the latest checkpoint and the count per kind."""
    n = size(session)
    counts = dict(
        session.execute(
            select(LedgerEntryRow.kind, func.count()).group_by(LedgerEntryRow.kind)
        ).all()
    )
    try:
        root = merkle.root(_leaf_hashes(session, n)).hex()
    except InputError:
        root = None
    latest = latest_checkpoint(session)
    return {
        "size": n,
        "root_hash": root,
        "kinds": dict(sorted(counts.items())),
        "latest_checkpoint": latest,
        "unsigned_entries": n - (latest["size"] if latest else 0),
    }
