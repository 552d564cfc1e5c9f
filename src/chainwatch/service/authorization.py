"""``is_authorized``: may this party or account touch this project's assets at this time?

Access forensics calls it for CHAIN-1. Accounts (emails, access keys, user names declared
on parties) are resolved to their party first; an account nobody declared is not authorized.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from chainwatch.errors import NotFoundError
from chainwatch.registry.chain import AuthorizationDecision, ChainGraph
from chainwatch.storage import registry_store as store


def _as_date(at_time: datetime | date | None) -> date | None:
    if isinstance(at_time, datetime):
        return (at_time.astimezone(UTC) if at_time.tzinfo else at_time).date()
    return at_time


def is_authorized(
    session: Session, party_or_account: str, project: str, at_time: datetime | date | None
) -> AuthorizationDecision:
    """Decide by party key first, then by declared account; ``at_time`` None = ever."""
    proj = store.get_project(session, project)
    graph = ChainGraph(proj, store.list_engagements(session, project))
    on = _as_date(at_time)
    try:
        party = store.get_party(session, party_or_account).key
    except NotFoundError:
        owner = store.find_account_owner(session, party_or_account)
        if owner is None:
            return AuthorizationDecision(
                False,
                proj.key,
                None,
                f"{party_or_account!r} is neither a registered party nor a declared account",
            )
        party = owner.key
    return graph.authorization(party, on)
