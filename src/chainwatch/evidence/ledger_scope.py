"""Which ledger entries concern a pack: the rule, as data in and a yes/no out.

An entry concerns the pack when its subject, split at ``:``, ``/``, ``@``, ``!`` and spaces,
names one of the pack's projects, parties, cases (``case:N``), findings (``finding:N``, the
finding's subject) or log files its access findings cite; or when its subject or payload
contains one of the pack's long identifiers: a finding fingerprint, an evidence file's or a
screened list version's sha256. Every ``import`` entry (a chain file the registry was built
from) concerns every pack: imports do not name projects, and the chain shown comes from them.
Subjects follow ``service.ledger``'s contract, e.g.
``CHAIN-2:party:nings-cartoon``, ``list:ofac_sdn``, ``log:x.s3.log``, ``case:3``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

_SPLIT = re.compile(r"[:/ @!]")
ALWAYS = ("import",)


@dataclass(frozen=True)
class LedgerScope:
    tokens: frozenset[str]
    needles: frozenset[str]

    @classmethod
    def of(
        cls,
        *,
        projects: Iterable[str],
        parties: Iterable[str],
        findings: Iterable[tuple[int, str, str, Any]],
        cases: Iterable[Any] = (),
        sha256s: Iterable[str] = (),
    ) -> LedgerScope:
        """``findings``: (id, subject key, fingerprint, evidence) of each finding."""
        tokens = set(projects) | set(parties) | {f"case:{c}" for c in cases}
        needles = {s for s in sha256s if s}
        for finding_id, subject_key, fingerprint, evidence in findings:
            tokens |= {f"finding:{finding_id}", subject_key}
            needles.add(fingerprint)
            sources = evidence.get("sources") if isinstance(evidence, Mapping) else None
            for source in sources or []:
                tokens.add(PurePath(str(source).rsplit(":", 1)[0]).name)
        return cls(frozenset(t for t in tokens if t), frozenset(needles))

    def concerns(self, entry: Mapping[str, Any]) -> bool:
        if entry.get("kind") in ALWAYS:
            return True
        subject = str(entry.get("subject") or "")
        parts = {subject, *_SPLIT.split(subject)}
        kind_subject = subject.split(":", 1)
        if len(kind_subject) == 2:
            parts.add(kind_subject[1])  # "log:x.s3.log" -> "x.s3.log"; "case:3" stays whole
        if parts & self.tokens:
            return True
        payload = json.dumps(entry.get("payload"), ensure_ascii=False, default=str)
        return any(n in payload or n in subject for n in self.needles)
