"""Hand-built findings for the risk engine: real ``Finding`` records, real catalogue rules.

(A module of its own, not conftest.py, so tests import ``NOW`` by a name no other folder uses.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from chainwatch.findings.catalogue import Severity, get_rule
from chainwatch.findings.finding import Finding, SubjectType
from chainwatch.risk import Attribution, RiskInput

NOW = datetime(2026, 9, 1, 12, tzinfo=UTC)


@pytest.fixture
def make():
    """``make("NET-9", party="x", confidence=0.6, age_days=0, ...)`` -> a RiskInput."""
    ids = count(1)

    def build(
        rule: str,
        *,
        party: str | None = None,
        confidence: float = 1.0,
        severity: str | None = None,
        age_days: float = 0.0,
        project: str | None = "show-s1",
        subject: str | None = None,
        evidence: dict | None = None,
        confirmed: bool = False,
    ) -> RiskInput:
        n = next(ids)
        sev = Severity(severity) if severity else get_rule(rule).severity
        finding = Finding.of(
            rule,
            subject_type=SubjectType.PARTY if party else SubjectType.FILE,
            subject_key=subject or party or f"file-{n}.png",
            summary=f"{rule} number {n}",
            evidence=evidence or {"n": n},
            confidence=confidence,
            severity=sev,
            analyzer="test",
            project=project,
            dedupe=str(n),
        )
        return RiskInput(
            finding_id=n,
            finding=finding,
            observed_at=NOW - timedelta(days=age_days),
            parties=(Attribution(party, "subject"),) if party else (),
            confirmed=confirmed,
        )

    return build
