"""Options shared by several commands, and how their values are read."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

import typer

from chainwatch.errors import InputError

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]
AsOf = Annotated[
    str | None, typer.Option("--as-of", help="Evaluate as of this date or ISO time (default now).")
]


def parse_when(value: str | None) -> datetime:
    """``YYYY-MM-DD`` (read as noon UTC) or an ISO timestamp; None = now. Naive = UTC."""
    if value is None:
        return datetime.now(UTC)
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(12), UTC)
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value!r} is not a date (YYYY-MM-DD) or ISO timestamp") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
