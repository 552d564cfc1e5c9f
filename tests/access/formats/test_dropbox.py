"""Dropbox team log: who downloaded or viewed which path from which address, anonymous
shared-link use, one event per asset, rejects, the same events from every input shape."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from chainwatch.access.event import EVENT_SCHEMA
from chainwatch.access.formats.base import ParseReport, record_id
from chainwatch.access.formats.detect import open_log, read_head
from chainwatch.access.formats.dropbox import DropboxFormat

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs"
DROPBOX = LOGS / "dropbox"
S3_LINE = (
    "8f2a0c1d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f studio-plates "
    "[10/Oct/2025:13:55:36 +0000] 203.0.113.7 arn:aws:iam::123456789012:user/vendor "
    '3E57427F3EXAMPLE REST.GET.OBJECT ep101/sh010.exr "GET /ep101/sh010.exr HTTP/1.1" 200 - '
    '52428800 52428800 70 10 "-" "aws-cli/2.15.0" - abc= SigV4 ECDHE-RSA-AES128-GCM-SHA256 '
    "AuthHeader studio-plates.s3.us-east-1.amazonaws.com TLSv1.2 - -\n"
)
CORE = ("ts", "src_ip", "principal", "principal_type", "action", "raw_action", "object")


def parse_file(path: Path):
    report = ParseReport(file=str(path), format="dropbox")
    stream, _ = open_log(path)
    with stream:
        return list(DropboxFormat().parse(stream, path.name, report)), report


def core(events):
    return [tuple(e[k] for k in CORE) for e in events]


def test_documented_file_download():
    events, report = parse_file(DROPBOX / "samples.json")
    ev = events[0]
    assert ev["ts"] == datetime(2023, 4, 18, 22, 31, 3, tzinfo=UTC)
    assert (ev["principal"], ev["principal_type"]) == ("alice@company.com", "email")
    assert ev["src_ip"] == "1.2.3.4"
    assert (ev["action"], ev["raw_action"]) == ("download", "file_download")
    assert ev["object"] == "/show/x.exr"
    assert ev["record_id"] == record_id("samples.json", 1)
    assert report.rejects == [] and report.events == len(events) == 5
    pa.RecordBatch.from_pylist(events, schema=EVENT_SCHEMA)


def test_panther_tag_form_and_naive_time():
    events, _ = parse_file(DROPBOX / "samples.json")
    ev = events[1]
    assert (ev["raw_action"], ev["action"]) == ("shared_content_add_member", "share")
    assert ev["principal"] == "alice.bob@company.com"
    assert ev["ts"] == datetime(2023, 4, 18, 22, 40, tzinfo=UTC)


def test_anonymous_shared_link_view():
    events, _ = parse_file(DROPBOX / "samples.json")
    ev = events[2]
    assert (ev["raw_action"], ev["action"]) == ("shared_link_view", "read")
    assert (ev["principal"], ev["principal_type"]) == (None, "anonymous")
    assert ev["src_ip"] == "2001:db8::51"
    assert ev["object"] == "/x.exr"  # no contextual path: the namespace-relative one


def test_one_event_per_asset():
    events, _ = parse_file(DROPBOX / "samples.json")
    y, z = events[3:]
    assert [y["object"], z["object"]] == ["/show/y.exr", "/show/z.exr"]
    assert (y["principal"], y["principal_type"], y["src_ip"]) == ("Render Sync", "app", None)
    assert y["source_line"] == z["source_line"] == 4
    assert [y["record_id"], z["record_id"]] == [
        record_id("samples.json\x1f4", 0),
        record_id("samples.json\x1f4", 1),
    ]


def test_the_outside_vendor_batch_download():
    events, _ = parse_file(DROPBOX / "team_events.jsonl")
    batch = [
        e
        for e in events
        if e["principal"] == "yf.render01@yuanfang.example" and e["raw_action"] == "file_download"
    ]
    first_line = batch[0]["source_line"]
    same_record = [e for e in batch if e["source_line"] == first_line]
    assert [e["object"] for e in same_record] == [
        "/Lanternfall/LF-S1/ep105/sh0420/key_v003.png",
        "/Lanternfall/LF-S1/ep105/sh0420/retake_notes.pdf",
        "/Lanternfall/LF-S1/ep105/sh0430/inbetween_v004.tvg",
    ]
    assert {e["src_ip"] for e in batch} <= {"113.224.65.12", "113.224.65.40"}
    anonymous = [e for e in events if e["principal_type"] == "anonymous"]
    assert {e["src_ip"] for e in anonymous} == {"175.45.178.34", "175.45.178.35", "185.220.101.5"}
    assert {e["raw_action"] for e in anonymous} == {"shared_link_download"}


def test_rejects_name_the_record_and_the_reason():
    events, report = parse_file(DROPBOX / "team_events.jsonl")
    assert [(r.line, r.reason) for r in report.rejects[:4]] == [
        (12, "missing time: timestamp"),
        (28, "bad ip: origin.geo_location.ip_address is '1.2.3'"),
        (44, "wrong type: actor is 'kim.jiwoo', expected an object"),
        (60, "bad time: timestamp is '2026-06-04 25:61:00Z'"),
    ]
    assert report.rejects[4].line == 71 and report.rejects[4].reason.startswith("invalid json:")
    assert all(r.raw for r in report.rejects)
    assert report.events == len(events)
    assert all(e["ts"].tzinfo is UTC for e in events)


def test_same_events_from_json_lines_array_and_api_pages():
    jsonl, r1 = parse_file(DROPBOX / "team_events.jsonl")
    array, r2 = parse_file(DROPBOX / "team_events_array.json")
    pages, r3 = parse_file(DROPBOX / "get_events_pages.json")  # two pages, one per line
    assert core(jsonl) == core(array) == core(pages)
    assert [r.reason for r in r1.rejects[:4]] == [r.reason for r in r2.rejects]
    assert [r.reason for r in r2.rejects] == [r.reason for r in r3.rejects]
    assert [e["source_line"] for e in pages][-1] == 100  # record index across both pages
    ids = [e["record_id"] for e in pages]
    assert len(set(ids)) == len(ids)


def test_sniff_recognises_dropbox_and_nothing_else():
    fmt = DropboxFormat()
    assert not fmt.sniff(S3_LINE)
    for path in sorted(LOGS.glob("*/*")):
        if path.suffix in (".yaml", ".md", ".py"):
            continue
        assert fmt.sniff(read_head(path)) == (path.parent.name == "dropbox"), path
