"""Tables of cases, their comments and attachments, and suppressions (see chainwatch.service.cases)."""

from __future__ import annotations

from chainwatch.storage.models import Base  # noqa: F401
