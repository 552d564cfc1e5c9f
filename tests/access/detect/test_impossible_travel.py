"""NET-7: faster than 900 km/h between consecutive accesses; anonymizers downgrade to L."""

from __future__ import annotations

import math

import pytest

from chainwatch.access.detect import impossible_travel
from chainwatch.access.detect.impossible_travel import EARTH_RADIUS_KM
from chainwatch.findings.catalogue import Severity

SEOUL = (37.5665, 126.978)
BERLIN = (52.52, 13.405)


def _km(a, b) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _trip(enrich, seconds, to_ip="198.51.100.140"):
    return enrich([{"ts": 0, "src_ip": "203.0.113.10"}, {"ts": seconds, "src_ip": to_ip}])


def test_901_kmh_fires_with_both_events(enrich, dctx):
    km = _km(SEOUL, BERLIN)
    [f] = impossible_travel.detect(_trip(enrich, math.floor(km / 901 * 3600)), dctx)
    assert f.rule_id == "NET-7" and f.severity is Severity.M and f.confidence == 0.6
    [jump] = f.evidence["jumps"]
    assert jump["distance_km"] == pytest.approx(km, abs=0.1)
    assert 900 < jump["speed_kmh"] < 902
    assert jump["from"]["place"] == "Seoul, KR" and jump["to"]["place"] == "Berlin, DE"
    assert f.evidence["record_ids"] == ["r00000", "r00001"]
    assert f.evidence["sources"] == ["access.log:1", "access.log:2"]
    assert f.dedupe == "2026-07-06"
    assert "Seoul, KR and Berlin, DE" in f.summary and "km/h" in f.summary


def test_899_kmh_does_not_fire(enrich, dctx):
    km = _km(SEOUL, BERLIN)
    assert impossible_travel.detect(_trip(enrich, math.ceil(km / 899 * 3600)), dctx) == []


def test_vpn_endpoint_downgrades_to_low(enrich, dctx):
    [f] = impossible_travel.detect(_trip(enrich, 600, to_ip="185.65.134.10"), dctx)
    assert f.severity is Severity.L and f.confidence < 0.6
    assert f.evidence["anonymizer_pairs"] == 1
    assert f.evidence["jumps"][0]["to"]["anonymizer"] is True


def test_simultaneous_accesses_have_no_finite_speed(enrich, dctx):
    [f] = impossible_travel.detect(_trip(enrich, 0), dctx)
    assert f.evidence["jumps"][0]["simultaneous"] is True
    assert f.evidence["jumps"][0]["speed_kmh"] is None
    assert "at the same moment" in f.summary


def test_same_address_and_nearby_places_do_not_fire(enrich, dctx):
    same_ip = enrich([{"ts": 0}, {"ts": 1}])
    assert impossible_travel.detect(same_ip, dctx) == []
    same_city = enrich([{"ts": 0}, {"ts": 1, "src_ip": "203.0.113.11"}])  # < 50 km apart
    assert impossible_travel.detect(same_city, dctx) == []
    unlocated = enrich([{"ts": 0}, {"ts": 1, "src_ip": "10.1.1.1"}])
    assert impossible_travel.detect(unlocated, dctx) == []
