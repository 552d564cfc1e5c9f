"""NET-6: DPRK-worker hubs; L where the party declared a location there, else M."""

from __future__ import annotations

from chainwatch.access.detect import hub_regions
from chainwatch.findings.catalogue import Severity


def test_hub_access_graded_by_declared_locations(enrich, dctx):
    events = enrich(
        [
            {"ts": 0, "src_ip": "175.18.0.1"},  # Hanbit (Seoul) from Changchun
            {"ts": 10, "src_ip": "123.184.0.1", "principal": "yf_render01"},  # its own city
            {"ts": 20, "src_ip": "123.184.0.1", "principal": None, "object": "x"},  # nobody
            {"ts": 30, "src_ip": "123.184.0.77", "principal": None, "object": "y"},  # same /24
        ]
    )
    found = {f.subject_key: f for f in hub_regions.detect(events, dctx)}
    assert set(found) == {"pm@hanbit-motion.example", "yf_render01", "123.184.0.0/24"}
    hanbit = found["pm@hanbit-motion.example"]
    assert hanbit.rule_id == "NET-6" and hanbit.severity is Severity.M
    assert hanbit.evidence["hub"] == "Changchun" and not hanbit.evidence["declared_there"]
    assert "where it declared no location" in hanbit.summary
    assert found["yf_render01"].severity is Severity.L
    assert found["yf_render01"].evidence["declared_there"]
    nobody = found["123.184.0.0/24"]  # one unknown block: one finding, its addresses listed
    assert nobody.severity is Severity.M and nobody.evidence["ips"] == [
        "123.184.0.1",
        "123.184.0.77",
    ]
    assert nobody.summary.startswith("addresses in 123.184.0.0/24 (no known party)")
    assert hanbit.dedupe == "Changchun"


def test_non_hub_places_do_not_fire(enrich, dctx):
    # Seoul, Busan, Mountain View: located, but no hub
    events = enrich([{"src_ip": "203.0.113.10"}, {"src_ip": "211.36.0.1"}, {"src_ip": "8.8.8.8"}])
    assert hub_regions.detect(events, dctx) == []
