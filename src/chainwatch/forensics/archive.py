"""Archives read in memory, never extracted to disk: ZIP, tar, gzip/bzip2/xz/zstd streams
(a ``.tar.gz`` is a gzip stream whose content sniffs as tar) and 7z when ``py7zr`` (the
optional ``7z`` extra, LGPL-2.1+) is installed.

Nothing is ever written, so a ``../evil`` or ``/etc/passwd`` member cannot land anywhere;
such names, links and devices are still rejected with a reason, because a real delivery
does not contain them and an investigator wants to know. Limits (``ScanLimits``): members
listed, bytes per member, bytes per archive, and the compression ratio. Declared sizes are
not trusted: every read is capped at the limit plus one byte.

``archive_members`` yields ``Member`` items: the inner name with its bytes, or with the
reason it was refused. An archive that cannot be opened at all raises.
"""

from __future__ import annotations

import bz2
import io
import lzma
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from chainwatch.forensics.limits import ScanLimits

ARCHIVE_TYPES = frozenset({"zip", "tar", "gzip", "bzip2", "xz", "zstd", "7z", "odf"})
STREAM_TYPES = {"gzip": ".gz", "bzip2": ".bz2", "xz": ".xz", "zstd": ".zst"}
_MIN_RATIO_BYTES = 1024 * 1024  # ratios below 1 MiB of output are not bombs worth a reject


class ArchiveLimit(Exception):
    """The archive as a whole crossed a limit (e.g. a compressed stream inflating too far)."""


@dataclass(frozen=True)
class Member:
    name: str
    data: bytes | None = None
    reason: str | None = None


def unsafe_name(name: str) -> str | None:
    """Why a member name could escape an extraction folder, or None when it is safe."""
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        return f"path traversal: absolute member path {name!r}"
    if any(part == ".." for part in norm.split("/")):
        return f"path traversal: member path {name!r} climbs out with '..'"
    return None


class _Budget:
    def __init__(self, limits: ScanLimits, compressed: int):
        self.limits = limits
        self.compressed = max(compressed, 1)
        self.total = 0
        self.count = 0

    def admit(self, name: str, declared: int, packed: int | None) -> str | None:
        lim = self.limits
        self.count += 1
        if self.count > lim.max_members:
            return f"archive limit: more than {lim.max_members} members"
        if declared > lim.max_member_bytes:
            return f"zip bomb: member declares {declared} bytes (limit {lim.max_member_bytes})"
        if packed and declared > _MIN_RATIO_BYTES and declared / packed > lim.max_ratio:
            return f"zip bomb: compression ratio {declared / packed:.0f} over {lim.max_ratio:g}"
        if self.total + declared > lim.max_archive_total_bytes:
            return f"zip bomb: archive total over {lim.max_archive_total_bytes} bytes"
        return None

    def take(self, size: int) -> None:
        self.total += size


def archive_members(kind: str, data: bytes, name: str, limits: ScanLimits) -> Iterator[Member]:
    if kind in ("zip", "odf"):
        yield from _zip(data, limits)
    elif kind == "tar":
        yield from _tar(data, limits)
    elif kind in STREAM_TYPES:
        yield Member(_stream_member_name(name, kind), _decompress_stream(kind, data, limits))
    elif kind == "7z":
        yield from _7z(data, limits)
    else:
        raise ValueError(f"not an archive type: {kind}")


def _stream_member_name(name: str, kind: str) -> str:
    """``notes.txt.gz`` holds ``notes.txt``; ``plates.tgz`` holds ``plates.tar``."""
    base = name.rsplit("!", 1)[-1].rsplit("/", 1)[-1]
    lower, ext = base.lower(), STREAM_TYPES[kind]
    if lower.endswith(ext):
        return base[: -len(ext)]
    for short in (".tgz", ".tbz2", ".txz", ".tzst"):
        if lower.endswith(short):
            return base[: -len(short)] + ".tar"
    return base + ".out"


def _zip(data: bytes, limits: ScanLimits) -> Iterator[Member]:
    budget = _Budget(limits, len(data))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            name = info.filename
            mode = info.external_attr >> 16
            reason = unsafe_name(name)
            if reason is None and stat.S_ISLNK(mode):
                reason = f"symlink in archive: {name!r} (not followed)"
            if reason is None and info.flag_bits & 0x1:
                reason = "encrypted member: cannot read without the password"
            reason = reason or budget.admit(name, info.file_size, info.compress_size)
            if reason is not None:
                yield Member(name, reason=reason)
                if reason.startswith("archive limit"):
                    return
                continue
            try:
                with zf.open(info) as f:
                    content = f.read(limits.max_member_bytes + 1)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as e:
                yield Member(name, reason=f"malformed zip member: {e}")
                continue
            if len(content) > limits.max_member_bytes:
                yield Member(name, reason="zip bomb: member inflates past its declared size")
                continue
            budget.take(len(content))
            yield Member(name, content)


def _tar(data: bytes, limits: ScanLimits) -> Iterator[Member]:
    budget = _Budget(limits, len(data))
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tf:
        for info in tf:
            if info.isdir():
                continue
            name = info.name
            reason = unsafe_name(name)
            if reason is None and (info.issym() or info.islnk()):
                reason = f"link in archive: {name!r} -> {info.linkname!r} (not followed)"
            if reason is None and not info.isfile():
                reason = f"special file in archive: {name!r}"
            reason = reason or budget.admit(name, info.size, None)
            if reason is not None:
                yield Member(name, reason=reason)
                if reason.startswith("archive limit"):
                    return
                continue
            f = tf.extractfile(info)
            content = f.read(limits.max_member_bytes + 1) if f is not None else b""
            budget.take(len(content))
            yield Member(name, content)


def _decompress_stream(kind: str, data: bytes, limits: ScanLimits) -> bytes:
    """The whole decompressed stream, or ArchiveLimit once it passes the member limit or
    the ratio limit (checked as output grows, so a bomb stops at the limit)."""
    cap = min(limits.max_member_bytes, int(max(len(data), 1) * limits.max_ratio))
    cap = max(cap, _MIN_RATIO_BYTES)
    if kind == "zstd":
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data))
        out = reader.read(cap + 1)
        while len(out) <= cap:
            more = reader.read(cap + 1 - len(out))
            if not more:
                break
            out += more
    else:
        if kind == "gzip":
            dec = zlib.decompressobj(wbits=47)
        elif kind == "bzip2":
            dec = bz2.BZ2Decompressor()
        else:
            dec = lzma.LZMADecompressor()
        out = _drain(kind, dec, data, cap)
    if len(out) > cap:
        raise ArchiveLimit(
            f"zip bomb: {kind} stream inflates past {cap} bytes "
            f"(ratio limit {limits.max_ratio:g}, member limit {limits.max_member_bytes})"
        )
    return out


def _drain(kind: str, dec, data: bytes, cap: int) -> bytes:
    if kind == "gzip":  # zlib's max_length is positional-only
        return dec.decompress(data, cap + 1)
    return dec.decompress(data, max_length=cap + 1)


def _7z(data: bytes, limits: ScanLimits) -> Iterator[Member]:
    try:
        import py7zr
    except ImportError:
        raise ArchiveLimit("unsupported: 7z archive (install the '7z' extra, py7zr)") from None
    budget = _Budget(limits, len(data))
    with py7zr.SevenZipFile(io.BytesIO(data)) as sz:
        if sz.needs_password():
            raise ArchiveLimit("encrypted 7z archive: cannot read without the password")
        wanted: list[str] = []
        for info in sz.list():
            if info.is_directory:
                continue
            reason = unsafe_name(info.filename) or budget.admit(
                info.filename, info.uncompressed, info.compressed
            )
            if reason is not None:
                yield Member(info.filename, reason=reason)
                if reason.startswith("archive limit"):
                    return
                continue
            wanted.append(info.filename)
        if not wanted:
            return
        factory = py7zr.io.BytesIOFactory(limits.max_member_bytes + 1)
        sz.extract(targets=wanted, factory=factory)
        for filename in wanted:
            buf = factory.products.get(filename)
            content = buf.read() if buf is not None else b""
            if len(content) > limits.max_member_bytes:
                yield Member(filename, reason="zip bomb: 7z member inflates past the limit")
                continue
            budget.take(len(content))
            yield Member(filename, content)
