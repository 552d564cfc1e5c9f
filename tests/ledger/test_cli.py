"""``chainwatch ledger`` as a user drives it: real app, SQLite in a temporary CHAINWATCH_HOME.

The ledger fills itself from the other commands (chain import here); an auditor's co-signer
key signs a checkpoint; raw SQL tampering makes ``ledger verify`` exit 1 and name the row.
"""

from __future__ import annotations

import json
import sqlite3
import stat

from chainwatch.ledger import merkle
from chainwatch.ledger.checkpoint import Verifier, verify_note


def _db(tmp_path):
    return sqlite3.connect(tmp_path / "cwhome" / "chainwatch.db")


def _setup(cli, sample_chain):
    assert cli("init").exit_code == 0
    r = cli("chain", "import", str(sample_chain), "--json")
    assert r.exit_code == 0, r.output


def test_import_is_recorded_and_listed(cli, sample_chain):
    _setup(cli, sample_chain)
    rows = json.loads(cli("ledger", "list", "--json").output)
    assert [r["kind"] for r in rows] == ["import"]
    assert rows[0]["subject"] == "chain:chain.yaml"
    assert (
        rows[0]["payload"]["sha256"]
        == __import__("hashlib").sha256(sample_chain.read_bytes()).hexdigest()
    )
    assert json.loads(cli("ledger", "list", "--kind", "finding", "--json").output) == []
    status = json.loads(cli("ledger", "status", "--json").output)
    assert status["size"] == 1 and status["latest_checkpoint"] is None
    assert "entries: 1" in cli("ledger", "status").output


def test_checkpoint_prove_consistency_offline(cli, sample_chain, tmp_path):
    _setup(cli, sample_chain)
    cli("analyze")  # findings are recorded too
    cp = json.loads(cli("ledger", "checkpoint", "--json").output)
    assert cp["size"] >= 2
    key = cli("ledger", "pubkey").output.strip()
    verifier = Verifier.from_string(key)
    # an auditor with only the note, the public key and a proof:
    assert verify_note(cp["note"], [verifier]).verified == ("chainwatch-operator",)
    r = cli("ledger", "prove", "0", "--json")
    assert r.exit_code == 0
    proof = json.loads(r.output)
    body = verify_note(proof["checkpoint"], [verifier]).checkpoint
    leaf = merkle.leaf_hash(proof["leaf_data"].encode())
    path = [bytes.fromhex(h) for h in proof["audit_path"]]
    assert merkle.verify_inclusion(leaf, 0, body.size, path, body.root)
    assert "proof verifies" in cli("ledger", "prove", "0").output
    cli("chain", "import", str(sample_chain))  # same file again: recorded again
    r = cli("ledger", "consistency", str(cp["size"]), "--json")
    assert r.exit_code == 0 and json.loads(r.output)["old_root"] == cp["root_hash"]
    # the key is private
    secret = tmp_path / "cwhome" / "secrets" / "ledger.key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_verify_names_each_tampering_and_exits_1(cli, sample_chain, tmp_path):
    _setup(cli, sample_chain)
    cli("analyze")
    r = cli("ledger", "verify")
    assert r.exit_code == 0, r.output
    assert "ledger OK" in r.output
    with _db(tmp_path) as db:
        n = db.execute("select count(*) from ledger_entries").fetchone()[0]
        assert n >= 3
        kind, subject = db.execute(
            "select kind, subject from ledger_entries where seq = 1"
        ).fetchone()
        db.execute("update ledger_entries set payload = replace(payload, '\"', ' ') where seq = 1")
    r = cli("ledger", "verify", "--json")
    assert r.exit_code == 1
    problems = json.loads(r.output)["problems"]
    assert [(p["seq"], p["problem"]) for p in problems] == [(1, "modified")]
    assert f"({kind} {subject})" in problems[0]["detail"]
    r = cli("ledger", "verify")
    assert r.exit_code == 1 and "FAILED" in r.output and "modified" in r.output


def test_cosigner_flow(cli, sample_chain, tmp_path):
    _setup(cli, sample_chain)
    key = tmp_path / "studio.key"
    r = cli("ledger", "keygen", "--out", str(key), "--name", "studio", "--json")
    assert r.exit_code == 0, r.output
    pub = tmp_path / "studio.key.pub"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert pub.read_text().startswith("studio+")
    # no checkpoint yet: nothing to co-sign, a user error
    r = cli("ledger", "cosign", "--key", str(key))
    assert r.exit_code == 2 and "no checkpoint" in r.stderr
    cli("ledger", "checkpoint")
    r = cli("ledger", "verify", "--cosigner", str(pub))
    assert r.exit_code == 1 and "not signed by studio" in r.output
    r = cli("ledger", "cosign", "--key", str(key), "--name", "wrong")
    assert r.exit_code == 2 and "named 'studio'" in r.stderr
    r = cli("ledger", "cosign", "--key", str(key), "--name", "studio", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["signers"] == ["chainwatch-operator", "studio"]
    r = cli("ledger", "verify", "--cosigner", str(pub), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["checkpoint"]["signers"] == ["chainwatch-operator", "studio"]
    # the co-signer keeps the head it signed, and will not sign a history that drops it
    kept = tmp_path / "studio.key.last"
    assert verify_note(kept.read_text(), [Verifier.from_string(pub.read_text())]).verified
    with _db(tmp_path) as db:
        db.execute("delete from ledger_entries where seq = 0")
        db.execute("update ledger_entries set seq = seq - 1")
        db.execute("delete from ledger_checkpoints")
    r = cli("ledger", "checkpoint")  # the operator alone re-signs the shortened history
    assert r.exit_code == 0, r.output
    r = cli("ledger", "cosign", "--key", str(key))
    assert r.exit_code == 2 and "not consistent" in r.stderr


def test_user_errors_are_one_line_exit_2(cli, sample_chain, tmp_path):
    r = cli("ledger", "status")
    assert r.exit_code == 2 and "chainwatch init" in r.stderr
    _setup(cli, sample_chain)
    for args, words in [
        (("ledger", "prove", "99"), "not in a ledger"),
        (("ledger", "consistency", "0"), "between 1 and"),
        (("ledger", "consistency", "1", "50"), "not 50"),
        (("ledger", "verify", "--cosigner", str(tmp_path / "missing.pub")), "cannot read"),
        (("ledger", "cosign", "--key", str(sample_chain)), "signer key"),
        (("ledger", "keygen", "--out", str(sample_chain)), "exists"),
        (("ledger", "keygen", "--out", str(tmp_path / "k"), "--name", "a b"), "without spaces"),
    ]:
        r = cli(*args)
        assert r.exit_code == 2, (args, r.output)
        assert words in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.output


def test_help_mentions_exit_codes(cli):
    r = cli("ledger", "verify", "--help")
    assert r.exit_code == 0 and "Exit 0" in r.output and "1 when" in r.output
