"""FILE-1: the Red Star OS watermark trailer (dprk-signals.md §4.1), decoded and built.

Layout after the file's own end::

    [24-byte mark 1]...[24-byte mark n][count byte = 24·n][00 00 00]["EOF"]

Each mark is DES-ECB with the fixed key 07 06 05 04 03 02 01 00; its plaintext is ``WM`` and
13 characters from ``[0-9A-Z]`` (not strictly hex: the sample files carry a ``Z``),
NUL-padded to 24 bytes. Marks stack in order, oldest first. Reimplemented from the format
description (the reference repository has no licence), using ``cryptography``'s TripleDES
with the key repeated three times, which is single DES.

The check is cheap (nine bytes at the end) and, once every block decrypts to a valid mark,
a false positive is very unlikely. A count byte that is not a multiple of 24, larger than
the file, or blocks that do not decrypt to ``WM…`` are reported as nothing: absence of a
mark proves nothing (Red Star is used mostly on institutional machines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from chainwatch.findings.finding import Finding, SubjectType

KEY = bytes([7, 6, 5, 4, 3, 2, 1, 0])
BLOCK = 24
EOF_MARK = b"EOF"
MAX_MARKS = 64  # a sanity bound; past 10 marks the count no longer fits one byte
_SERIAL = re.compile(rb"WM([0-9A-Z]{13})\x00+")
_CIPHER = Cipher(TripleDES(KEY * 3), modes.ECB())


@dataclass(frozen=True)
class RedStarMarks:
    serials: tuple[str, ...]  # oldest first
    trailer_offset: int  # where the first mark starts: the file's own end
    trailer_bytes: int


def decode_trailer(data: bytes) -> RedStarMarks | None:
    """The stacked marks at the end of ``data``, or None when there is no valid trailer."""
    if len(data) < BLOCK + 7 or data[-3:] != EOF_MARK:
        return None
    # The count byte and its three NULs read as one little-endian uint32 (as the reference
    # decoder does), so a trailer with more than 10 marks would still decode.
    count = int.from_bytes(data[-7:-3], "little")
    if count == 0 or count % BLOCK or count > BLOCK * MAX_MARKS or count + 7 > len(data):
        return None
    start = len(data) - 7 - count
    decryptor = _CIPHER.decryptor()
    plain = decryptor.update(data[start : start + count]) + decryptor.finalize()
    serials = []
    for i in range(0, count, BLOCK):
        m = _SERIAL.fullmatch(plain[i : i + BLOCK])
        if m is None:
            return None
        serials.append("WM" + m.group(1).decode("ascii"))
    return RedStarMarks(tuple(serials), start, count + 7)


def build_trailer(serials: list[str] | tuple[str, ...]) -> bytes:
    """The trailer Red Star would append after marking a file with ``serials`` in order
    (tests and the demo append it to a file). Raises ValueError for a malformed serial."""
    if not 1 <= len(serials) <= MAX_MARKS:
        raise ValueError(f"between 1 and {MAX_MARKS} marks, got {len(serials)}")
    plain = b""
    for s in serials:
        raw = s.encode("ascii")
        if not re.fullmatch(rb"WM[0-9A-Z]{13}", raw):
            raise ValueError(f"{s!r} is not WM + 13 characters [0-9A-Z]")
        plain += raw.ljust(BLOCK, b"\x00")
    encryptor = _CIPHER.encryptor()
    blocks = encryptor.update(plain) + encryptor.finalize()
    return blocks + len(plain).to_bytes(4, "little") + EOF_MARK


def append_marks(data: bytes, serials: list[str] | tuple[str, ...]) -> bytes:
    """``data`` as it would leave a Red Star machine (again): existing marks are kept and the
    new ones stacked after them, with one trailer counting all."""
    found = decode_trailer(data)
    if found is None:
        return data + build_trailer(serials)
    return data[: found.trailer_offset] + build_trailer([*found.serials, *serials])


def redstar_findings(
    data: bytes, *, subject_key: str, sha256: str, project: str | None, analyzer: str
) -> list[Finding]:
    marks = decode_trailer(data)
    if marks is None:
        return []
    return [
        Finding.of(
            "FILE-1",
            subject_type=SubjectType.FILE,
            subject_key=subject_key,
            summary=(
                f"Red Star OS watermark: {len(marks.serials)} mark(s) "
                f"{', '.join(marks.serials)} after byte {marks.trailer_offset}"
            ),
            evidence={
                "path": subject_key,
                "sha256": sha256,
                "serials": list(marks.serials),
                "order": "oldest first",
                "trailer_offset": marks.trailer_offset,
                "trailer_bytes": marks.trailer_bytes,
                "key": KEY.hex(" "),
            },
            confidence=0.99,
            analyzer=analyzer,
            project=project,
            dedupe=sha256,
        )
    ]
