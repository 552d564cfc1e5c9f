"""NET-4: a UTC+9 working week for a party declared elsewhere; sessions lasting days."""

from __future__ import annotations

from chainwatch.access.detect import utc9_hours

BERLIN = {"principal": "fx@northwind.example", "src_ip": "198.51.100.140"}


def _week(utc_hours, days=5, **row):
    """Events on ``days`` consecutive days (from Monday 2026-07-06) at the given UTC hours."""
    return [
        {"ts": d * 86400 + (h - 1) * 3600, **row}  # T0 is 01:00 UTC
        for d in range(days)
        for h in utc_hours
    ]


def _check(findings, check):
    return [f for f in findings if f.evidence["check"] == check]


def test_berlin_vendor_working_pyongyang_hours(enrich, dctx):
    # 01:00–05:00 UTC is 10:00–14:00 in Pyongyang and 03:00–07:00 in Berlin (CEST)
    events = enrich(_week([1, 2, 3, 4, 5], **BERLIN))
    [f] = _check(utc9_hours.detect(events, dctx), "hours")
    assert f.rule_id == "NET-4" and f.subject_key == "fx@northwind.example"
    assert f.evidence["share_utc9_workday"] == 1.0
    assert f.evidence["share_declared_workday"] == 0.0
    assert f.evidence["declared_offset_h"] == 2.0
    assert f.evidence["events"] == 25 and len(f.evidence["record_ids"]) == 20
    assert f.dedupe == "hours:northwind-fx:2026-07-06"
    assert "Northwind FX (declared Europe/Berlin) did 100% of 25 accesses" in f.summary


def test_near_misses_do_not_fire(enrich, dctx):
    # Seoul is UTC+9 itself: the same hours prove nothing
    seoul = enrich(_week([1, 2, 3, 4, 5]))
    assert _check(utc9_hours.detect(seoul, dctx), "hours") == []
    # 19 events: below utc9_min_events (20)
    few = enrich(_week([1, 2, 3, 4, 5], **BERLIN)[:19])
    assert _check(utc9_hours.detect(few, dctx), "hours") == []
    # 15 of 20 (75 %) in the UTC+9 day: below utc9_share_min (80 %)
    mixed = enrich(_week([1, 2, 3, 12], **BERLIN))
    assert _check(utc9_hours.detect(mixed, dctx), "hours") == []
    # 20 events but on two days only
    two_days = enrich(_week(list(range(1, 11)), days=2, **BERLIN))
    assert _check(utc9_hours.detect(two_days, dctx), "hours") == []


def test_session_lasting_a_day(enrich, dctx):
    rows = [{"ts": i * 1800} for i in range(50)]  # every 30 min for 24.5 h
    [f] = _check(utc9_hours.detect(enrich(rows), dctx), "session")
    assert f.subject_key == "pm@hanbit-motion.example"
    assert f.evidence["session_hours"] == 24.5
    assert f.summary.startswith("pm@hanbit-motion.example was active for 24 h with no pause")


def test_short_or_broken_sessions_do_not_fire(enrich, dctx):
    short = [{"ts": i * 1800} for i in range(47)]  # 23 h
    assert _check(utc9_hours.detect(enrich(short), dctx), "session") == []
    gap = [{"ts": i * 1800 + (61 * 60 if i >= 25 else 0)} for i in range(50)]  # 61-min pause
    assert _check(utc9_hours.detect(enrich(gap), dctx), "session") == []
    app = [{"ts": i * 1800, "principal_type": "app"} for i in range(50)]  # a sync service
    assert _check(utc9_hours.detect(enrich(app), dctx), "session") == []
