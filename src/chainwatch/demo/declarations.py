"""Lanternfall's vendor declarations: one honest, one that leaves a subcontractor out.

Each vendor makes its own Ed25519 key and signs an in-toto declaration (DSSE); the studio
trusts the public keys and imports both, exactly as ``chainwatch attest`` does:

- Dasol Ink & Paint declares Mirae Compositing (its pending finale compositor) and its
  Bucheon office: verified, complete, recent, so it raises nothing;
- Hanbit Motion declares only Dasol, although the registry shows it sent in-between work to
  Shenyang Yuanfang (``lf1-yuanfang``, found in its payment run): CHAIN-3 names the omission.

Parties that never declared (Yuanfang, the Chongqing studio) raise CHAIN-3 as missing. Keys
and envelopes are written under ``$CHAINWATCH_HOME/demo-vendors`` (the demo's own data dir):
in real use each vendor keeps its private key and sends only the envelope and the public key.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chainwatch.provenance.declaration import DeclaredSubcontractor, WorkLocation
from chainwatch.service import provenance
from chainwatch.settings import Settings

DECLARATIONS: dict[str, dict[str, Any]] = {
    "dasol-inkpaint": {
        "name": "Dasol Ink & Paint",
        "subcontractors": [
            DeclaredSubcontractor("mirae-compositing", "Mirae Compositing", "compositing")
        ],
        "locations": [WorkLocation("kr", "Gyeonggi-do", "Bucheon", ("198.51.100.0/25",))],
    },
    "hanbit-motion": {  # leaves out Shenyang Yuanfang (lf1-yuanfang)
        "name": "Hanbit Motion Co., Ltd.",
        "subcontractors": [
            DeclaredSubcontractor("dasol-inkpaint", "Dasol Ink & Paint", "ink & paint")
        ],
        "locations": [WorkLocation("kr", "Seoul", "Mapo-gu", ("203.0.113.0/25",))],
    },
}
PROJECT = "lanternfall-s1"
AGE = timedelta(days=14)  # the declarations are two weeks old on the demo day


def seed_declarations(session: Session, settings: Settings, *, now: datetime) -> dict[str, Any]:
    """Keys, signed declarations, trust and import; returns what was imported."""
    folder = settings.home / "demo-vendors"
    folder.mkdir(parents=True, exist_ok=True)
    imported = []
    for party, spec in DECLARATIONS.items():
        key = folder / f"{party}.key"
        if not key.exists():
            provenance.keygen(key)
        statement = provenance.declare(
            project=PROJECT,
            party=party,
            subcontractors=spec["subcontractors"],
            locations=spec["locations"],
            as_of=(now - AGE).date(),
            party_name=spec["name"],
            now=now - AGE + timedelta(hours=6),
        )
        unsigned = folder / f"{party}.statement.json"
        unsigned.write_text(statement.to_json(), "utf-8")
        envelope = provenance.sign_statement(unsigned, key)
        signed = folder / f"{party}.dsse.json"
        signed.write_text(envelope.to_json(), "utf-8")
        provenance.trust_key(session, party, key.with_name(key.name + ".pub"), now=now)
        imported.append(provenance.import_envelope(session, signed, now=now))
    return {"declarations": imported, "folder": str(folder)}
