"""Canonical entry bytes follow RFC 8785 (JCS), so any JCS implementation reproduces a leaf."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from chainwatch.ledger.canonical import canonical_text, entry_bytes


def test_rfc8785_number_examples():
    # RFC 8785 appendix B / §3.2.2.3: ECMAScript number serialisation
    cases = {
        0.0: "0",
        1.0: "1",
        100.0: "100",
        0.1: "0.1",
        -2.5: "-2.5",
        1e21: "1e+21",
        1e20: "100000000000000000000",
        1e-7: "1e-7",
        1e-6: "0.000001",
        0.000001234: "0.000001234",
        5e-324: "5e-324",
        1.7976931348623157e308: "1.7976931348623157e+308",
        333333333.3333333: "333333333.3333333",
        9007199254740993.0: "9007199254740992",
    }
    for value, text in cases.items():
        assert canonical_text(value) == text, value


def test_objects_sorted_by_utf16_without_spaces():
    # RFC 8785 §3.2.3 sorting example: keys compared as UTF-16 code units
    value = {
        "\u20ac": "Euro",
        "\r": "CR",
        "\ufb33": "Hebrew",
        "1": "One",
        "\U0001f600": "Emoji",
        "\u0080": "Control",
        "\u00f6": "Latin",
    }
    text = canonical_text(value)
    order = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    positions = [text.index(json.dumps(k, ensure_ascii=False)) for k in order]
    assert positions == sorted(positions)
    assert canonical_text({"b": [1, True, None], "a": {"y": "é", "x": "\n\u001f"}}) == (
        '{"a":{"x":"\\n\\u001f","y":"é"},"b":[1,true,null]}'
    )


def test_conveniences_and_refusals():
    at = datetime(2026, 11, 25, 15, 0, tzinfo=timezone(timedelta(hours=2)))
    assert canonical_text({"t": at, "d": date(2026, 1, 2), "p": Path("a/b"), "l": (1, 2)}) == (
        '{"d":"2026-01-02","l":[1,2],"p":"a/b","t":"2026-11-25T13:00:00Z"}'
    )
    for bad in (float("nan"), float("inf"), {1: "x"}, {"s": {1, 2}}, b"bytes"):
        with pytest.raises(TypeError):
            canonical_text(bad)


def test_entry_bytes_commit_to_every_field():
    base = entry_bytes("finding", "ACCESS-1:v", "2026-11-25T15:00:00Z", '{"a":1}')
    assert base == (
        b'{"kind":"finding","payload":{"a":1},"recorded_at":"2026-11-25T15:00:00Z",'
        b'"subject":"ACCESS-1:v","v":1}'
    )
    assert entry_bytes("finding", "ACCESS-1:w", "2026-11-25T15:00:00Z", '{"a":1}') != base
    assert entry_bytes("finding", "ACCESS-1:v", "2026-11-25T15:00:01Z", '{"a":1}') != base
    assert entry_bytes("finding", "ACCESS-1:v", "2026-11-25T15:00:00Z", '{"a":2}') != base
    # payload whitespace does not matter; its values do
    assert entry_bytes("finding", "ACCESS-1:v", "2026-11-25T15:00:00Z", '{ "a" : 1 }') == base
    assert datetime(2026, 1, 1, tzinfo=UTC)  # keep UTC imported for readers


def test_entry_bytes_equal_the_canonical_json_of_the_entry():
    from chainwatch.ledger.canonical import canonical_bytes

    payload = {"z": [1.5, "é\u2028", None], "a": {"b": 1e-7}}
    text = canonical_text(payload)
    entry = {"v": 1, "subject": "s\n", "recorded_at": "t", "kind": "k", "payload": payload}
    assert entry_bytes("k", "s\n", "t", text) == canonical_bytes(entry)
    assert entry_bytes("k", "s\n", "t", text, is_canonical=True) == canonical_bytes(entry)
