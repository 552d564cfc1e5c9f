"""FILE-1: the Red Star OS trailer, decoded as the reference describes it (§4.1)."""

from __future__ import annotations

import pytest

from chainwatch.forensics import InspectOptions, inspect_bytes, samples
from chainwatch.forensics.detect.redstar import append_marks, build_trailer, decode_trailer

FIRST, SECOND = "WMAC9A58CDZ364C", "WM8295FF513293A"


def test_known_ciphertext_from_the_reference():
    # README example: ciphertext 79:08:df:d0:...:75:b1 decrypts to WM8295FF513293A
    block = build_trailer([SECOND])[:24]
    assert block[:4].hex() == "7908dfd0" and block[-2:].hex() == "75b1"


def test_two_stacked_marks_on_a_jpeg_decode_oldest_first():
    clean = samples.jpeg()
    once = append_marks(clean, [FIRST])
    twice = append_marks(once, [SECOND])
    assert twice[: len(clean)] == clean  # the file's own bytes are untouched
    assert twice[-55:].endswith(bytes([48, 0, 0, 0]) + b"EOF")  # 24·2, three NULs, EOF
    marks = decode_trailer(twice)
    assert marks.serials == (FIRST, SECOND)
    assert marks.trailer_offset == len(clean)
    [finding] = [
        f for r in inspect_bytes(twice, "frame.jpg", InspectOptions()).records for f in r.findings
    ]
    assert finding.rule_id == "FILE-1" and finding.severity == "C"
    assert finding.evidence["serials"] == [FIRST, SECOND]


@pytest.mark.parametrize(
    "tail",
    [
        b"EOF",  # too short
        bytes(24) + bytes([24, 0, 0, 0]) + b"EOF",  # blocks that do not decrypt to WM...
        b"x" * 40 + bytes([25, 0, 0, 0]) + b"EOF",  # count not a multiple of 24
        b"x" * 10 + bytes([240, 0, 0, 0]) + b"EOF",  # count larger than the file
    ],
)
def test_lookalike_trailers_are_not_marks(tail):
    assert decode_trailer(samples.jpeg() + tail) is None


def test_mark_on_any_file_type_and_inside_archives():
    marked_pdf = append_marks(samples.pdf(), [FIRST])
    data = samples.zip_of({"deliv/sc12.pdf": marked_pdf, "notes.txt": "ok"})
    out = inspect_bytes(data, "delivery.zip", InspectOptions())
    hits = [(r.path, f.rule_id) for r in out.records for f in r.findings]
    assert hits == [("delivery.zip!deliv/sc12.pdf", "FILE-1")]


def test_writer_refuses_malformed_serials():
    with pytest.raises(ValueError):
        build_trailer(["WMabc"])
    with pytest.raises(ValueError):
        build_trailer([])
