"""NET-1: exact DPRK prefixes or the curated list, never a geo-DB "KP" label alone."""

from __future__ import annotations

import pyarrow as pa

from chainwatch.access.batch import enrich_batch
from chainwatch.access.context import EnrichContext
from chainwatch.access.detect import dprk_space
from chainwatch.findings.catalogue import Severity
from chainwatch.findings.finding import SubjectType


def test_dprk_address_raises_net1_with_evidence(enrich, dctx):
    events = enrich(
        [
            {"ts": 0, "src_ip": "175.45.176.5"},
            {"ts": 60, "src_ip": "175.45.176.5", "source_line": 77, "record_id": "k2"},
            {"ts": 90, "src_ip": "203.0.113.10"},
        ]
    )
    [f] = dprk_space.detect(events, dctx)
    assert f.rule_id == "NET-1" and f.severity is Severity.C
    assert f.subject_type is SubjectType.ACCOUNT
    assert f.subject_key == "pm@hanbit-motion.example"
    assert "175.45.176.5" in f.summary and "AS131279" in f.summary
    ev = f.evidence
    assert ev["events"] == 2 and ev["record_ids"] == ["r00000", "k2"]
    assert ev["sources"] == ["access.log:1", "access.log:77"]
    assert ev["window"] == {"start": "2026-07-06T01:00:00Z", "end": "2026-07-06T01:01:00Z"}
    assert ev["prefix"] == "175.45.176.0/22"
    assert len(ev["matched"]) == 2  # the intel's curated list and the SIGNALS.md prefix


def test_prefix_alone_works_without_ip_intelligence(events, registry, dctx):
    raw = events([{"src_ip": "210.52.109.44", "principal": None}])
    enriched = enrich_batch(raw.to_batches()[0], EnrichContext(None, registry))
    [f] = dprk_space.detect(pa.Table.from_batches([enriched]), dctx)
    assert f.subject_type is SubjectType.IP and f.subject_key == "210.52.109.44"
    assert f.evidence["matched"] == [
        "SIGNALS.md prefix 210.52.109.0/24 (China Netcom space used by Korea Posts and "
        "Telecommunications)"
    ]


def test_near_misses_do_not_fire(enrich, dctx):
    events = enrich(
        [
            {"src_ip": "175.45.180.1"},  # one past the /22 (175.45.176.0–175.45.179.255)
            {"src_ip": "5.62.56.1"},  # a geo database says KP; not DPRK address space
            {"src_ip": "77.94.36.1"},  # next /24 after 77.94.35.0/24
        ]
    )
    assert events.column("country").to_pylist()[1] == "kp"
    assert dprk_space.detect(events, dctx) == []


def test_dedupe_is_stable_across_reruns(enrich, dctx):
    first = enrich([{"ts": 0, "src_ip": "175.45.176.5"}])
    later = enrich([{"ts": 0, "src_ip": "175.45.176.5"}, {"ts": 3600, "src_ip": "175.45.176.5"}])
    [a] = dprk_space.detect(first, dctx)
    [b] = dprk_space.detect(later, dctx)
    assert a.fingerprint == b.fingerprint
    assert b.evidence["events"] == 2
