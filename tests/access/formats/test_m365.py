"""Microsoft 365 unified audit log: who pulled which SharePoint/OneDrive file from where,
anonymous link use, IP forms, rejects, and the same events from every export shape."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from chainwatch.access.event import EVENT_SCHEMA
from chainwatch.access.formats import json_records
from chainwatch.access.formats.base import ParseReport, record_id
from chainwatch.access.formats.detect import open_log, read_head
from chainwatch.access.formats.m365 import M365Format

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs"
M365 = LOGS / "m365"
S3_LINE = (
    "8f2a0c1d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f studio-plates "
    "[10/Oct/2025:13:55:36 +0000] 203.0.113.7 arn:aws:iam::123456789012:user/vendor "
    '3E57427F3EXAMPLE REST.GET.OBJECT ep101/sh010.exr "GET /ep101/sh010.exr HTTP/1.1" 200 - '
    '52428800 52428800 70 10 "-" "aws-cli/2.15.0" - abc= SigV4 ECDHE-RSA-AES128-GCM-SHA256 '
    "AuthHeader studio-plates.s3.us-east-1.amazonaws.com TLSv1.2 - -\n"
)
CORE = ("ts", "src_ip", "principal", "principal_type", "action", "raw_action", "object")


def parse_file(path: Path):
    report = ParseReport(file=str(path), format="m365")
    stream, _ = open_log(path)
    with stream:
        return list(M365Format().parse(stream, path.name, report)), report


def parse_text(text: str):
    report = ParseReport(file="mem.json", format="m365")
    return list(M365Format().parse(io.StringIO(text), "mem.json", report)), report


def core(events):
    return [tuple(e[k] for k in CORE) for e in events]


def test_documented_file_download():
    events, report = parse_file(M365 / "samples.jsonl")
    ev = events[0]
    assert ev["ts"] == datetime(2026, 6, 6, 14, 32, 8, tzinfo=UTC)  # CreationTime has no Z: UTC
    assert ev["principal"] == "vendor.artist@example.com"
    assert ev["principal_type"] == "email"
    assert ev["src_ip"] == "203.0.113.42"
    assert ev["action"] == "download"
    assert ev["raw_action"] == "FileDownloaded"
    assert ev["object"].endswith("/Documents/Show/ep101_comp_v012.mov")
    assert ev["user_agent"].startswith("Mozilla/5.0")
    assert (ev["source_format"], ev["source_file"], ev["source_line"]) == (
        "m365",
        "samples.jsonl",
        1,
    )
    assert ev["record_id"] == record_id("samples.jsonl", 1)
    assert report.rejects == [] and report.events == len(events) == 5
    pa.RecordBatch.from_pylist(events, schema=EVENT_SCHEMA)  # types fit the schema


def test_anonymous_link_use_is_a_share_by_an_anonymous_principal():
    events, _ = parse_file(M365 / "samples.jsonl")
    ev = events[1]
    assert ev["raw_action"] == "AnonymousLinkUsed"
    assert ev["action"] == "share"
    assert ev["principal_type"] == "anonymous"
    assert ev["principal"] == "urn:spo:anon#4f9d3b1c2a7e"  # the link's id: correlates its uses
    assert ev["src_ip"] == "2001:db8::abcd"  # "[2001:db8::abcd]:12345"


@pytest.mark.parametrize(
    ("logged", "normalized"),
    [
        ("203.0.113.42", "203.0.113.42"),
        ("10.11.12.13:12345", "10.11.12.13"),
        ("[10.11.12.13]:12345", "10.11.12.13"),
        ("[10.11.12.13]", "10.11.12.13"),
        ("::ffff:10.11.12.13", "10.11.12.13"),
        ("[::ffff:10.11.12.13]:12345", "10.11.12.13"),
        ("[2001:db8::abcd]:12345", "2001:db8::abcd"),
        ("2001:DB8::ABCD", "2001:db8::abcd"),
        ("", None),
    ],
)
def test_client_ip_forms_are_normalized(logged, normalized):
    record = {
        "CreationTime": "2026-06-06T14:32:08",
        "Operation": "FileAccessed",
        "ClientIP": logged,
    }
    (ev,), report = parse_text(json.dumps(record) + "\n")
    assert ev["src_ip"] == normalized and report.rejects == []


@pytest.mark.parametrize("logged", ["localhost", "cool.client.local:12345", "999.12.4.1"])
def test_a_client_ip_that_is_no_address_is_rejected(logged):
    record = {
        "CreationTime": "2026-06-06T14:32:08",
        "Operation": "FileAccessed",
        "ClientIP": logged,
    }
    events, report = parse_text(json.dumps(record) + "\n")
    assert events == []
    assert [(r.line, r.reason) for r in report.rejects] == [(1, f"bad ip: ClientIP is {logged!r}")]


def test_entra_sign_in_and_the_other_record_forms():
    events, _ = parse_file(M365 / "samples.jsonl")
    login, accessed, service = events[2:]
    assert (login["action"], login["src_ip"]) == ("login", "10.11.12.13")
    assert login["user_agent"] == "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edg/125.0"
    # Purview writes RecordType/UserType as names; no ObjectId: the URL is rebuilt
    assert accessed["src_ip"] == "203.0.113.9"  # IPv4-mapped IPv6
    assert accessed["object"] == (
        "https://contoso.sharepoint.com/sites/Show/Shared Documents/ep101/ep101_layout_v003.psd"
    )
    assert (service["principal_type"], service["src_ip"]) == ("app", None)


def test_rejects_name_the_record_and_the_reason_and_parsing_goes_on():
    events, report = parse_file(M365 / "audit.jsonl")
    got = [(r.line, r.reason.split(":")[0]) for r in report.rejects]
    assert got == [
        (12, "missing time"),
        (28, "bad ip"),
        (44, "wrong type"),
        (60, "bad time"),
        (71, "invalid json"),
    ]
    assert report.rejects[1].reason == "bad ip: ClientIP is '999.12.4.1'"
    assert report.rejects[2].reason == "wrong type: UserId is a JSON array, expected text"
    lines = (M365 / "audit.jsonl").read_text("utf-8").splitlines()
    assert all(r.raw and r.raw == lines[r.line - 1][: len(r.raw)] for r in report.rejects)
    assert len(events) == report.events == len(lines) - 5
    assert all(e["ts"].tzinfo is UTC for e in events)


def test_same_events_from_json_lines_content_blob_and_graph_page():
    jsonl, r1 = parse_file(M365 / "audit.jsonl")
    blob, r2 = parse_file(M365 / "content_blob.json")
    graph, r3 = parse_file(M365 / "graph_records.json")
    assert core(jsonl) == core(blob) == core(graph)
    reasons = [r.reason for r in r1.rejects if not r.reason.startswith("invalid json")]
    assert reasons == [r.reason for r in r2.rejects] == [r.reason for r in r3.rejects]
    # a document's source_line is its record index, rising with the records
    assert [e["source_line"] for e in blob][:3] == [1, 2, 3]
    assert [r.line for r in r2.rejects] == [12, 28, 44, 60]


def test_purview_csv_export():
    csv_events, report = parse_file(M365 / "purview_export.csv")
    jsonl, _ = parse_file(M365 / "audit.jsonl")
    # physical lines: header is line 1; the record without CreationTime in AuditData is kept
    # with the export's ISO CreationDate; a truncated AuditData cell is rejected
    assert [(r.line, r.reason.split(":")[0]) for r in report.rejects] == [
        (29, "bad ip"),
        (45, "wrong type"),
        (61, "bad time"),
        (82, "invalid json"),
    ]
    recovered = next(e for e in csv_events if e["source_line"] == 13)
    assert recovered["ts"] == next(e["ts"] for e in csv_events if e["source_line"] == 12)
    by_line = {e["source_line"]: e for e in csv_events}
    assert core([by_line[2], by_line[3]]) == core(jsonl[:2])
    assert len(csv_events) == len(jsonl)  # one recovered, one truncated


def test_powershell_export_csv_with_type_line():
    audit = {
        "CreationTime": "2026-06-06T14:32:08",
        "Operation": "FileDownloaded",
        "UserId": "pm@hanbit-motion.example",
        "ClientIP": "203.0.113.20",
        "ObjectId": "https://x.sharepoint.com/s/a.psd",
    }
    text = (
        "#TYPE Deserialized.Microsoft.Exchange.Management.SystemConfigurationTasks.AuditRecord\n"
        '"RecordType","CreationDate","UserIds","Operations","AuditData"\n'
        f'"SharePointFileOperation","2026-06-06T14:32:08","pm@hanbit-motion.example",'
        f'"FileDownloaded","{json.dumps(audit).replace(chr(34), chr(34) * 2)}"\n'
    )
    (ev,), report = parse_text(text)
    assert ev["source_line"] == 3 and report.rejects == []
    assert (ev["principal"], ev["src_ip"], ev["action"]) == (
        "pm@hanbit-motion.example",
        "203.0.113.20",
        "download",
    )


def test_the_planted_anonymous_downloads_from_dprk_space():
    events, _ = parse_file(M365 / "audit.jsonl")
    dprk = [e for e in events if e["src_ip"] in ("175.45.178.34", "175.45.178.35")]
    assert {e["raw_action"] for e in dprk} == {"AnonymousLinkUsed", "FileDownloaded"}
    assert {e["principal_type"] for e in dprk} == {"anonymous"}
    assert all(e["object"].endswith("LF-S1/ep105/sh0420/key_v003.png") for e in dprk)
    assert min(e["ts"] for e in dprk) == datetime(2026, 6, 19, 0, 11, 44, tzinfo=UTC)


def test_record_ids_are_unique_and_stable():
    first, _ = parse_file(M365 / "content_blob.json")
    again, _ = parse_file(M365 / "content_blob.json")
    ids = [e["record_id"] for e in first]
    assert ids == [e["record_id"] for e in again]
    assert len(set(ids)) == len(ids)


def test_broken_first_line_non_object_lines_and_oversized_documents_are_rejected(monkeypatch):
    good = '{"CreationTime":"2026-06-06T14:32:08","Operation":"X"}'
    events, report = parse_text(f'{{"CreationTime": "2026-06\n{good}\n42\n\n{good}')
    assert [e["source_line"] for e in events] == [2, 5]  # physical lines, blank line counted
    assert events[0]["action"] == "other"
    assert [(r.line, r.reason.split(":")[0]) for r in report.rejects] == [
        (1, "invalid json"),
        (3, "not an object"),
    ]
    assert report.rejects[1].reason == "not an object: record is 42"
    monkeypatch.setattr(json_records, "MAX_DOCUMENT_CHARS", 1000)
    events, report = parse_file(M365 / "content_blob.json")
    assert events == []
    assert [(r.line, r.reason.split(":")[0]) for r in report.rejects] == [(1, "too large")]


def test_sniff_recognises_m365_and_nothing_else():
    fmt = M365Format()
    assert not fmt.sniff(S3_LINE)
    for path in sorted(LOGS.glob("*/*")):
        if path.suffix in (".yaml", ".md", ".py"):
            continue
        assert fmt.sniff(read_head(path)) == (path.parent.name == "m365"), path
