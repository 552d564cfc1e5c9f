"""Amazon S3 server access logs: AWS's documented records, generated files, JSON records."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from chainwatch.access.event import EVENT_SCHEMA
from chainwatch.access.formats.base import ParseReport, record_id
from chainwatch.access.formats.detect import open_log
from chainwatch.access.formats.s3 import AUTH_TYPE_FIELD, S3Format, principal_type, s3_action

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs" / "s3"
OWNER = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
BASE = (
    f"{OWNER} studio-plates [10/Oct/2025:22:14:05 +0900] 175.45.176.9 "
    "arn:aws:iam::123456789012:user/hanbit-pipeline 3E57427F3EXAMPLE REST.GET.OBJECT "
    'a/sh040%20plate.exr "GET /studio-plates/a/sh040%20plate.exr HTTP/1.1" 200 - 52428800 '
    '52428800 4012 12 "-" "{ua}"'
)
TAIL = (
    " - hostid= SigV4 ECDHE-RSA-AES128-GCM-SHA256 QueryString "
    "studio-plates.s3.us-west-1.amazonaws.com TLSv1.2 - - us-west-1"
)


def parse_text(text: str, source: str = "mem.log"):
    report = ParseReport(file=source, format="s3")
    return list(S3Format().parse(io.StringIO(text), source, report)), report


def parse_file(path: Path):
    report = ParseReport(file=str(path), format="s3")
    stream, _ = open_log(path)
    with stream:
        return list(S3Format().parse(stream, str(path), report)), report


def test_aws_documented_records():
    events, report = parse_file(LOGS / "aws_docs.log")
    assert not report.rejects and len(events) == 3
    versioning, _, put = events
    assert versioning["ts"] == datetime(2019, 2, 6, 0, 0, 38, tzinfo=UTC)
    assert versioning["src_ip"] == "192.0.2.3"
    assert (versioning["principal"], versioning["principal_type"]) == (OWNER, "canonical_id")
    assert (versioning["raw_action"], versioning["action"]) == ("REST.GET.VERSIONING", "read")
    assert (versioning["object"], versioning["bytes"], versioning["status"]) == (
        "amzn-s3-demo-bucket1",
        113,
        200,
    )
    assert versioning["user_agent"] == "S3Console/0.4"
    assert (put["action"], put["object"], put["bytes"]) == (
        "upload",
        "awsexamplebucket1/s3-dg.pdf",
        4406583,  # uploads count the object size: S3 logs no request length
    )
    assert set(versioning) == set(EVENT_SCHEMA.names) | (
        {"auth_type"} if AUTH_TYPE_FIELD else set()
    )


def test_generated_file_rejects_and_story_line():
    path = LOGS / "studio-plates-2025-10-10.log"
    events, report = parse_file(path)
    rejects = {r.line: r.reason for r in report.rejects}
    assert sorted(rejects) == [41, 81, 121]
    assert rejects[41].startswith("unparsable")
    assert rejects[81].startswith("bad timestamp") and "32/Oct" in rejects[81]
    assert rejects[121].startswith("unparsable")
    assert 161 not in {e["source_line"] for e in events}  # the blank line: no event, no reject
    assert len(events) == report.events == 301
    assert any("not valid UTF-8" in w for w in report.warnings)
    story = events[-1]
    assert story["source_line"] == 305
    assert story["record_id"] == record_id(str(path), 305)
    assert story["ts"] == datetime(2025, 10, 10, 13, 14, 5, tzinfo=UTC)  # +0900 → UTC
    assert story["src_ip"] == "175.45.176.9"
    assert story["principal"] == "arn:aws:iam::123456789012:user/hanbit-pipeline"
    assert story["principal_type"] == "arn"
    assert story["object"] == "studio-plates/lanternfall/ep101/sh040/plates/sh040 plate_v003.exr"
    assert (story["action"], story["bytes"]) == ("download", 52428800)
    assert any("컴프" in e["object"] for e in events)  # URL-encoded UTF-8 keys are decoded
    anonymous = [e for e in events if e["principal_type"] == "anonymous"]
    assert anonymous and all(e["principal"] is None for e in anonymous)
    listing = [e for e in events if e["raw_action"] == "REST.GET.BUCKET"]
    assert listing and all(
        e["action"] == "list" and e["object"] == "studio-plates" for e in listing
    )
    assert pa.RecordBatch.from_pylist(events, schema=EVENT_SCHEMA).num_rows == 301


def test_trailing_fields_and_short_legacy_records():
    extra = BASE.format(ua="aws-cli/2") + TAIL + " new-field-28 new-field-29"
    legacy = BASE.format(ua="aws-cli/2") + " -"  # 18 fields (2016 layout)
    oldest = BASE.format(ua="aws-cli/2")  # 17 fields
    events, report = parse_text(f"{extra}\n{legacy}\n{oldest}\n")
    assert not report.rejects
    assert [e["object"] for e in events] == ["studio-plates/a/sh040 plate.exr"] * 3


def test_user_agent_quotes_escaped_or_raw():
    escaped = BASE.format(ua=r"Render \"Farm\" 1") + TAIL
    raw = BASE.format(ua='Render "Farm" 2') + TAIL
    events, report = parse_text(f"{escaped}\n{raw}\n")
    assert not report.rejects
    assert [e["user_agent"] for e in events] == ['Render "Farm" 1', 'Render "Farm" 2']


def test_unquoted_dash_fields_and_anonymous_requester():
    line = (
        f"{OWNER} b [06/Feb/2019:00:00:38 +0000] - - X REST.HEAD.OBJECT k - 403 AccessDenied "
        "- - 7 - - -"
    )
    (ev,), report = parse_text(line + "\n")
    assert not report.rejects
    assert (ev["src_ip"], ev["principal"], ev["principal_type"]) == (None, None, "anonymous")
    assert (ev["raw_action"], ev["status"], ev["bytes"], ev["user_agent"]) == (
        "REST.HEAD.OBJECT",
        403,
        0,
        None,
    )
    assert ev["action"] == "other"  # refused: visible, but not counted as a read


@pytest.mark.parametrize(
    "bad",
    [
        BASE.format(ua="x").replace("200 - 52428800", "2O0 - 52428800"),
        BASE.format(ua="x").replace("[10/Oct/2025:22:14:05 +0900]", "[10/Oct/2025:22:14 +0900]"),
        BASE.format(ua="x")[:150],
    ],
)
def test_bad_records_are_rejected(bad):
    events, report = parse_text(f"{bad}\n{BASE.format(ua='ok')}\n")
    assert [e["source_line"] for e in events] == [2]
    assert [r.line for r in report.rejects] == [1]


def test_cloudwatch_json_records():
    rec = {
        "schema_version_id": "V_1_0",
        "bucket_name": "studio-plates",
        "request_time": "2025-10-10T13:14:05.123Z",
        "remote_ip": "175.45.176.9",
        "requester": "arn:aws:iam::123456789012:user/hanbit-pipeline",
        "operation": "REST.GET.OBJECT",
        "key": "a/sh040%20plate.exr",
        "http_status": 200,
        "bytes_sent": 1024,
        "object_size": 1024,
        "user_agent": "curl/8.5.0",
        "authentication_type": "QueryString",
    }
    wrapped = {"timestamp": 1, "message": json.dumps(rec)}
    text = f"{json.dumps(rec)}\n{json.dumps(wrapped)}\n{{not json\n"
    events, report = parse_text(text)
    assert [r.line for r in report.rejects] == [3]
    for ev in events:
        assert ev["ts"] == datetime(2025, 10, 10, 13, 14, 5, 123000, tzinfo=UTC)
        assert (ev["principal_type"], ev["action"], ev["bytes"]) == ("arn", "download", 1024)
        assert ev["object"] == "studio-plates/a/sh040 plate.exr"
    assert S3Format().sniff(json.dumps(rec) + "\n")


def test_sniff():
    assert S3Format().sniff((LOGS / "aws_docs.log").read_text())
    assert not S3Format().sniff("just some words\nand more words\n")
    assert not S3Format().sniff('{"event": "x"}\n')


@pytest.mark.parametrize(
    ("operation", "action"),
    [
        ("REST.GET.OBJECT", "download"),
        ("WEBSITE.GET.OBJECT", "download"),
        ("REST.COPY.OBJECT_GET", "download"),
        ("REST.HEAD.OBJECT", "read"),
        ("REST.PUT.OBJECT", "upload"),
        ("REST.POST.OBJECT", "upload"),
        ("REST.COPY.OBJECT", "upload"),
        ("REST.PUT.PART", "upload"),
        ("REST.POST.UPLOADS", "upload"),
        ("REST.DELETE.OBJECT", "delete"),
        ("BATCH.DELETE.OBJECT", "delete"),
        ("REST.POST.MULTI_OBJECT_DELETE", "delete"),
        ("REST.GET.BUCKET", "list"),
        ("REST.GET.BUCKETVERSIONS", "list"),
        ("REST.PUT.ACL", "share"),
        ("REST.PUT.BUCKETPOLICY", "share"),
        ("REST.GET.VERSIONING", "read"),
        ("REST.OPTIONS.PREFLIGHT", "other"),
        ("garbage", "other"),
    ],
)
def test_s3_action(operation, action):
    assert s3_action(operation) == action


@pytest.mark.parametrize(
    ("status", "action"), [("200", "download"), ("206", "download"), ("304", "read"),
                           ("403", "other"), ("503", "other")]
)  # fmt: skip
def test_status_decides_whether_a_download_happened(status, action):
    (ev,), _ = parse_text(BASE.format(ua="x").replace('HTTP/1.1" 200', f'HTTP/1.1" {status}'))
    assert ev["action"] == action


def test_principal_type():
    assert principal_type("arn:aws:sts::1:assumed-role/R/s") == "arn"
    assert principal_type(OWNER) == "canonical_id"
    assert principal_type(None) == "anonymous"
