"""Hostile and broken files: each is a reject with a reason, never a crash or a hang."""

from __future__ import annotations

import io
import tarfile
from dataclasses import replace
from pathlib import Path

from chainwatch.forensics import DEFAULT_LIMITS, InspectOptions, inspect_bytes, samples
from chainwatch.service.scan import scan_paths


def reasons(data: bytes, name: str, **limits) -> dict[str, str]:
    opts = InspectOptions(limits=replace(DEFAULT_LIMITS, **limits))
    return {r.file: r.reason for r in inspect_bytes(data, name, opts).rejects}


def test_zip_bomb_is_refused_before_inflating():
    out = reasons(samples.zip_bomb(300 * 1024 * 1024), "bomb.zip")
    assert out["bomb.zip!zeros.bin"].startswith("zip bomb:")


def test_ratio_limit_and_members_that_lie_about_their_size():
    data = samples.zip_bomb(8 * 1024 * 1024)  # 8 MiB of zeros, ~1000:1
    assert "ratio" in reasons(data, "b.zip")["b.zip!zeros.bin"]
    assert reasons(data, "b.zip", max_ratio=10_000) == {}


def test_path_traversal_absolute_and_symlink_members():
    data = samples.zip_of({"../evil": "x", "/etc/passwd": "x", "ok.txt": "fine"})
    out = reasons(data, "t.zip")
    assert out["t.zip!../evil"].startswith("path traversal")
    assert out["t.zip!/etc/passwd"].startswith("path traversal")
    assert "t.zip!ok.txt" not in out
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        link = tarfile.TarInfo("link")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/shadow"
        tf.addfile(link)
        note = tarfile.TarInfo("../up.txt")
        note.size = 2
        tf.addfile(note, io.BytesIO(b"hi"))
    out = reasons(buf.getvalue(), "d.tgz")
    assert out["d.tgz!d.tar!link"].startswith("link in archive")
    assert out["d.tgz!d.tar!../up.txt"].startswith("path traversal")


def test_nesting_depth():
    out = inspect_bytes(samples.nested_zip(5), "n.zip", InspectOptions())
    assert [r.reason.split(":")[0] for r in out.rejects] == ["nesting depth"]
    shallow = inspect_bytes(samples.nested_zip(3), "n.zip", InspectOptions())
    assert not shallow.rejects
    assert shallow.records[-1].path == "n.zip"
    assert any(r.path.endswith("!level2.zip!note.txt") for r in shallow.records)


def test_pixel_bomb_header():
    out = reasons(samples.png_pixel_bomb(100_000, 100_000), "huge.png")
    assert out["huge.png"].startswith("decompression bomb")


def test_truncated_pdf_corrupt_docx_and_garbage():
    pdf = samples.pdf(creation_date="D:20160301100000+08'30'")
    assert reasons(pdf[:150], "t.pdf")["t.pdf"].startswith("malformed pdf")
    docx = samples.docx(paragraphs=["x"])
    broken = docx[:40] + b"\x00" * 200 + docx[240:]
    assert reasons(broken, "c.docx")["c.docx"].startswith("malformed")
    assert reasons(b"\xff\xd8\xff" + bytes(range(256)) * 4, "x.jpg")["x.jpg"].startswith(
        "malformed jpeg"
    )


def test_empty_file_is_a_record_not_a_reject():
    out = inspect_bytes(b"", "empty.bin", InspectOptions())
    assert not out.rejects and out.records[0].type == "empty"


def test_unreadable_links_and_the_scan_carries_on(tmp_path: Path):
    (tmp_path / "good.txt").write_text("fine", "utf-8")
    (tmp_path / "link.txt").symlink_to("/etc/hostname")
    locked = tmp_path / "locked.txt"
    locked.write_text("secret", "utf-8")
    locked.chmod(0)
    result = scan_paths([tmp_path], workers=0)
    by_file = {Path(r.file).name: r.reason for r in result.rejects}
    assert by_file["link.txt"].startswith("not a regular file")
    if not __import__("os").access(locked, __import__("os").R_OK):  # root reads anything
        assert by_file["locked.txt"].startswith("unreadable")
    assert "good.txt" in {Path(r.path).name for r in result.records}


def test_slow_file_is_killed_and_the_scan_carries_on(tmp_path: Path):
    """A worker over its wall-clock budget is killed; the next file still gets a record."""
    slow = tmp_path / "a_slow.txt"
    slow.write_bytes(("머리 모양을 고쳐주십시오 请修改头部形状 please fix\n" * 100_000).encode())
    (tmp_path / "b_fast.txt").write_text("ok", "utf-8")
    limits = replace(DEFAULT_LIMITS, timeout_s=0.5, member_timeout_s=0, max_text_chars=5_000_000)
    result = scan_paths([tmp_path], workers=1, limits=limits)
    assert [r.reason for r in result.rejects] == ["timeout: over 0.5s, worker killed"]
    assert [Path(r.path).name for r in result.records] == ["b_fast.txt"]


def test_soft_timeout_inside_the_worker(tmp_path: Path):
    data = ("머리 모양을 고쳐주십시오 请修改头部形状 please fix\n" * 100_000).encode()
    out = reasons(data, "slow.txt", member_timeout_s=0.2, max_text_chars=5_000_000)
    assert out["slow.txt"].startswith("timeout")


def test_memory_limit_of_a_worker(tmp_path: Path):
    """RLIMIT_AS turns a runaway allocation into a reject, not a swapping machine."""
    import zlib

    packer = zlib.compressobj(1, zlib.DEFLATED, 31)  # gzip
    zeros = bytes(1 << 20)
    data = b"".join(packer.compress(zeros) for _ in range(900)) + packer.flush()
    (tmp_path / "zeros.gz").write_bytes(data)  # 900 MiB of zeros in ~1 MiB
    limits = replace(
        DEFAULT_LIMITS,
        memory_bytes=1 << 30,
        max_member_bytes=2 << 30,
        max_archive_total_bytes=4 << 30,
        max_ratio=1e7,
    )
    result = scan_paths([tmp_path], workers=1, limits=limits)
    assert [r.reason.split(":")[0] for r in result.rejects] == ["memory limit"]
