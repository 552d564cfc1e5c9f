"""Export and verify against the database on SQLite and PostgreSQL (the ``db_settings``
fixture), with a registry, its analyzer findings and the ledger: no demo, no files."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from chainwatch.service.analyze import run_analyzers
from chainwatch.service.chains import import_chain_file
from chainwatch.service.evidence import check_against_db, check_pack, export_pack
from chainwatch.storage.session import open_session

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def test_export_verify_and_a_rewritten_ledger_row(db_settings, sample_chain, tmp_path):
    with open_session(db_settings) as session:
        import_chain_file(session, sample_chain)
        run_analyzers(session, db_settings, NOW)
    out = tmp_path / "pack"
    with open_session(db_settings) as session:
        result = export_pack(session, db_settings, out=out, project="show-s1", pdf=False, now=NOW)
    assert result.ledger_entries >= 3  # the chain import, the CHAIN-2 findings, the commitment
    entries = [json.loads(x) for x in (out / "ledger/entries.jsonl").read_text().splitlines()]
    assert {"import", "finding", "export"} <= {e["kind"] for e in entries}
    with open_session(db_settings) as session:
        report = check_pack(out)
        check_against_db(session, db_settings, out, report)
    assert report.ok, report.problems
    finding = next(e for e in entries if e["kind"] == "finding")
    from sqlalchemy import text

    with open_session(db_settings) as session:
        session.execute(
            text("UPDATE ledger_entries SET subject = :s WHERE seq = :q"),
            {"s": finding["subject"] + "-x", "q": finding["seq"]},
        )
    with open_session(db_settings) as session:
        report = check_pack(out)  # offline, the pack itself is still intact
        assert report.ok
        check_against_db(session, db_settings, out, report)
    assert not report.ok
    assert f"ledger entry #{finding['seq']}" in {p.where for p in report.problems}
