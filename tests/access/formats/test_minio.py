"""MinIO audit log: which key fetched which object from which address, bytes sent, shared
keys, presigned URLs, anonymous reads, rejects, the same events from every input shape."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from chainwatch.access.event import EVENT_SCHEMA
from chainwatch.access.formats.base import ParseReport, record_id
from chainwatch.access.formats.detect import open_log, read_head
from chainwatch.access.formats.minio import MinioFormat

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs"
MINIO = LOGS / "minio"
S3_LINE = (
    "8f2a0c1d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f studio-plates "
    "[10/Oct/2025:13:55:36 +0000] 203.0.113.7 arn:aws:iam::123456789012:user/vendor "
    '3E57427F3EXAMPLE REST.GET.OBJECT ep101/sh010.exr "GET /ep101/sh010.exr HTTP/1.1" 200 - '
    '52428800 52428800 70 10 "-" "aws-cli/2.15.0" - abc= SigV4 ECDHE-RSA-AES128-GCM-SHA256 '
    "AuthHeader studio-plates.s3.us-east-1.amazonaws.com TLSv1.2 - -\n"
)
CORE = ("ts", "src_ip", "forwarded_for", "principal", "action", "object", "bytes", "status")


def parse_file(path: Path):
    report = ParseReport(file=str(path), format="minio")
    stream, _ = open_log(path)
    with stream:
        return list(MinioFormat().parse(stream, path.name, report)), report


def core(events):
    return [tuple(e[k] for k in CORE) for e in events]


def test_documented_get_object():
    events, report = parse_file(MINIO / "samples.jsonl")
    ev = events[0]
    assert ev["ts"] == datetime(2024, 3, 5, 10, 11, 12, 123456, tzinfo=UTC)  # ns truncated
    assert (ev["principal"], ev["principal_type"]) == ("vendor-svc", "access_key")
    assert ev["src_ip"] == "203.0.113.80"
    assert ev["forwarded_for"] == "203.0.113.80, 10.0.0.2"
    assert (ev["action"], ev["raw_action"]) == ("download", "GetObject")
    assert ev["object"] == "renders/ep101/sh0010/comp_v012.exr"
    assert (ev["bytes"], ev["status"]) == (52428800, 200)  # tx: bytes sent to the client
    assert ev["user_agent"].startswith("MinIO (linux; amd64)")
    assert ev["record_id"] == record_id("samples.jsonl", 1)
    assert report.rejects == [] and report.events == len(events) == 6
    pa.RecordBatch.from_pylist(events, schema=EVENT_SCHEMA)


def test_presigned_url_key_and_bracketed_ipv6_host():
    events, _ = parse_file(MINIO / "samples.jsonl")
    ev = events[1]
    assert ev["principal"] == "studio-key"  # X-Amz-Credential of the presigned URL
    assert ev["src_ip"] == "2001:db8::5"  # "[2001:db8::5]:52110"


def test_multi_object_delete_is_one_event_per_object():
    events, _ = parse_file(MINIO / "samples.jsonl")
    a, b = events[2:4]
    assert [a["object"], b["object"]] == ["renders/ep101/a.exr", "renders/ep101/b.exr"]
    assert a["principal"] == "sts-temp-key"  # requestClaims.accessKey
    assert a["action"] == b["action"] == "delete"
    assert [a["record_id"], b["record_id"]] == [
        record_id("samples.jsonl\x1f3", 0),
        record_id("samples.jsonl\x1f3", 1),
    ]


def test_anonymous_read_and_refused_upload():
    events, _ = parse_file(MINIO / "samples.jsonl")
    anonymous, refused = events[4:]
    assert (anonymous["principal"], anonymous["principal_type"]) == (None, "anonymous")
    assert anonymous["src_ip"] == "175.45.178.9"
    assert refused["principal"] == "AKIAOLDSIGV2EXAMPLE"  # SigV2 Authorization header
    assert (refused["action"], refused["status"], refused["bytes"]) == ("upload", 403, 1048576)
    assert refused["src_ip"] == "10.0.0.5"  # port removed


def test_a_vendor_key_used_from_an_undeclared_subcontractors_network():
    events, _ = parse_file(MINIO / "audit.jsonl")
    hanbit_key = [e for e in events if e["principal"] == "AKIAHANBIT0EXAMPLE01"]
    networks = {e["src_ip"].rsplit(".", 1)[0] for e in hanbit_key if "." in e["src_ip"]}
    assert {"203.0.113", "113.224.65"} <= networks
    behind_proxy = [e for e in hanbit_key if e["forwarded_for"]]
    assert behind_proxy and all(
        e["forwarded_for"].startswith(e["src_ip"] + ",") for e in behind_proxy
    )
    # the oldest entries carry no accessKey field: the key comes from the Authorization header
    assert all(e["principal"] for e in events[:12] if e["principal_type"] != "anonymous")


def test_rejects_name_the_record_and_the_reason():
    events, report = parse_file(MINIO / "audit.jsonl")
    assert [(r.line, r.reason) for r in report.rejects[:4]] == [
        (12, "missing time: time"),
        (28, "bad ip: remotehost is '10.0.0.300'"),
        (44, "wrong type: api.tx is 'lots', expected an int64 integer"),
        (60, "bad time: time is '2026-06-04T10:00:00+25:00'"),
    ]
    assert report.rejects[4].line == 71 and report.rejects[4].reason.startswith("invalid json:")
    assert all(r.raw for r in report.rejects)
    assert report.events == len(events)
    assert all(e["ts"].tzinfo is UTC for e in events)


def test_same_events_from_json_lines_and_array():
    jsonl, r1 = parse_file(MINIO / "audit.jsonl")
    array, r2 = parse_file(MINIO / "audit_array.json")
    assert core(jsonl) == core(array)
    assert [r.reason for r in r1.rejects[:4]] == [r.reason for r in r2.rejects]
    ids = [e["record_id"] for e in array]
    assert len(set(ids)) == len(ids)


def test_sniff_recognises_minio_and_nothing_else():
    fmt = MinioFormat()
    assert not fmt.sniff(S3_LINE)
    for path in sorted(LOGS.glob("*/*")):
        if path.suffix in (".yaml", ".md", ".py"):
            continue
        assert fmt.sniff(read_head(path)) == (path.parent.name == "minio"), path
