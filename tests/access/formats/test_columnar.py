"""The columnar reader of combined/common logs gives exactly what the line parser gives.

An investigator must get the same events and the same quarantined lines whichever reader ran:
the block reader is only a faster route. The hostile lines below are the ones real servers
write: escapes, percent-encoding, common lines in a combined file, cut lines, CRLF, bare CR,
bytes that are not UTF-8, impossible dates.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pyarrow as pa
import pytest

from chainwatch.access.event import EVENT_SCHEMA
from chainwatch.access.formats.base import ParseReport
from chainwatch.access.formats.columnar import iter_line_blocks
from chainwatch.access.formats.detect import open_log
from chainwatch.access.formats.http_access import ApacheFormat, HttpAccessFormat, NginxFormat
from chainwatch.service import access
from chainwatch.settings import Settings
from chainwatch.storage.event_store import EventStore
from chainwatch.storage.session import open_session

UA = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"
GOOD = [
    f'203.0.113.7 - alice [10/Oct/2025:13:55:36 -0700] "GET /a/b.exr HTTP/1.1" 200 5 "-" "{UA}"',
    '203.0.113.8 - - [10/Oct/2025:13:55:37 +0900] "GET /a/ HTTP/1.1" 200 0 "-" "-"',
    '2001:db8::1 - bob [29/Feb/2024:23:59:59 +0000] "PUT /up/x.psd HTTP/2.0" 201 - "" ""',
    '198.51.100.1 - - [01/Jan/2026:00:00:00 +0530] "HEAD /h HTTP/1.0" 304 0 "-" "curl/8"',
    '198.51.100.2 - - [01/Jan/2026:00:00:00 -0000] "DELETE /d HTTP/1.1" 404 12 "-" "x"',
    '198.51.100.3 - - [31/Dec/1999:23:59:59 +1400] "GET /q?X-Amz-Signature=ab HTTP/1.1" 200 9 '
    '"https://ref.example/x?y" "aws-cli/2"',
    '198.51.100.4 - carol [10/Oct/2025:13:55:36 -0700] "PROPFIND /dav/ HTTP/1.1" 207 1 "-" "d"',
    '198.51.100.5 - - [10/Oct/2025:13:55:36 -0700] "POST /form HTTP/1.1" 200 77 "-" "ua"',
]
HOSTILE = [
    '198.51.100.9 - - [10/Oct/2025:13:55:36 -0700] "GET /sp%20ace/%EC%A3%BC.exr HTTP/1.1" 200 1 '
    '"-" "ua"',  # percent-decoded by both
    '198.51.100.9 - - [10/Oct/2025:13:55:36 -0700] "\\x16\\x03\\x01\\x02\\x00\\x01\\x00" 400 150 '
    '"-" "-"',  # TLS handshake sent to the HTTP port, escaped by nginx
    '198.51.100.9 - - [10/Oct/2025:13:55:36 -0700] "GET /x HTTP/1.1" 200 1 "-" "say \\x22hi\\x22"',
    '198.51.100.9 - - [10/Oct/2025:13:55:36 -0700] "GET /x HTTP/1.1" 200 1',  # a common line
    '198.51.100.9 - - [10/Oct/2025:13:55:36 -0700] "GET /x HTTP/1.1" 200 1 "-" "u" "1.2.3.4"',
    "198.51.100.9 - - [10/Oct/2025:13:55",  # cut short
    '198.51.100.9 - - [30/Feb/2025:13:55:36 -0700] "GET /x HTTP/1.1" 200 1 "-" "u"',
    '198.51.100.9 - - [10/Oct/2025:13:55:60 -0700] "GET /x HTTP/1.1" 200 1 "-" "u"',
    '198.51.100.9 - - [10/Okt/2025:13:55:36 -0700] "GET /x HTTP/1.1" 200 1 "-" "u"',
    '198.51.100.9 - - [10/Oct/2025:13:55:36 -0700] "GET /x HTTP/1.1" - 1 "-" "u"',
    '198.51.100.9 - - [10/Oct/2025:13:55:36 -0700] "GET /x HTTP/1.1" 200 12x "-" "u"',
    '198.51.100.9 - - [10/Oct/2025:13:55:36 -0700] "-" 400 0 "-" "-"',
    '198.51.100.9 - - [10/Oct/2025:13:55:36 -0700] "GET  /two-spaces HTTP/1.1" 200 1 "-" "u"',
    '198.51.100.9 - - [10/Oct/2025:13:55:36 -0700] "get /lower HTTP/1.1" 200 1 "-" "u"',
    '198.51.100.9 - - [10/Oct/2025:13:55:36 -0700] "GET /noproto" 200 1 "-" "u"',
    '198.51.100.9 - ident [10/Oct/2025:13:55:36 -0700] "GET /x HTTP/1.1" 200 1 "-" "u"',
    '198.51.100.9 - - [10/Oct/2025:13:55:36 -0700] "GET /x HTTP/1.1" 200 1 "-" "a"b"',
    '198.51.100.9 - - [10/Oct/2025:13:55:36 -0700] "GET /x HTTP/1.1" 200 1 "-" "é ü 주체"',
    "   ",
    "",
    "hello world",
]


def line_parser_table(fmt: HttpAccessFormat, path: Path) -> tuple[pa.Table, ParseReport]:
    report = ParseReport(file=str(path), format=fmt.name)
    stream, _ = open_log(path)
    with stream:
        rows = list(fmt.parse(stream, str(path), report))
    return pa.Table.from_pylist(rows, schema=EVENT_SCHEMA), report


def block_table(fmt: HttpAccessFormat, path: Path, block: int) -> tuple[pa.Table, ParseReport]:
    report = ParseReport(file=str(path), format=fmt.name)
    with open(path, "rb") as fh:
        batches = [
            fmt.parse_block(b, first, str(path), report) for first, b in iter_line_blocks(fh, block)
        ]
    return pa.Table.from_batches(batches, schema=EVENT_SCHEMA), report


def rejects(report: ParseReport) -> list[tuple[int | None, str, str]]:
    return sorted((r.line, r.reason, r.raw) for r in report.rejects)


@pytest.mark.parametrize("block", [64, 1 << 20])  # tiny blocks cut everywhere
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_block_reader_equals_line_parser(tmp_path, block, newline):
    lines = [*GOOD, *HOSTILE, *GOOD]
    path = tmp_path / "access.log"
    path.write_bytes((newline.join(lines) + newline).encode("utf-8"))
    fmt = NginxFormat()
    assert fmt.columnar
    expected, rep1 = line_parser_table(fmt, path)
    got, rep2 = block_table(fmt, path, block)
    assert got.equals(expected)
    assert rejects(rep2) == rejects(rep1) and len(rep1.rejects) >= 5
    assert rep2.events == rep1.events == expected.num_rows


def test_columns_hold_what_the_line_says(tmp_path):
    path = tmp_path / "a.log"
    path.write_text("\n".join(GOOD) + "\n", encoding="utf-8")
    table, report = block_table(NginxFormat(), path, 1 << 20)
    first = table.slice(0, 1).to_pylist()[0]
    assert first["ts"].isoformat() == "2025-10-10T20:55:36+00:00"
    assert (first["principal"], first["principal_type"], first["action"]) == (
        "alice",
        "username",
        "download",
    )
    assert (first["object"], first["bytes"], first["status"]) == ("/a/b.exr", 5, 200)
    actions = table.column("action").to_pylist()
    assert actions == ["download", "list", "upload", "read", "other", "download", "list", "upload"]
    assert table.column("object").to_pylist()[5] == "/q"  # the query string is not the object
    assert table.column("source_line").to_pylist() == list(range(1, 9))
    assert not report.rejects


def test_bad_bytes_bare_cr_and_bom_are_counted_not_fatal(tmp_path):
    path = tmp_path / "b.log"
    body = ("\n".join(GOOD) + "\n").encode()
    bad = GOOD[0].encode().replace(b"alice", b"al\xffce")
    path.write_bytes(b"\xef\xbb\xbf" + body + bad + b"\n" + GOOD[1].encode() + b"\rX\n")
    fmt = NginxFormat()
    expected, rep1 = line_parser_table(fmt, path)
    got, rep2 = block_table(fmt, path, 1 << 20)
    assert got.equals(expected)
    assert (
        got.num_rows == len(GOOD) + 2 and got.column("principal")[len(GOOD)].as_py() == "al\ufffdce"
    )
    assert rep2.replaced_bytes == 1


def test_apache_and_common_layouts_also_read_by_columns(tmp_path):
    path = tmp_path / "c.log"
    apache = GOOD[0].replace('"-" "Mozilla', '"-" "Moz\\"illa')  # Apache escapes quotes as \"
    path.write_text("\n".join([*GOOD, apache, *HOSTILE]) + "\n", encoding="utf-8")
    for fmt in (ApacheFormat(), HttpAccessFormat("common")):
        assert fmt.columnar
        expected, rep1 = line_parser_table(fmt, path)
        got, rep2 = block_table(fmt, path, 512)
        assert got.equals(expected) and rejects(rep2) == rejects(rep1)


def test_custom_layouts_use_the_line_parser_in_blocks(tmp_path):
    fmt = HttpAccessFormat('$remote_addr [$time_iso8601] "$request" $status $body_bytes_sent')
    assert not fmt.columnar
    path = tmp_path / "d.log"
    path.write_text(
        '203.0.113.7 [2025-10-10T13:55:36-07:00] "GET /a HTTP/1.1" 200 5\nnope\n', "utf-8"
    )
    expected, rep1 = line_parser_table(fmt, path)
    got, rep2 = block_table(fmt, path, 1 << 20)
    assert got.equals(expected) and got.num_rows == 1 and rejects(rep2) == rejects(rep1)


@pytest.fixture
def settings(db_settings, tmp_path) -> Settings:
    return Settings(home=tmp_path / "home", database_url=db_settings.database_url)


def test_block_ingest_in_a_pool_resumes_after_a_kill(settings, tmp_path, monkeypatch):
    path = tmp_path / "big.log.gz"
    lines = [*GOOD, *HOSTILE] * 40
    with gzip.open(path, "wt", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    monkeypatch.setattr(access, "BLOCK_BYTES", 2048)
    # The workers write each block's events; the parent then quarantines its rejects and
    # commits the ledger. Die in the parent there: later blocks' events are already on disk.
    real_write = EventStore.write_rejects
    calls = {"n": 0}

    def dying_write(self, ingest_id, chunk, rejects):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt("killed")
        return real_write(self, ingest_id, chunk, rejects)

    monkeypatch.setattr(EventStore, "write_rejects", dying_write)
    with pytest.raises(KeyboardInterrupt), open_session(settings) as s:
        access.ingest_file(s, settings, path, workers=2)
    monkeypatch.setattr(EventStore, "write_rejects", real_write)
    # killed: queries see exactly what the ledger counts, not the blocks written ahead of it
    from chainwatch.storage.models import LogIngestRow

    with open_session(settings) as s:
        counted = s.query(LogIngestRow).one().events
    visible = EventStore(settings.home).query("SELECT count(*) AS n FROM events", limit=None)
    assert visible.column("n")[0].as_py() == counted > 0
    with open_session(settings) as s:
        resumed = access.ingest_file(s, settings, path, workers=2)
    assert (resumed.status, resumed.format) == ("resumed", "nginx")
    stored = EventStore(settings.home).query(
        "SELECT record_id, source_line FROM events", limit=None
    )
    ids = stored.column("record_id").to_pylist()
    assert len(ids) == len(set(ids)) == resumed.events
    # the line parser over the whole file: the same events and the same quarantined lines
    fmt = NginxFormat()
    report = ParseReport(file=str(path), format="nginx")
    stream, _ = open_log(path)
    with stream:
        expected = list(fmt.parse(stream, str(path), report))
    assert sorted(ids) == sorted(e["record_id"] for e in expected)
    assert resumed.rejects == len(report.rejects)
    quarantined = sorted(
        r["line"] for r in EventStore(settings.home).read_rejects(resumed.ingest_id)
    )
    assert quarantined == sorted(r.line for r in report.rejects)


def test_iter_line_blocks_skips_and_keeps_the_last_line_without_newline():
    data = b"a\nb\nc\nd"
    got = list(iter_line_blocks(io.BytesIO(data), 3))
    assert b"".join(b for _, b in got) == data
    assert [first for first, _ in got][0] == 1
    skipped = list(iter_line_blocks(io.BytesIO(data), 3, skip_lines=2))
    assert b"".join(b for _, b in skipped) == b"c\nd" and skipped[0][0] == 3
