"""Which registry party a finding is about, and how we know.

Screening and chain findings name a party as their subject. Access findings name an account,
an address or a /24; file findings name a file. The risk of a party must still see them, so
a finding is attributed to every party that one of these says it concerns (``via`` records
which, so a reader can check it):

- ``subject``: the subject is a party;
- ``engagement``: the subject is an engagement: its subcontractor;
- ``evidence.recipient`` / ``evidence.party``: a named party in the evidence (MARK-1 names the
  recipient whose marked copy leaked);
- ``evidence.parties``: the parties the access enrichment resolved for the events;
- ``account``: the subject (or an ``evidence.accounts`` entry) is an account a party declared;
- ``network``: the subject address or block lies in a party's declared networks.

Keys the registry does not know are ignored. A finding none of these attribute is
*unattributed*: it still counts for its project (its own "unattributed" bucket), never for a
party. Pure: the caller passes the registry records.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chainwatch.domain import Engagement, Party
from chainwatch.findings.finding import Finding, SubjectType


@dataclass(frozen=True)
class Attribution:
    party: str
    via: str

    def to_dict(self) -> dict[str, str]:
        return {"party": self.party, "via": self.via}


def _account_key(value: str) -> str:
    value = value.strip()
    return value.lower() if "@" in value else value


class PartyDirectory:
    """Lookups from accounts, networks and engagements to party keys."""

    def __init__(self, parties: Iterable[Party], engagements: Iterable[Engagement] = ()):
        self.parties = {p.key: p for p in parties}
        self.accounts: dict[str, str] = {}
        self.networks: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]] = []
        for p in self.parties.values():
            for account in p.accounts:
                self.accounts.setdefault(_account_key(account.value), p.key)
            for cidr in p.networks:
                try:
                    self.networks.append((ipaddress.ip_network(cidr, strict=False), p.key))
                except ValueError:
                    continue  # the chain-file parser rejects these; never crash on one here
        self.engagements = {e.key: e for e in engagements}

    def owner_of_account(self, value: str) -> str | None:
        return self.accounts.get(_account_key(value))

    def owners_of_address(self, value: str) -> list[str]:
        try:
            net = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            return []
        return [
            party
            for declared, party in self.networks
            if declared.version == net.version and declared.overlaps(net)
        ]


def attribute(finding: Finding, directory: PartyDirectory) -> tuple[Attribution, ...]:
    """Every registry party ``finding`` concerns, first reason first, each party once."""
    found: dict[str, str] = {}

    def add(key: Any, via: str) -> None:
        if isinstance(key, str) and key in directory.parties and key not in found:
            found[key] = via

    subject, kind = finding.subject_key, finding.subject_type
    if kind is SubjectType.PARTY:
        add(subject, "subject")
    elif kind is SubjectType.ENGAGEMENT:
        e = directory.engagements.get(subject)
        if e is not None:
            add(e.subcontractor, "engagement")
    evidence = finding.evidence
    for name in ("recipient", "party"):
        add(evidence.get(name), f"evidence.{name}")
    parties = evidence.get("parties")
    if isinstance(parties, list):
        for key in parties:
            add(key, "evidence.parties")
    if kind is SubjectType.ACCOUNT:
        add(directory.owner_of_account(subject), "account")
    accounts = evidence.get("accounts")
    if isinstance(accounts, list):
        for value in accounts:
            if isinstance(value, str):
                add(directory.owner_of_account(value), "account")
    if kind is SubjectType.IP:
        for key in directory.owners_of_address(subject):
            add(key, "network")
    return tuple(Attribution(k, v) for k, v in found.items())
