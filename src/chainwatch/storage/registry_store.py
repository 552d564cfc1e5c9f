"""Registry rows <-> domain records, and idempotent upserts keyed by the user's ids.

``save_*`` compares the incoming record with what is stored (as domain records, so the
comparison is exact) and writes only when something changed: re-importing the same chain
file reports every record ``unchanged`` and touches no row or timestamp.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from chainwatch.domain import (
    Account,
    AccountKind,
    Asset,
    Chain,
    Engagement,
    EngagementStatus,
    Identifier,
    Location,
    Name,
    NameKind,
    Ownership,
    Party,
    PartyKind,
    Project,
)
from chainwatch.errors import NotFoundError
from chainwatch.storage.models import (
    AssetRow,
    EngagementRow,
    OwnershipRow,
    PartyAccountRow,
    PartyIdentifierRow,
    PartyLocationRow,
    PartyNameRow,
    PartyNetworkRow,
    PartyRow,
    ProjectAliasRow,
    ProjectRow,
)


class Change(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def _now() -> datetime:
    return datetime.now(UTC)


# --- rows -> records -----------------------------------------------------------------------


def party_from_row(row: PartyRow) -> Party:
    return Party(
        key=row.key,
        kind=PartyKind(row.kind),
        names=tuple(Name(n.value, NameKind(n.kind), n.script, n.lang) for n in row.names),
        country=row.country,
        identifiers=tuple(Identifier(i.type, i.value, i.country) for i in row.identifiers),
        locations=tuple(Location(x.country, x.region, x.city) for x in row.locations),
        networks=tuple(n.cidr for n in row.networks if n.cidr is not None),
        asns=tuple(n.asn for n in row.networks if n.asn is not None),
        timezone=row.timezone,
        accounts=tuple(Account(AccountKind(a.kind), a.value, a.system) for a in row.accounts),
        notes=row.notes,
    )


def project_from_row(row: ProjectRow) -> Project:
    return Project(
        key=row.key,
        client=row.client.key,
        title=row.title,
        aliases=tuple(a.alias for a in row.aliases),
        notes=row.notes,
    )


def engagement_from_row(row: EngagementRow) -> Engagement:
    return Engagement(
        key=row.key,
        project=row.project.key,
        contractor=row.contractor.key,
        subcontractor=row.subcontractor.key,
        status=EngagementStatus(row.status),
        scope=row.scope,
        authorized_by=row.authorized_by,
        authorized_on=row.authorized_on,
        start=row.start_date,
        end=row.end_date,
        notes=row.notes,
    )


def ownership_from_row(row: OwnershipRow) -> Ownership:
    return Ownership(row.owner.key, row.owned.key, row.share_pct, row.source)


def asset_from_row(row: AssetRow) -> Asset:
    return Asset(row.key, row.project.key, row.uri, row.sha256, row.episode, row.shot)


# --- lookups -------------------------------------------------------------------------------


def _party_row(session: Session, key: str) -> PartyRow:
    row = session.scalar(select(PartyRow).where(PartyRow.key == key))
    if row is None:
        raise NotFoundError(f"no party {key!r}; see `chainwatch parties list`")
    return row


def _project_row(session: Session, key: str) -> ProjectRow:
    row = session.scalar(select(ProjectRow).where(ProjectRow.key == key))
    if row is None:
        raise NotFoundError(f"no project {key!r}; see `chainwatch projects list`")
    return row


def get_party(session: Session, key: str) -> Party:
    return party_from_row(_party_row(session, key))


def get_project(session: Session, key: str) -> Project:
    return project_from_row(_project_row(session, key))


def list_parties(session: Session) -> list[Party]:
    return [party_from_row(r) for r in session.scalars(select(PartyRow).order_by(PartyRow.key))]


def list_projects(session: Session) -> list[Project]:
    rows = session.scalars(select(ProjectRow).order_by(ProjectRow.key))
    return [project_from_row(r) for r in rows]


def list_engagements(session: Session, project: str | None = None) -> list[Engagement]:
    q = select(EngagementRow).order_by(EngagementRow.id)
    if project is not None:
        q = q.where(EngagementRow.project_id == _project_row(session, project).id)
    return [engagement_from_row(r) for r in session.scalars(q)]


def list_ownerships(session: Session) -> list[Ownership]:
    rows = session.scalars(select(OwnershipRow).order_by(OwnershipRow.id))
    return [ownership_from_row(r) for r in rows]


def list_assets(session: Session, project: str | None = None) -> list[Asset]:
    q = select(AssetRow).order_by(AssetRow.key)
    if project is not None:
        q = q.where(AssetRow.project_id == _project_row(session, project).id)
    return [asset_from_row(r) for r in session.scalars(q)]


def find_account_owner(session: Session, value: str) -> Party | None:
    """The party that declared an account (email, access key, user name); case-insensitive
    for emails, exact otherwise."""
    rows = session.scalars(select(PartyAccountRow).where(PartyAccountRow.value == value)).all()
    if not rows and "@" in value:
        rows = [
            r
            for r in session.scalars(
                select(PartyAccountRow).where(PartyAccountRow.kind == AccountKind.EMAIL.value)
            )
            if r.value.lower() == value.lower()
        ]
    if not rows:
        return None
    return party_from_row(session.get(PartyRow, rows[0].party_id))


def known_keys(session: Session) -> dict[str, list[str]]:
    return {
        "parties": list(session.scalars(select(PartyRow.key))),
        "projects": list(session.scalars(select(ProjectRow.key))),
    }


def load_chain(session: Session) -> Chain:
    return Chain(
        parties=tuple(list_parties(session)),
        projects=tuple(list_projects(session)),
        engagements=tuple(list_engagements(session)),
        ownerships=tuple(list_ownerships(session)),
        assets=tuple(list_assets(session)),
    )


# --- upserts -------------------------------------------------------------------------------


class _Rows:
    """Every registry row keyed by its user key, loaded once per import (one query a table)."""

    def __init__(self, session: Session):
        self.session = session
        self.parties = {r.key: r for r in session.scalars(select(PartyRow))}
        self.projects = {r.key: r for r in session.scalars(select(ProjectRow))}
        self.engagements = {r.key: r for r in session.scalars(select(EngagementRow))}
        self.assets = {r.key: r for r in session.scalars(select(AssetRow))}
        self.ownerships = {
            (r.owner.key, r.owned.key): r for r in session.scalars(select(OwnershipRow))
        }

    def party(self, key: str) -> PartyRow:
        if key not in self.parties:
            raise NotFoundError(f"no party {key!r}; see `chainwatch parties list`")
        return self.parties[key]

    def project(self, key: str) -> ProjectRow:
        if key not in self.projects:
            raise NotFoundError(f"no project {key!r}; see `chainwatch projects list`")
        return self.projects[key]


def _save_party(rows: _Rows, party: Party, now: datetime) -> Change:
    row = rows.parties.get(party.key)
    if row is not None and party_from_row(row) == party:
        return Change.UNCHANGED
    change = Change.UPDATED
    if row is None:
        row = PartyRow(key=party.key, created_at=now)
        rows.session.add(row)
        rows.parties[party.key] = row
        change = Change.CREATED
    row.kind = party.kind.value
    row.country = party.country
    row.timezone = party.timezone
    row.notes = party.notes
    row.updated_at = now
    row.names = [
        PartyNameRow(position=i, value=n.value, kind=n.kind.value, script=n.script, lang=n.lang)
        for i, n in enumerate(party.names)
    ]
    row.identifiers = [
        PartyIdentifierRow(position=i, type=x.type, value=x.value, country=x.country)
        for i, x in enumerate(party.identifiers)
    ]
    row.locations = [
        PartyLocationRow(position=i, country=x.country, region=x.region, city=x.city)
        for i, x in enumerate(party.locations)
    ]
    row.networks = [PartyNetworkRow(position=i, cidr=c) for i, c in enumerate(party.networks)] + [
        PartyNetworkRow(position=len(party.networks) + i, asn=a) for i, a in enumerate(party.asns)
    ]
    row.accounts = [
        PartyAccountRow(position=i, kind=a.kind.value, value=a.value, system=a.system)
        for i, a in enumerate(party.accounts)
    ]
    return change


def _save_project(rows: _Rows, project: Project, now: datetime) -> Change:
    row = rows.projects.get(project.key)
    if row is not None and project_from_row(row) == project:
        return Change.UNCHANGED
    client = rows.party(project.client)
    change = Change.UPDATED
    if row is None:
        row = ProjectRow(key=project.key, created_at=now)
        rows.session.add(row)
        rows.projects[project.key] = row
        change = Change.CREATED
    row.client = client
    row.title = project.title
    row.notes = project.notes
    row.updated_at = now
    row.aliases = [ProjectAliasRow(position=i, alias=a) for i, a in enumerate(project.aliases)]
    return change


def _save_engagement(rows: _Rows, e: Engagement, now: datetime) -> Change:
    row = rows.engagements.get(e.key)
    if row is not None and engagement_from_row(row) == e:
        return Change.UNCHANGED
    project, contractor = rows.project(e.project), rows.party(e.contractor)
    subcontractor = rows.party(e.subcontractor)
    change = Change.UPDATED
    if row is None:
        row = EngagementRow(key=e.key, created_at=now)
        rows.session.add(row)
        rows.engagements[e.key] = row
        change = Change.CREATED
    row.project = project
    row.contractor = contractor
    row.subcontractor = subcontractor
    row.status = e.status.value
    row.scope = e.scope
    row.authorized_by = e.authorized_by
    row.authorized_on = e.authorized_on
    row.start_date = e.start
    row.end_date = e.end
    row.notes = e.notes
    row.updated_at = now
    return change


def _save_ownership(rows: _Rows, o: Ownership, now: datetime) -> Change:
    row = rows.ownerships.get((o.owner, o.owned))
    if row is not None and ownership_from_row(row) == o:
        return Change.UNCHANGED
    change = Change.UPDATED
    if row is None:
        row = OwnershipRow(owner=rows.party(o.owner), owned=rows.party(o.owned))
        rows.session.add(row)
        rows.ownerships[(o.owner, o.owned)] = row
        change = Change.CREATED
    row.share_pct = o.share_pct
    row.source = o.source
    return change


def _save_asset(rows: _Rows, a: Asset, now: datetime) -> Change:
    row = rows.assets.get(a.key)
    if row is not None and asset_from_row(row) == a:
        return Change.UNCHANGED
    project = rows.project(a.project)
    change = Change.UPDATED
    if row is None:
        row = AssetRow(key=a.key)
        rows.session.add(row)
        rows.assets[a.key] = row
        change = Change.CREATED
    row.project = project
    row.uri = a.uri
    row.sha256 = a.sha256
    row.episode = a.episode
    row.shot = a.shot
    return change


def save_chain(session: Session, chain: Chain) -> dict[str, dict[str, int]]:
    """Upsert a whole chain in dependency order; counts per section and change kind.

    Records are compared as domain records with what is stored, and only differences are
    written, so re-importing the same file touches no row.
    """
    with session.no_autoflush:
        rows = _Rows(session)
        now = _now()
        counts: dict[str, dict[str, int]] = {}
        sections: list[tuple[str, Iterable, Callable]] = [
            ("parties", chain.parties, _save_party),
            ("projects", chain.projects, _save_project),
            ("engagements", chain.engagements, _save_engagement),
            ("ownership", chain.ownerships, _save_ownership),
            ("assets", chain.assets, _save_asset),
        ]
        for section, items, save in sections:
            c = counts.setdefault(section, {k.value: 0 for k in Change})
            for item in items:
                c[save(rows, item, now).value] += 1
    session.flush()
    return counts
