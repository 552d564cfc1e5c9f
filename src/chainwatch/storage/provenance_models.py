"""Tables of vendor declarations (signed in-toto statements) and C2PA manifests issued (see chainwatch.provenance)."""

from __future__ import annotations

from chainwatch.storage.models import Base  # noqa: F401
