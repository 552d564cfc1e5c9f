"""in-toto Statement v1 (github.com/in-toto/attestation, ``spec/v1/statement.md``).

A statement binds a typed *predicate* to *subjects* identified by digest::

    {"_type": "https://in-toto.io/Statement/v1",
     "subject": [{"name": "...", "digest": {"sha256": "..."}}],
     "predicateType": "https://...", "predicate": {...}}

It travels as the payload of a DSSE envelope with payloadType ``application/vnd.in-toto+json``.
Parsing checks the frame (type, subjects with at least one lower-case hex digest); what the
predicate means is the predicate module's job.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chainwatch.errors import InputError
from chainwatch.provenance.dsse import IN_TOTO_PAYLOAD_TYPE, Envelope

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
_HEX = re.compile(r"^[0-9a-f]+$")
_DIGEST_LEN = {"sha256": 64, "sha512": 128, "sha384": 96, "sha1": 40}


@dataclass(frozen=True)
class Subject:
    name: str
    digest: Mapping[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "digest": dict(self.digest)}


@dataclass(frozen=True)
class Statement:
    subjects: tuple[Subject, ...]
    predicate_type: str
    predicate: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "_type": STATEMENT_TYPE,
            "subject": [s.to_dict() for s in self.subjects],
            "predicateType": self.predicate_type,
            "predicate": dict(self.predicate),
        }

    def to_bytes(self) -> bytes:
        """The payload bytes: compact, key order as written, UTF-8."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Any) -> Statement:
        if not isinstance(data, Mapping):
            raise InputError("an in-toto statement is a JSON object")
        if data.get("_type") != STATEMENT_TYPE:
            raise InputError(f"_type must be {STATEMENT_TYPE}, got {data.get('_type')!r}")
        raw_subjects = data.get("subject")
        if not isinstance(raw_subjects, list) or not raw_subjects:
            raise InputError("subject must be a non-empty list")
        subjects = []
        for i, s in enumerate(raw_subjects):
            if not isinstance(s, Mapping) or not isinstance(s.get("digest"), Mapping):
                raise InputError(f"subject[{i}] needs a digest object")
            digest = dict(s["digest"])
            if not digest:
                raise InputError(f"subject[{i}].digest is empty")
            for alg, value in digest.items():
                want = _DIGEST_LEN.get(alg)
                if (
                    not isinstance(value, str)
                    or not _HEX.match(value)
                    or (want is not None and len(value) != want)
                ):
                    raise InputError(f"subject[{i}].digest.{alg} is not a lower-case hex digest")
            name = s.get("name", "")
            if not isinstance(name, str):
                raise InputError(f"subject[{i}].name must be a string")
            subjects.append(Subject(name, digest))
        ptype = data.get("predicateType")
        if not isinstance(ptype, str) or not ptype:
            raise InputError("predicateType must be a non-empty string")
        predicate = data.get("predicate", {})
        if not isinstance(predicate, Mapping):
            raise InputError("predicate must be a JSON object")
        return cls(tuple(subjects), ptype, dict(predicate))

    @classmethod
    def from_bytes(cls, payload: bytes) -> Statement:
        try:
            return cls.from_dict(json.loads(payload))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"statement is not JSON: {exc}") from None


def statement_of(envelope: Envelope) -> Statement:
    """The statement an envelope carries; refuses payloads that are not in-toto."""
    if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE:
        raise InputError(
            f"payloadType is {envelope.payload_type!r}, expected {IN_TOTO_PAYLOAD_TYPE}"
        )
    return Statement.from_bytes(envelope.payload)
