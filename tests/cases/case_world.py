"""A registry with the sample chain and a few stored findings, on SQLite and PostgreSQL.

(A module of its own, not conftest.py, so tests import it by a name no other folder uses.)
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chainwatch.findings.finding import Finding, SubjectType
from chainwatch.service.chains import import_chain_file
from chainwatch.storage import findings_store
from chainwatch.storage.session import open_session

NOW = datetime(2026, 9, 1, 12, tzinfo=UTC)


def sample_findings() -> list[Finding]:
    """Findings on the sample chain (tests/fixtures/chain.yaml), as analyzers would raise them."""
    return [
        Finding.of(
            "CHAIN-2",
            subject_type=SubjectType.PARTY,
            subject_key="far-studio",
            summary="middleman re-subcontracted far-studio without authorization (tier 3)",
            evidence={"engagement": "ts1-far", "tier": 3},
            confidence=0.9,
            analyzer="chain",
            project="show-s1",
            dedupe="ts1-far",
        ),
        Finding.of(
            "NET-2",
            subject_type=SubjectType.ACCOUNT,
            subject_key="pm@seoul-vendor.example",
            summary="pm@seoul-vendor.example came through a VPN egress",
            evidence={"parties": ["seoul-vendor"], "ips": ["198.51.100.9"]},
            confidence=0.7,
            analyzer="access",
            project="show-s1",
        ),
        Finding.of(
            "SCR-2",
            subject_type=SubjectType.PARTY,
            subject_key="far-studio",
            summary="far-studio: identifier equal to a listed one",
            evidence={"list": "ofac_sdn", "entry_id": "1"},
            confidence=0.99,
            analyzer="screening",
            dedupe="ofac_sdn:1",
        ),
    ]


def store_findings(settings) -> dict[str, int]:
    """Record the sample findings; rule id -> finding id."""
    with open_session(settings) as session:
        findings_store.record_findings(session, sample_findings(), NOW)
        rows = findings_store.list_findings(session)
        return {s.finding.rule_id: s.id for s in rows}


@pytest.fixture
def world(db_settings, sample_chain):
    with open_session(db_settings) as session:
        import_chain_file(session, sample_chain)
    return db_settings, store_findings(db_settings)
