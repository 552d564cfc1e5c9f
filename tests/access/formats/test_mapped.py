"""CSV / JSON lines through a YAML mapping: field paths, times, actions, mapping errors."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from chainwatch.access.event import EVENT_SCHEMA
from chainwatch.access.formats.base import ParseReport
from chainwatch.access.formats.detect import open_log
from chainwatch.access.formats.mapped import MappedFormat
from chainwatch.errors import InputError

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs" / "mapped"


def parse_file(fmt: MappedFormat, path: Path):
    report = ParseReport(file=str(path), format="mapped")
    stream, _ = open_log(path)
    with stream:
        return list(fmt.parse(stream, str(path), report)), report


def parse_text(fmt: MappedFormat, text: str):
    report = ParseReport(file="mem", format="mapped")
    return list(fmt.parse(io.StringIO(text), "mem", report)), report


def test_csv_export_with_local_times():
    fmt = MappedFormat(LOGS / "signiant.yaml")
    events, report = parse_file(fmt, LOGS / "signiant-export.csv")
    rejects = {r.line: r.reason for r in report.rejects}
    assert sorted(rejects) == [31, 61, 91]
    assert rejects[31].startswith("bad timestamp")
    assert rejects[61] == "truncated: 2 of 6 columns"
    assert rejects[91] == "bad number: bytes 'lots'"
    assert len(events) == report.events == 120
    first = events[0]
    assert first["source_line"] == 2  # line 1 is the header
    assert first["ts"] == datetime(2025, 10, 11, 23, 9, tzinfo=UTC)  # 08:09 Seoul time
    assert first["principal"] == "pm@hanbit-motion.example"
    assert first["principal_type"] == "email"  # inferred from the @
    assert (first["action"], first["raw_action"]) == ("share", "Share Link Created")
    assert {e["action"] for e in events} == {"download", "upload", "share"}
    assert any(e["object"].endswith(".exr, final") for e in events)  # quoted comma
    assert all(e["source_format"] == "mapped" for e in events)
    assert set(first) == set(EVENT_SCHEMA.names)
    assert pa.RecordBatch.from_pylist(events, schema=EVENT_SCHEMA).num_rows == 120


def test_jsonl_with_nested_paths_and_epoch_ms():
    fmt = MappedFormat(LOGS / "masv.yaml")
    events, report = parse_file(fmt, LOGS / "masv-activity.jsonl")
    assert [(r.line, r.reason.split(":")[0]) for r in report.rejects] == [
        (21, "bad timestamp"),
        (41, "bad JSON"),
        (61, "bad JSON"),
    ]
    assert len(events) == 100
    ev = events[0]
    assert ev["ts"] == datetime(2025, 10, 12, 8, 6, 14, tzinfo=UTC)
    assert ev["src_ip"].startswith(("192.0.2.", "203.0.113."))
    assert ev["object"].startswith("lanternfall/") and isinstance(ev["bytes"], int)
    assert {e["action"] for e in events} == {"download", "upload"}
    assert {e["principal_type"] for e in events} == {"email"}  # from defaults


def test_mapping_as_dict_defaults_and_unknown_actions():
    fmt = MappedFormat(
        {
            "format": "csv",
            "delimiter": ";",
            "header": False,
            "columns": ["when", "who", "what", "path"],
            "fields": {"ts": "when", "principal": "who", "action": "what", "object": "path"},
            "ts_format": "epoch_s",
            "defaults": {"src_ip": "192.0.2.99"},
        }
    )
    text = "1760101445;hanbit-ftp;DOWNLOAD;/a\n1760101446;x;frobnicate;/b\n"
    events, report = parse_text(fmt, text)
    assert not report.rejects
    assert [(e["action"], e["raw_action"]) for e in events] == [
        ("download", "DOWNLOAD"),
        ("other", "frobnicate"),
    ]
    assert events[0]["principal_type"] == "username"
    assert events[0]["src_ip"] == "192.0.2.99"
    assert events[0]["ts"] == datetime(2025, 10, 10, 13, 4, 5, tzinfo=UTC)


def test_iso_times_naive_and_offset():
    fmt = MappedFormat(
        {"format": "jsonl", "fields": {"ts": "t", "principal": "u.0"}, "timezone": "Asia/Seoul"}
    )
    text = '{"t": "2025-10-10T09:00:00", "u": ["a@b.example"]}\n{"t": "2025-10-10T09:00:00Z"}\n'
    events, _ = parse_text(fmt, text)
    assert [e["ts"].hour for e in events] == [0, 9]
    assert events[0]["principal"] == "a@b.example"
    assert events[1]["principal"] is None and events[1]["principal_type"] is None


@pytest.mark.parametrize(
    ("spec", "key"),
    [
        ({"format": "xml", "fields": {"ts": "t"}}, "format"),
        ({"format": "csv", "fields": {"ts": "t"}, "colour": 1}, "colour"),
        ({"format": "csv", "fields": {"src_ip": "ip"}}, "fields.ts"),
        ({"format": "csv", "fields": {"ts": "t", "country": "c"}}, "fields.country"),
        ({"format": "csv", "fields": {"ts": "t"}, "delimiter": "::"}, "delimiter"),
        ({"format": "csv", "fields": {"ts": "t"}, "ts_format": "dd/mm"}, "ts_format"),
        ({"format": "csv", "fields": {"ts": "t"}, "timezone": "Mars/Base"}, "timezone"),
        ({"format": "csv", "fields": {"ts": "t"}, "action_map": {"GET": "grab"}}, "action_map.GET"),
        ({"format": "csv", "fields": {"ts": "t"}, "defaults": {"ts": 1}}, "defaults.ts"),
        ({"format": "csv", "fields": {"ts": "t"}, "defaults": {"principal_type": "x"}}, "defaults"),
        ({"format": "csv"}, "fields"),
    ],
)
def test_mapping_errors_name_the_file_and_key(tmp_path, spec, key):
    import yaml

    path = tmp_path / "vendor.yaml"
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(InputError) as err:
        MappedFormat(path)
    assert str(path) in str(err.value) and key in str(err.value)


def test_unreadable_mappings(tmp_path):
    with pytest.raises(InputError, match="cannot read mapping"):
        MappedFormat(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: [csv\n")
    with pytest.raises(InputError, match="not valid YAML"):
        MappedFormat(bad)
    bad.write_text("- a list\n")
    with pytest.raises(InputError, match="bad.yaml"):
        MappedFormat(bad)


def test_header_without_mapped_column_is_a_mapping_error():
    fmt = MappedFormat(LOGS / "signiant.yaml")
    with pytest.raises(InputError, match="Client IP"):
        parse_text(fmt, "Transfer Date,User Email,Event,File Path,Bytes\n")


def test_sniff():
    csv_fmt = MappedFormat(LOGS / "signiant.yaml")
    assert csv_fmt.sniff((LOGS / "signiant-export.csv").read_text())
    assert not csv_fmt.sniff("a,b,c\n1,2,3\n")
    json_fmt = MappedFormat(LOGS / "masv.yaml")
    assert json_fmt.sniff((LOGS / "masv-activity.jsonl").read_text())
    assert not json_fmt.sniff('{"other": 1}\n')


def test_bad_csv_rows_are_rejects_and_header_skipped_with_columns():
    import csv

    fmt = MappedFormat(
        {
            "format": "csv",
            "header": True,
            "columns": ["t", "u"],
            "fields": {"ts": "t", "principal": "u"},
            "ts_format": "epoch_s",
        }
    )
    limit = csv.field_size_limit(50)
    try:
        events, report = parse_text(fmt, "time,user\n1,a\n2," + "x" * 100 + "\n3,c\n")
    finally:
        csv.field_size_limit(limit)
    assert [e["source_line"] for e in events] == [2, 4]
    assert [(r.line, r.reason.split(":")[0]) for r in report.rejects] == [(3, "bad CSV")]
    with pytest.raises(InputError, match="fields.principal"):
        MappedFormat({"format": "csv", "columns": ["t"], "fields": {"ts": "t", "principal": "u"}})
