"""nginx / Apache access logs: presets, custom log formats, rejects, UTC times."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from chainwatch.access.event import EVENT_SCHEMA
from chainwatch.access.formats.base import ParseReport, record_id
from chainwatch.access.formats.detect import open_log
from chainwatch.access.formats.http_access import (
    ApacheFormat,
    HttpAccessFormat,
    NginxFormat,
    compile_format,
    http_action,
    unescape,
)
from chainwatch.errors import InputError

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs"
XFF_FORMAT = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" "$http_x_forwarded_for"'
)


def parse_text(fmt, text: str, source: str = "mem.log"):
    report = ParseReport(file=source, format=fmt.name)
    return list(fmt.parse(io.StringIO(text), source, report)), report


def parse_file(fmt, path: Path):
    report = ParseReport(file=str(path), format=fmt.name)
    stream, _ = open_log(path)
    with stream:
        return list(fmt.parse(stream, str(path), report)), report


def test_reference_sample_line():
    line = (
        '203.0.113.7 - alice [10/Oct/2025:13:55:36 -0700] "GET '
        '/shows/ep101/plates/sh010_v003.exr HTTP/1.1" 200 52428800 "-" "curl/8.5.0"\n'
    )
    (ev,), report = parse_text(NginxFormat(), line)
    assert ev["ts"] == datetime(2025, 10, 10, 20, 55, 36, tzinfo=UTC)
    assert ev["src_ip"] == "203.0.113.7"
    assert (ev["principal"], ev["principal_type"]) == ("alice", "username")
    assert ev["object"] == "/shows/ep101/plates/sh010_v003.exr"
    assert (ev["action"], ev["raw_action"], ev["status"]) == ("download", "GET", 200)
    assert ev["bytes"] == 52428800
    assert ev["user_agent"] == "curl/8.5.0"
    assert ev["forwarded_for"] is None
    assert (ev["source_format"], ev["source_file"], ev["source_line"]) == ("nginx", "mem.log", 1)
    assert ev["record_id"] == record_id("mem.log", 1)
    assert set(ev) == set(EVENT_SCHEMA.names) - {"auth_type"}  # S3 only
    assert report.events == 1 and not report.rejects


def test_fixture_events_and_rejects():
    path = LOGS / "nginx" / "access.log"
    events, report = parse_file(NginxFormat(), path)
    rejects = {r.line: r.reason for r in report.rejects}
    assert sorted(rejects) == [31, 61, 91]
    assert rejects[31].startswith("unparsable")
    assert rejects[61].startswith("bad timestamp") and "Okt" in rejects[61]
    assert rejects[91].startswith("unparsable")
    assert all(r.file == str(path) and r.raw for r in report.rejects)
    lines = path.read_bytes().splitlines()
    assert len(events) + len(rejects) == len(lines) == 306
    assert report.events == len(events) == 303
    assert any("not valid UTF-8" in w for w in report.warnings)
    by_line = {e["source_line"]: e for e in events}
    assert by_line[304]["principal"] == "alice"
    assert by_line[304]["ts"] == datetime(2025, 10, 10, 20, 55, 36, tzinfo=UTC)
    common = by_line[305]  # a common-format line in a combined file
    assert (common["object"], common["action"], common["user_agent"]) == ("/shows/", "list", None)
    assert common["principal_type"] == "anonymous"
    tls = by_line[306]  # a TLS handshake on the HTTP port: an event, not a reject
    assert (tls["src_ip"], tls["status"], tls["action"], tls["object"]) == (
        "175.45.176.9",
        400,
        "other",
        None,
    )
    assert all(e["ts"].tzinfo is UTC for e in events)
    actions = {(e["raw_action"], e["status"]): e["action"] for e in events}
    assert actions[("PUT", 201)] == "upload"
    assert actions[("GET", 304)] == "read"
    assert actions[("GET", 206)] == "download"
    assert actions[("GET", 404)] == "other"
    assert pa.RecordBatch.from_pylist(events, schema=EVENT_SCHEMA).num_rows == 303


def test_custom_format_fills_forwarded_for():
    fmt = HttpAccessFormat(XFF_FORMAT)
    events, report = parse_file(fmt, LOGS / "nginx" / "access_xff.log")
    assert len(events) == 40 and not report.rejects
    proxied = [e for e in events if e["forwarded_for"]]
    assert [e["source_line"] for e in proxied] == [10, 20, 30, 40]
    assert proxied[0]["forwarded_for"] == "175.45.176.10, 10.0.0.2"
    assert proxied[0]["src_ip"] == "10.0.0.2"


def test_apache_preset_escapes_and_offsets():
    events, report = parse_file(ApacheFormat(), LOGS / "apache" / "access_log")
    assert len(events) == 201 and not report.rejects
    last = events[-1]
    assert last["user_agent"] == 'Mozilla/5.0 "Render"Farm\\Agent'
    assert (last["action"], last["bytes"], last["principal"]) == ("read", 0, "dasol")
    assert last["ts"] == datetime(2025, 10, 11, 0, 59, 59, tzinfo=UTC)  # +0900 → UTC
    assert {e["source_format"] for e in events} == {"apache"}


def test_apache_logformat_string_with_strftime_and_headers():
    fmt = HttpAccessFormat(
        r"%a %u %{%Y-%m-%dT%H:%M:%S%z}t \"%r\" %>s %O \"%{X-Forwarded-For}i\" %D", name="apache"
    )
    line = (
        '192.0.2.10 pm@hanbit-motion.example 2025-10-10T09:00:00+0900 "POST /upload/a.exr '
        'HTTP/2.0" 201 512 "175.45.176.9" 1234\n'
    )
    (ev,), _ = parse_text(fmt, line)
    assert ev["ts"] == datetime(2025, 10, 10, 0, 0, tzinfo=UTC)
    assert (ev["principal"], ev["forwarded_for"]) == ("pm@hanbit-motion.example", "175.45.176.9")
    assert (ev["action"], ev["bytes"], ev["object"]) == ("upload", 512, "/upload/a.exr")


@pytest.mark.parametrize(
    ("log_format", "time_text", "expected"),
    [
        ("$time_iso8601", "2025-10-10T13:55:36+09:00", datetime(2025, 10, 10, 4, 55, 36)),
        ("$msec", "1760104536.250", datetime(2025, 10, 10, 13, 55, 36, 250000)),
    ],
)
def test_other_nginx_time_variables(log_format, time_text, expected):
    fmt = HttpAccessFormat(f'$remote_addr {log_format} "$request" $status $bytes_sent')
    (ev,), _ = parse_text(fmt, f'192.0.2.1 {time_text} "GET /a HTTP/1.1" 200 10\n')
    assert ev["ts"] == expected.replace(tzinfo=UTC)
    assert ev["bytes"] == 10
    assert ev["principal_type"] is None  # the format logs no user at all


def test_method_and_uri_variables_and_upload_length():
    fmt = HttpAccessFormat("$remote_addr [$time_local] $request_method $request_uri $status "
                           "$body_bytes_sent $request_length")  # fmt: skip
    text = "192.0.2.1 [10/Oct/2025:13:55:36 +0000] PUT /in/a%20b.exr?part=1 201 0 7340032\n"
    (ev,), _ = parse_text(fmt, text)
    assert (ev["action"], ev["object"], ev["bytes"]) == ("upload", "/in/a b.exr", 7340032)


def test_nginx_hex_escapes_are_decoded():
    line = (
        '192.0.2.1 - - [10/Oct/2025:13:55:36 +0000] "GET /a HTTP/1.1" 200 1 "-" '
        '"Mozilla \\x22quoted\\x22 \\xEC\\xBB\\xB4"\n'
    )
    (ev,), _ = parse_text(NginxFormat(), line)
    assert ev["user_agent"] == 'Mozilla "quoted" 컴'
    assert unescape(r"a\\b\"c") == 'a\\b"c'


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (
            '192.0.2.1 - - [10/Oct/2025:13:55:36 +0000] "GET /a HTTP/1.1" 2x0 1 "-" "-"',
            "bad number",
        ),
        (
            '192.0.2.1 - - [10/Oct/2025:25:55:36 +0000] "GET /a HTTP/1.1" 200 1 "-" "-"',
            "bad timest",
        ),
        ('192.0.2.1 - - [10/Oct/2025:13:55:36 0000] "GET /a HTTP/1.1" 200 1 "-" "-"', "bad timest"),
        ("\x00\x01\x02", "unparsable"),
    ],
)
def test_bad_lines_are_rejected_not_raised(line, reason):
    good = '192.0.2.9 - - [10/Oct/2025:13:55:36 +0000] "GET /b HTTP/1.1" 200 1 "-" "-"'
    events, report = parse_text(NginxFormat(), f"{line}\n{good}\n")
    assert [e["source_line"] for e in events] == [2]
    assert [(r.line, r.reason[:10]) for r in report.rejects] == [(1, reason[:10])]


def test_crlf_and_stray_carriage_return_keep_line_numbers():
    good = '192.0.2.9 - - [10/Oct/2025:13:55:36 +0000] "GET /b HTTP/1.1" 200 1 "-" "-"'
    text = f"{good}\r\n{good[:20]}\rjunk\n{good}\n"
    events, report = parse_text(NginxFormat(), text)
    assert [e["source_line"] for e in events] == [1, 3]
    assert [r.line for r in report.rejects] == [2]


def test_format_errors_are_input_errors():
    with pytest.raises(InputError, match="no time variable"):
        compile_format("$remote_addr $status")
    with pytest.raises(InputError, match="touch"):
        compile_format("$remote_addr$remote_user [$time_local]")


def test_sniff():
    head = (LOGS / "nginx" / "access.log").read_text("utf-8", "replace")[:8000]
    assert NginxFormat().sniff(head)
    assert not NginxFormat().sniff("hello world\nthis is not a log\n")
    assert not NginxFormat().sniff("")


@pytest.mark.parametrize(
    ("method", "status", "path", "action"),
    [
        ("GET", 200, "/a.exr", "download"),
        ("GET", 206, "/a.exr", "download"),
        ("GET", 200, "/shots/", "list"),
        ("GET", 304, "/a.exr", "read"),
        ("GET", 403, "/a.exr", "other"),
        ("HEAD", 404, "/a.exr", "other"),
        ("HEAD", 304, "/a.exr", "read"),
        ("PUT", 403, "/a.exr", "other"),
        ("HEAD", 200, "/a.exr", "read"),
        ("PUT", 201, "/a.exr", "upload"),
        ("POST", 200, "/a.exr", "upload"),
        ("DELETE", 204, "/a.exr", "delete"),
        ("PROPFIND", 207, "/", "list"),
        ("OPTIONS", 200, "/", "other"),
    ],
)
def test_http_action(method, status, path, action):
    assert http_action(method, status, path) == action
