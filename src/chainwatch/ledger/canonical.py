"""Canonical JSON of ledger entries: the exact bytes that are hashed into a leaf.

The rules are those of RFC 8785 (JSON Canonicalization Scheme), so any JCS library
reproduces the bytes:

- objects: keys sorted by their UTF-16 code units, no whitespace (``,`` and ``:``);
- strings: UTF-8, only ``"``, ``\\`` and control characters escaped (``\\n``, else
  ``\\u00xx``);
- numbers: integers as written; floats in ECMAScript ``Number.prototype.toString`` form
  (shortest round-trip digits, ``1.0`` -> ``1``, ``1e21``, ``1e-7``); NaN and infinities
  are refused;
- ``true``, ``false``, ``null`` as usual.

Two conveniences happen *before* canonicalisation, so callers can pass what they hold:
``datetime``/``date`` become ISO 8601 strings (aware datetimes in UTC with ``Z``), ``Path``
becomes its string, tuples and lists become arrays. Anything else (sets, bytes, objects) is a
``TypeError``: a payload must say exactly what it records.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import PurePath
from typing import Any


def normalise(value: Any) -> Any:
    """The JSON value ``value`` stands for (see the module docstring); else TypeError."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"{value!r} has no JSON form")
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
            return value.replace(tzinfo=None).isoformat() + "Z"
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"object key {key!r} is not a string")
            out[key] = normalise(item)
        return out
    if isinstance(value, (list, tuple)):
        return [normalise(item) for item in value]
    raise TypeError(f"{type(value).__name__} cannot be recorded in the ledger: {value!r}")


def _number(value: float) -> str:
    """ECMAScript Number::toString for a finite double (RFC 8785 §3.2.2.3)."""
    if value == 0:
        return "0"  # also -0.0
    sign = "-" if value < 0 else ""
    digits, _, exp = repr(abs(value)).partition("e")
    mantissa_int, _, mantissa_frac = digits.partition(".")
    # shortest digits (Python's repr is shortest round-trip, as ES requires) and exponent n
    # with value = 0.d1d2...dk * 10**n
    mantissa_frac = mantissa_frac.rstrip("0") if mantissa_frac else ""
    all_digits = (mantissa_int + mantissa_frac).lstrip("0")
    n = len(mantissa_int.lstrip("0")) + (int(exp) if exp else 0)
    if mantissa_int.strip("0") == "":  # 0.000ddd: leading zeros of the fraction lower n
        n = -(len(mantissa_frac) - len(mantissa_frac.lstrip("0"))) + (int(exp) if exp else 0)
    all_digits = all_digits.rstrip("0") or "0"
    k = len(all_digits)
    if k <= n <= 21:
        text = all_digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = all_digits[:n] + "." + all_digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + all_digits
    else:
        e = n - 1
        text = (
            all_digits[0]
            + ("." + all_digits[1:] if k > 1 else "")
            + "e"
            + ("+" if e >= 0 else "-")
            + str(abs(e))
        )
    return sign + text


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(_number(value))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, list):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:  # dict, already normalised
        out.append("{")
        for i, key in enumerate(sorted(value, key=lambda s: s.encode("utf-16-be"))):
            if i:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _write(value[key], out)
        out.append("}")


def canonical_text(value: Any) -> str:
    """The RFC 8785 text of ``value`` (after :func:`normalise`)."""
    out: list[str] = []
    _write(normalise(value), out)
    return "".join(out)


def canonical_bytes(value: Any) -> bytes:
    """UTF-8 bytes of :func:`canonical_text`: what gets hashed."""
    return canonical_text(value).encode("utf-8")


def entry_bytes(
    kind: str, subject: str, recorded_at: str, payload_text: str, *, is_canonical: bool = False
) -> bytes:
    """The leaf data of one ledger entry: canonical JSON of
    ``{"kind", "payload", "recorded_at", "subject", "v": 1}``.

    ``payload_text`` is the payload's JSON text as stored; it is re-canonicalised (unless the
    caller just made it, ``is_canonical``), so the leaf commits to the payload's values, not to
    its whitespace. The sequence number is *not* in the leaf: as in Certificate Transparency, a
    leaf's position in the tree is its index, so moving a row changes every root covering it.
    """
    payload = payload_text if is_canonical else canonical_text(json.loads(payload_text))
    # the keys in RFC 8785 order, written out: the same bytes as canonical_bytes(entry)
    text = (
        '{"kind":' + canonical_text(kind)
        + ',"payload":' + payload
        + ',"recorded_at":' + canonical_text(recorded_at)
        + ',"subject":' + canonical_text(subject)
        + ',"v":1}'
    )  # fmt: skip
    return text.encode("utf-8")
