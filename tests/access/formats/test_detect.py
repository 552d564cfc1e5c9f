"""Opening compressed logs, decoding, format auto-detection and the format registry."""

from __future__ import annotations

import bz2
import gzip
import lzma
import random
from pathlib import Path

import pytest
import zstandard

from chainwatch.access.formats import registry
from chainwatch.access.formats.base import ParseReport
from chainwatch.access.formats.detect import (
    detect_format,
    note_decoding,
    open_log,
    read_head,
    replaced_bytes,
    sniff_compression,
)
from chainwatch.access.formats.registry import FORMATS, get_format, known_formats
from chainwatch.errors import InputError

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs"
MINE = ("s3", "cloudfront", "nginx", "apache", "aspera")
COMPRESSORS = {
    "gzip": gzip.compress,
    "zstd": lambda data: zstandard.ZstdCompressor().compress(data),
    "bz2": bz2.compress,
    "xz": lzma.compress,
}
FIXTURES = [
    ("s3/aws_docs.log", "s3"),
    ("s3/studio-plates-2025-10-10.log", "s3"),
    ("cloudfront/aws_docs.log", "cloudfront"),
    ("cloudfront/E2EXAMPLE.2025-10-10-13.a1b2c3.log", "cloudfront"),
    ("cloudfront/v2-subset.log", "cloudfront"),
    ("nginx/access.log", "nginx"),
    ("nginx/access_xff.log", "nginx"),  # combined + one field: still nginx
    ("apache/access_log", "nginx"),  # Apache combined is the same layout
    ("aspera/aspera.log", "aspera"),
    ("aspera/reference_samples.log", "aspera"),
]


def events_of(path: Path, fmt_name: str, source: str) -> tuple[list[dict], ParseReport, str]:
    fmt = get_format(fmt_name)
    report = ParseReport(file=source, format=fmt_name)
    stream, compression = open_log(path)
    with stream:
        return list(fmt.parse(stream, source, report)), report, compression


@pytest.mark.parametrize("compression", sorted(COMPRESSORS))
@pytest.mark.parametrize(
    ("fixture", "fmt"),
    [("nginx/access.log", "nginx"), ("s3/studio-plates-2025-10-10.log", "s3")],
)
def test_compressed_copies_give_identical_events(tmp_path, fixture, fmt, compression):
    plain = LOGS / fixture
    packed = tmp_path / "rotated.1"  # no telling suffix: the magic bytes decide
    packed.write_bytes(COMPRESSORS[compression](plain.read_bytes()))
    expected, expected_report, none = events_of(plain, fmt, "the-log")
    got, report, found = events_of(packed, fmt, "the-log")
    assert (none, found) == (None, compression)
    assert got == expected
    assert report.rejects == expected_report.rejects
    assert report.warnings == expected_report.warnings


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_concatenated_members_or_frames(tmp_path, compression):
    data = (LOGS / "nginx" / "access_xff.log").read_bytes()
    pack = COMPRESSORS[compression]
    path = tmp_path / "access.log.1"
    path.write_bytes(pack(data[:2000]) + pack(data[2000:]))
    stream, found = open_log(path)
    with stream:
        assert stream.read().encode() == data
    assert found == compression
    report = ParseReport(file="x")
    note_decoding(stream, report)
    assert report.warnings == []


@pytest.mark.parametrize("compression", ["gzip", "zstd", "xz"])
def test_compressed_file_cut_short_keeps_what_came_before(tmp_path, compression):
    rng = random.Random(3)
    data = "".join(
        f'192.0.2.{rng.randint(1, 254)} - - [10/Oct/2025:13:55:{i % 60:02d} +0000] "GET '
        f'/f/{rng.getrandbits(64):x}.exr HTTP/1.1" 200 {rng.getrandbits(30)} "-" "curl/8"\n'
        for i in range(20_000)
    ).encode()
    packed = COMPRESSORS[compression](data)
    path = tmp_path / "cut.log"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    events, report, _ = events_of(path, "nginx", "cut")  # no exception
    assert 0 < len(events) < 20_000
    assert [e["source_line"] for e in events] == list(range(1, len(events) + 1))
    assert len(report.rejects) <= 1  # at most the line cut in half
    assert any("cut short" in w for w in report.warnings)


def test_bad_bytes_are_replaced_and_counted(tmp_path):
    path = tmp_path / "x.log"
    path.write_bytes(b"ok line\n\xff\xfe bad \xc3\x28\nmore\n")
    stream, _ = open_log(path)
    with stream:
        lines = stream.readlines()
    assert len(lines) == 3 and "\ufffd" in lines[1]
    assert replaced_bytes(stream) == 3


def test_bom_and_crlf(tmp_path):
    line = b'192.0.2.9 - - [10/Oct/2025:13:55:36 +0000] "GET /b HTTP/1.1" 200 1 "-" "-"'
    path = tmp_path / "win.log"
    path.write_bytes(b"\xef\xbb\xbf" + line + b"\r\n" + line + b"\r\n")
    events, report, _ = events_of(path, "nginx", "win")
    assert [e["source_line"] for e in events] == [1, 2] and not report.rejects
    assert events[0]["user_agent"] is None


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        open_log(tmp_path / "nope.log")


def test_sniff_compression():
    assert sniff_compression(b"\x1f\x8b\x08") == "gzip"
    assert sniff_compression(b"\x28\xb5\x2f\xfd") == "zstd"
    assert sniff_compression(b"plain") is None


@pytest.mark.parametrize(("fixture", "expected"), FIXTURES)
def test_detection_picks_the_right_format(fixture, expected):
    candidates = [get_format(n) for n in FORMATS]
    found = detect_format(read_head(LOGS / fixture), candidates)
    assert found is not None and found.name == expected


def test_detection_of_compressed_fixture(tmp_path):
    path = tmp_path / "E2EXAMPLE.gz"
    path.write_bytes(gzip.compress((LOGS / "cloudfront" / "aws_docs.log").read_bytes()))
    found = detect_format(read_head(path), [get_format(n) for n in MINE])
    assert found is not None and found.name == "cloudfront"


def test_specific_formats_are_tried_before_generic_ones():
    head = read_head(LOGS / "s3" / "aws_docs.log")
    found = detect_format(head, [get_format("nginx"), get_format("s3")])
    assert found is not None and found.name == "s3"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n",
        "The quick brown fox jumps over the lazy dog.\nLorem ipsum dolor sit amet.\n" * 20,
        '{"hello": "world", "n": 1}\n' * 5,
        "a,b,c\n1,2,3\n",
        "".join(random.Random(7).choice('abcdef 0123456789[]"-:/\n') for _ in range(5000)),
    ],
)
def test_detection_returns_none_for_other_text(text):
    assert detect_format(text, [get_format(n) for n in FORMATS]) is None


def test_a_crashing_sniffer_does_not_stop_detection():
    class Broken:
        name, title = "broken", "broken"

        def sniff(self, head: str) -> bool:
            raise RuntimeError("bug")

    found = detect_format(read_head(LOGS / "s3" / "aws_docs.log"), [Broken(), get_format("s3")])
    assert found is not None and found.name == "s3"


def test_registry_lists_my_formats_and_builds_them():
    names = list(FORMATS)
    assert set(MINE) <= set(names)
    assert "mapped" not in names and "mapped" in known_formats()  # needs its mapping
    assert names.index("nginx") > names.index("s3")  # generic layouts last
    for name in MINE:
        fmt = FORMATS[name]()
        assert fmt.name == name and fmt.title
    nginx = get_format("nginx", log_format="common")
    assert nginx.name == "nginx"
    mapped = get_format("mapped", mapping=LOGS / "mapped" / "masv.yaml")
    assert mapped.name == "mapped"


def test_registry_errors(monkeypatch):
    with pytest.raises(InputError, match="unknown log format 'nope'"):
        get_format("nope")
    with pytest.raises(InputError, match="bad options"):
        get_format("s3", colour="red")
    with pytest.raises(InputError, match="bad options"):
        get_format("mapped")
    monkeypatch.setitem(registry._BUILTIN, "ghost", "chainwatch.access.formats.ghost:GhostFormat")
    monkeypatch.setattr(registry, "FORMATS", registry._Formats())
    assert "ghost" not in list(registry.FORMATS)  # unavailable: left out of detection
    assert "ghost" in registry.FORMATS
    with pytest.raises(InputError, match="format ghost unavailable"):
        registry.FORMATS["ghost"]()
