"""The safety limits of a scan, in one frozen record.

Every number here bounds what one hostile file can cost: bytes read, bytes inflated, members
listed, archive nesting, image pixels, seconds and memory per file. A file that crosses a
limit becomes a reject with the limit's name in its reason; the scan carries on. Defaults
suit a laptop triaging a vendor delivery; pass another ``ScanLimits`` to ``scan_paths`` to
change them (no environment variables: the CLI exposes the two people do change).
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class ScanLimits:
    max_file_bytes: int = 512 * MiB  # a file (or archive member) larger than this is rejected
    max_member_bytes: int = 256 * MiB  # one archive member, uncompressed
    max_archive_total_bytes: int = 1024 * MiB  # all members of one archive, uncompressed
    max_ratio: float = 200.0  # uncompressed / compressed, per member (zip bombs)
    max_members: int = 10_000  # entries listed in one archive
    max_depth: int = 3  # archives inside archives: the outermost file is depth 0
    max_image_pixels: int = 100_000_000  # Pillow's MAX_IMAGE_PIXELS for this scan
    max_text_chars: int = 200_000  # extracted text analysed per file (the rest: a note)
    excerpt_chars: int = 500  # text excerpt kept in the record
    timeout_s: float = 60.0  # per top-level file, enforced by killing the worker
    member_timeout_s: float = 20.0  # per file or member inside a worker (SIGALRM)
    memory_bytes: int = 2048 * MiB  # RLIMIT_AS of each worker process
    read_chunk_bytes: int = 1 * MiB


DEFAULT_LIMITS = ScanLimits()
