"""C2PA offline: embed + verify PNG and JPEG, sidecars, one-byte tampering, and scan's report."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from chainwatch.forensics.inspect import InspectOptions, inspect_file
from chainwatch.provenance.c2pa_manifest import (
    Delivery,
    read_file_manifest,
    read_manifest,
    sidecar_path_for,
    sign_stream,
)
from chainwatch.provenance.studio_identity import generate_identity
from chainwatch.service.scan import scan_paths

pytest.importorskip("c2pa")

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
EXR_MAGIC = b"\x76\x2f\x31\x01"


@pytest.fixture(scope="module")
def studio():
    return generate_identity("Acme Pictures LLC", NOW)


def _image(fmt: str) -> bytes:
    img = Image.new("RGB", (96, 64))
    img.putdata(
        [((x * 3) % 256, (y * 5) % 256, (x * y) % 256) for y in range(64) for x in range(96)]
    )
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def _sign(studio, data: bytes, mime: str | None, *, sidecar=False, recipient="seoul-vendor"):
    delivery = Delivery("show-s1", recipient, "ab" * 32, NOW.isoformat(), issue_id="f00d")
    dest = io.BytesIO()
    signed = sign_stream(
        io.BytesIO(data), dest, identity=studio, delivery=delivery, title="frame",
        organization="Acme Pictures LLC", mime=mime, sidecar=sidecar,
    )  # fmt: skip
    return signed, dest.getvalue()


def _flip(data: bytes, at: int) -> bytes:
    b = bytearray(data)
    b[at] ^= 0x01
    return bytes(b)


@pytest.mark.parametrize("fmt, mime", [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_embed_and_verify_offline(studio, fmt, mime):
    original = _image(fmt)
    signed, out = _sign(studio, original, mime)
    assert signed.mode == "embedded" and out != original
    Image.open(io.BytesIO(out)).load()  # still a valid image

    report = read_manifest(out, mime, trust_pem=studio.ca_pem.decode())
    assert report.present and report.binding == "embedded"
    assert report.state == "Trusted" and report.failures == ()
    assert report.project == "show-s1" and report.recipient == "seoul-vendor"
    assert report.delivery["issue_id"] == "f00d" and report.delivery["master_sha256"] == "ab" * 32
    assert report.actions == ("c2pa.created",)
    assert report.signer["common_name"] == "Acme Pictures LLC delivery signer"

    # without the studio's anchor: a good signature by a certificate nobody trusts
    untrusted = read_manifest(out, mime)
    assert untrusted.state == "Valid" and untrusted.failure_codes == ["signingCredential.untrusted"]
    # another studio's anchor does not make it trusted either
    other = generate_identity("Someone Else", NOW)
    assert read_manifest(out, mime, trust_pem=other.ca_pem.decode()).state == "Valid"

    # one byte of picture data changed: the hard binding breaks
    at = out.index(b"IDAT") + 12 if fmt == "PNG" else len(out) - 40
    tampered = read_manifest(_flip(out, at), mime, trust_pem=studio.ca_pem.decode())
    assert tampered.state == "Invalid"
    assert "assertion.dataHash.mismatch" in tampered.failure_codes


def test_no_manifest_is_reported_as_absent():
    report = read_manifest(_image("PNG"), "image/png")
    assert not report.present and report.summary() == "no C2PA manifest"


def test_sidecar_for_a_type_c2pa_cannot_embed(studio, tmp_path):
    exr = EXR_MAGIC + bytes(range(256)) * 40  # an EXR-framed payload: no C2PA handler exists
    signed, copy = _sign(studio, exr, None)
    assert signed.mode == "sidecar" and copy == exr  # the asset itself is untouched
    asset = tmp_path / "sh0420.exr"
    asset.write_bytes(exr)
    sidecar = sidecar_path_for(asset)
    assert sidecar.name == "sh0420.c2pa"
    sidecar.write_bytes(signed.manifest_bytes)

    report = read_file_manifest(asset, trust_pem=studio.ca_pem.decode())
    assert report.binding == "sidecar" and report.state == "Trusted"
    assert report.recipient == "seoul-vendor" and report.sidecar == str(sidecar)

    asset.write_bytes(_flip(exr, 1000))
    report = read_file_manifest(asset, trust_pem=studio.ca_pem.decode())
    assert report.state == "Invalid" and "assertion.dataHash.mismatch" in report.failure_codes


def test_forced_sidecar_leaves_a_png_byte_identical(studio, tmp_path):
    png = _image("PNG")
    signed, copy = _sign(studio, png, "image/png", sidecar=True)
    assert signed.mode == "sidecar" and copy == png
    asset = tmp_path / "board.png"
    asset.write_bytes(png)
    sidecar_path_for(asset).write_bytes(signed.manifest_bytes)
    assert read_file_manifest(asset, trust_pem=studio.ca_pem.decode()).state == "Trusted"


def test_garbage_sidecar_is_invalid_not_a_crash(tmp_path):
    asset = tmp_path / "x.exr"
    asset.write_bytes(EXR_MAGIC + b"\0" * 100)
    sidecar_path_for(asset).write_bytes(b"\0\0\0\x20jumb" + b"\0" * 24)
    report = read_file_manifest(asset)
    assert report.present and report.state == "Invalid"
    assert report.failure_codes == ["manifest.unreadable"]


def _scan_records(folder: Path, trust: str | None):
    opts = InspectOptions(c2pa_trust_pem=trust, text_rules=False)
    out = {}
    for f in sorted(folder.iterdir()):
        for r in inspect_file(f, f.name, opts).records:
            out[r.path] = r
    return out


def test_scan_reports_embedded_and_sidecar_manifests(studio, tmp_path):
    trust = studio.ca_pem.decode()
    good_png = _sign(studio, _image("PNG"), "image/png")[1]
    jpg = _sign(studio, _image("JPEG"), "image/jpeg", recipient="colour-house")[1]
    (tmp_path / "good.png").write_bytes(good_png)
    (tmp_path / "leaked.jpg").write_bytes(_flip(jpg, len(jpg) - 40))
    exr = EXR_MAGIC + b"\1" * 500
    signed, _ = _sign(studio, exr, None)
    (tmp_path / "plate.exr").write_bytes(exr)
    (tmp_path / "plate.c2pa").write_bytes(signed.manifest_bytes)
    (tmp_path / "plain.png").write_bytes(_image("PNG"))

    recs = _scan_records(tmp_path, trust)
    good = recs["good.png"].metadata["c2pa"]
    assert good["state"] == "Trusted" and good["binding"] == "embedded"
    assert good["project"] == "show-s1" and good["recipient"] == "seoul-vendor"
    bad = recs["leaked.jpg"].metadata["c2pa"]
    assert bad["state"] == "Invalid" and bad["recipient"] == "colour-house"
    assert [f["code"] for f in bad["failures"]] == ["assertion.dataHash.mismatch"]
    assert any("Invalid" in n and "dataHash.mismatch" in n for n in recs["leaked.jpg"].notes)
    plate = recs["plate.exr"].metadata["c2pa"]
    assert plate["binding"] == "sidecar" and plate["state"] == "Trusted"
    assert recs["plate.c2pa"].metadata.get("c2pa_sidecar") is True
    assert "c2pa" not in recs["plain.png"].metadata
    # no rule is raised for a manifest either way: it is reported in the record
    assert not any(f.rule_id.startswith("C2PA") for r in recs.values() for f in r.findings)

    # scan_paths reads the studio's anchor from the data dir
    from chainwatch.settings import Settings

    home = tmp_path / "home"
    (home / "secrets" / "c2pa").mkdir(parents=True)
    (home / "secrets" / "c2pa" / "ca.pem").write_bytes(studio.ca_pem)
    result = scan_paths(
        [tmp_path / "good.png"], settings=Settings(home=home, database_url="sqlite://"), workers=0
    )
    assert result.records[0].metadata["c2pa"]["state"] == "Trusted"
    result = scan_paths(
        [tmp_path / "good.png"],
        settings=Settings(home=tmp_path / "elsewhere", database_url="sqlite://"),
        workers=0,
    )
    assert result.records[0].metadata["c2pa"]["state"] == "Valid"


def test_without_c2pa_python_scan_notes_it_and_signing_is_a_user_error(
    studio, tmp_path, monkeypatch
):
    import sys

    from chainwatch.errors import ChainwatchError
    from chainwatch.provenance import c2pa_manifest

    signed_png = _sign(studio, _image("PNG"), "image/png")[1]
    (tmp_path / "a.png").write_bytes(signed_png)
    monkeypatch.setitem(sys.modules, "c2pa", None)  # import c2pa now raises ImportError
    c2pa_manifest._c2pa.cache_clear()
    try:
        assert not c2pa_manifest.c2pa_available()
        with pytest.raises(ChainwatchError, match="c2pa-python") as exc:
            read_manifest(signed_png, "image/png")
        assert exc.value.exit_code == 2
        (rec,) = _scan_records(tmp_path, None).values()
        assert rec.metadata["c2pa"]["present"] is None
        assert "c2pa-python is not installed" in " ".join(rec.notes)
    finally:
        monkeypatch.undo()
        c2pa_manifest._c2pa.cache_clear()
    assert c2pa_manifest.c2pa_available()


def test_scan_reads_manifests_inside_archives(studio, tmp_path):
    import zipfile

    folder = tmp_path / "in"
    folder.mkdir()
    with zipfile.ZipFile(folder / "returned.zip", "w") as zf:
        zf.writestr("frames/sh0010.png", _sign(studio, _image("PNG"), "image/png")[1])
    recs = _scan_records(folder, studio.ca_pem.decode())
    member = recs["returned.zip!frames/sh0010.png"].metadata["c2pa"]
    assert member["state"] == "Trusted" and member["recipient"] == "seoul-vendor"


def test_issued_manifests_are_stored_on_both_databases(db_settings, sample_chain, tmp_path):
    from chainwatch.service import ledger
    from chainwatch.service.chains import import_chain_file
    from chainwatch.service.content_credentials import (
        c2pa_sign_paths,
        c2pa_verify_paths,
        list_manifests,
    )
    from chainwatch.storage.session import open_session

    (tmp_path / "a.png").write_bytes(_image("PNG"))
    with open_session(db_settings) as session:
        import_chain_file(session, sample_chain)
        (signed,) = c2pa_sign_paths(
            session, db_settings, [tmp_path / "a.png"], project="show-s1",
            recipient="colour-house", out_dir=tmp_path / "out", now=NOW,
        )  # fmt: skip
    with open_session(db_settings) as session:
        (row,) = list_manifests(session, "show-s1")
        (checked,) = c2pa_verify_paths(db_settings, [Path(signed.out)], session)
        (entry,) = ledger.entries(session, kinds=["attestation"])
    assert row["sha256_after"] == signed.sha256_after and row["mode"] == "embedded"
    assert checked.ok and checked.issued["id"] == row["id"]
    assert entry["payload"]["sha256_after"] == signed.sha256_after
