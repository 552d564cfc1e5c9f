"""SCR-1 … SCR-6 from screening results: pure, records in, findings out.

- SCR-1: a party's name matches a list entry (severity from the score: C >= 0.95, H >= 0.88,
  else M), SCR-2: an identifier equals a listed one (C).
- A party with SCR-2, or SCR-1 at C/H, counts as *listed* for the ownership and link rules.
- SCR-3: owned >= 50% in aggregate by listed parties (``ownership.py``).
- SCR-4: the list itself links the matched entry to another listed party ("Linked To:"), or a
  listed party holds a minority stake (control is for EU/UK tests, not OFAC's 50% rule).
- SCR-5: the DPRK government rule (``jurisdiction.py``).
- SCR-6: after a list update, only new or changed entries are screened against every party.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from chainwatch.domain import Ownership, Party
from chainwatch.findings.catalogue import Severity
from chainwatch.findings.finding import Finding, SubjectType
from chainwatch.screening.compare import Match, screen
from chainwatch.screening.index import ScreeningIndex
from chainwatch.screening.jurisdiction import dprk_government_reasons
from chainwatch.screening.ownership import blocked_by_ownership, minority_listed_owners

ANALYZER = "screening"
CANDIDATES_PER_PARTY = 5


def severity_for(score: float) -> Severity:
    if score >= 0.95:
        return Severity.C
    if score >= 0.88:
        return Severity.H
    return Severity.M


def _match_evidence(m: Match) -> dict:
    e = m.entry
    return {
        "list": e.source,
        "entry_id": e.entry_id,
        "entry_name": e.name,
        "entry_kind": str(e.kind),
        "programs": list(e.programs),
        "listed_on": e.listed_on,
        "score": round(m.result.score, 4),
        "matched_name": m.result.matched_name_a,
        "listed_name": m.result.matched_name_b,
        "explanation": [r.to_dict() for r in m.result.explanation],
        "identifiers": [f"{i.type}:{i.value}" for i in e.identifiers],
        "relations": [f"{r.kind.value}: {r.target_name}" for r in e.relations],
    }


def _on_party(
    rule_id: str,
    party: str,
    summary: str,
    evidence: dict,
    confidence: float,
    dedupe: str,
    severity: Severity | None = None,
) -> Finding:
    """Every screening finding is about a registry party; this spells that once."""
    return Finding.of(
        rule_id,
        subject_type=SubjectType.PARTY,
        subject_key=party,
        summary=summary,
        evidence=evidence,
        confidence=confidence,
        severity=severity,
        analyzer=ANALYZER,
        dedupe=dedupe,
    )


def _has_identifier(m: Match) -> bool:
    return any(r.code == "identifier" for r in m.result.explanation)


def _name_score(m: Match) -> float:
    return max((r.contribution for r in m.result.explanation if r.code == "name"), default=0.0)


@dataclass(frozen=True)
class PartyMatches:
    party: Party
    matches: tuple[Match, ...]  # decisions only, best first

    @property
    def is_listed(self) -> bool:
        return any(
            _has_identifier(m) or severity_for(m.score) is not Severity.M for m in self.matches
        )


def match_parties(
    parties: Iterable[Party], index: ScreeningIndex, threshold: float
) -> list[PartyMatches]:
    out = []
    for p in parties:
        hits = screen(p, index, limit=CANDIDATES_PER_PARTY, threshold=threshold)
        out.append(PartyMatches(p, tuple(m for m in hits if m.result.decision)))
    return out


def list_match_findings(pm: PartyMatches, threshold: float) -> list[Finding]:
    """SCR-2 for an equal identifier; SCR-1 when the name alone reaches the threshold."""
    found = []
    for m in pm.matches:
        e = m.entry
        ev = _match_evidence(m)
        dedupe = f"{e.source}:{e.entry_id}"
        if _has_identifier(m):
            ident = next(r.text for r in m.result.explanation if r.code == "identifier")
            found.append(
                _on_party(
                    "SCR-2",
                    pm.party.key,
                    summary=f"{pm.party.name}: {ident} on {e.source} entry {e.entry_id} ({e.name})",
                    evidence=ev,
                    confidence=0.99,
                    dedupe=dedupe,
                )
            )
        name_score = _name_score(m)
        if name_score >= threshold:
            found.append(
                _on_party(
                    "SCR-1",
                    pm.party.key,
                    summary=f"{pm.party.name} matches {e.source} entry {e.entry_id} ({e.name}) "
                    f"by name, score {name_score:.2f}",
                    evidence=ev,
                    confidence=round(min(1.0, name_score), 4),
                    severity=severity_for(name_score),
                    dedupe=dedupe,
                )
            )
    return found


def linked_findings(pm: PartyMatches) -> list[Finding]:
    """SCR-4 from the list's own relationships of the entries a party matched."""
    found = []
    for m in pm.matches:
        for rel in m.entry.relations:
            how = rel.kind.value.replace("_", " ")
            found.append(
                _on_party(
                    "SCR-4",
                    pm.party.key,
                    summary=f"{pm.party.name} matches {m.entry.source} entry {m.entry.entry_id}, "
                    f"which the list links to {rel.target_name} ({how})",
                    evidence={
                        **_match_evidence(m),
                        "relation": rel.kind.value,
                        "related_name": rel.target_name,
                        "related_entry_id": rel.target_entry_id,
                        "list_text": rel.text,
                    },
                    confidence=round(min(0.99, m.result.score), 4),
                    dedupe=f"{m.entry.source}:{m.entry.entry_id}>{rel.target_name}",
                )
            )
    return found


def screening_findings(
    parties: Sequence[Party],
    ownerships: Sequence[Ownership],
    index: ScreeningIndex,
    threshold: float,
) -> list[Finding]:
    """Every SCR-1…SCR-5 finding for the registry's parties against the loaded lists."""
    matched = match_parties(parties, index, threshold)
    names = {p.key: p.name for p in parties}
    findings: list[Finding] = []
    listed: dict[str, str] = {}
    for pm in matched:
        findings += list_match_findings(pm, threshold)
        findings += linked_findings(pm)
        if pm.is_listed:
            listed[pm.party.key] = pm.matches[0].entry.name
        elif dprk_government_reasons(pm.party, [m.entry for m in pm.matches]):
            listed[pm.party.key] = "DPRK government (SCR-5)"  # blocked without a listing
    for key, b in blocked_by_ownership(ownerships, listed).items():
        owners = ", ".join(f"{names.get(o, o)} {s:g}%" for o, s in b.owners)
        findings.append(
            _on_party(
                "SCR-3",
                key,
                summary=f"{names.get(key, key)} is {b.total_pct:g}% owned by blocked parties "
                f"({owners})",
                evidence={
                    "total_pct": b.total_pct,
                    "depth": b.depth,
                    "owners": [
                        {"party": o, "share_pct": s, "listed_as": listed.get(o)}
                        for o, s in b.owners
                    ],
                },
                confidence=0.95,
                dedupe="ownership",
            )
        )
    blocked = set(listed) | set(blocked_by_ownership(ownerships, listed))
    for key, held in minority_listed_owners(ownerships, blocked).items():
        owners = ", ".join(f"{names.get(o, o)} {s:g}%" for o, s in held)
        findings.append(
            _on_party(
                "SCR-4",
                key,
                summary=f"{names.get(key, key)} has blocked minority owners ({owners}); "
                "below OFAC's 50% rule, but a control question under EU/UK rules",
                evidence={"owners": [{"party": o, "share_pct": s} for o, s in held]},
                confidence=0.6,
                dedupe="minority-ownership",
            )
        )
    for pm in matched:
        reasons = dprk_government_reasons(pm.party, [m.entry for m in pm.matches])
        if reasons:
            findings.append(
                _on_party(
                    "SCR-5",
                    pm.party.key,
                    summary=f"{pm.party.name} may be part of or act for the DPRK government: "
                    f"{reasons[0]}",
                    evidence={"reasons": reasons},
                    confidence=0.9,
                    dedupe="dprk-government",
                )
            )
    return findings


def rescreen_findings(
    parties: Sequence[Party],
    changed_index: ScreeningIndex,
    change_of: Mapping[tuple[str, str], str],
    snapshot: str,
    threshold: float,
) -> list[Finding]:
    """SCR-6: parties that match an entry added or changed in the newest list version."""
    findings = []
    for pm in match_parties(parties, changed_index, threshold):
        for m in pm.matches:
            e = m.entry
            change = change_of.get((e.source, e.entry_id), "changed")
            underlying = "SCR-2" if _has_identifier(m) else "SCR-1"
            sev = Severity.C if underlying == "SCR-2" else severity_for(m.result.score)
            findings.append(
                _on_party(
                    "SCR-6",
                    pm.party.key,
                    summary=f"{pm.party.name} matches {change} {e.source} entry {e.entry_id} "
                    f"({e.name}) in list version {snapshot}",
                    evidence={
                        **_match_evidence(m),
                        "change": change,
                        "snapshot": snapshot,
                        "underlying_rule": underlying,
                    },
                    confidence=round(min(1.0, m.result.score), 4),
                    severity=sev,
                    dedupe=f"{e.source}:{e.entry_id}@{snapshot}",
                )
            )
    return findings
