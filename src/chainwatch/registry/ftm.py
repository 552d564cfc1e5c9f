"""Export a :class:`~chainwatch.domain.Chain` as FollowTheMoney (FtM 4) entities.

The output loads into Aleph (``alephclient write-entities``), ``ftm`` / nomenklatura tools
and yente-style screening as JSON lines, one entity per line. Every property used below
exists in the FtM 4 schema; :func:`_add` refuses a property the schema does not have,
so a schema change fails loudly rather than dropping data.

Entity ids
    Readable and deterministic, so two exports of the same chain are byte-identical and a
    re-import into Aleph updates instead of duplicating::

        {dataset}-party-{key}                  Company / Person
        {dataset}-account-{party}-{n}          UserAccount, n = 1-based position in the party
        {dataset}-project-{key}                Project
        {dataset}-client-{project}             ProjectParticipant, role "client"
        {dataset}-engagement-{key}             ProjectParticipant for the subcontractor
        {dataset}-subcontract-{key}            UnknownLink contractor -> subcontractor
        {dataset}-ownership-{owner}-{owned}    Ownership
        {dataset}-asset-{key}                  Document
        {dataset}-documentation-{key}          Documentation linking the asset to its project

    FtM accepts ``[0-9a-zA-Z]`` at both ends and ``[0-9a-zA-Z.-]`` inside, 200 characters
    at most. Chain keys may also hold ``_`` and ``:`` (an engagement's default key is
    ``PROJECT:CONTRACTOR:SUBCONTRACTOR``): such a key is slugified (runs of other characters
    become ``-``) and, because that is not one-to-one, suffixed with the first 8 hex digits of
    the SHA-1 of the original key. Keys that are already valid are used unchanged. Ids over
    200 characters are cut and suffixed with a hash of the whole id. Two ownerships that
    land on one id (the same pair declared twice, or ``a-b``/``c`` vs ``a``/``b-c``) get
    ``-2``, ``-3``... in export order; duplicate party, project or asset keys are an error.

Parties
    ``company`` -> ``Company``, ``person`` -> ``Person``.

    * Names: primary -> ``name``; alias -> ``alias``; weak_alias -> ``weakAlias`` (the same
      OFAC distinction: screening tools do not match on weak aliases alone); former ->
      ``previousName``. Original-script names (Hangul, Han...) go to ``name`` too: they are
      the entity's own name written in another script, not an a.k.a., and FtM/OpenSanctions
      keep all scripts of a name in ``name`` (matchers transliterate). The caption still
      shows the primary name, which is added first. FtM 4 ``EntityProxy`` values carry no
      language, so ``Name.script``/``Name.lang`` are not exported.
    * ``country`` -> ``country`` and ``mainCountry`` (country of origin). Location and
      identifier countries are added to ``country`` only.
    * Identifiers (``type`` compared in lower case):
      ``company_registration``/``registration``/``registration_number`` ->
      ``registrationNumber``; ``uscc`` -> ``registrationNumber`` *and* FtM 4's dedicated
      ``uscCode`` (validated with the USCC format; when validation rejects the value it
      stays in ``registrationNumber`` only); ``tax_id`` -> ``taxNumber``; ``vat`` ->
      ``vatCode``; ``passport`` -> ``passportNumber`` (Person only); ``national_id`` ->
      ``idNumber``; ``lei`` -> ``leiCode``; ``duns`` -> ``dunsCode``; ``imo`` ->
      ``imoNumber`` (Company/Organization only); ``inn`` -> ``innCode``; ``ogrn`` ->
      ``ogrnCode``; ``swift``/``bic`` -> ``swiftBic``. Anything else, a property the schema
      lacks (a Person's IMO number, a Company's passport) or a value the property's format
      validator rejects (FtM silently drops e.g. an invalid LEI) -> ``idNumber``, so no
      identifier is lost.
    * Locations -> ``address`` as text ``"City, Region, CC"`` (no separate ``Address``
      entities: the registry holds no street-level data) plus ``country``.
    * ``notes`` -> ``notes``. Timezone, declared networks (CIDR) and ASNs have no FtM
      property on legal entities (``ipAddress`` exists only on ``UserAccount`` and takes
      single addresses), so each becomes one ``description`` line of text such as
      ``"Declared networks: 203.0.113.0/24"``.

Accounts
    ``UserAccount`` with ``owner`` = the party entity id and ``service`` = ``system``; an
    ``email`` account -> ``email`` (falls back to ``username`` if FtM rejects the address);
    ``username``/``access_key``/``arn``/``other`` -> ``username``, with the kind stated in
    ``description`` when it is not a plain username.

Projects and engagements
    Project -> ``Project`` (``name`` = title, ``alias`` = aliases, ``projectId`` = key,
    ``notes``). The client -> ``ProjectParticipant`` with ``role`` ``"client"``.
    An engagement -> ``ProjectParticipant`` (``project``, ``participant`` = subcontractor,
    ``role`` = scope or ``"subcontractor"``, ``status``, ``startDate``/``endDate``) *and*
    an ``UnknownLink`` (``subject`` = contractor, ``object`` = subcontractor, ``role`` =
    ``"subcontracted: <scope>"``, same status and dates): ``ProjectParticipant`` has no slot
    for who engaged whom, and that contractor -> subcontractor edge is the chain itself.
    Both carry a ``description`` with the contractor, authorized_by/authorized_on and notes.

Ownership
    ``Ownership`` (``owner``, ``asset`` = owned, ``percentage`` as text: ``60.0`` -> ``"60"``,
    as FtM keeps it a string). ``source`` -> ``sourceUrl`` when it is a URL, else a
    ``description`` line. FtM's ``asset`` range is ``Asset``: a Company is one, a Person is
    not, so an ownership *of a person* is exported as declared but is off-schema for FtM.

Assets
    ``Document`` with ``title`` = key, ``sourceUrl`` = uri (when FtM accepts it as a URL;
    otherwise the uri goes to ``description``), ``fileName`` = the last path segment of the
    uri. The SHA-256 is written as ``"sha256:<hex>"`` in ``description``, deliberately not in
    ``contentHash``: FtM types that as a generic checksum, but Aleph uses it as the SHA-1 key
    of the file in its archive (and strips checksums on untrusted bulk writes), so a SHA-256
    there would point at a blob that does not exist. Episode and shot become ``description``
    lines. The asset's project is linked with a ``Documentation`` edge (document -> project),
    FtM's relation between a document and the thing it documents; Document has no
    project property.

Note that FtM flags ``Document`` and ``UserAccount`` as *generated* (normally produced by
Aleph's ingestors): they load through bulk/JSON-lines import, but Aleph's UI does not offer
them for manual editing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import date
from typing import IO, Any

from followthemoney import model
from followthemoney.proxy import EntityProxy

from chainwatch.domain import (
    Account,
    AccountKind,
    Asset,
    Chain,
    Engagement,
    Identifier,
    Location,
    NameKind,
    Ownership,
    Party,
    PartyKind,
    Project,
)

__all__ = ["chain_to_entities", "write_ftm_jsonl"]

_ID_MAX = 200
_ID_VALID = re.compile(r"^[0-9a-zA-Z]([0-9a-zA-Z.\-]*[0-9a-zA-Z])?$")
_ID_BAD_RUN = re.compile(r"[^0-9a-zA-Z.\-]+")

_NAME_PROPS: dict[NameKind, str] = {
    NameKind.PRIMARY: "name",
    NameKind.ORIGINAL_SCRIPT: "name",
    NameKind.ALIAS: "alias",
    NameKind.WEAK_ALIAS: "weakAlias",
    NameKind.FORMER: "previousName",
}

# Identifier.type (lower case) -> FtM properties; every value also falls back to idNumber.
_IDENTIFIER_PROPS: dict[str, tuple[str, ...]] = {
    "company_registration": ("registrationNumber",),
    "registration": ("registrationNumber",),
    "registration_number": ("registrationNumber",),
    "uscc": ("registrationNumber", "uscCode"),
    "tax_id": ("taxNumber",),
    "vat": ("vatCode",),
    "passport": ("passportNumber",),
    "national_id": ("idNumber",),
    "lei": ("leiCode",),
    "duns": ("dunsCode",),
    "imo": ("imoNumber",),
    "inn": ("innCode",),
    "ogrn": ("ogrnCode",),
    "swift": ("swiftBic",),
    "bic": ("swiftBic",),
}


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def _slug(key: str) -> str:
    """``key`` unchanged when FtM accepts it in an id, else a slug plus a hash of ``key``."""
    if _ID_VALID.match(key):
        return key
    slug = _ID_BAD_RUN.sub("-", key).strip(".-")
    return f"{slug}-{_digest(key)}" if slug else _digest(key)


def _fit(entity_id: str) -> str:
    if len(entity_id) <= _ID_MAX:
        return entity_id
    head = entity_id[: _ID_MAX - 9].rstrip(".-")
    return f"{head}-{_digest(entity_id)}"


class _Ids:
    """Builds ids and guarantees they are unique within one export."""

    def __init__(self, dataset: str) -> None:
        self.prefix = _slug(dataset)
        self.seen: set[str] = set()

    def of(self, kind: str, *parts: str) -> str:
        return _fit("-".join([self.prefix, kind, *(_slug(p) for p in parts)]))

    def claim(self, entity_id: str, *, unique: bool) -> str:
        """Reserve ``entity_id``; a clash raises when ``unique`` else gets ``-2``, ``-3``..."""
        if entity_id not in self.seen:
            self.seen.add(entity_id)
            return entity_id
        if unique:
            raise ValueError(f"duplicate key: two records export to FtM id {entity_id!r}")
        n = 2
        while _fit(f"{entity_id}-{n}") in self.seen:
            n += 1
        entity_id = _fit(f"{entity_id}-{n}")
        self.seen.add(entity_id)
        return entity_id


def _new(schema: str, entity_id: str) -> EntityProxy:
    entity = model.make_entity(schema)
    entity.id = entity_id
    return entity


def _add(entity: EntityProxy, prop: str, value: Any, *, fallback: str | None = None) -> bool:
    """Add ``value`` to ``prop``; ``fallback`` takes it if the schema lacks ``prop`` or FtM's
    cleaning rejects the value. True when the value was stored somewhere."""
    if value is None or value == "":
        return False
    if isinstance(value, date):
        value = value.isoformat()
    value = str(value)
    p = entity.schema.get(prop)
    if p is None:
        if fallback is not None:
            return _add(entity, fallback, value)
        raise KeyError(f"FtM schema {entity.schema.name} has no property {prop!r}")
    cleaned = p.type.clean(value, format=p.format, proxy=entity)
    if cleaned is None:
        return _add(entity, fallback, value) if fallback is not None else False
    entity.add(p, cleaned, cleaned=True)
    return True


def _address(loc: Location) -> str:
    return ", ".join(x for x in (loc.city, loc.region, loc.country.upper()) if x)


def _add_identifier(entity: EntityProxy, ident: Identifier) -> None:
    props = _IDENTIFIER_PROPS.get(ident.type.strip().lower(), ("idNumber",))
    stored = False
    for prop in props:
        if entity.schema.get(prop) is not None:
            stored = _add(entity, prop, ident.value) or stored
    if not stored:
        _add(entity, "idNumber", ident.value)
    if ident.country:
        _add(entity, "country", ident.country)


def _party(ids: _Ids, party: Party) -> EntityProxy:
    schema = "Person" if party.kind is PartyKind.PERSON else "Company"
    entity = _new(schema, ids.claim(ids.of("party", party.key), unique=True))
    # Primary names first so that the caption is the display name.
    ordered = sorted(party.names, key=lambda n: n.kind is not NameKind.PRIMARY)
    for name in ordered:
        _add(entity, _NAME_PROPS.get(name.kind, "alias"), name.value)
    if not party.names:
        _add(entity, "name", party.key)
    if party.country:
        _add(entity, "country", party.country)
        _add(entity, "mainCountry", party.country)
    for ident in party.identifiers:
        _add_identifier(entity, ident)
    for loc in party.locations:
        _add(entity, "address", _address(loc))
        _add(entity, "country", loc.country)
    _add(entity, "notes", party.notes)
    if party.timezone:
        _add(entity, "description", f"Timezone: {party.timezone}")
    if party.networks:
        _add(entity, "description", "Declared networks: " + ", ".join(party.networks))
    if party.asns:
        _add(entity, "description", "ASNs: " + ", ".join(f"AS{a}" for a in party.asns))
    return entity


def _account(ids: _Ids, owner: EntityProxy, party: Party, n: int, acct: Account) -> EntityProxy:
    entity = _new("UserAccount", ids.claim(ids.of("account", party.key, str(n)), unique=False))
    _add(entity, "owner", owner.id)
    if acct.kind is AccountKind.EMAIL:
        _add(entity, "email", acct.value, fallback="username")
    else:
        _add(entity, "username", acct.value)
        if acct.kind is not AccountKind.USERNAME:
            _add(entity, "description", f"Account kind: {acct.kind.value}")
    _add(entity, "service", acct.system)
    return entity


def _project(ids: _Ids, project: Project) -> EntityProxy:
    entity = _new("Project", ids.claim(ids.of("project", project.key), unique=True))
    _add(entity, "name", project.title)
    for alias in project.aliases:
        _add(entity, "alias", alias)
    _add(entity, "projectId", project.key)
    _add(entity, "notes", project.notes)
    return entity


def _client(ids: _Ids, project: Project) -> EntityProxy:
    entity = _new("ProjectParticipant", ids.claim(ids.of("client", project.key), unique=False))
    _add(entity, "project", ids.of("project", project.key))
    _add(entity, "participant", ids.of("party", project.client))
    _add(entity, "role", "client")
    return entity


def _engagement_text(eng: Engagement) -> str:
    lines = [f"Engaged by: {eng.contractor}", f"Engagement: {eng.key}"]
    if eng.authorized_by or eng.authorized_on:
        by = f" by {eng.authorized_by}" if eng.authorized_by else ""
        on = f" on {eng.authorized_on.isoformat()}" if eng.authorized_on else ""
        lines.append(f"Authorized{by}{on}")
    if eng.notes:
        lines.append(f"Notes: {eng.notes}")
    return "\n".join(lines)


def _engagement(ids: _Ids, eng: Engagement) -> list[EntityProxy]:
    text = _engagement_text(eng)
    participant = _new("ProjectParticipant", ids.claim(ids.of("engagement", eng.key), unique=False))
    _add(participant, "project", ids.of("project", eng.project))
    _add(participant, "participant", ids.of("party", eng.subcontractor))
    _add(participant, "role", eng.scope or "subcontractor")
    link = _new("UnknownLink", ids.claim(ids.of("subcontract", eng.key), unique=False))
    _add(link, "subject", ids.of("party", eng.contractor))
    _add(link, "object", ids.of("party", eng.subcontractor))
    _add(link, "role", f"subcontracted: {eng.scope}" if eng.scope else "subcontracted")
    for entity in (participant, link):
        _add(entity, "status", eng.status.value)
        _add(entity, "startDate", eng.start)
        _add(entity, "endDate", eng.end)
        _add(entity, "description", text)
    return [participant, link]


def _percentage(share: float) -> str:
    share = float(share)
    return str(int(share)) if share.is_integer() else repr(share)


def _ownership(ids: _Ids, own: Ownership) -> EntityProxy:
    entity = _new("Ownership", ids.claim(ids.of("ownership", own.owner, own.owned), unique=False))
    _add(entity, "owner", ids.of("party", own.owner))
    _add(entity, "asset", ids.of("party", own.owned))
    _add(entity, "percentage", _percentage(own.share_pct))
    if own.source and not _add(entity, "sourceUrl", own.source):
        _add(entity, "description", f"Source: {own.source}")
    return entity


def _asset(ids: _Ids, asset: Asset) -> list[EntityProxy]:
    doc_id = ids.claim(ids.of("asset", asset.key), unique=True)
    doc = _new("Document", doc_id)
    _add(doc, "title", asset.key)
    if asset.uri:
        if not _add(doc, "sourceUrl", asset.uri):
            _add(doc, "description", f"URI: {asset.uri}")
        _add(doc, "fileName", asset.uri.rstrip("/").rsplit("/", 1)[-1])
    if asset.sha256:
        _add(doc, "description", f"sha256:{asset.sha256.lower()}")
    if asset.episode:
        _add(doc, "description", f"Episode: {asset.episode}")
    if asset.shot:
        _add(doc, "description", f"Shot: {asset.shot}")
    link = _new("Documentation", ids.claim(ids.of("documentation", asset.key), unique=False))
    _add(link, "document", doc_id)
    _add(link, "entity", ids.of("project", asset.project))
    _add(link, "role", "project asset")
    return [doc, link]


def chain_to_entities(chain: Chain, *, dataset: str = "chainwatch") -> list[EntityProxy]:
    """FtM entities for ``chain``, in a stable order: each party then its accounts, each
    project then its client, each engagement (participant, link), ownerships, each asset
    then its project link. Ids are deterministic (see the module docstring)."""
    ids = _Ids(dataset)
    out: list[EntityProxy] = []
    for party in chain.parties:
        entity = _party(ids, party)
        out.append(entity)
        for n, acct in enumerate(party.accounts, start=1):
            out.append(_account(ids, entity, party, n, acct))
    for project in chain.projects:
        out.append(_project(ids, project))
        out.append(_client(ids, project))
    for eng in chain.engagements:
        out.extend(_engagement(ids, eng))
    for own in chain.ownerships:
        out.append(_ownership(ids, own))
    for asset in chain.assets:
        out.extend(_asset(ids, asset))
    return out


def write_ftm_jsonl(entities: Iterable[EntityProxy], stream: IO[str]) -> int:
    """Write one JSON object per entity and line (the format ``ftm`` and Aleph read)."""
    count = 0
    for entity in entities:
        stream.write(json.dumps(entity.to_dict(), ensure_ascii=False, sort_keys=True))
        stream.write("\n")
        count += 1
    return count
