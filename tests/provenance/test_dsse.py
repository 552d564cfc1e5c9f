"""DSSE v1: PAE bytes, sign/verify with Ed25519, several signatures, tampering, wrong keys."""

from __future__ import annotations

import base64
import json

import pytest

from chainwatch.errors import InputError
from chainwatch.provenance import dsse
from chainwatch.provenance.dsse import Envelope


def test_pae_matches_the_spec_example():
    # protocol.md: PAE("http://example.com/HelloWorld", "hello world")
    assert dsse.pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )
    # lengths count bytes, not characters
    assert dsse.pae("t", "한".encode()) == b"DSSEv1 1 t 3 \xed\x95\x9c"


def test_round_trip_through_json_with_two_signatures():
    vendor, contractor = dsse.generate_key(), dsse.generate_key()
    env = dsse.sign(b'{"hello": "world"}', vendor)
    env = dsse.add_signature(env, contractor)
    parsed = Envelope.from_json(env.to_json())
    assert parsed == env and parsed.payload_type == dsse.IN_TOTO_PAYLOAD_TYPE
    keys = {dsse.keyid_of(k.public_key()): k.public_key() for k in (vendor, contractor)}
    result = dsse.verify(parsed, keys)
    assert result.ok
    assert set(result.valid_keyids) == set(keys)
    # the vendor alone verifies its own signature; the other is an unknown key to it
    only_vendor = {dsse.keyid_of(vendor.public_key()): vendor.public_key()}
    statuses = [c.status for c in dsse.verify(parsed, only_vendor).checks]
    assert statuses == ["valid", "unknown-key"]


def test_same_key_twice_is_refused():
    key = dsse.generate_key()
    env = dsse.sign(b"x", key)
    with pytest.raises(InputError, match="already signed"):
        dsse.add_signature(env, key)


def _keys(*ks):
    return {dsse.keyid_of(k.public_key()): k.public_key() for k in ks}


def test_tampered_payload_fails_naming_the_key():
    key = dsse.generate_key()
    data = json.loads(dsse.sign(b'{"subcontractors": []}', key).to_json())
    data["payload"] = base64.b64encode(b'{"subcontractors": ["x"]}').decode()
    result = dsse.verify(Envelope.from_dict(data), _keys(key))
    assert not result.ok
    (bad,) = result.invalid
    assert bad.keyid == dsse.keyid_of(key.public_key())


def test_tampered_signature_and_payload_type_fail():
    key = dsse.generate_key()
    env = dsse.sign(b"payload", key)
    sig = bytearray(env.signatures[0].sig)
    sig[0] ^= 1
    forged = Envelope(
        env.payload_type, env.payload, (dsse.Signature(env.signatures[0].keyid, bytes(sig)),)
    )
    assert not dsse.verify(forged, _keys(key)).ok
    retyped = Envelope("text/plain", env.payload, env.signatures)  # PAE covers the type too
    assert not dsse.verify(retyped, _keys(key)).ok


def test_wrong_key_is_unknown_not_valid():
    signer, other = dsse.generate_key(), dsse.generate_key()
    env = dsse.sign(b"payload", signer)
    result = dsse.verify(env, _keys(other))
    assert not result.ok and [c.status for c in result.checks] == ["unknown-key"]


def test_keyid_is_a_hint_only():
    key = dsse.generate_key()
    env = dsse.sign(b"payload", key)
    renamed = Envelope(env.payload_type, env.payload, (dsse.Signature("", env.signatures[0].sig),))
    result = dsse.verify(renamed, _keys(key))
    assert result.ok and result.valid_keyids == (dsse.keyid_of(key.public_key()),)


def test_url_safe_unpadded_base64_is_accepted():
    key = dsse.generate_key()
    env = dsse.sign(b"\xfb\xff payload needing url-safe chars \xfe", key)
    data = env.to_dict()
    data["payload"] = base64.urlsafe_b64encode(env.payload).decode().rstrip("=")
    data["signatures"][0]["sig"] = (
        base64.urlsafe_b64encode(env.signatures[0].sig).decode().rstrip("=")
    )
    assert dsse.verify(Envelope.from_dict(data), _keys(key)).ok


@pytest.mark.parametrize(
    "doc, message",
    [
        ("[]", "JSON object"),
        ('{"payload": "", "payloadType": "x"}', "missing signatures"),
        ('{"payload": "%%%", "payloadType": "x", "signatures": []}', "not valid base64"),
        ('{"payload": "", "payloadType": "x", "signatures": [{"keyid": "a"}]}', "has no sig"),
        ("not json", "not JSON"),
    ],
)
def test_malformed_envelopes_are_input_errors(doc, message):
    with pytest.raises(InputError, match=message):
        Envelope.from_json(doc)


def test_key_files_round_trip_and_refuse_the_wrong_kind():
    key = dsse.generate_key()
    priv = dsse.private_key_pem(key)
    pub = dsse.public_key_pem(key.public_key())
    assert dsse.keyid_of(dsse.load_private_key(priv).public_key()) == dsse.keyid_of(
        dsse.load_public_key(pub)
    )
    with pytest.raises(InputError, match="give the .pub file"):
        dsse.load_public_key(priv)
    with pytest.raises(InputError, match="not an unencrypted PEM private key"):
        dsse.load_private_key(pub)
