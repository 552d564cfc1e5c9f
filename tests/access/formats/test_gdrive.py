"""Google Drive audit (Reports API): who viewed, downloaded or re-shared which document, from
where; several events per activity; rejects; the same events from every input shape."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from chainwatch.access.event import EVENT_SCHEMA
from chainwatch.access.formats.base import ParseReport, record_id
from chainwatch.access.formats.detect import open_log, read_head
from chainwatch.access.formats.gdrive import GoogleDriveFormat

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs"
GDRIVE = LOGS / "gdrive"
S3_LINE = (
    "8f2a0c1d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f studio-plates "
    "[10/Oct/2025:13:55:36 +0000] 203.0.113.7 arn:aws:iam::123456789012:user/vendor "
    '3E57427F3EXAMPLE REST.GET.OBJECT ep101/sh010.exr "GET /ep101/sh010.exr HTTP/1.1" 200 - '
    '52428800 52428800 70 10 "-" "aws-cli/2.15.0" - abc= SigV4 ECDHE-RSA-AES128-GCM-SHA256 '
    "AuthHeader studio-plates.s3.us-east-1.amazonaws.com TLSv1.2 - -\n"
)
CORE = ("ts", "src_ip", "principal", "principal_type", "action", "raw_action", "object")
DOC = "My Sensitive Document [id:1AbCdEfGhIjKlMnOpQrStUvWxYz]"


def parse_file(path: Path):
    report = ParseReport(file=str(path), format="gdrive")
    stream, _ = open_log(path)
    with stream:
        return list(GoogleDriveFormat().parse(stream, path.name, report)), report


def core(events):
    return [tuple(e[k] for k in CORE) for e in events]


def test_documented_download_activity():
    events, report = parse_file(GDRIVE / "samples.json")
    ev = events[0]
    assert ev["ts"] == datetime(2025, 3, 21, 21, 29, 49, 364000, tzinfo=UTC)
    assert (ev["principal"], ev["principal_type"]) == ("john@example.org", "email")
    assert ev["src_ip"] == "1.1.1.1"
    assert (ev["action"], ev["raw_action"]) == ("download", "download")
    assert ev["object"] == DOC
    assert (ev["source_line"], ev["record_id"]) == (1, record_id("samples.json", 1))
    assert report.rejects == [] and report.events == len(events) == 6
    pa.RecordBatch.from_pylist(events, schema=EVENT_SCHEMA)


def test_one_activity_with_two_events_gives_two_events_with_their_own_ids():
    events, _ = parse_file(GDRIVE / "samples.json")
    grant, visibility = events[1:3]
    assert [grant["raw_action"], visibility["raw_action"]] == [
        "change_user_access",
        "change_document_visibility",
    ]
    assert grant["action"] == visibility["action"] == "share"
    assert grant["source_line"] == visibility["source_line"] == 2
    assert grant["src_ip"] == "2001:db8:1::7"
    # the event's index inside the activity is part of the hashed position
    assert grant["record_id"] == record_id("samples.json\x1f2", 0)
    assert visibility["record_id"] == record_id("samples.json\x1f2", 1)


def test_flattened_forms_api_keys_and_anonymous_viewers():
    events, _ = parse_file(GDRIVE / "samples.json")
    flat, key, anonymous = events[3:]
    # Elastic's split form: events is an object; Panther's: parameters is an object
    assert (flat["principal"], flat["action"]) == ("coord@example.org", "read")
    assert flat["object"] == "ep101 shot list [id:1XyZexampleDocId]"
    assert (key["principal"], key["principal_type"]) == ("SYSTEM", "app")
    assert (key["action"], key["src_ip"], key["object"]) == ("other", None, "[id:1XyZexampleDocId]")
    assert (anonymous["principal"], anonymous["principal_type"]) == (None, "anonymous")
    assert anonymous["src_ip"] == "198.51.100.250"


def test_rejects_name_the_record_and_the_reason():
    events, report = parse_file(GDRIVE / "activities.jsonl")
    assert [(r.line, r.reason.split(":")[0]) for r in report.rejects] == [
        (12, "missing time"),
        (28, "bad ip"),
        (44, "wrong type"),
        (60, "bad time"),
        (71, "invalid json"),
    ]
    assert [r.reason for r in report.rejects[:4]] == [
        "missing time: id.time",
        "bad ip: ipAddress is '300.1.2.3'",
        "wrong type: events is 'download', expected an array",
        "bad time: id.time is 'yesterday'",
    ]
    assert all(r.raw for r in report.rejects)
    assert report.events == len(events)
    assert all(e["ts"].tzinfo is UTC for e in events)


def test_same_events_from_json_lines_array_and_api_page():
    jsonl, r1 = parse_file(GDRIVE / "activities.jsonl")
    array, r2 = parse_file(GDRIVE / "activities_array.json")
    page, r3 = parse_file(GDRIVE / "activities_page.json")
    assert core(jsonl) == core(array) == core(page)
    assert [r.reason for r in r1.rejects[:4]] == [r.reason for r in r2.rejects]
    assert [r.reason for r in r2.rejects] == [r.reason for r in r3.rejects]
    assert [r.line for r in r3.rejects] == [12, 28, 44, 60]  # record index in the page


def test_grants_to_the_undeclared_vendor_are_visible():
    events, _ = parse_file(GDRIVE / "activities_page.json")
    grants = [e for e in events if e["raw_action"] == "change_user_access"]
    scopes = [e for e in events if e["raw_action"] == "change_document_access_scope"]
    assert grants and len(grants) == len(scopes)  # two events per sharing activity
    ids = [e["record_id"] for e in events]
    assert len(set(ids)) == len(ids)
    yuanfang = [e for e in events if e["principal"] == "yf.render01@yuanfang.example"]
    assert {e["src_ip"] for e in yuanfang} <= {"113.224.65.12", "113.224.65.40"}
    assert any(e["action"] == "download" for e in yuanfang)


def test_a_truncated_page_keeps_the_records_before_the_break():
    text = (GDRIVE / "activities_page.json").read_text("utf-8")
    cut = text[: len(text) // 2]
    report = ParseReport(file="cut.json", format="gdrive")
    events = list(GoogleDriveFormat().parse(io.StringIO(cut), "cut.json", report))
    assert 40 < len(events) < 60
    (reject,) = report.rejects[-1:]
    assert reject.reason.startswith("invalid json:") and "rest of the document skipped" in (
        reject.reason
    )
    assert reject.line == max(e["source_line"] for e in events) + 1


def test_record_ids_are_stable():
    first, _ = parse_file(GDRIVE / "activities.jsonl")
    again, _ = parse_file(GDRIVE / "activities.jsonl")
    assert [e["record_id"] for e in first] == [e["record_id"] for e in again]


def test_sniff_recognises_gdrive_and_nothing_else():
    fmt = GoogleDriveFormat()
    assert not fmt.sniff(S3_LINE)
    assert fmt.sniff(json.dumps({"kind": "admin#reports#activities", "items": []}))
    for path in sorted(LOGS.glob("*/*")):
        if path.suffix in (".yaml", ".md", ".py"):
            continue
        assert fmt.sniff(read_head(path)) == (path.parent.name == "gdrive"), path
