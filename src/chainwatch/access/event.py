"""The normalized access event, as Arrow schemas: what every log format is parsed into, and
what enrichment adds. One schema for all formats is what lets one detector read S3, nginx,
Microsoft 365 and Aspera alike.

Parsers produce ``EVENT_SCHEMA`` rows; ``access/batch.py`` adds ``ENRICHED_FIELDS``. Times are
UTC. ``record_id`` identifies the raw record (hash of the source file's identity and the
record's position), so re-ingesting a file adds nothing.
"""

from __future__ import annotations

import pyarrow as pa

# Normalized actions: detectors reason about these, not about each vendor's operation names.
ACTIONS = ("download", "read", "upload", "delete", "list", "share", "login", "other")

EVENT_SCHEMA = pa.schema(
    [
        pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("src_ip", pa.string()),  # as logged (IPv4 or IPv6 text)
        pa.field("forwarded_for", pa.string()),  # X-Forwarded-For, first hop first
        pa.field("principal", pa.string()),  # account: e-mail, access key id, ARN, user name
        # email, access_key, arn, canonical_id, username, app, anonymous
        pa.field("principal_type", pa.string()),
        pa.field("action", pa.string()),  # one of ACTIONS
        pa.field("raw_action", pa.string()),  # the log's own operation (REST.GET.OBJECT, ...)
        pa.field("object", pa.string()),  # bucket/key, URL path or file path
        pa.field("bytes", pa.int64()),
        pa.field("status", pa.int32()),  # HTTP status where the format has one
        pa.field("user_agent", pa.string()),
        pa.field("auth_type", pa.string()),  # e.g. S3 QueryString = a pre-signed URL (EXPOSE-3)
        pa.field("source_format", pa.string(), nullable=False),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("source_line", pa.int64(), nullable=False),  # 1-based line or record number
        pa.field("record_id", pa.string(), nullable=False),
    ]
)

ENRICHED_FIELDS = [
    pa.field("country", pa.string()),  # ISO alpha-2 lower case
    pa.field("region", pa.string()),
    pa.field("city", pa.string()),
    pa.field("lat", pa.float64()),
    pa.field("lon", pa.float64()),
    pa.field("asn", pa.int64()),
    pa.field("as_org", pa.string()),
    pa.field("is_dprk", pa.bool_()),  # inside the curated DPRK prefixes (NET-1)
    pa.field("is_vpn", pa.bool_()),
    pa.field("is_datacenter", pa.bool_()),
    pa.field("is_tor", pa.bool_()),
    pa.field("hub", pa.string()),  # DPRK-worker hub region name (NET-6), else null
    pa.field("party", pa.string()),  # registry party the principal or IP maps to
    pa.field("project", pa.string()),  # project owning the object, when known
    pa.field("authorized", pa.bool_()),  # party authorized on that project at ts (CHAIN-1)
]

ENRICHED_SCHEMA = pa.schema([*EVENT_SCHEMA, *ENRICHED_FIELDS])
