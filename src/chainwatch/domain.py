"""Plain typed records of the chain registry. No I/O, no database, no clock.

Records are frozen and hashable so analyzers can share them without copying. Keys are the
user's own stable identifiers (``hanbit-motion``), which the chain file, the database and
every finding use alike; tier depth is never stored, it is derived from engagements
(:mod:`chainwatch.registry.chain`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class PartyKind(StrEnum):
    COMPANY = "company"
    PERSON = "person"


class NameKind(StrEnum):
    """How a name relates to its party; sanctions lists make the same distinctions."""

    PRIMARY = "primary"
    ALIAS = "alias"
    WEAK_ALIAS = "weak_alias"  # OFAC's "weak a.k.a.": too broad to screen alone
    ORIGINAL_SCRIPT = "original_script"  # e.g. Hangul or Han characters of a romanized name
    FORMER = "former"


class EngagementStatus(StrEnum):
    """Where an engagement stands with the client.

    ``undeclared`` is a link nobody declared: recorded by an investigator from evidence
    (an invoice, a log, a file), it is the re-subcontracting that CHAIN-2 exists for.
    """

    AUTHORIZED = "authorized"
    PENDING = "pending"
    REFUSED = "refused"
    UNDECLARED = "undeclared"


class AccountKind(StrEnum):
    """Identities under which a party shows up in storage and transfer logs."""

    EMAIL = "email"
    ACCESS_KEY = "access_key"  # e.g. AWS/MinIO access key id
    USERNAME = "username"
    ARN = "arn"
    OTHER = "other"


@dataclass(frozen=True)
class Name:
    value: str
    kind: NameKind = NameKind.PRIMARY
    script: str | None = None  # ISO 15924 (Latn, Hang, Hani, Cyrl); None = not stated
    lang: str | None = None


@dataclass(frozen=True)
class Identifier:
    """A registration number, USCC, passport... ``type`` is free text but conventional
    values are listed in the chain file schema (uscc, company_registration, passport...)."""

    type: str
    value: str
    country: str | None = None  # ISO 3166-1 alpha-2, lower case


@dataclass(frozen=True)
class Location:
    country: str  # ISO 3166-1 alpha-2, lower case
    region: str | None = None
    city: str | None = None


@dataclass(frozen=True)
class Account:
    kind: AccountKind
    value: str
    system: str | None = None  # which storage system: "s3", "m365", "aspera"...


@dataclass(frozen=True)
class Party:
    key: str
    kind: PartyKind
    names: tuple[Name, ...]
    country: str | None = None
    identifiers: tuple[Identifier, ...] = ()
    locations: tuple[Location, ...] = ()
    networks: tuple[str, ...] = ()  # declared CIDR ranges (offices, VPN egress)
    asns: tuple[int, ...] = ()
    timezone: str | None = None  # IANA zone the party says it works in
    accounts: tuple[Account, ...] = ()
    notes: str | None = None

    @property
    def name(self) -> str:
        """The display name: the first primary name, else the first name."""
        for n in self.names:
            if n.kind is NameKind.PRIMARY:
                return n.value
        return self.names[0].value if self.names else self.key


@dataclass(frozen=True)
class Project:
    key: str
    client: str  # party key of the ordering studio: tier 0 of the chain
    title: str
    aliases: tuple[str, ...] = ()  # code names, working titles
    notes: str | None = None


@dataclass(frozen=True)
class Engagement:
    """``contractor`` hired ``subcontractor`` on ``project`` for ``scope``."""

    key: str
    project: str
    contractor: str
    subcontractor: str
    status: EngagementStatus
    scope: str | None = None
    authorized_by: str | None = None
    authorized_on: date | None = None
    start: date | None = None
    end: date | None = None
    notes: str | None = None

    def is_active(self, on: date | None) -> bool:
        """True when ``on`` falls inside [start, end]; open ends are unbounded; None = any time."""
        if on is None:
            return True
        if self.start is not None and on < self.start:
            return False
        return not (self.end is not None and on > self.end)


@dataclass(frozen=True)
class Ownership:
    owner: str
    owned: str
    share_pct: float  # 0 < share <= 100
    source: str | None = None


@dataclass(frozen=True)
class Asset:
    key: str
    project: str
    uri: str | None = None
    sha256: str | None = None
    episode: str | None = None
    shot: str | None = None


@dataclass(frozen=True)
class Chain:
    """Everything one chain file declares; the unit of import and export."""

    parties: tuple[Party, ...] = ()
    projects: tuple[Project, ...] = ()
    engagements: tuple[Engagement, ...] = ()
    ownerships: tuple[Ownership, ...] = ()
    assets: tuple[Asset, ...] = ()


# --- sanctions lists -----------------------------------------------------------------------


class EntityKind(StrEnum):
    """What a list entry is; screening compares like with like (``Any`` when unknown)."""

    PERSON = "Person"
    COMPANY = "Company"  # also organizations, state organs, government bodies
    VESSEL = "Vessel"
    AIRCRAFT = "Aircraft"
    ANY = "Any"


class RelationKind(StrEnum):
    LINKED_TO = "linked_to"  # OFAC remarks "Linked To:", UN/EU "associated with"
    OWNED_BY = "owned_by"
    CONTROLLED_BY = "controlled_by"
    ACTS_FOR = "acts_for"
    OTHER = "other"


@dataclass(frozen=True)
class ListAddress:
    full: str | None = None
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2, lower case, when it could be mapped
    country_name: str | None = None  # as the list wrote it


@dataclass(frozen=True)
class ListRelation:
    """A relationship a list publishes, e.g. OFAC "Linked To: SEK STUDIO."."""

    kind: RelationKind
    target_name: str
    target_entry_id: str | None = None  # the related entry's id on the same list, if known
    text: str | None = None  # the list's own words


@dataclass(frozen=True)
class ListEntry:
    """One listing on one sanctions list, normalized from any official format.

    ``source`` names the list ("ofac_sdn", "ofac_cons", "un", "eu", "uk", "opensanctions",
    "custom:<name>"); ``entry_id`` is the list's own id, so (source, entry_id) is unique.
    Dates are ISO 8601 strings, possibly partial ("1974", "1974-04"), as lists give them.
    """

    source: str
    entry_id: str
    kind: EntityKind
    names: tuple[Name, ...]
    identifiers: tuple[Identifier, ...] = ()
    birth_dates: tuple[str, ...] = ()
    birth_places: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()  # ISO alpha-2 lower case where mappable
    countries: tuple[str, ...] = ()  # every country the entry is tied to (addresses etc.)
    addresses: tuple[ListAddress, ...] = ()
    programs: tuple[str, ...] = ()
    relations: tuple[ListRelation, ...] = ()
    listed_on: str | None = None
    remarks: str | None = None
    properties: tuple[tuple[str, str], ...] = ()  # anything else worth showing (gender...)

    @property
    def name(self) -> str:
        for n in self.names:
            if n.kind is NameKind.PRIMARY:
                return n.value
        return self.names[0].value if self.names else self.entry_id
