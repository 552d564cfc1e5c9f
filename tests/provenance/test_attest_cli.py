"""``chainwatch attest`` end to end on a real SQLite home: keys, declarations, C2PA."""

from __future__ import annotations

import base64
import io
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from chainwatch.service import ledger
from chainwatch.service.provenance import revoke_key
from chainwatch.settings import load_settings
from chainwatch.storage.session import open_session

AS_OF = "2026-11-20"  # inside the fixture chain's engagements


@pytest.fixture
def home(cli, sample_chain):
    assert cli("init").exit_code == 0
    assert cli("chain", "import", str(sample_chain)).exit_code == 0


def _ok(r, code=0):
    assert r.exit_code == code, r.output
    return r


def _json(r):
    return json.loads(_ok(r).output)


def _one_line_error(r, code=2):
    assert r.exit_code == code, r.output
    assert "Traceback" not in r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    return lines[0]


def _declared(cli, tmp_path, *subs):
    out = tmp_path / "decl.json"
    argv = ["attest", "declare", "--project", "show-s1", "--party", "seoul-vendor",
            "--location", "kr:Seoul:Mapo-gu@203.0.113.0/24", "--as-of", "2026-11-01",
            "--out", str(out), "--json"]  # fmt: skip
    for s in subs:
        argv += ["--subcontractor", s]
    _ok(cli(*argv))
    return out


def test_declaration_sign_import_verify_and_chain3(cli, home, tmp_path):
    vkey, ckey = tmp_path / "seoul.key", tmp_path / "colour.key"
    info = _json(cli("attest", "keygen", "--out", str(vkey), "--json"))
    _json(cli("attest", "keygen", "--out", str(ckey), "--json"))
    assert stat.S_IMODE(vkey.stat().st_mode) == 0o600
    assert "PRIVATE" not in json.dumps(info)
    _one_line_error(cli("attest", "keygen", "--out", str(vkey)))  # never overwritten

    statement = _declared(cli, tmp_path, "colour-house=Colour House")
    pred = json.loads(statement.read_text())["predicate"]
    assert pred["subcontractors"] == [{"party": "colour-house", "name": "Colour House"}]
    assert pred["work_locations"][0]["networks"] == ["203.0.113.0/24"]

    env = tmp_path / "decl.dsse.json"
    _ok(cli("attest", "sign", str(statement), "--key", str(vkey), "--out", str(env)))
    both = tmp_path / "decl.2.dsse.json"
    signed = _json(
        cli("attest", "sign", str(env), "--key", str(ckey), "--out", str(both), "--json")
    )
    assert len(signed["signatures"]) == 2

    # offline verification with the vendor's public key; the colour house's key is unknown
    checked = _json(cli("attest", "verify", str(both), "--key", f"{vkey}.pub", "--json"))
    assert checked["ok"] and [s["status"] for s in checked["signatures"]] == [
        "valid",
        "unknown-key",
    ]

    # the studio imports only after trusting the vendor's key
    out = _one_line_error(cli("attest", "import", str(both)))
    assert "no trusted key for seoul-vendor" in out
    trusted = _json(cli("attest", "trust", "seoul-vendor", f"{vkey}.pub", "--json"))
    assert trusted["keyid"] == info["keyid"] and trusted["status"] == "trusted"
    _json(cli("attest", "trust", "colour-house", f"{ckey}.pub", "--json"))
    imported = _json(cli("attest", "import", str(both), "--json"))
    assert imported["status"] == "imported" and imported["subcontractors"] == ["colour-house"]
    assert imported["verified_keyids"] == [info["keyid"]]
    assert _json(cli("attest", "import", str(both), "--json"))["status"] == "already imported"
    # with the studio's trusted keys, both signatures verify and are attributed
    checked = _json(cli("attest", "verify", str(both), "--json"))
    assert [s["party"] for s in checked["signatures"]] == ["seoul-vendor", "colour-house"]

    listed = _json(cli("attest", "list", "--project", "show-s1", "--json"))
    assert [(d["party"], d["as_of"], d["signatures"]) for d in listed] == [
        ("seoul-vendor", "2026-11-01", 2)
    ]

    # CHAIN-3: the vendor's declaration leaves out the undeclared middleman it uses;
    # the colour house, middleman and far studio never declared at all
    _ok(cli("analyze", "--only", "declarations", "--as-of", AS_OF))
    chain3 = {
        f["subject"]["key"]: f
        for f in _json(cli("findings", "list", "--json"))
        if f["rule_id"] == "CHAIN-3"
    }
    assert set(chain3) == {"seoul-vendor", "colour-house", "middleman", "far-studio"}
    reasons = chain3["seoul-vendor"]["evidence"]["reasons"]
    assert [r["kind"] for r in reasons] == ["omits"]
    assert reasons[0]["omitted"][0]["party"] == "middleman"
    assert chain3["colour-house"]["evidence"]["reasons"][0]["kind"] == "missing"

    # every import and key registration is in the evidence ledger
    with open_session(load_settings()) as session:
        entries = ledger.entries(session, kinds=["attestation"])
    subjects = [e["subject"] for e in entries]
    assert "declaration:show-s1:seoul-vendor" in subjects
    assert sum(s.startswith("key:") for s in subjects) == 2

    # revoking the vendor's key: what it alone signed no longer counts (the revocation is
    # dated inside the fixture's engagements through the service, which takes ``now``)
    with open_session(load_settings()) as session:
        revoke_key(
            session, "seoul-vendor", info["keyid"][:12], now=datetime(2026, 11, 10, tzinfo=UTC)
        )
    r = _one_line_error(cli("attest", "revoke", "seoul-vendor", "00000000"))
    assert "no trusted key" in r
    _ok(cli("analyze", "--only", "declarations", "--as-of", AS_OF))
    vendor = next(
        f for f in _json(cli("findings", "list", "--json"))
        if f["rule_id"] == "CHAIN-3" and f["subject"]["key"] == "seoul-vendor"
    )  # fmt: skip
    assert [r["kind"] for r in vendor["evidence"]["reasons"]] == ["unverified"]
    keys = _json(cli("attest", "keys", "--json"))
    assert {k["party"]: k["status"] for k in keys} == {
        "seoul-vendor": "revoked",
        "colour-house": "trusted",
    }
    assert "revoked" in _one_line_error(cli("attest", "trust", "seoul-vendor", f"{vkey}.pub"))


def test_tampered_or_foreign_envelopes_fail_with_exit_1(cli, home, tmp_path):
    vkey = tmp_path / "v.key"
    _ok(cli("attest", "keygen", "--out", str(vkey)))
    _ok(cli("attest", "trust", "seoul-vendor", f"{vkey}.pub"))
    env = tmp_path / "e.json"
    _ok(cli("attest", "sign", str(_declared(cli, tmp_path)), "--key", str(vkey), "--out", str(env)))

    data = json.loads(env.read_text())
    payload = json.loads(base64.b64decode(data["payload"]))
    payload["predicate"]["subcontractors"] = [{"party": "colour-house"}]
    # keep the statement consistent so only the signature can catch it
    from chainwatch.provenance.declaration import predicate_digest

    payload["subject"][0]["digest"]["sha256"] = predicate_digest(payload["predicate"])
    data["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(data))
    keyid = data["signatures"][0]["keyid"]
    out = _one_line_error(cli("attest", "import", str(forged)), code=1)
    assert keyid[:16] in out and "does not verify" in out
    out = _one_line_error(cli("attest", "verify", str(forged), "--key", f"{vkey}.pub"), code=1)
    assert keyid[:16] in out
    # an alteration that also breaks the declaration is still a failed signature, not exit 2
    payload["predicate"]["party"] = "no-such-party"
    data["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    forged.write_text(json.dumps(data))
    out = _one_line_error(cli("attest", "import", str(forged)), code=1)
    assert keyid[:16] in out and "does not verify" in out

    # signed by a key the studio never trusted for this party
    other = tmp_path / "other.key"
    _ok(cli("attest", "keygen", "--out", str(other)))
    env2 = tmp_path / "e2.json"
    _ok(
        cli(
            "attest", "sign", str(_declared(cli, tmp_path)), "--key", str(other), "--out", str(env2)
        )
    )
    out = _one_line_error(cli("attest", "import", str(env2)), code=1)
    assert "no signature by a trusted key" in out
    assert _json(cli("attest", "list", "--json")) == []


def test_user_errors_are_one_line(cli, home, tmp_path):
    key = tmp_path / "k.key"
    _ok(cli("attest", "keygen", "--out", str(key)))
    base = ["attest", "declare", "--project", "show-s1", "--party", "seoul-vendor",
            "--out", str(tmp_path / "d.json")]  # fmt: skip
    assert "--location" in _one_line_error(cli(*base))
    assert "two-letter" in _one_line_error(cli(*base, "--location", "Korea"))
    assert "not a date" in _one_line_error(cli(*base, "--location", "kr", "--as-of", "soon"))
    _one_line_error(cli("attest", "trust", "nobody", f"{key}.pub"))
    assert "give the .pub file" in _one_line_error(cli("attest", "trust", "seoul-vendor", str(key)))
    _one_line_error(cli("attest", "import", str(tmp_path / "missing.json")))
    notjson = tmp_path / "n.json"
    notjson.write_text("{")
    _one_line_error(cli("attest", "import", str(notjson)))
    _one_line_error(
        cli("attest", "sign", str(notjson), "--key", str(key), "--out", str(tmp_path / "o"))
    )
    # a declaration for a project the studio does not have
    stmt = tmp_path / "p.json"
    _ok(cli("attest", "declare", "--project", "other-show", "--party", "seoul-vendor",
            "--location", "kr", "--out", str(stmt)))  # fmt: skip
    env = tmp_path / "p.dsse.json"
    _ok(cli("attest", "sign", str(stmt), "--key", str(key), "--out", str(env)))
    assert "no project 'other-show'" in _one_line_error(cli("attest", "import", str(env)))
    # a party with no engagement on the project cannot declare for it
    stmt2 = tmp_path / "h.json"
    _ok(cli("attest", "declare", "--project", "show-s1", "--party", "holding",
            "--location", "kr", "--out", str(stmt2)))  # fmt: skip
    env2 = tmp_path / "h.dsse.json"
    _ok(cli("attest", "sign", str(stmt2), "--key", str(key), "--out", str(env2)))
    assert "no engagement" in _one_line_error(cli("attest", "import", str(env2)))
    _one_line_error(cli("attest", "revoke", "seoul-vendor", "deadbeef00"))


def _png(path: Path, seed: int) -> Path:
    img = Image.new("RGB", (80, 60))
    img.putdata(
        [((x * seed) % 256, (y * 7) % 256, (x + y) % 256) for y in range(60) for x in range(80)]
    )
    img.save(path)
    return path


def test_c2pa_sign_verify_and_scan(cli, home, tmp_path):
    pytest.importorskip("c2pa")
    src = tmp_path / "delivery"
    src.mkdir()
    _png(src / "sh0010.png", 3)
    buf = io.BytesIO()
    Image.open(src / "sh0010.png").save(buf, "JPEG")
    (src / "sh0020.jpg").write_bytes(buf.getvalue())
    (src / "sh0030.exr").write_bytes(b"\x76\x2f\x31\x01" + bytes(range(256)) * 8)
    before = {p.name: p.read_bytes() for p in src.iterdir()}

    out = tmp_path / "out"
    rows = _json(cli("attest", "c2pa-sign", str(src), "--project", "show-s1",
                     "--recipient", "seoul-vendor", "--out", str(out), "--json"))  # fmt: skip
    assert {Path(r["out"]).name: r["mode"] for r in rows} == {
        "sh0010.png": "embedded",
        "sh0020.jpg": "embedded",
        "sh0030.exr": "sidecar",
    }
    assert {p.name: p.read_bytes() for p in src.iterdir()} == before  # inputs untouched
    assert (out / "sh0030.exr").read_bytes() == before["sh0030.exr"]
    assert (out / "sh0030.c2pa").is_file()
    secrets = tmp_path / "cwhome" / "secrets"
    assert stat.S_IMODE((secrets / "c2pa").stat().st_mode) == 0o700
    assert stat.S_IMODE((secrets / "c2pa" / "signer.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((out / "sh0010.png").stat().st_mode) != 0o600

    checked = _json(cli("attest", "c2pa-verify", str(out), "--json"))
    assert [(Path(c["path"]).name, c["state"], c["recipient"]) for c in checked] == [
        ("sh0010.png", "Trusted", "seoul-vendor"),
        ("sh0020.jpg", "Trusted", "seoul-vendor"),
        ("sh0030.exr", "Trusted", "seoul-vendor"),
    ]
    assert all(c["issued"]["project"] == "show-s1" for c in checked)
    issued = _json(cli("attest", "list", "--manifests", "--json"))
    assert len(issued) == 3

    # scan reads the manifests and names project and recipient
    scanned = _json(cli("scan", str(out), "--workers", "0", "--json"))
    states = {
        Path(r["path"]).name: r["metadata"]["c2pa"]["state"]
        for r in scanned["records"]
        if "c2pa" in r["metadata"]
    }
    assert states == {"sh0010.png": "Trusted", "sh0020.jpg": "Trusted", "sh0030.exr": "Trusted"}

    # one byte changed in the delivered PNG: verification fails, exit 1, and scan says Invalid
    png = bytearray((out / "sh0010.png").read_bytes())
    png[png.index(b"IDAT") + 20] ^= 1
    (out / "sh0010.png").write_bytes(bytes(png))
    msg = _one_line_error(cli("attest", "c2pa-verify", str(out / "sh0010.png")), code=1)
    assert "Invalid" in msg and "assertion.dataHash.mismatch" in msg
    # (a flipped byte inside PNG's zlib stream also makes the PNG unreadable, so scan rejects
    # it; a JPEG decodes past a flipped coefficient, and scan reports the broken manifest)
    jpg = bytearray((out / "sh0020.jpg").read_bytes())
    jpg[-40] ^= 1
    (out / "sh0020.jpg").write_bytes(bytes(jpg))
    scanned = _json(cli("scan", str(out / "sh0020.jpg"), "--workers", "0", "--json"))
    c2pa = scanned["records"][0]["metadata"]["c2pa"]
    assert c2pa["state"] == "Invalid" and c2pa["recipient"] == "seoul-vendor"
    assert "assertion.dataHash.mismatch" in [f["code"] for f in c2pa["failures"]]

    # a plain file without any manifest is not Trusted either
    _png(tmp_path / "plain.png", 5)
    assert "no manifest" in _one_line_error(
        cli("attest", "c2pa-verify", str(tmp_path / "plain.png")), code=1
    )

    # user errors
    again = ["attest", "c2pa-sign", str(src / "sh0010.png"), "--project", "show-s1"]
    assert "never overwritten" in _one_line_error(
        cli(*again, "--recipient", "seoul-vendor", "--out", str(out))
    )
    assert "no party" in _one_line_error(cli(*again, "--recipient", "nobody", "--out", str(out)))
    _one_line_error(cli("attest", "c2pa-sign", str(tmp_path / "nothing"), "--project", "show-s1",
                        "--recipient", "seoul-vendor"))  # fmt: skip

    with open_session(load_settings()) as session:
        signed = [
            e
            for e in ledger.entries(session, kinds=["attestation"])
            if e["subject"].startswith("c2pa:")
        ]
    assert len(signed) == 3


def test_c2pa_init_is_idempotent(cli, home):
    first = _json(cli("attest", "c2pa-init", "--json"))
    assert first["created"] and "Acme Pictures LLC" in first["signer"]
    second = _json(cli("attest", "c2pa-init", "--json"))
    assert not second["created"] and second["ca_sha256"] == first["ca_sha256"]


def test_sidecars_of_same_named_plates_do_not_collide(cli, home, tmp_path):
    pytest.importorskip("c2pa")
    src = tmp_path / "plates"
    src.mkdir()
    (src / "sh0040.exr").write_bytes(b"\x76\x2f\x31\x01" + b"\x01" * 300)
    (src / "sh0040.dpx").write_bytes(b"SDPX" + b"\x02" * 300)
    out = tmp_path / "out"
    rows = _json(cli("attest", "c2pa-sign", str(src), "--project", "show-s1",
                     "--recipient", "colour-house", "--out", str(out), "--json"))  # fmt: skip
    assert sorted(Path(r["sidecar"]).name for r in rows) == ["sh0040.c2pa", "sh0040.exr.c2pa"]
    checked = _json(cli("attest", "c2pa-verify", str(out), "--json"))
    assert [c["state"] for c in checked] == ["Trusted", "Trusted"]


def test_countersign_in_place(cli, home, tmp_path):
    a, b = tmp_path / "a.key", tmp_path / "b.key"
    _ok(cli("attest", "keygen", "--out", str(a)))
    _ok(cli("attest", "keygen", "--out", str(b)))
    env = tmp_path / "env.json"
    _ok(cli("attest", "sign", str(_declared(cli, tmp_path)), "--key", str(a), "--out", str(env)))
    _ok(cli("attest", "sign", str(env), "--key", str(b), "--out", str(env)))
    assert len(json.loads(env.read_text())["signatures"]) == 2
    assert "already signed" in _one_line_error(
        cli("attest", "sign", str(env), "--key", str(b), "--out", str(env))
    )


def test_a_marked_copy_carries_its_issue_in_the_manifest(cli, home, tmp_path):
    pytest.importorskip("c2pa")
    import cv2

    from chainwatch.marking.synth import cel_frame

    masters = tmp_path / "masters"
    masters.mkdir()
    cv2.imwrite(str(masters / "sh010.png"), cv2.cvtColor(cel_frame(seed=4), cv2.COLOR_RGB2BGR))
    to_colour = ["--project", "show-s1", "--recipient", "colour-house"]
    issued = _json(
        cli("mark", "embed", str(masters), *to_colour, "--out", str(tmp_path / "m"), "--json")
    )
    copy = issued[0]["out"]
    wrong = cli("attest", "c2pa-sign", copy, "--project", "show-s1", "--recipient", "seoul-vendor",
                "--out", str(tmp_path / "wrong"))  # fmt: skip
    assert "issued to colour-house" in _one_line_error(wrong)
    (row,) = _json(
        cli("attest", "c2pa-sign", copy, *to_colour, "--out", str(tmp_path / "d"), "--json")
    )
    assert (
        row["issue_id"] == issued[0]["issue_id"]
        and row["sha256_before"] == issued[0]["marked_sha256"]
    )
    (checked,) = _json(cli("attest", "c2pa-verify", row["out"], "--json"))
    assert checked["delivery"]["issue_id"] == issued[0]["issue_id"]
    assert checked["delivery"]["master_sha256"] == issued[0]["master_sha256"]


def test_a_file_c2pa_cannot_parse_falls_back_to_a_sidecar(cli, home, tmp_path):
    pytest.importorskip("c2pa")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 20)
    to_vendor = ["--project", "show-s1", "--recipient", "seoul-vendor"]
    (row,) = _json(
        cli("attest", "c2pa-sign", str(broken), *to_vendor, "--out", str(tmp_path / "o"), "--json")
    )
    assert row["mode"] == "sidecar" and "could not embed" in row["note"]
    assert Path(row["out"]).read_bytes() == broken.read_bytes()
    (checked,) = _json(cli("attest", "c2pa-verify", row["out"], "--json"))
    assert checked["state"] == "Trusted" and checked["binding"] == "sidecar"
