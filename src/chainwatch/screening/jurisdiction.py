"""SCR-5: the DPRK government is blocked whether or not an entity is listed (OFAC FAQ 398).

A party is raised when the registry or a list ties it to the North Korean state by
*jurisdiction and infrastructure*: declared in or located in North Korea, an identifier
issued there, a declared network inside DPRK address space, a name that is a state organ's,
or a matching list entry that calls it a North Korean state-owned enterprise. A person's
nationality is never a reason: this rule looks at where and for whom work is done, not at
anyone's origin.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from chainwatch.domain import ListEntry, Party, PartyKind
from chainwatch.screening.normalize import fold

# DPRK-allocated address space (reference/dprk-signals.md §3.1; the NET-1 prefixes).
DPRK_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("175.45.176.0/22", "210.52.109.0/24", "77.94.35.0/24")
)

# Names of DPRK state and party organs, as the lists write them (folded before comparing).
STATE_ORGANS = (
    "workers party of korea",
    "korean workers party",
    "central committee of the workers party",
    "reconnaissance general bureau",
    "munitions industry department",
    "ministry of state security",
    "ministry of people s armed forces",
    "korean people s army",
    "state affairs commission",
    "cabinet of the dprk",
    "government of north korea",
    "government of the democratic people s republic of korea",
    "조선로동당",
    "정찰총국",
    "군수공업부",
    "국가보위성",
)
STATE_ENTRY_MARKERS = ("state-owned enterprise", "government entity", "state owned enterprise")


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", fold(text)).split())


def _in_dprk_space(cidr: str) -> bool:
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    return any(net.version == d.version and net.overlaps(d) for d in DPRK_NETWORKS)


def dprk_government_reasons(party: Party, matched: Iterable[ListEntry] = ()) -> list[str]:
    """Why a party may be part of, or act for, the DPRK government; empty if no reason."""
    reasons: list[str] = []
    if party.kind is PartyKind.COMPANY and party.country == "kp":  # for a person: nationality
        reasons.append("declared country is North Korea (KP)")
    for loc in party.locations:
        if loc.country == "kp":
            where = ", ".join(x for x in (loc.city, loc.region) if x) or "North Korea"
            reasons.append(f"declared location in North Korea ({where})")
    if party.kind is PartyKind.COMPANY:
        for ident in party.identifiers:
            if ident.country == "kp":
                reasons.append(f"{ident.type} {ident.value} issued in North Korea")
    for cidr in party.networks:
        if _in_dprk_space(cidr):
            reasons.append(f"declared network {cidr} lies in DPRK address space")
    plain = [f" {_plain(n.value)} " for n in party.names]
    for organ in STATE_ORGANS:
        if any(f" {organ} " in name for name in plain):
            reasons.append(f"name designates a DPRK state or party organ ({organ!r})")
            break
    for entry in matched:
        text = " ".join([entry.remarks or "", *(v for _, v in entry.properties)]).lower()
        if "kp" in entry.countries and any(m in text for m in STATE_ENTRY_MARKERS):
            reasons.append(
                f"matches {entry.source} entry {entry.entry_id} ({entry.name}), listed as a "
                "North Korean state-owned enterprise or government entity"
            )
    return reasons
