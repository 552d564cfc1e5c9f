"""MinIO audit log entries, as the audit webhook / Kafka targets publish them (reference:
shared/reference/access-logs-and-ip-data.md §1.8; field names from minio/minio
``internal/logger/message/audit/entry.go``).

Why it matters: studios and vendors run MinIO as a self-hosted S3 for renders and plates.
Each entry names the S3 API call, bucket and object, bytes sent and received, the client
address and the access key, which is how a key shared outside the chain shows up.

Input shapes: JSON lines (one entry per line, as collected from the webhook) and a JSON array
of entries (MinIO has no paging envelope). Pretty-printed entries are read as a document.

Normalization: ``remotehost`` is the client as MinIO saw it (MinIO already prefers
X-Forwarded-For / X-Real-IP when set); ``requestHeader["X-Forwarded-For"]`` is kept as
forwarded_for. The principal is ``accessKey`` (newer servers), else ``requestClaims.accessKey``
(STS), else the key in a SigV4 ``Authorization`` header or a presigned URL's
``X-Amz-Credential``; with none of these the request is ``anonymous`` (public bucket). Bytes
are ``tx`` (sent to the client) except for uploads, where they are ``rx``. A multi-object
delete becomes one event per object. ``parentUser`` (the owner of a service account key) has
no column in EVENT_SCHEMA yet and is not carried.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, TextIO

from chainwatch.access.formats.base import ParseReport
from chainwatch.access.formats.json_records import (
    as_int,
    as_ip,
    as_list,
    as_object,
    as_text,
    as_time,
    has_keys,
    json_head,
    parse_json_events,
    required_action,
)

ACTIONS: dict[str, str] = {
    **dict.fromkeys(("GetObject", "SelectObjectContent"), "download"),
    **dict.fromkeys(
        (
            "HeadObject",
            "GetObjectAttributes",
            "GetObjectTagging",
            "GetObjectACL",
            "GetObjectRetention",
            "GetObjectLegalHold",
            "HeadBucket",
        ),
        "read",
    ),
    **dict.fromkeys(
        (
            "PutObject",
            "CopyObject",
            "PutObjectPart",
            "CopyObjectPart",
            "NewMultipartUpload",
            "CompleteMultipartUpload",
            "PostPolicyBucket",
            "PutObjectFanOut",
        ),
        "upload",
    ),
    **dict.fromkeys(("DeleteObject", "DeleteMultipleObjects", "DeleteBucket"), "delete"),
    **dict.fromkeys(
        (
            "ListObjectsV1",
            "ListObjectsV2",
            "ListObjectVersions",
            "ListBuckets",
            "ListMultipartUploads",
            "ListObjectParts",
        ),
        "list",
    ),
    **dict.fromkeys(("PutBucketPolicy", "PutObjectACL", "PutBucketACL"), "share"),
    **dict.fromkeys(
        ("AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRoleWithLDAPIdentity"), "login"
    ),
}
_SIGV4 = re.compile(r"Credential=([^/,\s]+)/")
_SIGV2 = re.compile(r"AWS ([^:\s]+):")


class MinioFormat:
    """MinIO audit webhook / Kafka entries."""

    name = "minio"
    title = "MinIO audit log (audit webhook / Kafka JSON)"

    def sniff(self, head: str) -> bool:
        text = json_head(head)
        if text is None:
            return False
        return has_keys(text, "api") and (
            has_keys(text, "remotehost") or has_keys(text, "deploymentid")
        )

    def parse(
        self, stream: TextIO, source_id: str, report: ParseReport
    ) -> Iterator[dict[str, Any]]:
        from chainwatch.access.formats.detect import note_decoding

        yield from parse_json_events(
            stream, source_id, report, source_format=self.name, to_events=minio_events
        )
        note_decoding(stream, report)


def minio_events(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """One audit entry as one event (one per object for a multi-object delete)."""
    api = as_object(entry.get("api"), "api")
    raw_action = required_action(api.get("name"), "api.name")
    action = ACTIONS.get(raw_action, "other")
    headers = as_object(entry.get("requestHeader"), "requestHeader")
    rx, tx = as_int(api.get("rx"), "api.rx"), as_int(api.get("tx"), "api.tx")
    principal = _access_key(entry, headers)
    common = {
        "ts": as_time(entry.get("time"), "time"),
        "src_ip": as_ip(entry.get("remotehost"), "remotehost"),
        "forwarded_for": _header(headers, "X-Forwarded-For"),
        "principal": principal,
        "principal_type": "access_key" if principal else "anonymous",
        "action": action,
        "raw_action": raw_action,
        "bytes": rx if action == "upload" else tx,
        "status": as_int(api.get("statusCode"), "api.statusCode", bits=32),
        "user_agent": as_text(entry.get("userAgent"), "userAgent"),
    }
    bucket = as_text(api.get("bucket"), "api.bucket")
    keys = [as_text(api.get("object"), "api.object")]
    for i, item in enumerate(as_list(api.get("objects"), "api.objects")):
        keys.append(as_text(as_object(item, f"api.objects[{i}]").get("objectName"), "objectName"))
    names = [k for k in keys if k] or [None]
    return [{**common, "object": "/".join(p for p in (bucket, key) if p) or None} for key in names]


def _header(headers: dict[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return as_text(value, f"requestHeader.{key}")
    return None


def _access_key(entry: dict[str, Any], headers: dict[str, Any]) -> str | None:
    key = as_text(entry.get("accessKey"), "accessKey")
    if key:
        return key
    claims = as_object(entry.get("requestClaims"), "requestClaims")
    key = as_text(claims.get("accessKey"), "requestClaims.accessKey")
    if key:
        return key
    auth = _header(headers, "Authorization") or ""
    match = _SIGV4.search(auth) or _SIGV2.match(auth)
    if match:
        return match.group(1)
    query = as_object(entry.get("requestQuery"), "requestQuery")
    credential = as_text(query.get("X-Amz-Credential"), "requestQuery.X-Amz-Credential")
    if credential and "/" in credential:  # presigned URL: <key>/<date>/<region>/s3/aws4_request
        return credential.split("/", 1)[0] or None
    return None
