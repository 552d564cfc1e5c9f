"""Box events: who downloaded or previewed which item from where, offsets to UTC, the
"Unknown User" of shared links, rejects, the same events from every input shape."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from chainwatch.access.event import EVENT_SCHEMA
from chainwatch.access.formats.base import ParseReport, record_id
from chainwatch.access.formats.box import BoxFormat
from chainwatch.access.formats.detect import open_log, read_head

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs"
BOX = LOGS / "box"
S3_LINE = (
    "8f2a0c1d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f studio-plates "
    "[10/Oct/2025:13:55:36 +0000] 203.0.113.7 arn:aws:iam::123456789012:user/vendor "
    '3E57427F3EXAMPLE REST.GET.OBJECT ep101/sh010.exr "GET /ep101/sh010.exr HTTP/1.1" 200 - '
    '52428800 52428800 70 10 "-" "aws-cli/2.15.0" - abc= SigV4 ECDHE-RSA-AES128-GCM-SHA256 '
    "AuthHeader studio-plates.s3.us-east-1.amazonaws.com TLSv1.2 - -\n"
)
CORE = ("ts", "src_ip", "principal", "principal_type", "action", "raw_action", "object", "bytes")
FILE = "ep101/ep101_bg_v002.psd [id:700000000101]"


def parse_file(path: Path):
    report = ParseReport(file=str(path), format="box")
    stream, _ = open_log(path)
    with stream:
        return list(BoxFormat().parse(stream, path.name, report)), report


def core(events):
    return [tuple(e[k] for k in CORE) for e in events]


def test_enterprise_download_with_offset_time():
    events, report = parse_file(BOX / "samples.json")
    ev = events[0]
    assert ev["ts"] == datetime(2022, 7, 20, 9, 32, 15, tzinfo=UTC)  # 02:32:15-07:00
    assert (ev["principal"], ev["principal_type"]) == ("wrangler@example.com", "email")
    assert ev["src_ip"] == "192.0.2.77"
    assert (ev["action"], ev["raw_action"]) == ("download", "DOWNLOAD")
    assert ev["object"] == FILE
    assert ev["bytes"] == 48211907
    assert ev["record_id"] == record_id("samples.json", 1)
    assert report.rejects == [] and report.events == len(events) == 4
    pa.RecordBatch.from_pylist(events, schema=EVENT_SCHEMA)


def test_unknown_user_is_anonymous_and_a_preview_moves_no_counted_bytes():
    events, _ = parse_file(BOX / "samples.json")
    ev = events[1]
    assert (ev["principal"], ev["principal_type"]) == (None, "anonymous")
    assert (ev["action"], ev["src_ip"], ev["bytes"]) == ("read", "1.2.3.4", None)


def test_user_event_file_object_and_login():
    events, _ = parse_file(BOX / "samples.json")
    item, login = events[2:]
    assert (item["raw_action"], item["action"]) == ("ITEM_DOWNLOAD", "download")
    assert item["object"] == FILE  # path_collection without "All Files"
    assert item["bytes"] == 48211907
    assert item["src_ip"] is None  # user events carry no address
    assert (login["action"], login["object"]) == ("login", None)
    assert login["src_ip"] is None  # "Unknown IP" is Box's placeholder, not an error


def test_rejects_name_the_record_and_the_reason():
    events, report = parse_file(BOX / "admin_logs.jsonl")
    assert [(r.line, r.reason) for r in report.rejects[:4]] == [
        (12, "missing time: created_at"),
        (28, "bad ip: ip_address is '203.0.113'"),
        (44, "wrong type: created_by is 'dana', expected an object"),
        (60, "bad time: created_at is '06/04/2026 10:00'"),
    ]
    assert report.rejects[4].line == 71 and report.rejects[4].reason.startswith("invalid json:")
    assert all(r.raw for r in report.rejects)
    assert report.events == len(events)
    assert events[3]["src_ip"] is None  # "Unknown IP" kept as an event
    assert all(e["ts"].tzinfo is UTC for e in events)


def test_same_events_from_json_lines_array_and_api_page():
    jsonl, r1 = parse_file(BOX / "admin_logs.jsonl")
    array, r2 = parse_file(BOX / "admin_logs_array.json")
    page, r3 = parse_file(BOX / "admin_logs_page.json")
    assert core(jsonl) == core(array) == core(page)
    assert [r.reason for r in r1.rejects[:4]] == [r.reason for r in r2.rejects]
    assert [r.reason for r in r2.rejects] == [r.reason for r in r3.rejects]


def test_anonymous_shared_link_downloads_of_episode_105():
    events, _ = parse_file(BOX / "admin_logs_page.json")
    anonymous = [e for e in events if e["principal_type"] == "anonymous"]
    assert {e["src_ip"] for e in anonymous} == {"175.45.178.34", "175.45.178.35", "185.220.101.5"}
    assert {e["action"] for e in anonymous} == {"download"}
    assert {e["object"] for e in anonymous} == {"sh0420/key_v003.png [id:986342059370]"}
    assert {e["bytes"] for e in anonymous} == {18_432_001}


def test_sniff_recognises_box_and_nothing_else():
    fmt = BoxFormat()
    assert not fmt.sniff(S3_LINE)
    for path in sorted(LOGS.glob("*/*")):
        if path.suffix in (".yaml", ".md", ".py"):
            continue
        assert fmt.sniff(read_head(path)) == (path.parent.name == "box"), path
