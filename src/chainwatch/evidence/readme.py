"""``README.txt`` of a pack: what each file is and how to verify the pack, with and without
chainwatch (an auditor may open the pack years later, on another machine)."""

from __future__ import annotations

from typing import Any

README = """chainwatch evidence pack
========================

Subject:    {subject_type} {subject_key}
Created:    {created_at}
Generator:  {generator}

What is here
------------
report.html        the readable report (self-contained: open it offline, print it)
report.pdf         the same report as PDF{pdf_note}
findings.json      every finding of this pack with its evidence and rule
accesses.json      the access-log events behind the findings (log file and line for each)
screening.json     list versions screened against, and each chain party's result
chain.json         the authorized chain as chainwatch's chain document (re-importable)
chain.ftm.jsonl    the same chain as FollowTheMoney entities
risk.json, attestations.json, case.json   when chainwatch had them for this subject
evidence/index.json  the evidence files the findings name, with sha256{copy_note}
ledger/            signed ledger checkpoint, the operator's public key, and the ledger
                   entries about this pack with their RFC 9162 inclusion proofs
manifest.json      sha256 and size of every other file

How to verify (offline)
-----------------------
1. With chainwatch:   chainwatch evidence verify THIS_FOLDER
   Checks every file against manifest.json (missing, extra and modified files are named),
   the checkpoint's Ed25519 signature against ledger/keys/operator.pub (better: against the
   operator key you hold from elsewhere), every entry's inclusion proof against the signed
   root, and the ledger entry #{commitment_seq} that commits to the pack's files by sha256
   (so a file changed together with its manifest line is still caught).
2. Where the ledger database lives:  chainwatch evidence verify THIS_FOLDER --against-db
   Also checks that the ledger still holds these entries unchanged, that it only grew since
   this checkpoint (RFC 9162 consistency proof), and that the export is recorded in it.
3. Without chainwatch: `sha256sum` each file and compare with manifest.json; each line of
   ledger/entries.jsonl is a leaf SHA-256(0x00 || canonical JSON of kind, subject,
   recorded_at, payload, v=1) with an RFC 9162 audit path to the root in
   ledger/checkpoint.note (a C2SP signed note; key in ledger/keys/, Go sumdb/note format).

Map data: {map_attribution}
"""


def readme_text(**fields: Any) -> str:
    """The README with the pack's subject, dates, PDF status and commitment entry filled in."""
    return README.format(**fields)
