"""NET-8: 25 distinct objects downloaded within 60 s (Elastic's threshold)."""

from __future__ import annotations

from chainwatch.access.detect import bulk_download
from chainwatch.findings.finding import SubjectType

LF = "bluehollow-lanternfall/LF-S1/ep104"


def _files(n, spacing_s=2.0, **row):
    return [{"ts": i * spacing_s, "object": f"{LF}/sh{i:04d}/key.png", **row} for i in range(n)]


def test_25_files_in_a_minute_fire(enrich, dctx):
    [f] = bulk_download.detect(enrich(_files(25)), dctx)
    assert f.rule_id == "NET-8" and f.subject_type is SubjectType.ACCOUNT
    assert f.evidence["distinct_objects"] == 25 and f.evidence["peak_distinct_objects"] == 25
    assert f.evidence["threshold"] == 25 and f.evidence["window_s"] == 60
    assert len(f.evidence["record_ids"]) == 20 and f.evidence["record_ids"][0] == "r00000"
    assert f.evidence["projects"] == ["lanternfall-s1"]
    assert f.summary.startswith(
        "pm@hanbit-motion.example of Hanbit Motion downloaded 25 distinct objects from "
        "lanternfall-s1"
    )


def test_24_files_or_a_slower_pace_do_not_fire(enrich, dctx):
    assert bulk_download.detect(enrich(_files(24)), dctx) == []
    # 25 files over 61 s: no 60-second window holds all of them
    assert bulk_download.detect(enrich(_files(25, spacing_s=61 / 24)), dctx) == []


def test_repeats_and_refused_downloads_do_not_count(enrich, dctx):
    repeats = [{"ts": i, "object": f"{LF}/one.png"} for i in range(30)]
    assert bulk_download.detect(enrich(repeats), dctx) == []
    refused = _files(25, status=403)
    assert bulk_download.detect(enrich(refused), dctx) == []
    listing = _files(25, action="list")
    assert bulk_download.detect(enrich(listing), dctx) == []


def test_unauthenticated_downloads_group_by_address(enrich, dctx):
    [f] = bulk_download.detect(enrich(_files(30, principal=None, src_ip="45.76.1.1")), dctx)
    assert f.subject_type is SubjectType.IP and f.subject_key == "45.76.1.1"
    assert f.evidence["distinct_objects"] == 30
