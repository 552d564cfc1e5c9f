"""Checkpoints as C2SP signed notes: format, key text forms, signatures and co-signatures."""

from __future__ import annotations

import base64

import pytest

from chainwatch.ledger.checkpoint import (
    DASH,
    Checkpoint,
    NoteError,
    Signer,
    Verifier,
    add_signature,
    key_id,
    make_note,
    parse_note,
    verify_note,
)


def test_key_text_round_trip_and_key_id():
    signer = Signer.generate("studio-audit")
    text = signer.to_string()
    assert text.startswith("PRIVATE+KEY+studio-audit+")
    again = Signer.from_string(text)
    assert again.verifier == signer.verifier
    vkey = signer.verifier.to_string()
    name, hex_id, raw = vkey.split("+", 2)
    assert name == "studio-audit"
    public = base64.b64decode(raw)
    assert public[0] == 1 and len(public) == 33
    assert hex_id == key_id(name, public[1:]).hex()
    assert Verifier.from_string(vkey) == signer.verifier
    assert "seed" not in repr(signer) or signer.seed.hex() not in repr(signer)


def test_key_text_errors():
    vkey = Signer.generate("a").verifier.to_string()
    name, hex_id, raw = vkey.split("+", 2)
    with pytest.raises(NoteError):
        Verifier.from_string(f"b+{hex_id}+{raw}")  # key id no longer matches
    with pytest.raises(NoteError):
        Verifier.from_string("nope")
    with pytest.raises(NoteError):
        Signer.from_string(vkey)
    with pytest.raises(NoteError):
        Signer.generate("has space")


def test_note_layout_and_verification():
    op = Signer.generate("chainwatch-operator")
    body = Checkpoint(
        "chainwatch.ledger/abcd", 42, bytes(range(32)), ("time 2026-11-25T15:00:00Z",)
    ).body()
    assert body == (
        "chainwatch.ledger/abcd\n42\n"
        + base64.b64encode(bytes(range(32))).decode()
        + "\ntime 2026-11-25T15:00:00Z\n"
    )
    note = make_note(body, [op])
    head, sig_line = note.split("\n\n")
    assert head + "\n" == body
    assert sig_line.startswith(f"{DASH} chainwatch-operator ")
    assert len(base64.b64decode(sig_line.split()[2])) == 4 + 64

    checked = verify_note(note, [op.verifier])
    assert checked.verified == ("chainwatch-operator",)
    assert checked.checkpoint.size == 42 and checked.checkpoint.root == bytes(range(32))
    assert checked.checkpoint.extension("time") == "2026-11-25T15:00:00Z"

    # one changed byte in the body: the signature fails
    forged = note.replace("\n42\n", "\n43\n")
    assert verify_note(forged, [op.verifier]).invalid == ("chainwatch-operator",)
    # a key we do not know is reported as unknown, not trusted
    other = Signer.generate("someone")
    assert verify_note(note, [other.verifier]).unknown == ("chainwatch-operator",)


def test_cosignature():
    op, studio = Signer.generate("operator"), Signer.generate("studio")
    body = Checkpoint("o", 3, bytes(32)).body()
    note = add_signature(make_note(body, [op]), studio)
    body2, sigs = parse_note(note)
    assert body2 == body and [s.name for s in sigs] == ["operator", "studio"]
    assert verify_note(note, [op.verifier, studio.verifier]).verified == ("operator", "studio")
    with pytest.raises(NoteError):
        add_signature(note, studio)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "o\n1\nAAAA\n",
        "o\n1\n" + base64.b64encode(bytes(32)).decode() + "\n\nno dash\n",
        "a\r\n",
    ],
)
def test_malformed_notes(text):
    with pytest.raises(NoteError):
        verify_note(text, [])
