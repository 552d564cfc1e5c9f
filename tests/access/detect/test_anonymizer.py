"""NET-2: anonymizer egress by a party that declared a fixed office."""

from __future__ import annotations

from chainwatch.access.detect import anonymizer
from chainwatch.findings.catalogue import Severity


def test_vpn_and_tor_egress_of_a_fixed_office_party(enrich, dctx):
    events = enrich(
        [
            {"ts": 0, "src_ip": "185.65.134.10"},  # Mullvad-style VPN range
            {"ts": 30, "src_ip": "185.65.134.10", "action": "read"},
            {"ts": 60, "src_ip": "171.25.193.20", "principal": "color@dasol.example"},  # Tor
            {"ts": 90, "src_ip": "203.0.113.10"},  # the office itself
        ]
    )
    found = {f.subject_key: f for f in anonymizer.detect(events, dctx)}
    assert set(found) == {"pm@hanbit-motion.example", "color@dasol.example"}
    vpn = found["pm@hanbit-motion.example"]
    assert vpn.rule_id == "NET-2" and vpn.severity is Severity.M
    assert vpn.evidence["egress"] == "VPN" and vpn.evidence["events"] == 2
    assert vpn.evidence["ips"] == ["185.65.134.10"]
    assert "Hanbit Motion" in vpn.summary and "Seoul, KR" in vpn.summary
    assert "VPN egress" in vpn.summary
    tor = found["color@dasol.example"]
    assert tor.evidence["egress"] == "Tor" and tor.confidence > vpn.confidence
    assert vpn.dedupe == "hanbit-motion:VPN"


def test_near_misses_do_not_fire(enrich, dctx):
    events = enrich(
        [
            # a freelancer (a person, no declared network) on a VPN: no fixed office to hide
            {"src_ip": "185.65.134.10", "principal": "kim@mail.example"},
            # datacenter egress inside Hanbit's own declared network (its cloud office)
            {"src_ip": "203.0.113.50"},
            # no known party at all: NET-2 compares against a declaration, there is none
            {"src_ip": "45.76.1.1", "principal": "stranger@x.example"},
        ]
    )
    assert events.column("is_datacenter").to_pylist() == [False, True, True]
    assert anonymizer.detect(events, dctx) == []
