"""The Lanternfall seed: Dasol's declaration is clean, Hanbit's leaves Yuanfang out (CHAIN-3).

Runs on SQLite and PostgreSQL (``db_settings``): declarations, keys and ledger entries are
stored the same way on both.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chainwatch.demo.declarations import seed_declarations
from chainwatch.service import ledger
from chainwatch.service.chains import import_chain_file
from chainwatch.service.demo import demo_chain_path
from chainwatch.service.provenance import analyze_declarations, list_declarations
from chainwatch.storage.session import open_session

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def test_seed_raises_chain3_for_the_omission_only_where_due(db_settings):
    with open_session(db_settings) as session:
        import_chain_file(session, demo_chain_path())
        seeded = seed_declarations(session, db_settings, now=NOW)
        assert [d["party"] for d in seeded["declarations"]] == ["dasol-inkpaint", "hanbit-motion"]
        findings = {f.subject_key: f for f in analyze_declarations(session, db_settings, NOW)}
        stored = list_declarations(session, "lanternfall-s1")
        entries = ledger.entries(session, kinds=["attestation"])

    assert "dasol-inkpaint" not in findings  # verified, complete, two weeks old
    hanbit = findings["hanbit-motion"]
    assert [r["kind"] for r in hanbit.evidence["reasons"]] == ["omits"]
    assert hanbit.evidence["reasons"][0]["omitted"][0]["party"] == "yuanfang-digital"
    assert "Shenyang Yuanfang" in hanbit.summary
    # the hidden tiers never declared anything; the finale compositor has not started yet
    assert findings["yuanfang-digital"].evidence["reasons"][0]["kind"] == "missing"
    assert findings["nings-cartoon"].evidence["reasons"][0]["kind"] == "missing"
    assert "mirae-compositing" not in findings and "bluehollow" not in findings
    assert {d["party"]: d["subcontractors"] for d in stored} == {
        "dasol-inkpaint": ["mirae-compositing"],
        "hanbit-motion": ["dasol-inkpaint"],
    }
    assert len(entries) == 4  # two keys trusted, two declarations imported


def test_envelopes_come_back_verifiable_for_evidence_packs(tmp_path):
    from chainwatch.provenance import dsse
    from chainwatch.provenance.dsse import Envelope
    from chainwatch.settings import Settings
    from chainwatch.storage.session import upgrade

    settings = Settings(home=tmp_path / "h", database_url=f"sqlite:///{tmp_path / 'cw.db'}")
    upgrade(settings)
    with open_session(settings) as session:
        import_chain_file(session, demo_chain_path())
        seed_declarations(session, settings, now=NOW)
        rows = list_declarations(session, "lanternfall-s1", with_envelope=True)
        assert all("envelope" not in r for r in list_declarations(session))
    pub = (settings.home / "demo-vendors" / "hanbit-motion.key.pub").read_bytes()
    key = dsse.load_public_key(pub)
    hanbit = next(r for r in rows if r["party"] == "hanbit-motion")
    assert dsse.verify(Envelope.from_dict(hanbit["envelope"]), {dsse.keyid_of(key): key}).ok
