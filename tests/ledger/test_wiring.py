"""Everything that matters lands in the ledger, in the same transaction as the change:
chain imports, list versions, screenings, findings (created, severity/status changes), log
ingests and project scans. Then the whole ledger verifies, and concurrent appenders on
PostgreSQL never collide."""

from __future__ import annotations

import hashlib
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

from chainwatch.findings.finding import FindingStatus
from chainwatch.hashing import sha256_file
from chainwatch.service import access, ledger
from chainwatch.service.analyze import run_analyzers
from chainwatch.service.chains import import_chain_file
from chainwatch.service.lists import import_list
from chainwatch.service.scan import scan_paths
from chainwatch.service.screening import rescreen_after_update, screen_name
from chainwatch.storage import findings_store
from chainwatch.storage.session import open_session

FIXTURES = Path(__file__).parents[1] / "fixtures"
OFAC = FIXTURES / "lists" / "ofac"
LEGACY = ["SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV"]
S3 = FIXTURES / "logs" / "s3" / "studio-plates-2025-10-10.log"
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def by_kind(settings, kind):
    with open_session(settings) as s:
        return ledger.entries(s, kinds=[kind])


def test_services_record_what_they_do(db_settings, sample_chain, tmp_path):
    settings = db_settings
    with open_session(settings) as s:
        import_chain_file(s, sample_chain)
        run_analyzers(s, settings, NOW)
    [imp] = by_kind(settings, "import")
    assert imp["payload"]["sha256"] == hashlib.sha256(sample_chain.read_bytes()).hexdigest()
    assert imp["payload"]["counts"]["parties"]["created"] > 0

    created = by_kind(settings, "finding")
    assert created and {e["payload"]["event"] for e in created} == {"created"}
    chain2 = next(e for e in created if e["payload"]["rule_id"] == "CHAIN-2")
    assert chain2["subject"].startswith("CHAIN-2:")
    assert len(chain2["payload"]["evidence_sha256"]) == 64
    # a re-run only refreshes last_seen: nothing new is recorded
    with open_session(settings) as s:
        run_analyzers(s, settings, datetime(2026, 6, 2, tzinfo=UTC))
    assert len(by_kind(settings, "finding")) == len(created)
    # a review is a status change, and is recorded with from -> to
    with open_session(settings) as s:
        target = findings_store.list_findings(s, rule="CHAIN-2")[0]
        findings_store.set_finding_status(s, target.id, FindingStatus.DISMISSED)
    changed = [e for e in by_kind(settings, "finding") if e["payload"]["event"] == "changed"]
    assert [e["payload"]["changes"] for e in changed] == [{"status": ["open", "dismissed"]}]
    assert changed[0]["payload"]["fingerprint"] == target.finding.fingerprint

    # a list version, the sweep it triggers, and an ad-hoc name screening
    ofac = tmp_path / "ofac"
    ofac.mkdir()
    for name in LEGACY:
        shutil.copy(OFAC / name, ofac / name)
    with open_session(settings) as s:
        result = import_list(s, settings, [ofac / n for n in LEGACY], "ofac_sdn", now=NOW)
        rescreen_after_update(s, settings, [result], NOW)
        screen_name(s, "Nings Cartoon Studio")
    [version] = by_kind(settings, "list_version")
    files = {f["name"]: f["sha256"] for f in version["payload"]["files"]}
    assert files["SDN.CSV"] == sha256_file(ofac / "SDN.CSV")
    assert version["payload"]["version"] == result.snapshot
    screenings = by_kind(settings, "screening")
    assert [e["subject"] for e in screenings] == ["registry", "name:Nings Cartoon Studio"]
    lists = screenings[1]["payload"]["lists"]
    assert lists["ofac_sdn"]["snapshot"] == result.snapshot
    assert screenings[0]["payload"]["parties"] > 0 and "threshold" in screenings[0]["payload"]

    # a log ingest
    with open_session(settings) as s:
        [ingest] = access.ingest_paths(s, settings, [S3])
    [log] = by_kind(settings, "log_ingest")
    assert log["payload"]["sha256"] == sha256_file(S3)
    assert log["payload"]["events"] == ingest.events

    # a project scan
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    (delivery / "notes.txt").write_text("shot 12 plates v3\n", "utf-8")
    scan_paths([delivery], project="show-s1", settings=settings, workers=0, now=NOW)
    [scan] = by_kind(settings, "scan")
    assert scan["subject"] == "scan:show-s1"
    assert scan["payload"]["listed"][0]["sha256"] == sha256_file(delivery / "notes.txt")

    with open_session(settings) as s:
        result = ledger.verify(s, settings)
    assert result.ok, result.problems


def test_a_failed_import_leaves_no_record(db_settings, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("chainwatch: 1\nparties: [{id: a}]\n", "utf-8")
    try:
        with open_session(db_settings) as s:
            import_chain_file(s, bad)
    except Exception:  # noqa: BLE001 - the import must fail; the point is what is left
        pass
    assert by_kind(db_settings, "import") == []


def test_concurrent_appenders_never_collide(db_settings):
    """Four writers, each in its own transaction: every seq once, one unbroken chain."""
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with open_session(db_settings) as s:
                    ledger.append(s, "decision", f"writer-{n}", {"i": i})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with open_session(db_settings) as s:
        rows = ledger.entries(s)
        assert [r["seq"] for r in rows] == list(range(40))
        assert ledger.verify(s, db_settings).ok


def test_findings_are_recorded_whoever_stores_them(tmp_path):
    """A process that only imports the storage layer (as `mark detect` does) still records
    the findings it stores: the hook is registered with the tables, not with a service."""
    import subprocess
    import sys

    from chainwatch.settings import Settings
    from chainwatch.storage.session import dispose_engines, upgrade

    settings = Settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'c.db'}")
    upgrade(settings)
    dispose_engines()
    script = f"""
import sys
from datetime import datetime, UTC
from chainwatch.findings.finding import Finding, SubjectType
from chainwatch.settings import Settings
from chainwatch.storage import findings_store
from chainwatch.storage.session import open_session
s = Settings(home={str(settings.home)!r}, database_url={settings.database_url!r})
f = Finding.of("CHAIN-2", subject_type=SubjectType.PARTY, subject_key="p", analyzer="t",
                   summary="s", evidence={{"a": 1}}, confidence=0.9, project="show-s1")
with open_session(s) as ss:
    findings_store.record_findings(ss, [f], datetime.now(UTC))
assert "chainwatch.service.ledger" in sys.modules  # loaded by the hook, not by this script
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with open_session(settings) as s:
        [entry] = ledger.entries(s, kinds=["finding"])
    assert entry["subject"] == "CHAIN-2:party:p" and entry["payload"]["event"] == "created"
