"""Tables of the evidence ledger: append-only entries and signed checkpoints (see chainwatch.ledger).

``ledger_entries.seq`` is the leaf index in the Merkle tree (0-based, no gaps) and the primary
key, so two writers can never take the same index. Each row keeps its leaf hash and a chain
hash ``SHA-256(prev chain || leaf)``: the Merkle tree proves membership to outsiders, the chain
lets ``ledger verify`` name exactly which row was deleted, inserted or moved. Nothing in
chainwatch updates or deletes these rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chainwatch.storage.models import Base


class LedgerEntryRow(Base):
    __tablename__ = "ledger_entries"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str] = mapped_column(String(500), index=True)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON (chainwatch.ledger.canonical)
    recorded_at: Mapped[str] = mapped_column(String(40))  # ISO text, exactly as hashed
    leaf_hash: Mapped[str] = mapped_column(String(64))
    chain_hash: Mapped[str] = mapped_column(String(64))


class LedgerCheckpointRow(Base):
    __tablename__ = "ledger_checkpoints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)  # the signed note: body, blank line, signature lines
    signers: Mapped[str] = mapped_column(Text)  # names of the keys that signed, comma separated
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
