"""The pure audit over many random ledgers: each kind of tampering, at every position, is
named at the right seq and nothing else is reported. (The database tests do the same by raw
SQL on SQLite and PostgreSQL; this covers positions exhaustively, fast.)"""

from __future__ import annotations

import hashlib
import random

import pytest

from chainwatch.ledger import merkle
from chainwatch.ledger.audit import GENESIS, AuditRow, audit
from chainwatch.ledger.canonical import entry_bytes

N = 12


def ledger_rows(n: int = N) -> list[AuditRow]:
    rows, prev = [], GENESIS.hex()
    for i in range(n):
        payload = f'{{"i":{i}}}'
        leaf = merkle.leaf_hash(entry_bytes("decision", f"s{i}", f"t{i}", payload)).hex()
        chain = hashlib.sha256(bytes.fromhex(prev) + bytes.fromhex(leaf)).hexdigest()
        rows.append(AuditRow(i, "decision", f"s{i}", payload, f"t{i}", leaf, prev, chain))
        prev = chain
    return rows


def renumber(rows: list[AuditRow]) -> list[AuditRow]:
    return [r._replace(seq=i) for i, r in enumerate(rows)]


def named(rows):
    return [(p[0], p[1]) for p in audit(rows, [], []).problems]


def test_intact():
    assert named(ledger_rows()) == []


@pytest.mark.parametrize("k", range(N))
def test_modified_anywhere(k):
    rows = ledger_rows()
    rows[k] = rows[k]._replace(payload='{"i":999}')
    assert named(rows) == [(k, "modified")]


@pytest.mark.parametrize("k", range(N))
def test_deleted_anywhere_without_renumbering(k):
    rows = ledger_rows()
    del rows[k]
    expected = [(k, "deleted")] if k < N - 1 else []  # the last one needs a checkpoint
    assert named(rows) == expected


@pytest.mark.parametrize("k", range(N - 1))
def test_deleted_anywhere_and_renumbered(k):
    rows = ledger_rows()
    del rows[k]
    assert named(renumber(rows)) == [(k, "deleted")]


@pytest.mark.parametrize("k", range(1, N))
@pytest.mark.parametrize("linked", [True, False])
def test_inserted_anywhere(k, linked):
    rows = ledger_rows()
    payload = '{"forged":true}'
    leaf = merkle.leaf_hash(entry_bytes("decision", "forged", "t", payload)).hex()
    prev = rows[k - 1].chain_hash if linked else "ab" * 32
    chain = hashlib.sha256(bytes.fromhex(prev) + bytes.fromhex(leaf)).hexdigest()
    rows.insert(k, AuditRow(k, "decision", "forged", payload, "t", leaf, prev, chain))
    assert named(renumber(rows)) == [(k, "inserted")]


@pytest.mark.parametrize("seed", range(40))
def test_swapped_pairs(seed):
    rng = random.Random(seed)
    a, b = sorted(rng.sample(range(N), 2))
    rows = ledger_rows()
    rows[a], rows[b] = rows[b], rows[a]
    assert named(renumber(rows)) == [(a, "reordered"), (b, "reordered")]


@pytest.mark.parametrize("seed", range(20))
def test_moved_row(seed):
    """One row taken out and put back elsewhere: the moved row is named (its neighbours may
    be too, since moving one row by k places is the same as moving k rows by one)."""
    rng = random.Random(seed)
    src, dst = rng.sample(range(N), 2)
    rows = ledger_rows()
    row = rows.pop(src)
    rows.insert(dst, row)
    found = named(renumber(rows))
    assert (dst, "reordered") in found
    assert {p for _, p in found} == {"reordered"}
