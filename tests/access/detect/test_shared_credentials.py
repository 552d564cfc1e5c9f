"""NET-3: one account from many IPs or countries; many accounts from one IP."""

from __future__ import annotations

from chainwatch.access.detect import shared_credentials
from chainwatch.findings.finding import SubjectType

FIVE = ["203.0.113.10", "203.0.113.11", "8.8.8.8", "185.65.134.10", "81.2.69.142"]


def _by_check(findings, check):
    return [f for f in findings if f.evidence["check"] == check]


def test_account_from_five_ips_in_an_hour(enrich, dctx):
    events = enrich([{"ts": i * 15 * 60, "src_ip": ip} for i, ip in enumerate(FIVE)])
    [f] = _by_check(shared_credentials.detect(events, dctx), "ips")
    assert f.rule_id == "NET-3" and f.subject_type is SubjectType.ACCOUNT
    assert f.summary.startswith(
        "pm@hanbit-motion.example used 5 IPs in 4 countries within 1 h (GB, KR, SE, US)"
    )
    assert f.evidence["ips"] == sorted(FIVE) and f.evidence["peak_distinct"] == 5
    assert f.evidence["window"]["start"] == "2026-07-06T01:00:00Z"
    assert f.dedupe.startswith("ips:")


def test_four_ips_or_five_spread_over_more_than_an_hour_do_not_fire(enrich, dctx):
    four = enrich([{"ts": i * 60, "src_ip": ip} for i, ip in enumerate(FIVE[:4])])
    assert _by_check(shared_credentials.detect(four, dctx), "ips") == []
    slow = enrich([{"ts": i * 901, "src_ip": ip} for i, ip in enumerate(FIVE)])  # 60 min 4 s
    assert _by_check(shared_credentials.detect(slow, dctx), "ips") == []


def test_two_countries_within_fifteen_minutes(enrich, dctx):
    hit = enrich([{"ts": 0, "src_ip": "203.0.113.10"}, {"ts": 900, "src_ip": "8.8.8.8"}])
    [f] = _by_check(shared_credentials.detect(hit, dctx), "countries")
    assert f.evidence["countries"] == ["kr", "us"]
    miss = enrich([{"ts": 0, "src_ip": "203.0.113.10"}, {"ts": 901, "src_ip": "8.8.8.8"}])
    assert _by_check(shared_credentials.detect(miss, dctx), "countries") == []


def test_three_accounts_from_one_outside_address(enrich, dctx):
    events = enrich(
        [
            {"ts": 0, "src_ip": "8.8.8.8"},
            {"ts": 60, "src_ip": "8.8.8.8", "principal": "color@dasol.example"},
            {"ts": 120, "src_ip": "8.8.8.8", "principal": "yf_render01"},
        ]
    )
    [f] = _by_check(shared_credentials.detect(events, dctx), "accounts")
    assert f.subject_type is SubjectType.IP and f.subject_key == "8.8.8.8"
    assert f.evidence["parties"] == ["dasol", "hanbit-motion", "yuanfang"]
    assert f.confidence == 0.6
    assert f.summary.startswith("3 accounts of 3 parties (dasol, hanbit-motion, yuanfang)")


def test_office_nat_and_two_accounts_do_not_fire(enrich, dctx):
    office = enrich(
        [
            {"ts": 0},
            {"ts": 60, "principal": "AKIAHANBIT0EXAMPLE01"},
            {"ts": 120, "principal": "artist1@hanbit-motion.example"},  # party via the network
        ]
    )
    assert set(office.column("party").to_pylist()) == {"hanbit-motion"}
    assert _by_check(shared_credentials.detect(office, dctx), "accounts") == []
    two = enrich([{"src_ip": "8.8.8.8"}, {"src_ip": "8.8.8.8", "principal": "yf_render01"}])
    assert _by_check(shared_credentials.detect(two, dctx), "accounts") == []
