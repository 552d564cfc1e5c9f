"""Tables of the evidence ledger: append-only entries, signed checkpoints (see chainwatch.ledger).

``ledger_entries.seq`` is the leaf index in the Merkle tree (0-based, no gaps) and the primary
key, so two writers can never take the same index. Each row keeps its leaf hash, the chain
hash of the row it was appended after (``prev_hash``) and its own chain hash
``SHA-256(prev_hash || leaf)``: the Merkle tree proves membership to outsiders, the chain lets
``ledger verify`` name exactly which row was deleted, inserted or moved. Nothing in chainwatch
updates or deletes these rows (a co-signature adds a line to a checkpoint's note).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from chainwatch.storage.models import Base


class LedgerEntryRow(Base):
    __tablename__ = "ledger_entries"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str] = mapped_column(String(500), index=True)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON (chainwatch.ledger.canonical)
    recorded_at: Mapped[str] = mapped_column(String(40))  # ISO text, exactly as hashed
    leaf_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))  # chain hash of seq - 1 when appended
    chain_hash: Mapped[str] = mapped_column(String(64))  # SHA-256(prev_hash || leaf_hash)


class LedgerCheckpointRow(Base):
    __tablename__ = "ledger_checkpoints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)  # the signed note: body, blank line, signature lines
    signers: Mapped[str] = mapped_column(Text)  # names of the keys that signed, comma separated
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@event.listens_for(Session, "before_flush")
def _findings_to_ledger(session: Session, _context, _instances) -> None:
    """Findings are evidence: whoever stores one, its creation and each change of severity or
    status go into the ledger in the same flush. Registered here, with the tables every
    process imports, so no code path can skip it; what is recorded is decided by
    ``service.findings.record_finding_changes``."""
    from chainwatch.storage.models import FindingRow

    if any(isinstance(o, FindingRow) for o in (*session.new, *session.dirty)):
        from chainwatch.service.findings import record_finding_changes

        record_finding_changes(session)
