"""Open a log file whatever its compression, and tell its format from its first kilobytes.

Why sniff magic bytes: logs arrive renamed (``access.log.1`` that is gzip, CloudFront's ``.gz``,
``.zst`` archives from a vendor); the suffix is a hint, the bytes are the truth. Text is decoded
as UTF-8 with bad bytes replaced, never rejected wholesale: one corrupt byte must not hide the
rest of a file, but the count of replaced bytes is reported as a warning (``note_decoding``),
because garbled bytes in an access log are themselves worth an investigator's attention.

Lines split on ``\\n`` only (``newline="\\n"``), so ``source_line`` is the physical line number
an investigator sees in ``sed -n Np``; a stray ``\\r`` inside a line does not shift the count.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import itertools
import lzma
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any, TextIO

from chainwatch.access.formats.base import LogFormat, ParseReport
from chainwatch.errors import InputError

_MAGIC = [
    (b"\x1f\x8b", "gzip"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
]
_BUFFER = 1 << 20
_DAMAGED: tuple[type[BaseException], ...] = (EOFError, OSError, ValueError, zlib.error)
_DAMAGED += (lzma.LZMAError,)
try:
    import zstandard as _zstd

    _DAMAGED += (_zstd.ZstdError,)
except ImportError:  # pragma: no cover - zstd files then give a clear InputError
    pass
_handler_ids = itertools.count()

# Tried first: formats with an unmistakable signature; last: the generic web layouts, which
# would also match many vendor variants. Formats not named here go in between, as given.
FIRST = ("cloudfront", "s3", "aspera", "m365", "gdrive", "dropbox", "box", "minio")
LAST = ("nginx", "apache")


class _DecodeCounter:
    """A codec error handler that replaces like ``errors="replace"`` and counts."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, exc: UnicodeError) -> tuple[str, int]:
        if not isinstance(exc, UnicodeDecodeError):
            raise exc
        self.count += exc.end - exc.start
        return "\ufffd", exc.end


def sniff_compression(head: bytes) -> str | None:
    """The compression named by the magic bytes (gzip, zstd, bz2, xz); None for plain."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return None


class _Tolerant(io.RawIOBase):
    """Decompressed bytes that end, instead of raising, where the data is damaged or cut
    short (a log rotated mid-write): what came before is still evidence. ``error`` says why."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.error: str | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.error is not None:
            return 0
        try:  # read1: one decompressed chunk at a time, so a late error loses nothing before it
            data = self.inner.read1(len(buffer))  # type: ignore[attr-defined]
        except _DAMAGED as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            return 0
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        self.inner.close()
        super().close()


def _decompressed(path: Path, compression: str) -> IO[bytes]:
    if compression == "gzip":
        return gzip.open(path, "rb")  # reads concatenated members too
    if compression == "bz2":
        return bz2.open(path, "rb")
    if compression == "xz":
        return lzma.open(path, "rb")
    try:
        import zstandard
    except ImportError as exc:
        raise InputError(f"{path}: zstd-compressed, but zstandard is not installed") from exc
    return _Zstd(open(path, "rb"), zstandard.ZstdDecompressor())  # noqa: SIM115


class _Zstd(io.RawIOBase):
    """zstd frames, one after another; unlike ``stream_reader`` it notices a frame cut short
    (``EOFError``), so a truncated archive is reported rather than silently shorter."""

    def __init__(self, raw: IO[bytes], dctx: Any) -> None:
        self.raw, self.dctx = raw, dctx
        self.obj = dctx.decompressobj()
        self.fed = False
        self.out = b""
        self.pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self.pos >= len(self.out):
            chunk = self.raw.read(_BUFFER)
            if not chunk:
                if self.fed and not self.obj.eof:
                    raise EOFError("zstd frame cut short")
                return 0
            parts = []
            while chunk:
                if self.obj.eof:
                    self.obj = self.dctx.decompressobj()
                parts.append(self.obj.decompress(chunk))
                self.fed = True
                chunk = self.obj.unused_data if self.obj.eof else b""
            self.out, self.pos = b"".join(parts), 0
        n = min(len(buffer), len(self.out) - self.pos)
        buffer[:n] = self.out[self.pos : self.pos + n]
        self.pos += n
        return n

    def read1(self, size: int = -1) -> bytes:
        return self.read(size if size > 0 else _BUFFER) or b""

    def close(self) -> None:
        self.raw.close()
        super().close()


def open_log(path: str | Path) -> tuple[TextIO, str | None]:
    """(text stream, compression) for a plain, gzip, zstd, bz2 or xz log file.

    The stream decodes UTF-8 replacing bad bytes; ``note_decoding(stream, report)`` turns
    their count into a report warning. Lines end at ``\\n`` only.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    compression = sniff_compression(head)
    counter = _DecodeCounter()
    handler = f"chainwatch.replace.{next(_handler_ids)}"
    codecs.register_error(handler, counter)
    tolerant: _Tolerant | None = None
    if compression is None:
        binary: IO[bytes] = open(path, "rb")  # noqa: SIM115 - the caller closes the stream
    else:
        tolerant = _Tolerant(_decompressed(path, compression))
        binary = io.BufferedReader(tolerant, _BUFFER)
    stream = io.TextIOWrapper(binary, encoding="utf-8-sig", errors=handler, newline="\n")
    stream.chainwatch_decoding = counter  # type: ignore[attr-defined]
    stream.chainwatch_source = tolerant  # type: ignore[attr-defined]
    return stream, compression


def replaced_bytes(stream: TextIO) -> int:
    """Bytes replaced by U+FFFD so far in a stream from ``open_log`` (0 for other streams)."""
    counter = getattr(stream, "chainwatch_decoding", None)
    return counter.count if isinstance(counter, _DecodeCounter) else 0


def note_decoding(stream: TextIO, report: ParseReport) -> None:
    """Add warnings to ``report``: bytes that were not UTF-8, compressed data cut short."""
    n = replaced_bytes(stream)
    if n:
        report.warnings.append(f"{n} byte(s) were not valid UTF-8 and were replaced by U+FFFD")
    source = getattr(stream, "chainwatch_source", None)
    if isinstance(source, _Tolerant) and source.error is not None:
        report.warnings.append(
            f"compressed data damaged or cut short, read up to there: {source.error}"
        )


def read_head(path: str | Path, chars: int = 64 * 1024) -> str:
    """The first ``chars`` characters of a (possibly compressed) log."""
    stream, _ = open_log(path)
    with stream:
        return stream.read(chars)


def _order(candidates: Iterable[LogFormat]) -> list[LogFormat]:
    def rank(item: tuple[int, LogFormat]) -> tuple[int, int]:
        i, fmt = item
        if fmt.name in FIRST:
            return (0, FIRST.index(fmt.name))
        if fmt.name in LAST:
            return (2, LAST.index(fmt.name))
        return (1, i)

    return [f for _, f in sorted(enumerate(candidates), key=rank)]


def detect_format(head: str, candidates: Iterable[LogFormat]) -> LogFormat | None:
    """The first candidate whose ``sniff`` accepts ``head``, specific formats before generic
    ones (``FIRST``, then unknown names in their given order, then ``LAST``); None if none."""
    head = head.lstrip("\ufeff")
    if not head.strip():
        return None
    for fmt in _order(candidates):
        try:
            if fmt.sniff(head):
                return fmt
        except Exception:  # noqa: BLE001 - a sniffer's bug must not stop the others
            continue
    return None
