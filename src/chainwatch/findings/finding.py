"""The Finding: the product's currency. Every analyzer returns these and nothing else.

A finding cannot be built with a rule id the catalogue lacks, a severity outside the rule's
range, a confidence outside [0, 1] or evidence that is not JSON. Its ``fingerprint`` is what
makes re-running an analyzer update the stored finding instead of adding a second one: it
hashes the rule, the subject, the project and the analyzer's ``dedupe`` key (e.g. the
engagement that was not authorized), never the wording or the time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from chainwatch.errors import InputError
from chainwatch.findings.catalogue import Severity, get_rule


class SubjectType(StrEnum):
    PARTY = "party"
    PROJECT = "project"
    ENGAGEMENT = "engagement"
    ASSET = "asset"
    ACCOUNT = "account"
    IP = "ip"
    FILE = "file"


class FindingStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    DISMISSED = "dismissed"  # reviewed: false positive, with a reason in the case notes
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Finding:
    rule_id: str
    subject_type: SubjectType
    subject_key: str
    summary: str
    evidence: Mapping[str, Any] = field(hash=False)
    confidence: float
    severity: Severity
    source: str
    analyzer: str
    project: str | None = None
    dedupe: str = ""

    def __post_init__(self) -> None:
        rule = get_rule(self.rule_id)
        if not rule.allows(self.severity):
            raise InputError(
                f"{self.rule_id} allows severity {'/'.join(s.value for s in rule.severity_range)}"
                f", not {self.severity.value}"
            )
        if not 0.0 <= self.confidence <= 1.0:
            raise InputError(f"confidence must be within [0, 1], got {self.confidence}")
        try:
            json.dumps(self.evidence, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{self.rule_id} evidence is not JSON: {exc}") from None
        if not self.summary or "\n" in self.summary:
            raise InputError("a finding's summary is one non-empty line")

    @classmethod
    def of(
        cls,
        rule_id: str,
        *,
        subject_type: SubjectType,
        subject_key: str,
        summary: str,
        evidence: Mapping[str, Any],
        confidence: float,
        analyzer: str,
        project: str | None = None,
        severity: Severity | None = None,
        source: str | None = None,
        dedupe: str = "",
    ) -> Finding:
        """Build a finding with the catalogue's default severity and source unless given."""
        rule = get_rule(rule_id)
        return cls(
            rule_id=rule_id,
            subject_type=subject_type,
            subject_key=subject_key,
            summary=summary,
            evidence=evidence,
            confidence=confidence,
            severity=severity or rule.severity,
            source=source or rule.source,
            analyzer=analyzer,
            project=project,
            dedupe=dedupe,
        )

    @property
    def fingerprint(self) -> str:
        parts = [
            self.rule_id,
            self.subject_type.value,
            self.subject_key,
            self.project or "",
            self.dedupe,
        ]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "confidence": self.confidence,
            "subject": {"type": self.subject_type.value, "key": self.subject_key},
            "project": self.project,
            "summary": self.summary,
            "evidence": dict(self.evidence),
            "source": self.source,
            "analyzer": self.analyzer,
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True)
class StoredFinding:
    """A finding as the store holds it: with its id, review status and when it was seen."""

    id: int
    finding: Finding
    status: FindingStatus
    first_seen: datetime
    last_seen: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **self.finding.to_dict(),
            "status": self.status.value,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
        }
