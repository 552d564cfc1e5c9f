"""CloudFront standard logs: header-driven columns, legacy and v2 layouts, rejects."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from chainwatch.access.event import EVENT_SCHEMA
from chainwatch.access.formats.base import ParseReport
from chainwatch.access.formats.cloudfront import LEGACY_FIELDS, CloudFrontFormat
from chainwatch.access.formats.detect import open_log

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs" / "cloudfront"


def parse_text(text: str, source: str = "mem.log"):
    report = ParseReport(file=source, format="cloudfront")
    return list(CloudFrontFormat().parse(io.StringIO(text), source, report)), report


def parse_file(path: Path):
    report = ParseReport(file=str(path), format="cloudfront")
    stream, _ = open_log(path)
    with stream:
        return list(CloudFrontFormat().parse(stream, str(path), report)), report


def test_aws_documented_record():
    (ev,), report = parse_file(LOGS / "aws_docs.log")
    assert not report.rejects and not report.warnings
    assert ev["ts"] == datetime(2019, 12, 4, 21, 2, 31, tzinfo=UTC)
    assert (ev["src_ip"], ev["forwarded_for"]) == ("192.0.2.100", None)
    assert (ev["object"], ev["status"], ev["bytes"]) == ("/index.html", 200, 392)
    assert (ev["action"], ev["raw_action"]) == ("download", "GET")
    assert ev["user_agent"].startswith("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit")
    assert (ev["principal"], ev["principal_type"]) == (None, "anonymous")
    assert ev["source_line"] == 3  # two header lines first
    assert set(ev) == set(EVENT_SCHEMA.names) - {"auth_type"}  # S3 only


def test_generated_file():
    path = LOGS / "E2EXAMPLE.2025-10-10-13.a1b2c3.log"
    events, report = parse_file(path)
    rejects = {r.line: r.reason for r in report.rejects}
    assert sorted(rejects) == [51, 91, 131]
    assert rejects[51] == "truncated: 12 of 33 fields"
    assert rejects[91].startswith("bad timestamp")
    assert rejects[131].startswith("unparsable")
    assert len(events) == report.events == 300
    assert len(events) + len(rejects) + 2 == len(path.read_bytes().splitlines())
    proxied = [e for e in events if e["forwarded_for"]]
    assert proxied and all(e["forwarded_for"].startswith("198.51.100.") for e in proxied)
    assert {e["action"] for e in events if e["status"] == 403} == {"other"}
    heads = {e["action"] for e in events if e["raw_action"] == "HEAD" and e["status"] == 200}
    assert heads == {"read"}
    assert all(" " not in e["object"] or "%" not in e["object"] for e in events)
    assert pa.RecordBatch.from_pylist(events, schema=EVENT_SCHEMA).num_rows == 300


def test_v2_subset_reordered_header():
    events, report = parse_file(LOGS / "v2-subset.log")
    assert not report.rejects
    viewer, upload = events
    assert (viewer["src_ip"], viewer["forwarded_for"]) == ("203.0.113.40", "175.45.176.9")
    assert viewer["ts"] == datetime(2025, 10, 10, 23, 59, 58, tzinfo=UTC)
    assert viewer["object"] == "/lanternfall/ep101/sh040/plates/sh040 plate_v003.exr"
    assert (viewer["status"], viewer["action"], viewer["bytes"]) == (206, "download", 1048576)
    assert (upload["action"], upload["user_agent"]) == ("upload", None)


def test_headerless_file_uses_legacy_fields_with_warning():
    row = (LOGS / "aws_docs.log").read_text().splitlines()[2]
    events, report = parse_text(row + "\n")
    assert len(events) == 1 and events[0]["src_ip"] == "192.0.2.100"
    assert any("legacy 33 fields" in w for w in report.warnings)
    assert len(LEGACY_FIELDS) == 33


def test_new_header_mid_file_switches_layout():
    text = (
        "#Fields: date time c-ip cs-method cs-uri-stem sc-status\n"
        "2025-10-10\t01:00:00\t192.0.2.1\tGET\t/a\t200\n"
        "#Fields: c-ip date time cs-uri-stem cs-method sc-status sc-bytes\n"
        "192.0.2.2\t2025-10-10\t02:00:00\t/b\tDELETE\t204\t0\n"
    )
    events, report = parse_text(text)
    assert not report.rejects
    assert [(e["src_ip"], e["object"], e["action"]) for e in events] == [
        ("192.0.2.1", "/a", "download"),
        ("192.0.2.2", "/b", "delete"),
    ]


def test_json_lines_v2():
    rec = {
        "timestamp": "1760101445",
        "c-ip": "203.0.113.7",
        "cs-method": "GET",
        "cs-uri-stem": "/a%20b.exr",
        "sc-status": "200",
        "sc-bytes": "42",
        "x-edge-location": "ICN54-C1",
    }
    events, report = parse_text(json.dumps(rec) + "\n[1]\n{bad\n")
    assert [r.line for r in report.rejects] == [2, 3]
    (ev,) = events
    assert ev["ts"] == datetime(2025, 10, 10, 13, 4, 5, tzinfo=UTC)
    assert (ev["object"], ev["bytes"], ev["action"]) == ("/a b.exr", 42, "download")


def test_header_without_time_is_rejected():
    events, report = parse_text("#Fields: c-ip cs-uri-stem\n192.0.2.1\t/a\n")
    assert not events
    assert report.rejects[0].reason.startswith("bad header")


def test_sniff():
    fmt = CloudFrontFormat()
    assert fmt.sniff((LOGS / "aws_docs.log").read_text())
    assert fmt.sniff((LOGS / "v2-subset.log").read_text())
    assert not fmt.sniff("#Version: 1.0\n#Fields: date time s-ip cs-method\n")
    assert not fmt.sniff("lorem ipsum\n")
