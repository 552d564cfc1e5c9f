"""The detector registry: rule order, NET-5's absence, selection, evidence limits, re-runs."""

from __future__ import annotations

import dataclasses

import pytest

from chainwatch.access.detect import DETECTORS, DetectContext, Thresholds, run_detectors
from chainwatch.errors import InputError
from chainwatch.findings.catalogue import get_rule


def _mixed(enrich):
    rows = [{"ts": i, "object": f"bluehollow-lanternfall/LF-S1/ep1/{i}.png"} for i in range(40)]
    rows += [
        {"ts": 100, "src_ip": "175.45.176.5", "principal": "yf_render01"},
        {"ts": 200, "src_ip": "185.65.134.10"},
        {"ts": 300, "src_ip": "123.184.0.1", "principal": None},
    ]
    return enrich(rows)


def test_detectors_in_rule_order_without_net5():
    assert list(DETECTORS) == [
        "CHAIN-1",
        "NET-1",
        "NET-2",
        "NET-3",
        "NET-4",
        "NET-6",
        "NET-7",
        "NET-8",
        "NET-9",
    ]
    assert "NET-5" not in DETECTORS
    for rule_id in DETECTORS:
        get_rule(rule_id)  # every key is a catalogue rule


def test_run_detectors_only_and_unknown(enrich, dctx):
    events = _mixed(enrich)
    every = run_detectors(events, dctx)
    order = list(DETECTORS)
    ranks = [order.index(f.rule_id) for f in every]
    assert ranks == sorted(ranks)
    assert {"CHAIN-1", "NET-1", "NET-2", "NET-8"} <= {f.rule_id for f in every}
    only = run_detectors(events, dctx, only=["NET-1"])
    assert {f.rule_id for f in only} == {"NET-1"}
    with pytest.raises(InputError, match="NET-5"):
        run_detectors(events, dctx, only=["NET-5"])
    assert run_detectors(events.slice(0, 0), dctx) == []


def test_every_finding_is_referenced_and_stable(enrich, dctx):
    events = _mixed(enrich)
    first = run_detectors(events, dctx)
    again = run_detectors(events, dctx)
    assert [f.to_dict() for f in first] == [f.to_dict() for f in again]
    for f in first:
        assert f.analyzer == "access"
        assert 0 < len(f.evidence["record_ids"]) <= 20
        assert len(f.evidence["sources"]) == len(f.evidence["record_ids"])
        assert "window" in f.evidence and "ips" in f.evidence


def test_thresholds_are_tunable(enrich, dctx):
    strict = DetectContext(
        dataclasses.replace(Thresholds(), bulk_objects_min=50), dctx.registry, dctx.now
    )
    assert run_detectors(_mixed(enrich), strict, only=["NET-8"]) == []
    assert run_detectors(_mixed(enrich), dctx, only=["NET-8"]) != []
