"""NET-9: a country or region outside the party's declared locations."""

from __future__ import annotations

from chainwatch.access.detect import outside_locations
from chainwatch.access.detect.outside_locations import region_key


def _by_check(findings, check):
    return {f.subject_key: f for f in findings if f.evidence["check"] == check}


def test_other_country_and_other_region(enrich, dctx):
    events = enrich(
        [
            {"ts": 0, "src_ip": "81.2.69.142"},  # Hanbit (Seoul) from London
            {"ts": 60, "src_ip": "81.2.69.142"},
            {"ts": 120, "src_ip": "211.36.0.1", "principal": "AKIAHANBIT0EXAMPLE01"},  # Busan
        ]
    )
    found = outside_locations.detect(events, dctx)
    country = _by_check(found, "country")["pm@hanbit-motion.example"]
    assert country.rule_id == "NET-9" and country.confidence == 0.6
    assert country.evidence["events"] == 2 and country.evidence["outside"] == "GB"
    assert country.dedupe == "hanbit-motion:gb"
    assert "from GB, outside its declared locations (Seoul, KR)" in country.summary
    region = _by_check(found, "region")["AKIAHANBIT0EXAMPLE01"]
    assert region.evidence["outside"] == "Busan, KR" and region.confidence == 0.4
    assert region.dedupe == "hanbit-motion:kr/busan"


def test_declared_places_networks_and_unknown_parties_do_not_fire(enrich, dctx):
    events = enrich(
        [
            {"src_ip": "203.0.113.10"},  # Seoul, as declared
            {"src_ip": "203.0.113.60"},  # geo says Tokyo, but it is Hanbit's declared network
            {"src_ip": "198.51.100.20", "principal": "color@dasol.example"},  # Gyeonggi-do
            {"src_ip": "211.36.0.1", "principal": "kim@mail.example"},  # KR, no region declared
            {"src_ip": "81.2.69.142", "principal": "stranger@x.example"},  # no party
        ]
    )
    assert events.column("country").to_pylist()[1] == "jp"
    assert outside_locations.detect(events, dctx) == []


def test_region_names_compare_loosely():
    assert region_key("Gyeonggi-do") == region_key("gyeonggi") == "gyeonggi"
    assert region_key("Liaoning Sheng") == region_key("Liaoning") == "liaoning"
    assert region_key("Seoul") != region_key("Busan")
