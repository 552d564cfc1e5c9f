"""The ledger service on SQLite and PostgreSQL: append, proofs, checkpoints, and tamper detection.

Each tamper test changes the database with raw SQL, the way someone bypassing chainwatch
would, and checks that ``verify`` names the row (seq, kind, subject) and what happened to it.
"""

from __future__ import annotations

import hashlib
import json
import stat
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from chainwatch.errors import InputError
from chainwatch.ledger import merkle
from chainwatch.ledger.canonical import entry_bytes
from chainwatch.ledger.checkpoint import Signer
from chainwatch.service import ledger
from chainwatch.storage.session import open_session

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
KINDS = ["import", "list_version", "screening", "finding", "decision", "scan"]


def fill(settings, n: int, *, start: int = 0) -> list[int]:
    with open_session(settings) as s:
        return [
            ledger.append(
                s,
                KINDS[i % len(KINDS)],
                f"subject-{i}",
                {"i": i, "note": f"entry number {i}", "score": 0.5 + i / 100},
                at=T0 + timedelta(minutes=i),
            )
            for i in range(start, start + n)
        ]


def sql(settings, statement: str, **params) -> None:
    with open_session(settings) as s:
        s.execute(text(statement), params)


def verify(settings, **kw):
    with open_session(settings) as s:
        return ledger.verify(s, settings, **kw)


def kinds_of(result):
    return [(p.seq, p.problem) for p in result.problems]


def test_append_numbers_from_zero_and_chains(db_settings):
    assert fill(db_settings, 5) == [0, 1, 2, 3, 4]
    with open_session(db_settings) as s:
        rows = ledger.entries(s)
        assert [r["seq"] for r in rows] == [0, 1, 2, 3, 4]
        assert rows[2]["payload"] == {
            "i": 2,
            "note": "entry number 2",
            "score": 0.52,
            "as_of": "2026-11-25T09:02:00Z",  # the caller's time, kept in the record
        }
        # leaf = RFC 9162 leaf hash of the canonical entry; chain = H(prev chain || leaf)
        r = rows[3]
        payload_text = json.dumps(r["payload"], sort_keys=True, separators=(",", ":"))
        leaf = merkle.leaf_hash(
            entry_bytes(r["kind"], r["subject"], r["recorded_at"], payload_text)
        )
        assert leaf.hex() == r["leaf_hash"]
        expected_chain = hashlib.sha256(
            bytes.fromhex(rows[2]["chain_hash"]) + bytes.fromhex(r["leaf_hash"])
        ).hexdigest()
        assert r["chain_hash"] == expected_chain
        assert [r["seq"] for r in ledger.entries(s, kinds=["finding"])] == [3]
        assert [r["seq"] for r in ledger.entries(s, subject="subject-1")] == [1]
        assert [r["seq"] for r in ledger.entries(s, since_seq=3)] == [3, 4]
        assert [r["seq"] for r in ledger.entries(s, limit=2)] == [3, 4]
    assert verify(db_settings).ok


def test_append_rolls_back_with_the_callers_transaction(db_settings):
    fill(db_settings, 2)
    with pytest.raises(RuntimeError), open_session(db_settings) as s:
        ledger.append(s, "decision", "x", {"a": 1})
        raise RuntimeError("the change failed")
    assert fill(db_settings, 1, start=2) == [2]
    assert verify(db_settings).ok


def test_append_refuses_bad_input(db_settings):
    with open_session(db_settings) as s:
        with pytest.raises(ValueError):
            ledger.append(s, "Not A Kind", "x", {})
        with pytest.raises(ValueError):
            ledger.append(s, "finding", "", {})
        with pytest.raises(TypeError):
            ledger.append(s, "finding", "x", {"f": float("nan")})


def test_times_are_never_backdated(db_settings):
    """An export or scan run --as-of another date is recorded now, saying as of when; a
    checkpoint carries the time it was signed."""
    before = datetime.now(UTC)
    with open_session(db_settings) as s:
        seq = ledger.append(s, "export", "pack", {"n": 1}, at=datetime(2001, 1, 1, tzinfo=UTC))
        now_seq = ledger.append(s, "export", "pack", {"n": 2}, at=datetime.now(UTC))
        cp = ledger.checkpoint(s, db_settings, now=datetime(2001, 1, 1, tzinfo=UTC))
        old, fresh = ledger.entries(s)[seq], ledger.entries(s)[now_seq]
    recorded = old["recorded_at"]
    recorded = recorded if isinstance(recorded, datetime) else datetime.fromisoformat(recorded)
    recorded = recorded if recorded.tzinfo else recorded.replace(tzinfo=UTC)
    assert recorded >= before - timedelta(seconds=1)
    assert old["payload"] == {"n": 1, "as_of": "2001-01-01T00:00:00Z"}
    assert fresh["payload"] == {"n": 2}
    assert "time 2001" not in cp["note"]


def test_proofs_verify_offline(db_settings):
    fill(db_settings, 13)
    with open_session(db_settings) as s:
        cp = ledger.checkpoint(s, db_settings, now=T0)
    fill(db_settings, 4, start=13)
    with open_session(db_settings) as s:
        proof = ledger.inclusion_proof(s, 5)
        # defaults to the latest checkpoint's size, and carries its signed note
        assert proof["tree_size"] == 13 and proof["checkpoint"] == cp["note"]
        assert proof["root_hash"] == cp["root_hash"]
        assert ledger.check_inclusion(proof)
        bad = dict(proof, leaf_data=proof["leaf_data"].replace("entry number 5", "entry number 6"))
        assert not ledger.check_inclusion(bad)
        full = ledger.inclusion_proof(s, 15, 17)
        assert full["tree_size"] == 17 and full["checkpoint"] is None
        assert ledger.check_inclusion(full)
        cons = ledger.consistency_proof(s, 13)
        assert cons["new_size"] == 17 and cons["old_root"] == cp["root_hash"]
        assert ledger.check_consistency(cons)
        assert not ledger.check_consistency(dict(cons, old_root="00" * 32))
        with pytest.raises(InputError):
            ledger.inclusion_proof(s, 17)
        with pytest.raises(InputError):
            ledger.consistency_proof(s, 0)
        with pytest.raises(InputError):
            ledger.consistency_proof(s, 3, 99)


def test_key_file_is_private(db_settings):
    with open_session(db_settings) as s:
        ledger.checkpoint(s, db_settings)
    path = ledger.key_path(db_settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert ledger.public_key(db_settings).startswith("chainwatch-operator+")
    assert "PRIVATE" not in ledger.public_key(db_settings)


# --------------------------------------------------------------------------- tampering


def test_modified_payload_byte(db_settings):
    fill(db_settings, 8)
    with open_session(db_settings) as s:
        payload = s.execute(text("SELECT payload FROM ledger_entries WHERE seq = 4")).scalar_one()
    sql(
        db_settings,
        "UPDATE ledger_entries SET payload = :p WHERE seq = 4",
        p=payload.replace("number 4", "number 5"),
    )
    result = verify(db_settings)
    assert not result.ok
    assert kinds_of(result) == [(4, "modified")]
    assert "seq 4 (decision subject-4)" in result.problems[0].detail


def test_modified_with_recomputed_leaf_hash(db_settings):
    fill(db_settings, 8)
    with open_session(db_settings) as s:
        row = s.execute(text("SELECT * FROM ledger_entries WHERE seq = 3")).mappings().one()
    forged = row["payload"].replace("number 3", "number 9")
    leaf = merkle.leaf_hash(entry_bytes(row["kind"], row["subject"], row["recorded_at"], forged))
    sql(
        db_settings,
        "UPDATE ledger_entries SET payload = :p, leaf_hash = :l WHERE seq = 3",
        p=forged,
        l=leaf.hex(),
    )
    assert kinds_of(verify(db_settings)) == [(3, "modified")]


def test_deleted_row(db_settings):
    fill(db_settings, 8)
    sql(db_settings, "DELETE FROM ledger_entries WHERE seq = 5")
    result = verify(db_settings)
    assert kinds_of(result) == [(5, "deleted")]
    assert "seq 4 (decision subject-4)" in result.problems[0].detail
    assert "seq 6 (import subject-6)" in result.problems[0].detail


def test_deleted_row_and_renumbered(db_settings):
    fill(db_settings, 8)
    sql(db_settings, "DELETE FROM ledger_entries WHERE seq = 2")
    sql(db_settings, "UPDATE ledger_entries SET seq = seq + 100 WHERE seq > 2")
    sql(db_settings, "UPDATE ledger_entries SET seq = seq - 101 WHERE seq > 100")
    result = verify(db_settings)
    assert kinds_of(result) == [(2, "deleted")]
    assert "finding subject-3" in result.problems[0].detail


def test_deleted_tail_is_caught_by_the_checkpoint(db_settings):
    fill(db_settings, 8)
    with open_session(db_settings) as s:
        ledger.checkpoint(s, db_settings)
    sql(db_settings, "DELETE FROM ledger_entries WHERE seq >= 6")
    result = verify(db_settings)
    assert kinds_of(result) == [(6, "deleted")]
    assert "seq 6..7 missing" in result.problems[0].detail


def _forged_insert(settings, at_seq: int, *, link: bool) -> None:
    """Make room at ``at_seq`` and slip in a forged row with a correct leaf hash."""
    payload = '{"decision":"cleared"}'
    recorded = "2026-11-25T09:03:30Z"
    leaf = merkle.leaf_hash(entry_bytes("decision", "forged", recorded, payload)).hex()
    with open_session(settings) as s:
        prev = s.execute(
            text("SELECT chain_hash FROM ledger_entries WHERE seq = :s"), {"s": at_seq - 1}
        ).scalar_one()
    chain = (
        hashlib.sha256(bytes.fromhex(prev) + bytes.fromhex(leaf)).hexdigest() if link else "ab" * 32
    )
    sql(settings, "UPDATE ledger_entries SET seq = seq + 1000 WHERE seq >= :s", s=at_seq)
    sql(settings, "UPDATE ledger_entries SET seq = seq - 999 WHERE seq >= 1000")
    sql(
        settings,
        "INSERT INTO ledger_entries (seq, kind, subject, payload, recorded_at, leaf_hash,"
        " prev_hash, chain_hash) VALUES (:s, 'decision', 'forged', :p, :r, :l, :v, :c)",
        s=at_seq,
        v=prev,
        p=payload,
        r=recorded,
        l=leaf,
        c=chain,
    )


@pytest.mark.parametrize("link", [True, False])
def test_inserted_row(db_settings, link):
    fill(db_settings, 8)
    _forged_insert(db_settings, 4, link=link)
    result = verify(db_settings)
    assert kinds_of(result) == [(4, "inserted")]
    assert "seq 4 (decision forged)" in result.problems[0].detail


def test_inserted_row_at_the_end_with_bad_hashes(db_settings):
    fill(db_settings, 5)
    sql(
        db_settings,
        "INSERT INTO ledger_entries (seq, kind, subject, payload, recorded_at, leaf_hash,"
        " prev_hash, chain_hash) VALUES (5, 'decision', 'forged', '{}', '2026-11-25T10:00:00Z',"
        " :h, :h, :h)",
        h="cd" * 32,
    )
    result = verify(db_settings)
    assert (5, "modified") in kinds_of(result) or (5, "inserted") in kinds_of(result)
    assert not result.ok and all(p.seq == 5 for p in result.problems)


def _swap(settings, a: int, b: int) -> None:
    sql(settings, "UPDATE ledger_entries SET seq = -1 WHERE seq = :a", a=a)
    sql(settings, "UPDATE ledger_entries SET seq = :a WHERE seq = :b", a=a, b=b)
    sql(settings, "UPDATE ledger_entries SET seq = :b WHERE seq = -1", b=b)


@pytest.mark.parametrize(("a", "b"), [(2, 6), (3, 4), (0, 7)])
def test_reordered_rows(db_settings, a, b):
    fill(db_settings, 8)
    _swap(db_settings, a, b)
    result = verify(db_settings)
    assert kinds_of(result) == [(a, "reordered"), (b, "reordered")]
    assert f"was recorded at seq {b}" in result.problems[0].detail
    assert f"subject-{b}" in result.problems[0].detail


def _rewrite_everything_from(settings, seq: int) -> None:
    """Change entry ``seq`` and recompute every leaf and chain hash after it: only a
    signed checkpoint can tell."""
    with open_session(settings) as s:
        rows = s.execute(text("SELECT * FROM ledger_entries ORDER BY seq")).mappings().all()
        prev = rows[seq - 1]["chain_hash"] if seq else "0" * 64
        for row in rows[seq:]:
            payload = row["payload"]
            if row["seq"] == seq:
                payload = payload.replace("entry number", "entry NUMBER")
            leaf = merkle.leaf_hash(
                entry_bytes(row["kind"], row["subject"], row["recorded_at"], payload)
            ).hex()
            chain = hashlib.sha256(bytes.fromhex(prev) + bytes.fromhex(leaf)).hexdigest()
            s.execute(
                text(
                    "UPDATE ledger_entries SET payload=:p, leaf_hash=:l, prev_hash=:v,"
                    " chain_hash=:c WHERE seq=:s"
                ),
                {"p": payload, "l": leaf, "v": prev, "c": chain, "s": row["seq"]},
            )
            prev = chain


def test_full_rewrite_is_caught_by_checkpoints(db_settings):
    for batch in range(4):  # checkpoints at 5, 10, 15, 20
        fill(db_settings, 5, start=batch * 5)
        with open_session(db_settings) as s:
            ledger.checkpoint(s, db_settings)
    fill(db_settings, 3, start=20)
    assert verify(db_settings).ok
    _rewrite_everything_from(db_settings, 12)
    result = verify(db_settings)
    assert kinds_of(result) == [(None, "rewritten")]  # a range, not a blamed seq
    assert "one of seq 10..14" in result.problems[0].detail
    assert "checkpoint of size 15" in result.problems[0].detail


def test_full_rewrite_pinned_to_one_seq(db_settings):
    for i in range(6):  # a checkpoint after every entry pins the exact seq
        fill(db_settings, 1, start=i)
        with open_session(db_settings) as s:
            ledger.checkpoint(s, db_settings)
    _rewrite_everything_from(db_settings, 3)
    result = verify(db_settings)
    assert kinds_of(result) == [(3, "rewritten")]
    assert result.problems[0].detail.startswith("seq 3 (finding subject-3) no longer matches")


def test_without_checkpoint_a_full_rewrite_is_only_noted(db_settings):
    fill(db_settings, 5)
    _rewrite_everything_from(db_settings, 2)
    result = verify(db_settings)
    assert result.ok  # nothing signed to compare against: say so
    assert any("no signed checkpoint" in n for n in result.notes)


def test_forged_checkpoint_note(db_settings):
    fill(db_settings, 5)
    with open_session(db_settings) as s:
        cp = ledger.checkpoint(s, db_settings)
    sql(
        db_settings,
        "UPDATE ledger_checkpoints SET note = :n WHERE id = :i",
        n=cp["note"].replace("\n5\n", "\n4\n"),
        i=cp["id"],
    )
    result = verify(db_settings)
    assert [p.problem for p in result.problems] == ["signature"]


def test_cosigner(db_settings, tmp_path):
    fill(db_settings, 5)
    studio = Signer.generate("studio")
    with open_session(db_settings) as s:
        ledger.checkpoint(s, db_settings)
    assert [p.problem for p in verify(db_settings, trusted_keys=[studio.verifier]).problems] == [
        "unsigned"
    ]
    with open_session(db_settings) as s:
        cp = ledger.cosign(s, studio)
    assert cp["signers"] == ["chainwatch-operator", "studio"]
    result = verify(db_settings, trusted_keys=[studio.verifier.to_string()])
    assert result.ok and result.checkpoint["signers"] == ["chainwatch-operator", "studio"]
    # the operator rewrites history and re-signs with its own key: the co-signer's
    # signature does not cover the new head
    _rewrite_everything_from(db_settings, 1)
    sql(db_settings, "DELETE FROM ledger_checkpoints")
    with open_session(db_settings) as s:
        ledger.checkpoint(s, db_settings)
    assert verify(db_settings).ok  # the operator alone cannot tell
    assert [p.problem for p in verify(db_settings, trusted_keys=[studio.verifier]).problems] == [
        "unsigned"
    ]


def test_status(db_settings):
    fill(db_settings, 7)
    with open_session(db_settings) as s:
        ledger.checkpoint(s, db_settings)
    fill(db_settings, 2, start=7)
    with open_session(db_settings) as s:
        st = ledger.status(s)
    assert st["size"] == 9 and st["unsigned_entries"] == 2
    assert st["kinds"]["import"] == 2 and st["latest_checkpoint"]["size"] == 7


def test_more_tampering_is_named(db_settings):
    fill(db_settings, 8)
    sql(db_settings, "UPDATE ledger_entries SET subject = 'someone-else' WHERE seq = 2")
    sql(db_settings, "UPDATE ledger_entries SET chain_hash = :h WHERE seq = 5", h="ef" * 32)
    sql(db_settings, "DELETE FROM ledger_entries WHERE seq = 0")
    result = verify(db_settings)
    assert kinds_of(result) == [(0, "deleted"), (2, "modified"), (5, "modified")]
    assert "someone-else" in result.problems[1].detail


def test_checkpoint_refuses_to_sign_a_tampered_ledger(db_settings):
    fill(db_settings, 6)
    with open_session(db_settings) as s:
        ledger.checkpoint(s, db_settings)
    fill(db_settings, 3, start=6)
    sql(db_settings, "UPDATE ledger_entries SET subject = 'x' WHERE seq = 7")
    with (
        pytest.raises(InputError, match=r"seq 7 \(list_version x\) does not verify"),
        open_session(db_settings) as s,
    ):
        ledger.checkpoint(s, db_settings)
    sql(db_settings, "UPDATE ledger_entries SET subject = 'subject-7' WHERE seq = 7")
    _rewrite_everything_from(db_settings, 2)  # consistent, but not what was signed
    with (
        pytest.raises(InputError, match="no longer matches checkpoint"),
        open_session(db_settings) as s,
    ):
        ledger.checkpoint(s, db_settings)


def test_cosigner_refuses_a_head_inconsistent_with_what_it_signed(db_settings):
    fill(db_settings, 6)
    studio = Signer.generate("studio")
    with open_session(db_settings) as s:
        ledger.checkpoint(s, db_settings)
        first = ledger.cosign(s, studio)
    fill(db_settings, 2, start=6)
    with open_session(db_settings) as s:
        ledger.checkpoint(s, db_settings)
        second = ledger.cosign(s, studio, last_signed=first["note"])  # an extension: fine
    # the operator rewrites entry 3, drops every checkpoint and signs the new history alone
    _rewrite_everything_from(db_settings, 3)
    sql(db_settings, "DELETE FROM ledger_checkpoints")
    with open_session(db_settings) as s:
        ledger.checkpoint(s, db_settings)
    # the co-signer kept the head it signed last (the CLI keeps it beside its key)
    with (
        pytest.raises(InputError, match="not consistent with the head studio signed"),
        open_session(db_settings) as s,
    ):
        ledger.cosign(s, studio, last_signed=second["note"])
