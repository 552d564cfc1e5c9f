"""``is_authorized``: may this party or account touch this project's assets at this time?

Access forensics calls it for CHAIN-1. Accounts (emails, access keys, user names declared
on parties) are resolved to their party first; an account nobody declared is not authorized.
``Authorizer`` answers the same question from memory for log volumes: it reads the registry
once, then each check costs a graph walk of one project.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from chainwatch.errors import NotFoundError
from chainwatch.registry.chain import AuthorizationDecision, ChainGraph, evaluation_date
from chainwatch.storage import registry_store as store

_as_date = evaluation_date


class Authorizer:
    """The registry's authorization rules held in memory; build one per analysis run."""

    def __init__(self, session: Session, project: str | None = None):
        """All projects, or only ``project`` (one check needs one project's graph)."""
        if project is not None:
            proj = store.get_project(session, project)
            self._graphs = {proj.key: ChainGraph(proj, store.list_engagements(session, project))}
        else:
            engagements = store.list_engagements(session)
            self._graphs = {
                p.key: ChainGraph(p, [e for e in engagements if e.project == p.key])
                for p in store.list_projects(session)
            }
        parties = store.list_parties(session)
        self._parties = {p.key for p in parties}
        self._accounts: dict[str, str] = {}
        for party in parties:
            for account in party.accounts:
                value = account.value.lower() if "@" in account.value else account.value
                self._accounts.setdefault(value, party.key)

    def party_of(self, party_or_account: str) -> str | None:
        if party_or_account in self._parties:
            return party_or_account
        key = party_or_account.lower() if "@" in party_or_account else party_or_account
        return self._accounts.get(key)

    def check(
        self, party_or_account: str, project: str, at_time: datetime | date | None
    ) -> AuthorizationDecision:
        graph = self._graphs.get(project)
        if graph is None:
            raise NotFoundError(f"no project {project!r}; see `chainwatch projects list`")
        party = self.party_of(party_or_account)
        if party is None:
            return AuthorizationDecision(
                False,
                project,
                None,
                f"{party_or_account!r} is neither a registered party nor a declared account",
            )
        return graph.authorization(party, _as_date(at_time))


def is_authorized(
    session: Session, party_or_account: str, project: str, at_time: datetime | date | None
) -> AuthorizationDecision:
    """Decide by party key first, then by declared account; ``at_time`` None = ever.

    One decision, the same rules as ``Authorizer`` (which it builds): use an ``Authorizer``
    directly for many checks."""
    return Authorizer(session, project).check(party_or_account, project, at_time)
